// The `threads` backend: a piscina pool running dist/taskWorker.js; threads post task starts on a shared-memory board.
import * as path from 'node:path';
import type Piscina from 'piscina';
import { l10nBundlePath } from '../../shared/l10n';
import { createStartBoard, phaseTag, readNewStarts, viewStartBoard, type PostedStart, type StartBoardView } from '../../shared/startBoard';
import { packBatch, unpackOutcomes, type BatchOutcomes, type PreloadRequest, type TaskStartNotice, type WorkerBatch, type WorkerRequest } from '../../shared/workerProtocol';
import { loadPiscina } from '../lazyModules';
import type { BatchControl, BatchReply, PoolConfig, WorkerPool } from './workerPool';
import { describeWorkerFailure } from './workerFailure';

/** How often the host reads the start board while batches run: live enough for a panel, negligible CPU. */
const START_POLL_MS = 5;

interface StartListener {
  phaseKey: string;
  tag: number;
  onTaskStart: (notice: TaskStartNotice) => void;
  /** The batch's task indexes: a range when they are consecutive (chunks are slices of the queue), else a set. */
  first: number;
  count: number;
  indexes?: Set<number>;
}

/** Whether a batch with this listener holds task `index`. */
function holds(listener: StartListener, index: number): boolean {
  return listener.indexes ? listener.indexes.has(index) : index >= listener.first && index < listener.first + listener.count;
}

export class ThreadPool implements WorkerPool {
  /** One per batch in flight (at most one per thread): scanning them costs less than a key per task. */
  private readonly startListeners = new Set<StartListener>();
  private readonly lastSeen: Int32Array;
  private pollTimer: NodeJS.Timeout | undefined;
  private batchesInFlight = 0;
  /** Every thread has answered a ping and none has been stopped since: whenReady need not ask again. */
  private answered = false;

  private constructor(
    readonly config: PoolConfig,
    private readonly piscina: Piscina,
    private readonly board: StartBoardView,
  ) {
    this.lastSeen = new Int32Array(board.capacity);
  }

  static async create(config: PoolConfig, idleTimeoutMs: number): Promise<ThreadPool> {
    const { Piscina } = loadPiscina();
    // Replaced threads (after a timeout or cancel) claim new slots; twice the pool size plus slack wraps rarely.
    const boardBuffer = createStartBoard(Math.max(64, config.workers * 4));
    const piscina = new Piscina({
      filename: path.join(config.distDir, 'taskWorker.js'),
      minThreads: config.workers,
      maxThreads: config.workers,
      concurrentTasksPerWorker: 1,
      idleTimeout: idleTimeoutMs,
      // Threads would otherwise inherit the host's flags (a tsx loader, --inspect) and pay for them on every import.
      execArgv: [],
      workerData: { startBoard: boardBuffer, l10nBundle: l10nBundlePath() },
      resourceLimits: config.workerMemoryLimitMb ? { maxOldGenerationSizeMb: config.workerMemoryLimitMb } : undefined,
    });
    // A thread that dies between tasks is replaced by piscina; without a listener its 'error' event would throw in the host.
    piscina.on('error', () => undefined);
    return new ThreadPool(config, piscina, viewStartBoard(boardBuffer));
  }

  private readBoard(): void {
    readNewStarts(this.board, this.lastSeen, (start: PostedStart) => {
      let listener: StartListener | undefined;
      for (const candidate of this.startListeners) if (candidate.tag === start.tag && holds(candidate, start.index)) listener = candidate;
      if (!listener) return;
      listener.onTaskStart({ type: 'task-start', phaseKey: listener.phaseKey, index: start.index, pid: process.pid, threadId: start.threadId, startUs: start.startUs });
    });
  }

  async send(batch: WorkerBatch, control: BatchControl): Promise<BatchReply> {
    const tag = phaseTag(batch.phaseKey);
    const { tasks } = batch;
    const first = tasks.length > 0 ? tasks[0].index : 0;
    let consecutive = true;
    for (let i = 1; i < tasks.length && consecutive; i++) consecutive = tasks[i].index === first + i;
    const listener: StartListener = { phaseKey: batch.phaseKey, tag, onTaskStart: control.onTaskStart, first, count: tasks.length };
    if (!consecutive) listener.indexes = new Set(tasks.map((task) => task.index));
    this.startListeners.add(listener);
    if (this.batchesInFlight++ === 0) {
      this.pollTimer = setInterval(() => this.readBoard(), START_POLL_MS);
      this.pollTimer.unref();
    }
    // Piscina hands the batch to an idle thread at once: callers never queue more batches than threads.
    control.onDispatched();
    try {
      const request: WorkerRequest = { kind: 'run', batch: packBatch(batch) };
      const reply = (await this.piscina.run(request, control.signal ? { signal: control.signal } : {})) as BatchOutcomes;
      return { kind: 'done', outcomes: unpackOutcomes(reply) };
    } catch (error) {
      // A start posted just before a stuck thread was stopped is read now, so a timeout names its thread.
      this.readBoard();
      // An aborted or failed batch ends its thread; piscina starts a new one, which has not booted yet.
      this.answered = false;
      if (control.signal?.aborted) return { kind: 'aborted' };
      return { kind: 'failed', error: describeWorkerFailure(error, this.config.workerMemoryLimitMb) };
    } finally {
      this.startListeners.delete(listener);
      if (--this.batchesInFlight === 0 && this.pollTimer) {
        clearInterval(this.pollTimer);
        this.pollTimer = undefined;
      }
    }
  }

  async preload(preload: PreloadRequest, control: BatchControl): Promise<BatchReply> {
    const request: WorkerRequest = { kind: 'preload', preload };
    control.onDispatched();
    try {
      await this.piscina.run(request, control.signal ? { signal: control.signal } : {});
      return { kind: 'done', outcomes: [] };
    } catch (error) {
      this.answered = false;
      if (control.signal?.aborted) return { kind: 'aborted' };
      return { kind: 'failed', error: describeWorkerFailure(error, this.config.workerMemoryLimitMb) };
    }
  }

  async whenReady(): Promise<void> {
    if (this.answered) return;
    // A ping returns as soon as a thread has booted; with one ping per thread, each thread gets one.
    const ping: WorkerRequest = { kind: 'ping' };
    await Promise.all(Array.from({ length: this.config.workers }, () => this.piscina.run(ping)));
    this.answered = true;
  }

  async destroy(): Promise<void> {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.startListeners.clear();
    await this.piscina.destroy();
  }
}
