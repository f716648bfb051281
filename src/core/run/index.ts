// The entry points of a run: executeRun from request to RunReport, and prewarmRun; a RunState owns each run's state.
import { existsSync, readFileSync } from 'node:fs';
import { access } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as l10n from '@vscode/l10n';
import type { PhaseRun, RunOptions } from '../../shared/report';
import { monotonicNowUs } from '../../worker/clock';
import { accountOfPhase } from '../account';
import { UserError, type RunHandlers, type RunOutcome, type RunRequest } from '../api';
import { bundleTarget } from '../bundle';
import { serialTaskDurations } from '../format';
import { parseInputsInSlices } from '../inputs';
import type { TargetBinding } from '../locate';
import { leftoverProcessesWarning, type PoolConfig, type WarmPools, type WorkerPool } from '../pools';
import { isPythonFile } from '../python/interpreter';
import { locatePythonTarget } from '../python/locate';
import { pythonModuleSpec } from '../python/module';
import { checkPythonInputs } from '../python/values';
import { locateCached, startEsbuildService } from './locateCache';
import { positiveInteger, resolveRunOptions, workersToStart } from './options';
import { runPhase, type PhaseResult } from './phase';
import { measurementInfo, RunState } from './runState';
import { buildSummary, failedTaskCount, nextPair, pairsOf, sweepResult, type StopReason } from './summary';
import { runWarnings } from './warnings';

export { DEFAULT_MEASURE_SECONDS, resolveRunOptions } from './options';

export const DEFAULT_MAX_LOG_CHARS = 64 * 1024;
export const DEFAULT_MAX_PREVIEW_CHARS = 2000;

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

/**
 * The text to run. One synchronous read of a source file takes tens of µs; fs.promises.readFile opens, stats, reads and
 * closes through the thread pool, four round trips that cost 1–2 ms per warm run.
 */
function readSource(request: RunRequest): string {
  if (request.source !== undefined) return request.source;
  try {
    return readFileSync(request.file, 'utf8');
  } catch (error) {
    throw new UserError(l10n.t('Cannot read {0}: {1}', request.file, String((error as Error).message)));
  }
}

async function checkWorkerFiles(distDir: string): Promise<void> {
  for (const name of ['taskWorker.js', 'processWorker.js']) {
    try {
      await access(path.join(distDir, name));
    } catch {
      throw new Error(l10n.t('The worker entry {0} is missing: build the extension (npm run build) or pass EngineOptions.distDir.', path.join(distDir, name)));
    }
  }
}

function locate(context: RunContext, source: string, request: Omit<RunRequest, 'inputs'>, beforeParse?: () => void): Promise<TargetBinding> {
  return locateCached((context.locatedTargets ??= new Map()), context.cacheDir, source, request.file, request.target, beforeParse);
}

/** The pool a request runs on: JS workers, or for a .py file a Python driver with its interpreter (pools/pythonPool.ts). */
function poolConfigFor(context: RunContext, request: Omit<RunRequest, 'inputs'>, options: RunOptions): Omit<PoolConfig, 'workers'> {
  const config: Omit<PoolConfig, 'workers'> = { backend: options.backend, workerMemoryLimitMb: options.workerMemoryLimitMb, distDir: context.distDir };
  if (!isPythonFile(request.file)) return config;
  return { ...config, language: 'python', pythonPath: request.pythonPath, startMethod: request.pythonStartMethod };
}

/** Runs a request end to end. UserError (bad target, inputs, syntax) is thrown before any worker process starts (a threads pool may be booting by then). */
export async function executeRun(context: RunContext, request: RunRequest, handlers: RunHandlers = {}): Promise<RunOutcome> {
  const options = resolveRunOptions(request.options);
  const sweep = request.sweepWorkers?.map((workers) => positiveInteger(workers, 'sweepWorkers', 1));
  const python = isPythonFile(request.file);
  const poolConfig = poolConfigFor(context, request, options);
  const askedSizes = sweep && sweep.length > 0 ? sweep : [options.workers];
  const needsSerial = options.compareWithSerial || (sweep !== undefined && sweep.length > 0);
  const cores = os.availableParallelism();
  /** The pool sizes for this many tasks: capped, and never more workers than tasks; a sweep's equal sizes merge. */
  const sizesFor = (tasks: number) => [...new Set(askedSizes.map((workers) => workersToStart(workers, tasks, cores).workers))];
  let parallelSizes = sizesFor(Array.isArray(request.inputs) ? request.inputs.length : Infinity);

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
  // Inputs still to be parsed may hold fewer tasks than workers: only a pool no bigger than the cores starts before that.
  const early =
    !python &&
    options.backend === 'threads' && (Array.isArray(request.inputs) || Math.max(...parallelSizes) <= cores) && existsSync(path.join(context.distDir, 'taskWorker.js'));
  if (early) startPools();
  let textIsNew = false;
  const onNewText = () => {
    textIsNew = true;
    if (early) startEsbuildService();
  };

  try {
    const source = readSource(request);
    // Python: located by the interpreter's own ast and run from the .py file itself, with no bundle.
    const binding = python ? undefined : await locate(context, source, request, onNewText);
    const target = binding ? binding.target : await locatePythonTarget(source, request.file, request.target, { pythonPath: request.pythonPath, distDir: context.distDir });
    const inputs = await parseInputsInSlices(request.inputs);
    if (python) checkPythonInputs(inputs);
    context.workerFilesChecked ??= checkWorkerFiles(context.distDir);
    // A failed check is not kept: the user may build and run again.
    await context.workerFilesChecked.catch((error: unknown) => {
      context.workerFilesChecked = undefined;
      throw error;
    });
    // Text located before is most likely bundled already (esbuild is then not needed at all).
    if (textIsNew) startEsbuildService();
    const sizes = sizesFor(inputs.length);
    if (!poolsStarted || sizes.join() !== parallelSizes.join()) {
      // Started early for more workers than there are tasks: those pools are released at the end, unused.
      parallelSizes = sizes;
      startPools();
    }

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
      { bundlePath: bundle.bundlePath, hash: bundle.hash, ...('python' in bundle ? { python: bundle.python } : {}) },
      request.maxLogChars ?? DEFAULT_MAX_LOG_CHARS,
      maxPreviewChars,
    );
    const { report } = state;
    // The interpreter that runs a Python target, for the panel and the CLI.
    const runtime = parallelPools[0]?.runtime ?? serialPool?.runtime;
    if (runtime) report.runtime = { ...runtime };
    for (const message of bundle.warnings) report.warnings.push({ code: 'bundle', message });
    state.emit({ type: 'run-started', report: structuredClone(report) });

    state.report.measurement = measurementInfo(false);
    for (const warning of askedSizes.flatMap((workers) => workersToStart(workers, inputs.length, cores).warning ?? [])) report.warnings.push(warning);

    const serialRuns: PhaseRun[] = [];
    const parallelRuns: PhaseRun[] = [];
    let lastParallel: PhaseResult | undefined;
    /** Every parallel phase with a serial run gets its account as soon as it ends. */
    const runParallel = async (pool: WorkerPool, repeat: number) => {
      lastParallel = await runPhase(state, { phase: 'parallel', repeat, pool, warmup: false });
      const run = lastParallel.run;
      if (!state.cancelled) run.account = accountOfPhase(report.phases, report.tasks, run, cores);
      parallelRuns.push(run);
    };

    for (let warmup = 0; warmup < options.warmupRuns && !state.cancelled; warmup++) {
      if (serialPool) await runPhase(state, { phase: 'serial', repeat: warmup, pool: serialPool, warmup: true });
      for (const pool of parallelPools) if (!state.cancelled && pool !== serialPool) await runPhase(state, { phase: 'parallel', repeat: warmup, pool, warmup: true });
    }
    let stoppedBy: StopReason = 'repeats';
    if (sweep) {
      // A sweep measures the serial baseline once, then each worker count per repeat.
      const repeats = Math.max(1, options.repeats);
      for (let repeat = 0; repeat < repeats && !state.cancelled; repeat++) {
        if (serialPool && repeat === 0) serialRuns.push((await runPhase(state, { phase: 'serial', repeat, pool: serialPool, warmup: false })).run);
        for (const [k, pool] of parallelPools.entries()) {
          if (state.cancelled) break;
          // Each worker count gets its own repeat number, so its tasks and lanes never merge with another count's.
          await runParallel(pool, repeat * parallelPools.length + k);
        }
      }
    } else {
      // Serial and parallel alternate in pairs, so a disturbance or drift hits both sides alike, until the speedup's
      // interval is tight enough, the budget is spent, or the pairs asked for ran.
      const budgetMs = options.measureSeconds * 1000;
      const startedUs = monotonicNowUs();
      for (let repeat = 0; !state.cancelled; repeat++) {
        const pairStartedUs = monotonicNowUs();
        const serial = serialPool ? await runPhase(state, { phase: 'serial', repeat, pool: serialPool, warmup: false }) : undefined;
        if (serial) serialRuns.push(serial.run);
        if (state.cancelled) break;
        await runParallel(parallelPools[0], repeat);
        if (!serialPool) {
          // Nothing to compare with: one parallel run, or the repeats asked for.
          if (repeat + 1 >= Math.max(1, options.repeats)) break;
          continue;
        }
        const now = monotonicNowUs();
        // A task that failed, timed out or was cancelled ends the measuring: repeating it measures nothing.
        if ([...(serial?.dispatched ?? []), ...(lastParallel?.dispatched ?? [])].some((task) => task.status !== 'ok')) {
          stoppedBy = 'repeats';
          break;
        }
        const next = nextPair(pairsOf(serialRuns, parallelRuns), (now - startedUs) / 1000, (now - pairStartedUs) / 1000, budgetMs, options.repeats, inputs.length);
        if (!next.more) {
          stoppedBy = next.stoppedBy;
          break;
        }
      }
      if (state.cancelled) stoppedBy = 'cancelled';
    }
    report.measurement = measurementInfo(report.tasks.some((task) => task.cpuMs !== undefined));
    // The last phase's records and the report's summary are each long for a big run: a turn of the event loop between.
    if (report.tasks.length > YIELD_AFTER_TASKS) await new Promise((resolve) => setImmediate(resolve));

    const summaryWorkers = parallelSizes.includes(options.workers) ? options.workers : parallelSizes[parallelSizes.length - 1];
    // Each task's time from the serial run (the parallel run's without one), for the ideal time and the order advice.
    const taskDurations = serialTaskDurations(report);
    report.summary = buildSummary(inputs.length, serialRuns, parallelRuns, summaryWorkers, taskDurations, stoppedBy);
    report.summary.failedTasks = failedTaskCount(report.tasks, parallelRuns.filter((run) => run.workers === summaryWorkers).at(-1));
    if (sweep && sweep.length > 0 && serialRuns.length > 0) report.sweep = sweepResult(serialRuns, parallelRuns, parallelSizes, cores);

    const lastTasks = lastParallel?.dispatched ?? [];
    const everyTaskFailed = lastTasks.length > 0 && lastTasks.every((task) => task.status === 'error' || task.status === 'timeout');
    report.status = state.cancelled ? 'cancelled' : everyTaskFailed ? 'failed' : 'completed';
    if (report.status === 'failed') {
      const loadFailure = lastTasks.find((task) => task.error?.code === 'module-load')?.error;
      const at = loadFailure?.location;
      // A throw has a place to fix; a top level that never finished already says what to do.
      report.failure = loadFailure
        ? at
          ? l10n.t("{0} (at {1}:{2}:{3}). No task could run: fix the module's top-level code and run again.", loadFailure.message, path.basename(at.file), at.line, at.column)
          : loadFailure.message
        : l10n.t('Every task failed; the first: {0}: {1}', String(lastTasks[0].error?.name), String(lastTasks[0].error?.message));
    }
    if (report.tasks.length > YIELD_AFTER_TASKS) await new Promise((resolve) => setImmediate(resolve));
    report.warnings.push(...runWarnings(state, context, serialRuns, parallelRuns, summaryWorkers, taskDurations));
    // Processes the tasks left running: the processes backend ends them now (the pools end what this misses on release).
    const ended = (await Promise.all(acquired.map((pool) => pool.endLeftoverProcesses?.().catch(() => []) ?? []))).flat();
    const leftovers = leftoverProcessesWarning(state.leftovers, options.backend, ended);
    if (leftovers) report.warnings.push(leftovers);
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

/** Starts what a run will need (bundle, pools) so the run itself begins warm. Errors are left for the run to report. */
export async function prewarmRun(context: RunContext, request: Omit<RunRequest, 'inputs'>): Promise<void> {
  const options = resolveRunOptions(request.options);
  const poolConfig = poolConfigFor(context, request, options);
  // Before the inputs are known, the cap still applies: a repository's settings cannot start a thousand workers.
  const sizes = new Set([workersToStart(options.workers, Infinity).workers, ...(options.compareWithSerial ? [1] : [])]);
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
    if (poolConfig.language === 'python') return;
    const source = readSource(request as RunRequest);
    const binding = await locate(context, source, request, startEsbuildService);
    await bundleTarget({ file: request.file, source, target: binding.target, cacheDir: context.cacheDir, binding });
  })();
  await Promise.allSettled([bundling, ...pools]);
}

