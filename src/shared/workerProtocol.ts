// Messages between the host (core/pools) and a worker (thread or child process). Structured-clone safe.
import * as l10n from '@vscode/l10n';
import type { LogLine, TaskError } from './report';

/** The module a worker loads once and keeps: an esbuild bundle whose export `__parallelRunnerTarget__` is the callable. */
export interface ModuleSpec {
  /** Absolute path of the bundled ESM file (`.mjs`); a `.map` file sits beside it. */
  bundlePath: string;
  /** Content hash of the bundle; a worker that already loaded this hash reuses the module. */
  hash: string;
  /** A Python target: `bundlePath` is the text to run (the .py file, or a saved copy of an unsaved editor). */
  python?: PythonModuleSpec;
}

export interface PythonModuleSpec {
  /** The user's .py file: the module's __file__, its folder first on sys.path, the name tracebacks give. */
  file: string;
  target: { kind: 'function' | 'class-run' | 'static-method'; name: string; isAsync: boolean };
  /** Python workers render results (repr) themselves, up to this many characters. */
  maxPreviewChars: number;
}

export const TARGET_EXPORT = '__parallelRunnerTarget__';

export interface TaskSpec {
  index: number;
  args: unknown[];
}

/** One dispatch to a worker: one task, or a chunk of tiny tasks run back to back. */
export interface WorkerBatch {
  module: ModuleSpec;
  tasks: TaskSpec[];
  /** Per-task cap on captured console text, in characters. */
  maxLogChars: number;
  /** Name of the BroadcastChannel (threads) on which the worker announces task starts; processes use IPC. */
  startChannel?: string;
  /** Opaque key echoed back in start announcements, so a late message from an old phase is ignored. */
  phaseKey: string;
  /**
   * Child processes only: announce the batch's first task too. Set while the child has not yet loaded this module, so
   * the host hears when loading ended and a module whose top level never finishes is told apart from a stuck task.
   */
  announceFirstTask?: boolean;
}

/**
 * Load the module and answer, so a phase's clock starts after every worker has loaded it. A load failure is not reported
 * here; the worker keeps it and the phase's first batch reports it.
 */
export interface PreloadRequest {
  module: ModuleSpec;
  /** Threads only: a counter each preloading thread bumps and then waits on until all `workers` have, so each thread gets one. */
  barrier?: SharedArrayBuffer;
  workers?: number;
}

/** One message per intent, host to worker: are you up, load this module, run this batch. */
export type WorkerRequest = { kind: 'ping' } | { kind: 'preload'; preload: PreloadRequest } | { kind: 'run'; batch: WireBatch };

/** A chunk's tasks as columns on the wire: no object (and no repeated `index`/`args` keys) per task to clone. */
export interface PackedTasks {
  /** The index of the first task; the rest follow one by one unless `indexes` is given. */
  first: number;
  indexes?: Int32Array;
  args: unknown[][];
}

/** A WorkerBatch as posted: a chunk's tasks travel packed. */
export type WireBatch = Omit<WorkerBatch, 'tasks'> & { tasks?: TaskSpec[]; packed?: PackedTasks };

/** Packs a chunk's tasks for posting; short batches go as they are. */
export function packBatch(batch: WorkerBatch): WireBatch {
  const { tasks } = batch;
  if (tasks.length < COLUMNS_FROM_TASKS) return batch;
  const first = tasks[0].index;
  const args = new Array<unknown[]>(tasks.length);
  let consecutive = true;
  for (let i = 0; i < tasks.length; i++) {
    args[i] = tasks[i].args;
    if (tasks[i].index !== first + i) consecutive = false;
  }
  const packed: PackedTasks = { first, args };
  if (!consecutive) packed.indexes = Int32Array.from(tasks, (task) => task.index);
  const { tasks: _tasks, ...rest } = batch;
  return { ...rest, packed };
}

/** The batch a worker runs, from what was posted. */
export function unpackBatch(wire: WireBatch): WorkerBatch {
  const { packed, tasks, ...rest } = wire;
  if (!packed) return { ...rest, tasks: tasks ?? [] };
  const { first, indexes, args } = packed;
  const unpacked = new Array<TaskSpec>(args.length);
  for (let i = 0; i < args.length; i++) unpacked[i] = { index: indexes ? indexes[i] : first + i, args: args[i] };
  return { ...rest, tasks: unpacked };
}

/** A process a task started that was still running when its batch ended. */
export interface LeftoverProcess {
  pid: number;
  /** The command line, cut to a readable length (`sleep 30`). */
  command: string;
}

export interface TaskOutcome {
  index: number;
  pid: number;
  threadId: number;
  /** Absolute monotonic µs (process.hrtime), the clock every process and thread shares. */
  startUs: number;
  endUs: number;
  /** CPU and run-queue wait of the task's thread while it ran, µs; absent where the platform gives no per-thread figures. */
  cpuUs?: number;
  waitUs?: number;
  ok: boolean;
  /** The return value (structured clone). Absent when ok is false. */
  value?: unknown;
  error?: TaskError;
  /** timeUs here is absolute monotonic µs. */
  logs: LogLine[];
  logsTruncated: boolean;
  /** Processes started during the batch that ended with this task and still running then (on the last task of the batch). */
  leftoverProcesses?: LeftoverProcess[];
  /** Times the task's thread gave up its CPU to wait (Linux; Python threads only, where waiting for the GIL is such a wait). */
  voluntarySwitches?: number;
  /** The result as the worker's language renders it (Python's repr), used instead of a JS rendering of `value`. */
  preview?: string;
}

/**
 * A chunk's outcomes as columns. Structured clone pays per object: 10,000 TaskOutcome objects cost several µs per task to
 * post and again to receive, where typed arrays are copied whole. Logs and errors are listed only for the tasks that have them.
 */
export interface OutcomeColumns {
  columns: true;
  pid: number;
  threadId: number;
  indexes: Int32Array;
  /** Absolute monotonic µs, as in TaskOutcome. */
  startUs: Float64Array;
  endUs: Float64Array;
  /** Per-task CPU and wait, µs; absent when the worker could not measure them. */
  cpuUs?: Float64Array;
  waitUs?: Float64Array;
  /** Return values by position; undefined where the task failed. */
  values: unknown[];
  /** [position, error] of every failed task. */
  errors: Array<[number, TaskError]>;
  /** [position, lines, truncated] of every task that printed or had its output cut. */
  logs: Array<[number, LogLine[], boolean]>;
  /** [position, processes] of every task that left processes running. */
  leftovers?: Array<[number, LeftoverProcess[]]>;
}

/** Chunks at least this long are posted as columns; a single task's outcome object is cheaper than three typed arrays. */
export const COLUMNS_FROM_TASKS = 8;

/** What a worker replies for a batch: outcome objects for short batches, columns for chunks. */
export type BatchOutcomes = TaskOutcome[] | OutcomeColumns;

/** Columns for a chunk's outcomes, which must all come from one worker (pid and threadId are shared). */
export function packOutcomes(outcomes: TaskOutcome[]): BatchOutcomes {
  const count = outcomes.length;
  if (count < COLUMNS_FROM_TASKS) return outcomes;
  const columns: OutcomeColumns = {
    columns: true,
    pid: outcomes[0].pid,
    threadId: outcomes[0].threadId,
    indexes: new Int32Array(count),
    startUs: new Float64Array(count),
    endUs: new Float64Array(count),
    values: new Array<unknown>(count),
    errors: [],
    logs: [],
  };
  const measured = outcomes[0].cpuUs !== undefined;
  if (measured) {
    columns.cpuUs = new Float64Array(count);
    columns.waitUs = new Float64Array(count);
  }
  for (let i = 0; i < count; i++) {
    const outcome = outcomes[i];
    if (outcome.pid !== columns.pid || outcome.threadId !== columns.threadId) return outcomes;
    columns.indexes[i] = outcome.index;
    columns.startUs[i] = outcome.startUs;
    columns.endUs[i] = outcome.endUs;
    if (measured) {
      columns.cpuUs![i] = outcome.cpuUs ?? NaN;
      columns.waitUs![i] = outcome.waitUs ?? NaN;
    }
    if (outcome.ok) columns.values[i] = outcome.value;
    else columns.errors.push([i, outcome.error ?? { code: 'internal', name: 'Error', message: l10n.t('The task failed.') }]);
    if (outcome.logs.length > 0 || outcome.logsTruncated) columns.logs.push([i, outcome.logs, outcome.logsTruncated]);
    if (outcome.leftoverProcesses) (columns.leftovers ??= []).push([i, outcome.leftoverProcesses]);
  }
  return columns;
}

/** The outcome objects of a reply, in the order the worker ran them. */
export function unpackOutcomes(reply: BatchOutcomes): TaskOutcome[] {
  if (Array.isArray(reply)) return reply;
  const { pid, threadId, indexes, startUs, endUs, values, cpuUs, waitUs } = reply;
  const outcomes: TaskOutcome[] = new Array(indexes.length);
  for (let i = 0; i < indexes.length; i++) {
    outcomes[i] = { index: indexes[i], pid, threadId, startUs: startUs[i], endUs: endUs[i], ok: true, value: values[i], logs: [], logsTruncated: false };
    if (cpuUs && waitUs && !Number.isNaN(cpuUs[i])) {
      outcomes[i].cpuUs = cpuUs[i];
      outcomes[i].waitUs = waitUs[i];
    }
  }
  for (const [at, error] of reply.errors) {
    const outcome = outcomes[at];
    outcome.ok = false;
    delete outcome.value;
    outcome.error = error;
  }
  for (const [at, lines, truncated] of reply.logs) {
    outcomes[at].logs = lines;
    outcomes[at].logsTruncated = truncated;
  }
  for (const [at, processes] of reply.leftovers ?? []) outcomes[at].leftoverProcesses = processes;
  return outcomes;
}

export interface TaskStartNotice {
  type: 'task-start';
  phaseKey: string;
  index: number;
  pid: number;
  threadId: number;
  startUs: number;
}

/** Child-process IPC (serialization: 'advanced'). */
export type ToProcessWorker = { type: 'request'; id: number; request: WorkerRequest };
export type FromProcessWorker =
  | { type: 'ready'; pid: number }
  | TaskStartNotice
  | { type: 'batch-done'; id: number; outcomes: BatchOutcomes }
  /** The module failed to load (syntax error at runtime, top-level throw): every task of the batch fails with it. */
  | { type: 'batch-failed'; id: number; error: TaskError };
