// The RunReport: everything one run produced, as plain JSON. Shared by engine, CLI, panel and exports.

/** Bump when a field changes meaning or is removed; adding optional fields keeps the version. */
export const REPORT_SCHEMA_VERSION = 1;

export type BackendKind = 'threads' | 'processes';

/** What sort of runnable thing the cursor was on. */
export type TargetKind =
  | 'function' // function declaration, `const f = () => …`, `const f = function () {…}`, `export default function`
  | 'class-run' // a class with a run() method: each task does `new C(...args).run()` (the seed's Process subclass)
  | 'static-method'; // `C.method(...args)`

export interface TargetInfo {
  /** Absolute path of the user's file (or a display name for an untitled editor). */
  file: string;
  /** Name shown to the user: `doSomething`, `MyProcess`, `Primes.count`, `default`. */
  name: string;
  kind: TargetKind;
  /** 1-based line and column of the target's name (or of `function` for anonymous defaults). */
  line: number;
  column: number;
  /** Declared parameter names (the class constructor's for class-run), used for default inputs. */
  params: string[];
  isAsync: boolean;
}

export type RunPhase = 'serial' | 'parallel';

export type TaskStatus = 'ok' | 'error' | 'timeout' | 'cancelled';

export interface SourceLocation {
  file: string;
  /** 1-based */
  line: number;
  /** 1-based */
  column: number;
}

export interface TaskError {
  /** `Error`, `TypeError`, … or `non-Error` when something else was thrown. */
  name: string;
  message: string;
  /** Stack with frames mapped to the user's source where a source map allows it. */
  stack?: string;
  /** The first user-code frame, for "open file:line". */
  location?: SourceLocation;
}

export interface LogLine {
  stream: 'stdout' | 'stderr';
  text: string;
  /** µs since the report's clock origin. */
  timeUs: number;
}

export interface TaskRecord {
  /** Position in the input list: results are reported in this order, as starmap does. */
  index: number;
  phase: RunPhase;
  /** Which repeat of the phase this belongs to (0-based; warm-ups are not recorded as tasks). */
  repeat: number;
  /** Short, display-safe rendering of the arguments (util.inspect style, truncated). */
  argsPreview: string;
  /** Lane index within the run (0-based); -1 when the task never reached a worker. */
  lane: number;
  pid: number;
  threadId: number;
  /** µs since the report's clock origin (one monotonic clock for host, threads and processes). */
  queuedUs: number;
  startUs?: number;
  endUs?: number;
  durationMs?: number;
  status: TaskStatus;
  /** Display rendering of the return value (truncated); absent on failure. */
  resultPreview?: string;
  error?: TaskError;
  logs: LogLine[];
  /** True when logs were cut at the per-task limit. */
  logsTruncated?: boolean;
}

/** One worker: a thread in the pool, or a child process. */
export interface LaneRecord {
  lane: number;
  pid: number;
  threadId: number;
  /** Sum of task durations on this lane, in ms. */
  busyMs: number;
  /** busyMs / run wall time, 0..1. */
  utilization: number;
  tasks: number;
}

export interface PhaseRun {
  phase: RunPhase;
  repeat: number;
  workers: number;
  startUs: number;
  endUs: number;
  wallMs: number;
  lanes: LaneRecord[];
  status: 'completed' | 'cancelled' | 'failed';
}

export interface Spread {
  mean: number;
  stddev: number;
  min: number;
  max: number;
  median: number;
  n: number;
}

export interface RunSummary {
  /** Wall time of the serial phase (mean over repeats), ms; absent when compare-with-serial is off. */
  serialMs?: number;
  parallelMs: number;
  /** serial / parallel */
  speedup?: number;
  /** speedup / workers, 0..1 */
  efficiency?: number;
  serialSpread?: Spread;
  parallelSpread?: Spread;
  speedupSpread?: Spread;
  /**
   * The least wall time the parallel run could take on `workers` with these tasks, ms: the longer of the longest task
   * and the total task time ÷ workers, from the serial run's task durations (the parallel run's without one).
   */
  idealParallelMs?: number;
  tasks: number;
  failedTasks: number;
  workers: number;
}

export interface SweepPoint {
  workers: number;
  parallelMs: number;
  speedup: number;
}

export interface SweepResult {
  serialMs: number;
  points: SweepPoint[];
  /** Amdahl's law fitted to the points: speedup(n) = 1 / (f + (1 - f) / n). */
  amdahlSerialFraction: number;
}

export interface RunOptions {
  backend: BackendKind;
  workers: number;
  compareWithSerial: boolean;
  warmupRuns: number;
  repeats: number;
  /** 0 = no timeout */
  taskTimeoutSeconds: number;
  workerMemoryLimitMb?: number;
}

export interface HostInfo {
  pid: number;
  platform: string;
  arch: string;
  nodeVersion: string;
  cpuModel: string;
  cpuCount: number;
}

export interface RunReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  id: string;
  /** ISO date of the run's start. */
  createdAt: string;
  tool: { name: 'parallel-runner'; version: string };
  target: TargetInfo;
  options: RunOptions;
  host: HostInfo;
  /** Absolute monotonic clock (µs) that all `*Us` fields are relative to. */
  clockOriginUs: number;
  phases: PhaseRun[];
  tasks: TaskRecord[];
  summary: RunSummary;
  sweep?: SweepResult;
  /** hyperfine-style advice: outliers, slow first run, tasks shorter than dispatch overhead, type errors ignored… */
  warnings: string[];
  status: 'running' | 'completed' | 'cancelled' | 'failed';
  /** Set when the whole run failed before tasks ran (syntax error, bad inputs…). */
  failure?: string;
}
