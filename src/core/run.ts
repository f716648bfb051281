// One run from request to RunReport: locate, parse inputs, bundle, warm up, then serial and parallel phases per repeat.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { access } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { version as toolVersion } from '../../package.json';
import type { RunEvent } from '../shared/events';
import {
  REPORT_SCHEMA_VERSION,
  type LaneRecord,
  type PhaseRun,
  type RunOptions,
  type RunPhase,
  type RunReport,
  type RunSummary,
  type RunWarning,
  type WarningCode,
  type SweepResult,
  type TargetInfo,
  type TaskRecord,
} from '../shared/report';
import type { ModuleSpec, TaskSpec, TaskStartNotice, WorkerBatch } from '../shared/workerProtocol';
import { UserError, type RunHandlers, type RunOutcome, type RunRequest } from './api';
import { bundleTarget } from './bundle';
import { parseInputsInSlices } from './inputs';
import { loadEsbuild } from './lazyModules';
import { locateTargetBinding, type TargetBinding } from './locate';
import { idealParallelMs, serialTaskDurations } from './format';
import { dispatchTasks, type DispatchedTask, type PoolConfig, type WarmPools, type WorkerPool } from './pools';
import { CANCELLED_WHILE_LOADING, cancelledWhileLoadingError, MODULE_LOAD_FAILED } from './pools/taskDispatch';
import { isPythonFile } from './python/interpreter';
import { locatePythonTarget } from './python/locate';
import { pythonModuleSpec } from './python/module';
import { gilWarning } from './python/gil';
import { fitAmdahlSerialFraction, greedyMakespan, isFirstRunSlow, madOutliers, mean, median, spreadOf } from './stats';

export const DEFAULT_MAX_LOG_CHARS = 64 * 1024;
export const DEFAULT_MAX_PREVIEW_CHARS = 2000;
/** Time budget for repeating serial/parallel pairs until the speedup's interval is within ±5 %. */
export const DEFAULT_MEASURE_SECONDS = 10;

/** What the Engine lends a run. */
export interface RunContext {
  pools: WarmPools;
  distDir: string;
  cacheDir: string;
  /** Set once the worker entries were found; a missing build does not appear mid-session. */
  workerFilesChecked?: Promise<void>;
  /** Located targets by file, selector and text: a warm re-run of unchanged text skips parsing with Babel. */
  locatedTargets?: Map<string, TargetBinding>;
  /** TypeScript files whose "types are not checked" note a report of this engine already carried: said once, not every run. */
  typeNoteGiven?: Set<string>;
}

/** Runs with more task records than this give the event loop a turn before the report is summarized. */
const YIELD_AFTER_TASKS = 10_000;
/** Input-order advice only when longest first would save at least this much. */
const ORDER_ADVICE_MIN_MS = 20;
/** The dispatch-cost warning estimates its medians from at most this many tasks. */
const WARNING_SAMPLE_TASKS = 10_000;

/** Located bindings kept per engine; a file edited many times should not grow this without bound. */
const MAX_LOCATED_TARGETS = 64;

/** Bump when locate.ts finds targets differently, so bindings located by an older build are not reused from disk. */
const LOCATE_CACHE_VERSION = 1;

/** Where a binding located in this exact text is kept on disk, beside the bundles. */
function locatedCachePath(cacheDir: string, key: string): string {
  const name = createHash('sha256').update(`${LOCATE_CACHE_VERSION}\0${toolVersion}\0${key}`).digest('hex').slice(0, 32);
  return path.join(cacheDir, 'located', `${name}.json`);
}

/** A binding a previous process located in this exact text, or undefined. Synchronous: one small read. */
function readLocated(file: string): TargetBinding | undefined {
  try {
    const binding = JSON.parse(readFileSync(file, 'utf8')) as TargetBinding;
    return typeof binding?.target?.name === 'string' && typeof binding.moduleFormat === 'string' ? binding : undefined;
  } catch {
    return undefined;
  }
}

/** Best effort: a cache that cannot be written only costs the next process a parse. */
function writeLocated(file: string, binding: TargetBinding): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.${randomUUID()}.tmp`;
    writeFileSync(temporary, JSON.stringify(binding));
    renameSync(temporary, file);
  } catch {
    // Read-only or full disk: locate again next time.
  }
}

/**
 * locateTargetBinding, remembered per (file, selector, text) for this engine and on disk in the cache folder: a new
 * process (the CLI, a restarted editor) running unchanged text skips loading Babel (~100 ms cold) and parsing.
 */
async function locateCached(context: RunContext, source: string, file: string, selector: RunRequest['target'], beforeParse?: () => void): Promise<TargetBinding> {
  const cache = (context.locatedTargets ??= new Map());
  const key = `${file}\0${JSON.stringify(selector)}\0${createHash('sha256').update(source).digest('base64')}`;
  let known = cache.get(key);
  const onDisk = locatedCachePath(context.cacheDir, key);
  if (!known) {
    known = readLocated(onDisk);
    if (known) cache.set(key, known);
  }
  // A copy: the target goes into a report a face may keep or change.
  if (known) return { ...known, target: { ...known.target, params: [...known.target.params] } };
  // New text: it will most likely need a new bundle too, so the caller may start esbuild's service now.
  beforeParse?.();
  const binding = await locateTargetBinding(source, file, selector);
  if (cache.size >= MAX_LOCATED_TARGETS) cache.delete(cache.keys().next().value!);
  cache.set(key, binding);
  writeLocated(onDisk, binding);
  return { ...binding, target: { ...binding.target, params: [...binding.target.params] } };
}

let toolsLoading = false;

/**
 * Starts esbuild's service process, once per process: it boots on another core while this thread does the next steps
 * (pools, loading Babel in a prewarm), instead of at the first build. A process of its own: a run starts it only once the
 * request proved good, so a refused run leaves no child process.
 */
function startEsbuildService(): void {
  if (toolsLoading) return;
  toolsLoading = true;
  try {
    void loadEsbuild()
      .initialize({})
      .catch(() => undefined);
  } catch {
    // Not installed, or initialized by other code in this process: the bundle step says what is wrong, if anything.
  }
}

/** Absolute monotonic µs; the same clock the workers stamp tasks with. */
export function monotonicNowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

function positiveInteger(value: number, name: string, minimum: number): number {
  if (!Number.isInteger(value) || value < minimum) throw new UserError(`${name} must be a whole number ≥ ${minimum} (got ${value}).`);
  return value;
}

/** Fills in defaults and rejects settings a run cannot use. */
export function resolveRunOptions(partial: Partial<RunOptions> = {}): RunOptions {
  const backend = partial.backend ?? 'threads';
  if (backend !== 'threads' && backend !== 'processes') throw new UserError(`backend must be "threads" or "processes" (got ${String(backend)}).`);
  const options: RunOptions = {
    backend,
    workers: positiveInteger(partial.workers ?? os.availableParallelism(), 'workers', 1),
    compareWithSerial: partial.compareWithSerial ?? true,
    warmupRuns: positiveInteger(partial.warmupRuns ?? 0, 'warmupRuns', 0),
    repeats: positiveInteger(partial.repeats ?? 1, 'repeats', 1),
    taskTimeoutSeconds: partial.taskTimeoutSeconds ?? 0,
    measureSeconds: partial.measureSeconds ?? DEFAULT_MEASURE_SECONDS,
  };
  if (!(options.taskTimeoutSeconds >= 0)) throw new UserError(`taskTimeoutSeconds must be 0 (none) or more (got ${options.taskTimeoutSeconds}).`);
  if (partial.workerMemoryLimitMb !== undefined) options.workerMemoryLimitMb = positiveInteger(partial.workerMemoryLimitMb, 'workerMemoryLimitMb', 16);
  return options;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

const PLAIN_STRING = /^[\x20-\x26\x28-\x5b\x5d-\x7e]*$/;

/** util.inspect on one line, bounded in depth and length so a huge value cannot stall the host. */
export function previewValue(value: unknown, maxChars: number): string {
  // Numbers and short plain strings are most results; rendering them by hand keeps per-task cost in the nanoseconds.
  if (typeof value === 'number' && !Object.is(value, -0)) return truncate(String(value), maxChars);
  if (typeof value === 'string' && value.length <= maxChars && PLAIN_STRING.test(value)) return truncate(`'${value}'`, maxChars);
  if (typeof value === 'boolean' || value === undefined || value === null) return String(value);
  return truncate(inspect(value, { depth: 4, breakLength: Infinity, maxArrayLength: 50, maxStringLength: maxChars, compact: true }), maxChars);
}

function previewArgs(args: unknown[], maxChars: number): string {
  return truncate(args.map((arg) => previewValue(arg, maxChars)).join(', '), maxChars);
}

/**
 * The text to run. One synchronous read of a source file takes tens of µs; fs.promises.readFile opens, stats, reads and
 * closes through the thread pool, four round trips that cost 1–2 ms per warm run.
 */
function readSource(request: RunRequest): string {
  if (request.source !== undefined) return request.source;
  try {
    return readFileSync(request.file, 'utf8');
  } catch (error) {
    throw new UserError(`Cannot read ${request.file}: ${(error as Error).message}`);
  }
}

async function checkWorkerFiles(distDir: string): Promise<void> {
  for (const name of ['taskWorker.js', 'processWorker.js']) {
    try {
      await access(path.join(distDir, name));
    } catch {
      throw new Error(`The worker entry ${path.join(distDir, name)} is missing: build the extension (npm run build) or pass EngineOptions.distDir.`);
    }
  }
}

let host: RunReport['host'] | undefined;

/** The same for every run of this process; os.cpus() alone costs ~0.2 ms. */
function hostInfo(): RunReport['host'] {
  host ??= {
    pid: process.pid,
    platform: process.platform,
    arch: process.arch,
    nodeVersion: process.version,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cpuCount: os.availableParallelism(),
  };
  return { ...host };
}

interface PhaseSpec {
  phase: RunPhase;
  repeat: number;
  pool: WorkerPool;
  /** Warm-up phases run the tasks but leave no trace in the report. */
  warmup: boolean;
}

interface PhaseResult {
  run: PhaseRun;
  tasks: TaskRecord[];
  dispatched: DispatchedTask[];
}

let runCounter = 0;

/** Everything a run accumulates; phases append to it while events go out. */
class RunState {
  readonly originUs = monotonicNowUs();
  readonly report: RunReport;
  readonly argsPreviews: string[];
  private phaseCounter = 0;
  private readonly runNumber = ++runCounter;
  /** Set when a cancel stopped workers still loading the module (before or in a phase): how long that phase had been loading it. */
  cancelledLoadMs: number | undefined;

  constructor(
    readonly request: RunRequest,
    readonly handlers: RunHandlers,
    readonly target: TargetInfo,
    readonly options: RunOptions,
    readonly inputs: unknown[][],
    readonly module: ModuleSpec,
    readonly maxLogChars: number,
    readonly maxPreviewChars: number,
  ) {
    this.argsPreviews = inputs.map((args) => previewArgs(args, maxPreviewChars));
    this.report = {
      schemaVersion: REPORT_SCHEMA_VERSION,
      id: randomUUID(),
      createdAt: new Date().toISOString(),
      tool: { name: 'parallel-runner', version: toolVersion },
      target,
      options,
      host: hostInfo(),
      clockOriginUs: this.originUs,
      phases: [],
      tasks: [],
      summary: { parallelMs: 0, tasks: inputs.length, failedTasks: 0, workers: options.workers },
      warnings: [],
      status: 'running',
    };
  }

  get cancelled(): boolean {
    return this.handlers.signal?.aborted ?? false;
  }

  emit(event: RunEvent): void {
    if (!this.handlers.onEvent) return;
    try {
      this.handlers.onEvent(event);
    } catch {
      // A face's rendering bug must not break the run.
    }
  }

  relative(absoluteUs: number): number {
    return absoluteUs - this.originUs;
  }

  nextPhaseKey(): string {
    // Short: it travels with every batch. Unique within the process, which is all the pools need.
    return `${this.runNumber}.${this.phaseCounter++}`;
  }
}

/** A module still loading after this long (with no shorter task timeout) is left to load inside the phase, where timeout and cancel apply. */
const PRELOAD_WAIT_MS = 2000;
/** The module hash every worker of a pool has loaded, so a warm re-run skips the preload. */
const preloadedHash = new WeakMap<WorkerPool, string>();

/**
 * Has every worker of the pool load the bundle before the phase's clock starts, so serial and parallel walls both measure
 * execution only. A load failure stays in the worker for the phase to report; a load that does not end in time is stopped.
 */
async function preloadModule(state: RunState, pool: WorkerPool): Promise<boolean | 'cancelled'> {
  if (state.cancelled) return false;
  if (preloadedHash.get(pool) === state.module.hash) return true;
  const { workers, backend } = pool.config;
  const controller = new AbortController();
  const onCancel = () => controller.abort('cancelled');
  state.handlers.signal?.addEventListener('abort', onCancel, { once: true });
  const timeoutMs = state.options.taskTimeoutSeconds * 1000;
  const timer = setTimeout(() => controller.abort('slow'), timeoutMs > 0 ? Math.min(timeoutMs, PRELOAD_WAIT_MS) : PRELOAD_WAIT_MS);
  const batch: WorkerBatch = {
    module: state.module,
    tasks: [],
    maxLogChars: 0,
    phaseKey: 'preload',
    preload: true,
    // Threads share memory: a barrier makes piscina give each thread one preload. Child processes each take one anyway.
    ...(backend === 'threads' ? { preloadBarrier: new SharedArrayBuffer(4), preloadWorkers: workers } : {}),
  };
  try {
    const control = { signal: controller.signal, onTaskStart: () => undefined, onDispatched: () => undefined };
    const replies = await Promise.all(Array.from({ length: workers }, () => pool.send(batch, control)));
    const loaded = replies.every((reply) => reply.kind === 'done');
    if (loaded) preloadedHash.set(pool, state.module.hash);
    return loaded || (controller.signal.reason === 'cancelled' ? 'cancelled' : false);
  } finally {
    clearTimeout(timer);
    state.handlers.signal?.removeEventListener('abort', onCancel);
  }
}

async function runPhase(state: RunState, spec: PhaseSpec): Promise<PhaseResult> {
  const { phase, repeat, pool, warmup } = spec;
  const workers = pool.config.workers;
  const record = !warmup;
  const tasks: TaskSpec[] = state.inputs.map((args, index) => ({ index, args }));
  await pool.whenReady();
  const loadStartedMs = Date.now();
  const preloaded = await preloadModule(state, pool);
  // A stopped preload replaced its workers: let the new ones boot, so the phase times their loading, not their start.
  if (preloaded === false && !state.cancelled) await pool.whenReady();
  state.emit({ type: 'phase-started', phase, repeat, workers, totalTasks: tasks.length, warmup });

  const lanes = new Map<string, LaneRecord>();
  // Tasks of a chunk come one after another from the same worker: the last lane answers most lookups without a key string.
  let lastLane: LaneRecord | undefined;
  const laneOf = (pid: number, threadId: number): LaneRecord => {
    if (lastLane && lastLane.pid === pid && lastLane.threadId === threadId) return lastLane;
    const key = `${pid}/${threadId}`;
    let lane = lanes.get(key);
    if (!lane) {
      lane = { lane: lanes.size, pid, threadId, busyMs: 0, utilization: 0, tasks: 0 };
      lanes.set(key, lane);
      if (record) state.emit({ type: 'lane-ready', phase, repeat, lane: { ...lane } });
    }
    lastLane = lane;
    return lane;
  };
  const announced = new Set<number>();
  const announceStart = (index: number, pid: number, threadId: number, startUs: number) => {
    if (announced.has(index)) return;
    announced.add(index);
    const lane = laneOf(pid, threadId);
    if (record) state.emit({ type: 'task-started', phase, repeat, index, lane: lane.lane, pid, threadId, startUs: state.relative(startUs) });
  };

  const startUs = monotonicNowUs();
  const queuedUs = state.relative(startUs);
  if (record) for (const task of tasks) state.emit({ type: 'task-queued', phase, repeat, index: task.index, queuedUs });
  const records: TaskRecord[] = new Array(tasks.length);
  const dispatched = await dispatchTasks({
    pool,
    module: state.module,
    tasks,
    // 'auto' sends tasks one by one unless they prove shorter than a dispatch, so only tiny tasks are chunked.
    chunkSize: state.request.chunkSize ?? 'auto',
    maxLogChars: state.maxLogChars,
    phaseKey: state.nextPhaseKey(),
    taskTimeoutMs: state.options.taskTimeoutSeconds * 1000,
    signal: state.handlers.signal,
    now: monotonicNowUs,
    onTaskStart: (notice: TaskStartNotice) => announceStart(notice.index, notice.pid, notice.threadId, notice.startUs),
    onTaskDone: (task) => {
      const reached = task.startUs !== undefined;
      if (reached) announceStart(task.index, task.pid, task.threadId, task.startUs!);
      const lane = reached ? laneOf(task.pid, task.threadId) : undefined;
      const durationMs = task.startUs !== undefined && task.endUs !== undefined ? (task.endUs - task.startUs) / 1000 : undefined;
      if (lane && durationMs !== undefined) {
        lane.busyMs += durationMs;
        lane.tasks++;
      }
      if (!record) return;
      const taskRecord: TaskRecord = {
        index: task.index,
        phase,
        repeat,
        argsPreview: state.argsPreviews[task.index],
        lane: lane?.lane ?? -1,
        pid: task.pid,
        threadId: task.threadId,
        queuedUs,
        status: task.status,
        logs: task.logs.length === 0 ? [] : task.logs.map((line) => ({ ...line, timeUs: state.relative(line.timeUs) })),
      };
      if (task.startUs !== undefined) taskRecord.startUs = state.relative(task.startUs);
      if (task.endUs !== undefined) taskRecord.endUs = state.relative(task.endUs);
      if (durationMs !== undefined) taskRecord.durationMs = durationMs;
      if (task.status === 'ok') taskRecord.resultPreview = task.preview ?? previewValue(task.value, state.maxPreviewChars);
      if (task.cpuMs !== undefined) taskRecord.cpuMs = task.cpuMs;
      if (task.waitMs !== undefined) taskRecord.waitMs = task.waitMs;
      if (task.voluntarySwitches !== undefined) taskRecord.voluntarySwitches = task.voluntarySwitches;
      if (task.error) taskRecord.error = task.error;
      // Cancelled during the preload: no task was sent, but the workers were still running the module's top level.
      if (preloaded === 'cancelled' && task.status === 'cancelled' && task.startUs === undefined) taskRecord.error = cancelledWhileLoadingError(Date.now() - loadStartedMs);
      if (task.logsTruncated) taskRecord.logsTruncated = true;
      records[task.index] = taskRecord;
      state.emit({ type: 'task-finished', task: taskRecord });
    },
  });
  const endUs = monotonicNowUs();
  if (preloaded === 'cancelled' || dispatched.some((task) => task.error?.message.startsWith(CANCELLED_WHILE_LOADING))) {
    state.cancelledLoadMs = Math.max(state.cancelledLoadMs ?? 0, Date.now() - loadStartedMs);
  }
  // A timeout, cancel or crash replaced a worker, which has not loaded the module.
  if (dispatched.some((task) => task.status !== 'ok')) preloadedHash.delete(pool);
  const wallMs = (endUs - startUs) / 1000;
  const laneRecords = [...lanes.values()].map((lane) => ({ ...lane, utilization: wallMs > 0 ? Math.min(1, lane.busyMs / wallMs) : 0 }));
  const failedAll = dispatched.length > 0 && dispatched.every((task) => task.status === 'error' || task.status === 'timeout');
  const run: PhaseRun = {
    phase,
    repeat,
    workers,
    startUs: state.relative(startUs),
    endUs: state.relative(endUs),
    wallMs,
    lanes: laneRecords,
    status: state.cancelled ? 'cancelled' : failedAll ? 'failed' : 'completed',
  };
  if (record) {
    state.report.phases.push(run);
    // A loop, not push(...records): spreading more than ~120,000 arguments overflows the call stack.
    for (const taskRecord of records) if (taskRecord) state.report.tasks.push(taskRecord);
    state.emit({ type: 'phase-finished', phase: run });
  }
  return { run, tasks: records, dispatched };
}

function formatMs(ms: number): string {
  if (ms < 0.001) return '<1 µs';
  return ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 1 ? `${ms.toFixed(1)} ms` : `${(ms * 1000).toFixed(0)} µs`;
}

/** hyperfine-style advice about the measurement itself. */
function runWarnings(state: RunState, context: RunContext, serialRuns: PhaseRun[], parallelRuns: PhaseRun[], workers: number, taskDurations: number[]): RunWarning[] {
  const warnings: RunWarning[] = [];
  const warn = (code: WarningCode, message: string) => warnings.push({ code, message });
  const { inputs, options } = state;
  for (const [label, runs] of [
    ['serial', serialRuns],
    ['parallel', parallelRuns.filter((run) => run.workers === workers)],
  ] as const) {
    const walls = runs.map((run) => run.wallMs);
    if (walls.length >= 5) {
      const outliers = madOutliers(walls);
      if (outliers.length > 0) {
        warn('outliers', 
          `Statistical outliers were detected among the ${walls.length} ${label} runs (${outliers.map((i) => formatMs(walls[i])).join(', ')}). ` +
            'Consider re-running on a quiet system, without other programs competing for the CPU.',
        );
      }
    }
    if (isFirstRunSlow(walls)) {
      warn('warm-up', 
        `The first ${label} run was much slower (${formatMs(walls[0])}) than the rest (median ${formatMs(median(walls.slice(1)))}): ` +
          'module loading, caches or JIT warm-up. Consider warmupRuns ≥ 1.',
      );
    }
  }
  const measured = state.report.tasks.filter((task) => task.status === 'ok' && task.durationMs !== undefined);
  const everyTaskOk = measured.length === state.report.tasks.length;
  const lastSerial = serialRuns.at(-1);
  const overheadPhase = lastSerial ?? parallelRuns.at(-1);
  // Failed, timed-out or cancelled tasks make the phase's wall time say nothing about dispatch cost.
  if (overheadPhase && measured.length > 0 && everyTaskOk) {
    const phaseTasks = measured.filter((task) => task.phase === overheadPhase.phase && task.repeat === overheadPhase.repeat);
    // The idle gap between one task's end and the next one's start on the same lane is the dispatch cost; the phase's
    // wall time would also count pool start and module loading, which a busy machine inflates to hundreds of ms.
    // Both medians come from the phase's first WARNING_SAMPLE_TASKS tasks: an estimate is all a warning needs, and over
    // 100,000 records they held an extension host for a quarter of a second.
    const sample = phaseTasks.length > WARNING_SAMPLE_TASKS ? phaseTasks.slice(0, WARNING_SAMPLE_TASKS) : phaseTasks;
    const overheadPerTaskMs = median(laneGapsMs(sample));
    const medianTaskMs = median(sample.map((task) => task.durationMs!));
    if (phaseTasks.length > 1 && medianTaskMs < overheadPerTaskMs) {
      warn('dispatch-cost', 
        `Tasks take a median ${formatMs(medianTaskMs)}, less than the ~${formatMs(overheadPerTaskMs)} it costs to dispatch one: ` +
          'the pool spends more time sending work than doing it. Give each task more work, or set chunkSize.',
      );
    }
  }
  const { speedup } = state.report.summary;
  const orderAdvice = lastSerial && everyTaskOk ? inputOrderAdvice(taskDurations, workers, state.report.summary.parallelMs) : undefined;
  if (orderAdvice) warnings.push(orderAdvice);
  const cores = os.availableParallelism();
  // A speedup above the core count proves the tasks mostly wait (timers, I/O), and then the extra workers did help.
  if (workers > cores && (speedup === undefined || speedup <= cores)) {
    warn('workers-above-cores', `${workers} workers on a machine with ${cores} cores: workers beyond the core count share CPUs, so CPU-bound tasks gain nothing from them.`);
  }
  if (inputs.length < workers) {
    warn('few-tasks', `Only ${inputs.length} task${inputs.length === 1 ? '' : 's'} for ${workers} workers: at most ${inputs.length} can be busy at once.`);
  }
  const timeouts = state.report.tasks.filter((task) => task.status === 'timeout').length;
  if (timeouts > 0) warn('timeouts', `${timeouts} task run${timeouts === 1 ? '' : 's'} hit the ${options.taskTimeoutSeconds} s timeout; their workers were stopped and replaced.`);
  if (speedup !== undefined && speedup < 1 && everyTaskOk) {
    warn('parallel-slower', `The parallel run was slower than the serial one (speedup ${speedup.toFixed(2)}×): the tasks are too small or too few to pay for parallel dispatch.`);
  }
  const gil = state.report.runtime ? gilWarning(state.report, workers) : undefined;
  if (gil) warnings.push(gil);
  warnings.push(...faultWarnings(state, context));
  return warnings;
}

/**
 * A pool takes tasks in input order, so long tasks at the end leave the other workers idle while they run (the
 * tutorial's sleeps of 1…5 s on 3 workers). Said when the serial run's durations show that longest first would
 * finish clearly sooner, and the parallel run took about as long as input order allows.
 */
function inputOrderAdvice(durations: number[], workers: number, parallelMs: number): RunWarning | undefined {
  if (durations.length <= workers || workers < 2) return undefined;
  const inOrderMs = greedyMakespan(durations, workers);
  const longestFirstMs = greedyMakespan(Float64Array.from(durations).sort().reverse(), workers);
  const savedMs = inOrderMs - longestFirstMs;
  if (savedMs < ORDER_ADVICE_MIN_MS || savedMs < inOrderMs * 0.1 || parallelMs < inOrderMs * 0.8) return undefined;
  return {
    code: 'input-order',
    message:
      `Input order costs time: in this order ${workers} workers need at least ~${formatMs(inOrderMs)}, longest first ~${formatMs(longestFirstMs)}. ` +
      'Put the longest tasks first in the inputs to finish sooner.',
  };
}

const STRAY_CRASH = /^\[parallel-runner\] (uncaught exception|unhandled promise rejection) outside any task: (.*)/;
const TYPESCRIPT_FILE = /\.[cm]?tsx?$/i;

/** What the user's code did that a task record alone would hide: output cut, errors thrown after returning, a module that never loaded. */
function faultWarnings(state: RunState, context: RunContext): RunWarning[] {
  const warnings: RunWarning[] = [];
  const warn = (code: WarningCode, message: string) => warnings.push({ code, message });
  const { tasks } = state.report;
  const file = path.basename(state.target.file);
  const cut = tasks.filter((task) => task.logsTruncated);
  if (cut.length > 0) {
    const limit = state.maxLogChars >= 1024 ? `${Math.round(state.maxLogChars / 1024)} KiB` : `${state.maxLogChars} characters`;
    warn('output-cut', 
      `${cut.length === 1 ? `Task ${cut[0].index}` : `${cut.length} task runs (the first: task ${cut[0].index})`} printed more than ${limit} of console output; ` +
        'the rest was cut at that per-task limit. Print less, or write large output to a file.',
    );
  }
  for (const task of tasks) {
    const stray = task.logs.map((line) => STRAY_CRASH.exec(line.text)).find(Boolean);
    if (!stray) continue;
    warn('stray-crash', 
      `Code a task left running (a timer or callback) threw after the task had returned: ${stray[2]}. ` +
        `The worker kept going and every result was kept; the ${stray[1]} is in the console output of task ${task.index}, which ran next on that worker.`,
    );
    break;
  }
  // Only a load of a second or more is worth the hint: a cancel moments after the start says nothing about the top level.
  if (state.cancelledLoadMs !== undefined && state.cancelledLoadMs >= 1000) {
    warn('slow-top-level', 
      `The top-level code of ${file} had not finished after ${(state.cancelledLoadMs / 1000).toFixed(1)} s when the run was cancelled, so no task started: ` +
        'an endless loop, or a long wait at the top level? Move such code into the function, or set a task timeout so a run like this ends by itself.',
    );
  }
  const typeNoteGiven = (context.typeNoteGiven ??= new Set());
  if (TYPESCRIPT_FILE.test(state.target.file) && !typeNoteGiven.has(state.target.file) && !tasks.some((task) => task.error?.message.startsWith(MODULE_LOAD_FAILED))) {
    typeNoteGiven.add(state.target.file);
    warn('types-unchecked', `Types in ${file} are not checked before a run (they are stripped, not compiled), so a type error does not stop it: run \`tsc --noEmit\` to check them.`);
  }
  return warnings;
}

function buildSummary(state: RunState, serialRuns: PhaseRun[], parallelRuns: PhaseRun[], workers: number, taskDurations: number[]): RunSummary {
  const parallel = parallelRuns.filter((run) => run.workers === workers);
  const parallelWalls = parallel.map((run) => run.wallMs);
  const serialWalls = serialRuns.map((run) => run.wallMs);
  const summary: RunSummary = {
    parallelMs: parallelWalls.length > 0 ? mean(parallelWalls) : 0,
    tasks: state.inputs.length,
    failedTasks: 0,
    workers,
  };
  if (parallelWalls.length > 0) summary.parallelSpread = spreadOf(parallelWalls);
  const ideal = idealParallelMs(taskDurations, workers);
  if (ideal !== undefined) summary.idealParallelMs = ideal;
  if (serialWalls.length > 0) {
    summary.serialMs = mean(serialWalls);
    summary.serialSpread = spreadOf(serialWalls);
    if (summary.parallelMs > 0) {
      summary.speedup = summary.serialMs / summary.parallelMs;
      summary.efficiency = summary.speedup / workers;
      // Speedup per repeat pairs each serial run with the parallel run of the same repeat.
      const pairs = parallel.flatMap((run) => {
        const serial = serialRuns.find((candidate) => candidate.repeat === run.repeat) ?? serialRuns[0];
        return run.wallMs > 0 ? [serial.wallMs / run.wallMs] : [];
      });
      if (pairs.length > 0) summary.speedupSpread = spreadOf(pairs);
    }
  }
  return summary;
}

function failedTaskCount(tasks: TaskRecord[], run: PhaseRun | undefined): number {
  if (!run) return 0;
  return tasks.filter((task) => task.phase === run.phase && task.repeat === run.repeat && task.status !== 'ok').length;
}

/** Runs a request end to end. UserError (bad target, inputs, syntax) is thrown before any worker process starts (a threads pool may be booting by then). */
export async function executeRun(context: RunContext, request: RunRequest, handlers: RunHandlers = {}): Promise<RunOutcome> {
  const options = resolveRunOptions(request.options);
  const sweep = request.sweepWorkers?.map((workers) => positiveInteger(workers, 'sweepWorkers', 1));
  const python = isPythonFile(request.file);
  const poolConfig = poolConfigFor(context, request, options);
  const parallelSizes = sweep && sweep.length > 0 ? sweep : [options.workers];
  const needsSerial = options.compareWithSerial || (sweep !== undefined && sweep.length > 0);

  // Pools boot while esbuild bundles.
  const acquired: WorkerPool[] = [];
  const acquire = (workers: number) =>
    context.pools.acquire({ ...poolConfig, workers }).then((pool) => {
      acquired.push(pool);
      return pool;
    });
  let serialPoolPromise: Promise<WorkerPool> | undefined;
  let parallelPoolPromises: Promise<WorkerPool>[] = [];
  let poolsStarted = false;
  const startPools = () => {
    poolsStarted = true;
    serialPoolPromise = needsSerial ? acquire(1) : undefined;
    parallelPoolPromises = parallelSizes.map((workers) => (needsSerial && workers === 1 ? serialPoolPromise! : acquire(workers)));
    // Failures are re-thrown where the pools are awaited; until then they must not be unhandled.
    for (const pending of [serialPoolPromise, ...parallelPoolPromises]) pending?.catch(() => undefined);
  };
  // Threads also boot while Babel loads and locates the target (~100 ms cold), and so does esbuild's service when the text is
  // new: a run refused for a bad target or bad inputs leaves a warm thread pool and an idle service. With the processes
  // backend no child process starts before the request is known good.
  const early = !python && options.backend === 'threads' && existsSync(path.join(context.distDir, 'taskWorker.js'));
  if (early) startPools();
  let textIsNew = false;
  const onNewText = () => {
    textIsNew = true;
    if (early) startEsbuildService();
  };

  try {
    const source = readSource(request);
    // Python: located by the interpreter's own ast, run from the .py file itself (no bundle).
    const binding = python ? undefined : await locateCached(context, source, request.file, request.target, onNewText);
    const target = binding ? binding.target : await locatePythonTarget(source, request.file, request.target, { pythonPath: request.pythonPath, distDir: context.distDir });
    const inputs = await parseInputsInSlices(request.inputs);
    context.workerFilesChecked ??= checkWorkerFiles(context.distDir);
    // A failed check is not kept: the user may build and run again.
    await context.workerFilesChecked.catch((error: unknown) => {
      context.workerFilesChecked = undefined;
      throw error;
    });
    // Text located before is most likely bundled already (esbuild is then not needed at all).
    if (textIsNew) startEsbuildService();
    if (!poolsStarted) startPools();

    // The text already read is what is bundled, with the binding found in it: one read and one parse per run.
    const maxPreviewChars = request.maxPreviewChars ?? DEFAULT_MAX_PREVIEW_CHARS;
    const bundle = binding
      ? await bundleTarget({ file: request.file, source, target, cacheDir: context.cacheDir, binding })
      : { ...pythonModuleSpec(request.file, source, target, context.cacheDir, maxPreviewChars), warnings: [] as string[] };
    const serialPool = await serialPoolPromise;
    const parallelPools = await Promise.all(parallelPoolPromises);
    const state = new RunState(
      request,
      handlers,
      target,
      options,
      inputs,
      { bundlePath: bundle.bundlePath, hash: bundle.hash, ...(python && 'python' in bundle ? { python: bundle.python } : {}) },
      request.maxLogChars ?? DEFAULT_MAX_LOG_CHARS,
      maxPreviewChars,
    );
    const { report } = state;
    const runtime = parallelPools[0]?.runtime ?? serialPool?.runtime;
    if (runtime) report.runtime = { ...runtime };
    for (const message of bundle.warnings) report.warnings.push({ code: 'bundle', message });
    state.emit({ type: 'run-started', report: structuredClone(report) });

    const serialRuns: PhaseRun[] = [];
    const parallelRuns: PhaseRun[] = [];
    let lastParallel: PhaseResult | undefined;

    for (let warmup = 0; warmup < options.warmupRuns && !state.cancelled; warmup++) {
      if (serialPool) await runPhase(state, { phase: 'serial', repeat: warmup, pool: serialPool, warmup: true });
      for (const pool of parallelPools) if (!state.cancelled && pool !== serialPool) await runPhase(state, { phase: 'parallel', repeat: warmup, pool, warmup: true });
    }
    for (let repeat = 0; repeat < options.repeats && !state.cancelled; repeat++) {
      // A sweep measures the serial baseline once; a plain run pairs one serial run with each parallel run.
      if (serialPool && (!sweep || repeat === 0)) {
        const serial = await runPhase(state, { phase: 'serial', repeat, pool: serialPool, warmup: false });
        serialRuns.push(serial.run);
      }
      for (const [k, pool] of parallelPools.entries()) {
        if (state.cancelled) break;
        // Each worker count of a sweep gets its own repeat number, so its tasks and lanes never merge with another count's.
        const runNumber = sweep ? repeat * parallelPools.length + k : repeat;
        lastParallel = await runPhase(state, { phase: 'parallel', repeat: runNumber, pool, warmup: false });
        parallelRuns.push(lastParallel.run);
      }
    }
    // The last phase's records and the report's summary are each long for a big run: a turn of the event loop between.
    if (report.tasks.length > YIELD_AFTER_TASKS) await new Promise((resolve) => setImmediate(resolve));

    const summaryWorkers = parallelSizes.includes(options.workers) ? options.workers : parallelSizes[parallelSizes.length - 1];
    // Each task's time from the serial run (the parallel run's without one), for the ideal time and the order advice.
    const taskDurations = serialTaskDurations(report);
    report.summary = buildSummary(state, serialRuns, parallelRuns, summaryWorkers, taskDurations);
    report.summary.failedTasks = failedTaskCount(report.tasks, parallelRuns.filter((run) => run.workers === summaryWorkers).at(-1));
    if (sweep && sweep.length > 0 && serialRuns.length > 0) report.sweep = sweepResult(serialRuns, parallelRuns, parallelSizes);

    const lastTasks = lastParallel?.dispatched ?? [];
    const everyTaskFailed = lastTasks.length > 0 && lastTasks.every((task) => task.status === 'error' || task.status === 'timeout');
    report.status = state.cancelled ? 'cancelled' : everyTaskFailed ? 'failed' : 'completed';
    if (report.status === 'failed') {
      const loadFailure = lastTasks.find((task) => task.error?.message.startsWith(MODULE_LOAD_FAILED))?.error;
      const where = loadFailure?.location ? ` (at ${path.basename(loadFailure.location.file)}:${loadFailure.location.line}:${loadFailure.location.column})` : '';
      // A throw has a place to fix; a top level that never finished already says what to do.
      report.failure = loadFailure
        ? loadFailure.location
          ? `${loadFailure.message}${where}. No task could run: fix the module's top-level code and run again.`
          : loadFailure.message
        : `Every task failed; the first: ${lastTasks[0].error?.name}: ${lastTasks[0].error?.message}`;
    }
    if (report.tasks.length > YIELD_AFTER_TASKS) await new Promise((resolve) => setImmediate(resolve));
    report.warnings.push(...runWarnings(state, context, serialRuns, parallelRuns, summaryWorkers, taskDurations));
    state.emit({ type: 'run-finished', report });

    // Dense, like starmap's list: undefined where a task failed or never ran.
    const results: unknown[] = inputs.map(() => undefined);
    for (const task of lastTasks) if (task.status === 'ok') results[task.index] = task.value;
    return { report, results };
  } finally {
    // Pools still booting when something failed are released too, once they exist.
    await Promise.allSettled([serialPoolPromise, ...parallelPoolPromises]);
    // Each acquire is paired with one release (the serial pool doubles as the 1-worker sweep pool: acquired once).
    for (const pool of acquired) context.pools.release(pool);
  }
}

function sweepResult(serialRuns: PhaseRun[], parallelRuns: PhaseRun[], sizes: number[]): SweepResult {
  const serialMs = mean(serialRuns.map((run) => run.wallMs));
  const points = sizes.flatMap((workers) => {
    const walls = parallelRuns.filter((run) => run.workers === workers).map((run) => run.wallMs);
    if (walls.length === 0) return [];
    const parallelMs = mean(walls);
    return [{ workers, parallelMs, speedup: parallelMs > 0 ? serialMs / parallelMs : 0 }];
  });
  return { serialMs, points, amdahlSerialFraction: fitAmdahlSerialFraction(points) };
}

/** The pool a request runs on: JS workers, or a Python driver with its interpreter for a .py file. */
function poolConfigFor(context: RunContext, request: Omit<RunRequest, 'inputs'>, options: RunOptions): Omit<PoolConfig, 'workers'> {
  const config: Omit<PoolConfig, 'workers'> = { backend: options.backend, workerMemoryLimitMb: options.workerMemoryLimitMb, distDir: context.distDir };
  if (!isPythonFile(request.file)) return config;
  return { ...config, language: 'python', pythonPath: request.pythonPath, startMethod: request.pythonStartMethod };
}

/** Starts what a run will need (bundle, pools) so the run itself begins warm. Errors are left for the run to report. */
export async function prewarmRun(context: RunContext, request: Omit<RunRequest, 'inputs'>): Promise<void> {
  const options = resolveRunOptions(request.options);
  const poolConfig = poolConfigFor(context, request, options);
  const sizes = new Set([options.workers, ...(options.compareWithSerial ? [1] : [])]);
  const pools = [...sizes].map(async (workers) => {
    const pool = await context.pools.acquire({ ...poolConfig, workers });
    try {
      await pool.whenReady();
    } finally {
      context.pools.release(pool);
    }
  });
  // The pools above were created synchronously (piscina required, threads or children spawned), so the workers boot on
  // the other cores while this thread loads Babel and esbuild (~100–300 ms cold) and bundles; esbuild's service is started
  // only for text not located before (a bundle is then most likely needed).
  const bundling = (async () => {
    const source = readSource(request as RunRequest);
    if (poolConfig.language === 'python') return;
    const binding = await locateCached(context, source, request.file, request.target, startEsbuildService);
    await bundleTarget({ file: request.file, source, target: binding.target, cacheDir: context.cacheDir, binding });
  })();
  await Promise.allSettled([bundling, ...pools]);
}

/** Gaps (ms) between consecutive tasks on each lane: the time a worker sat idle waiting for its next task. */
function laneGapsMs(tasks: TaskRecord[]): number[] {
  const byLane = new Map<number, TaskRecord[]>();
  for (const task of tasks) {
    if (task.startUs === undefined || task.endUs === undefined) continue;
    const lane = byLane.get(task.lane) ?? [];
    lane.push(task);
    byLane.set(task.lane, lane);
  }
  const gaps: number[] = [];
  for (const lane of byLane.values()) {
    lane.sort((a, b) => a.startUs! - b.startUs!);
    for (let i = 1; i < lane.length; i++) gaps.push(Math.max(0, (lane[i].startUs! - lane[i - 1].endUs!) / 1000));
  }
  return gaps;
}
