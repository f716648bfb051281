// Messages between the host (core/pools) and a worker (thread or child process). Structured-clone safe.
import type { LogLine, TaskError } from './report';

/** The module a worker loads once and keeps: an esbuild bundle whose export `__parallelRunnerTarget__` is the callable. */
export interface ModuleSpec {
  /** Absolute path of the bundled ESM file (`.mjs`); a `.map` file sits beside it. */
  bundlePath: string;
  /** Content hash of the bundle; a worker that already loaded this hash reuses the module. */
  hash: string;
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
  /**
   * With no tasks: load the module and answer, so a phase's clock starts after every worker has loaded it. A load failure is
   * not reported here; the worker keeps it and the phase's first batch reports it as before.
   */
  preload?: boolean;
  /** Threads only: a counter each preloading thread bumps and then waits on until all `preloadWorkers` have, so each thread gets one. */
  preloadBarrier?: SharedArrayBuffer;
  preloadWorkers?: number;
}

export interface TaskOutcome {
  index: number;
  pid: number;
  threadId: number;
  /** Absolute monotonic µs (process.hrtime), the clock every process and thread shares. */
  startUs: number;
  endUs: number;
  ok: boolean;
  /** The return value (structured clone). Absent when ok is false. */
  value?: unknown;
  error?: TaskError;
  /** timeUs here is absolute monotonic µs. */
  logs: LogLine[];
  logsTruncated: boolean;
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
export type ToProcessWorker = { type: 'batch'; id: number; batch: WorkerBatch };
export type FromProcessWorker =
  | { type: 'ready'; pid: number }
  | TaskStartNotice
  | { type: 'batch-done'; id: number; outcomes: TaskOutcome[] }
  /** The module failed to load (syntax error at runtime, top-level throw): every task of the batch fails with it. */
  | { type: 'batch-failed'; id: number; error: TaskError };
