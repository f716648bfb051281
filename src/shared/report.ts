// The RunReport: everything one run produced, as plain JSON. Shared by engine, CLI, panel and exports.
import type { RunComparison } from './comparison';

/** Bump when a field changes meaning or is removed; adding optional fields keeps the version. */
export const REPORT_SCHEMA_VERSION = 2;

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

/** Why a task failed, for code (panel, tests, CLI) to read instead of matching sentences. */
export type TaskErrorCode =
  | 'thrown' // the function threw or its promise rejected
  | 'crash' // an uncaught exception or unhandled rejection (timer, callback) while it ran
  | 'module-load' // the module's top-level code threw or never finished, so the task could not start
  | 'timeout' // the task ran longer than the task timeout; its worker was replaced
  | 'cancelled' // the run was cancelled before or while it ran
  | 'cancelled-while-loading' // cancelled while the worker was still running the module's top level
  | 'clone' // a value could not be sent between the worker and the host
  | 'worker-exit' // the worker exited or was killed while the task ran
  | 'out-of-memory' // the worker hit its heap limit
  | 'internal'; // the pool itself failed

export interface TaskError {
  /** Absent only in reports written before schema 2. */
  code?: TaskErrorCode;
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
  /**
   * CPU time the task's own thread used while it ran, ms (Linux: /proc/thread-self/schedstat). Absent where the platform
   * gives no per-thread figure: `report.measurement` says which figures are unavailable, never a 0 standing in.
   */
  cpuMs?: number;
  /** Time the task's thread was runnable but waiting for a CPU, ms (Linux schedstat's run-queue delay). */
  waitMs?: number;
  /**
   * Python threads backend (Linux): times the task's thread went to sleep while it ran. A CPU-bound Python thread that
   * waits for the GIL sleeps once per switch interval (5 ms), so this tells the GIL apart from a machine short of CPUs.
   */
  voluntarySwitches?: number;
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
  /**
   * CPU that other programs used during the phase, in cores (0.5 = half a core on average): the whole machine's busy time
   * from /proc/stat minus this run's own process tree. Absent where that can't be read (report.measurement says so).
   */
  otherCpuCores?: number;
  /** CPU this run's own process tree (host and worker processes) used during the phase, in cores. */
  ownCpuCores?: number;
  /** Parallel phases with a serial run of the same pair: where the parallel wall time went (core/account.ts). */
  account?: RunAccount;
}

/** The terms of the account, in the order they are drawn from 0 to the parallel wall time. */
export type AccountSegmentKey =
  | 'work' // ΣSᵢ / W: the serial run's task time spread evenly over the workers (the ideal)
  | 'contention' // Σ(extra CPU of each task in parallel) / W: shared locks, memory bandwidth, allocator, GC
  | 'cpu-wait' // Σ(extra time runnable but waiting for a CPU) / W: more runnable threads than cores, other programs
  | 'blocked' // Σ(extra time neither on a CPU nor runnable) / W: sleeps, I/O, locks that sleep
  | 'slowdown' // Σ(pᵢ − Sᵢ) / W when CPU and wait figures are unavailable, so it cannot be split
  | 'unmatched' // Σpᵢ / W of tasks with no serial time to compare with (failed or missing in the serial run)
  | 'startup' // Σ(lane time before its first task) / W: worker start, module load
  | 'dispatch' // Σ(idle time between tasks on a lane) / W: handing out tasks, returning results
  | 'imbalance'; // Σ(lane time after its last task, and lanes that ran nothing) / W: uneven tasks, input order, too few tasks

export interface AccountSegment {
  key: AccountSegmentKey;
  /** Contribution to the parallel wall time, ms; negative when parallel tasks ran faster than alone. */
  ms: number;
  /**
   * True when no task could be split into this term (no per-task CPU figures, or no serial run): its `ms` is 0 only to
   * keep the sum, not a measured zero. `RunAccount.unavailable` says why.
   */
  notMeasured?: true;
}

/**
 * The exact account of one parallel phase against its serial pair: with W workers, P = ΣSᵢ/W + Σ(pᵢ − Sᵢ)/W + start-up/W
 * + dispatch gaps/W + imbalance/W, the slowdown split by CPU and wait figures. The segments add up to `parallelMs`.
 */
export interface RunAccount {
  workers: number;
  /** The serial and parallel phases (repeat numbers) it compares. */
  serialRepeat: number;
  parallelRepeat: number;
  /** P: the parallel phase's wall time, ms. */
  parallelMs: number;
  /** ΣSᵢ / W, ms: the ideal the bar marks. */
  idealMs: number;
  segments: AccountSegment[];
  /** P minus the sum of the segments, ms (rounding only; the identity is exact). */
  residualMs: number;
  /** Terms that could not be computed, and why (no CPU figures on this platform, no serial run…). */
  unavailable: string[];
  /** The largest loss against the ideal, with one plain sentence on what to do about it. */
  largestLoss?: { key: AccountSegmentKey; ms: number; advice: string };
}

export interface Spread {
  mean: number;
  stddev: number;
  min: number;
  max: number;
  median: number;
  n: number;
}

/** The speedup over repeated serial/parallel pairs: the median pair's ratio with a 95 % confidence interval. */
export interface SpeedupEstimate {
  /** Median of the pairs' serial wall ÷ parallel wall. */
  median: number;
  /** 95 % confidence interval; equal to median when n is 1 (no interval can be given). */
  low: number;
  high: number;
  /** Pairs the estimate uses (excluded pairs are not counted). */
  n: number;
  /** Student's t over the pairs' log speedups, centred on the median; 'single' when one pair is all there is. */
  method: 't-log' | 'single';
  /** Repeat numbers of pairs left out (a first pair slowed by warm-up). */
  excludedPairs: number[];
  /**
   * Why the measurement stopped: the interval got within ±5 %, the time budget ran out, a pair is too long to repeat, so
   * many tasks that more pairs would keep too many records, the repeats asked for ran (or a task failed), or a cancel.
   */
  stoppedBy: 'precision' | 'budget' | 'long-tasks' | 'many-tasks' | 'repeats' | 'cancelled';
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
  /** The speedup with its interval and n; `speedup` above is its median. Absent without a serial run. */
  speedupEstimate?: SpeedupEstimate;
  /** The account of the pair drawn on the timeline (the latest). */
  account?: RunAccount;
}

export interface SweepPoint {
  workers: number;
  parallelMs: number;
  speedup: number;
}

export interface SweepResult {
  serialMs: number;
  points: SweepPoint[];
  /**
   * Amdahl's law with the core limit, fitted to the points: speedup(n) = 1 / (f + (1 − f) / min(n, cores)). Points above
   * the core count still count, but what flattens them is the cores, not a serial fraction.
   */
  amdahlSerialFraction: number;
  /** The cores the model was limited to. */
  cores?: number;
}

export interface RunOptions {
  backend: BackendKind;
  workers: number;
  compareWithSerial: boolean;
  warmupRuns: number;
  /** Serial/parallel pairs to run; 0 = as many as it takes for a ±5 % interval, within `measureSeconds`. */
  repeats: number;
  /** Time budget for repeating pairs when `repeats` is 0, seconds. */
  measureSeconds: number;
  /** 0 = no timeout */
  taskTimeoutSeconds: number;
  workerMemoryLimitMb?: number;
}

/** The interpreter that ran a Python target (absent for TS/JS runs, which run on the host's Node). */
export interface PythonRuntimeInfo {
  language: 'python';
  /** sys.executable */
  executable: string;
  /** `3.11.7` */
  version: string;
  /** sys.implementation.name: cpython, pypy… */
  implementation: string;
  /** True on a free-threaded build with the GIL off (sys._is_gil_enabled() is False): threads can run Python in parallel. */
  freeThreaded: boolean;
  /** multiprocessing start method of the processes backend (spawn, fork, forkserver). */
  startMethod?: string;
}

export interface HostInfo {
  pid: number;
  platform: string;
  arch: string;
  nodeVersion: string;
  cpuModel: string;
  cpuCount: number;
  /** The OS and its release (`Linux 6.1.0-18-amd64`, `Darwin 23.4.0`): os.type() and os.release(). Absent in older reports. */
  osRelease?: string;
  /** `3.11.2` from `python3 --version` (the Python backend's interpreter); absent where none answered. */
  pythonVersion?: string;
  /** Total memory in MB. */
  totalMemoryMb?: number;
}

/** Which figures this platform could measure: an unavailable one is absent from the records, never shown as 0. */
export interface MeasurementInfo {
  /** Per-task CPU time: per thread from schedstat (Linux), or not available. */
  taskCpu: 'schedstat' | 'unavailable';
  /** Per-task time waiting for a CPU. */
  taskWait: 'schedstat' | 'unavailable';
  /** Other programs' CPU during each phase. */
  machineCpu: 'proc-stat' | 'unavailable';
  /** Plain sentences on what is missing here and why. */
  notes: string[];
}

/** What a warning is about, for code to read; the message is for people. */
export type WarningCode =
  | 'bundle' // esbuild's own warning about the user's module
  | 'types-unchecked' // TypeScript runs with types stripped, not checked
  | 'outliers' // statistical outliers among repeated walls
  | 'warm-up' // the first pair (or run) much slower than the rest
  | 'single-pair' // one pair only: tasks too long to repeat within the budget
  | 'imprecise' // the interval is still wider than ±5 % when the budget ran out
  | 'above-cores' // a speedup above min(workers, cores), with its cause
  | 'machine-busy' // other programs used ≥ 0.25 core during a phase
  | 'contention' // parallel tasks used ≥ 1.2× the CPU of the same tasks alone
  | 'cpu-wait' // parallel tasks waited for a CPU
  | 'parallel-slower' // the parallel run was slower than the serial one, with the cause from the account
  | 'dispatch-cost' // tasks shorter than it costs to dispatch one
  | 'input-order' // longest first would finish clearly sooner
  | 'workers-above-cores' // more workers than cores
  | 'few-tasks' // fewer tasks than workers
  | 'workers-capped' // more workers asked for than the cap allows
  | 'timeouts' // tasks hit the task timeout
  | 'output-cut' // console output cut at the per-task limit
  | 'stray-crash' // code left running threw after its task returned
  | 'slow-top-level' // the module's top level had not finished when the run was cancelled
  | 'leftover-processes' // processes a task started outlived it
  | 'gil' // Python threads took turns on the GIL: one thread on a CPU at a time
  | 'unmeasured' // a figure this platform cannot measure
  | 'other'; // a warning from a report written before schema 2, which had no codes

export interface RunWarning {
  code: WarningCode;
  message: string;
  /** The phase it is about, when it is about one. */
  phase?: RunPhase;
  repeat?: number;
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
  /** The interpreter that ran a Python target; absent for TS/JS. */
  runtime?: PythonRuntimeInfo;
  /** Which per-task and machine figures this platform could measure. Absent in reports before schema 2. */
  measurement?: MeasurementInfo;
  /** hyperfine-style advice: outliers, slow first run, tasks shorter than dispatch overhead, type errors ignored… */
  warnings: RunWarning[];
  status: 'running' | 'completed' | 'cancelled' | 'failed';
  /** Set when the whole run failed before tasks ran (syntax error, bad inputs…). */
  failure?: string;
  /** This run against a baseline (CLI --baseline, or the function's baseline in the editor), when exported with one. */
  comparison?: RunComparison;
}
