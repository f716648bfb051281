// The one interface both pool backends implement: send a batch to an idle worker, hear task starts live, abort it.
import type { BackendKind, TaskError } from '../../shared/report';
import type { PreloadRequest, TaskOutcome, TaskStartNotice, WorkerBatch } from '../../shared/workerProtocol';

export interface PoolConfig {
  backend: BackendKind;
  workers: number;
  workerMemoryLimitMb?: number;
  /** Folder holding taskWorker.js and processWorker.js. */
  distDir: string;
}

export interface BatchControl {
  /** Aborting ends the worker running the batch (piscina terminates the thread, a child process is killed). */
  signal?: AbortSignal;
  onTaskStart: (notice: TaskStartNotice) => void;
  /** The batch has been handed to a booted worker (a replacement child may first need to start). */
  onDispatched: () => void;
}

export type BatchReply =
  | { kind: 'done'; outcomes: TaskOutcome[] }
  /** The worker died or could not run the batch (out of memory, crashed process): every unfinished task fails with this. */
  | { kind: 'failed'; error: TaskError }
  | { kind: 'aborted' };

export interface WorkerPool {
  readonly config: PoolConfig;
  /**
   * Sends one batch. Callers keep at most `config.workers` batches in flight, so a batch starts as soon as a worker is free;
   * a worker ended by an abort or a crash is replaced.
   */
  send(batch: WorkerBatch, control: BatchControl): Promise<BatchReply>;
  /** Has one idle worker load a module ahead of a phase; answers 'done' once loaded (a failed load is kept for the phase). */
  preload(preload: PreloadRequest, control: BatchControl): Promise<BatchReply>;
  /** Resolves once every worker has started (used by prewarm, and before timing a phase). */
  whenReady(): Promise<void>;
  destroy(): Promise<void>;
}

/** Two requests can share a warm pool when these match. */
export function poolKey(config: PoolConfig): string {
  return `${config.backend}/${config.workers}/${config.workerMemoryLimitMb ?? 0}/${config.distDir}`;
}
