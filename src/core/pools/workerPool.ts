// The one interface both pool backends implement: send a batch to an idle worker, hear task starts live, abort it.
import type { BackendKind, PythonRuntimeInfo, TaskError } from '../../shared/report';
import type { LeftoverProcess, PreloadRequest, TaskOutcome, TaskStartNotice, WorkerBatch } from '../../shared/workerProtocol';

export interface PoolConfig {
  backend: BackendKind;
  workers: number;
  workerMemoryLimitMb?: number;
  /** Folder holding taskWorker.js and processWorker.js (and python/driver.py). */
  distDir: string;
  /** 'python': the pool is a Python driver running Python's own pool (pythonPool.ts); absent for JS. */
  language?: 'python';
  /** The interpreter to start (default python3 on PATH). */
  pythonPath?: string;
  /** multiprocessing start method for Python processes (default spawn). */
  startMethod?: string;
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
  /** The interpreter a Python pool runs, once it has started. */
  readonly runtime?: PythonRuntimeInfo;
  /**
   * Sends one batch. Callers keep at most `config.workers` batches in flight, so a batch starts as soon as a worker is free;
   * a worker ended by an abort or a crash is replaced.
   */
  send(batch: WorkerBatch, control: BatchControl): Promise<BatchReply>;
  /** Has one idle worker load a module ahead of a phase; answers 'done' once loaded (a failed load is kept for the phase). */
  preload(preload: PreloadRequest, control: BatchControl): Promise<BatchReply>;
  /** Resolves once every worker has started (used by prewarm, and before timing a phase). */
  whenReady(): Promise<void>;
  /**
   * Processes backend: ends what tasks started and left running in the idle workers, and names them (the engine calls it
   * when a run ends, for a 'leftover-processes' warning). Threads can't: there they are the host's own children.
   */
  endLeftoverProcesses?(): Promise<LeftoverProcess[]>;
  destroy(): Promise<void>;
}

/** Two requests can share a warm pool when these match. */
export function poolKey(config: PoolConfig): string {
  const python = config.language === 'python' ? `/python:${config.pythonPath ?? ''}:${config.startMethod ?? ''}` : '';
  return `${config.backend}/${config.workers}/${config.workerMemoryLimitMb ?? 0}/${config.distDir}${python}`;
}
