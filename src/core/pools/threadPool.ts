// The `threads` backend: a piscina pool running dist/taskWorker.js, with task starts heard on one BroadcastChannel.
import * as path from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import type Piscina from 'piscina';
import type { TaskOutcome, TaskStartNotice, WorkerBatch } from '../../shared/workerProtocol';
import type { BatchControl, BatchReply, PoolConfig, WorkerPool } from './workerPool';
import { describeWorkerFailure } from './workerFailure';

let channelCounter = 0;

function startKey(phaseKey: string, index: number): string {
  return `${phaseKey}\n${index}`;
}

export class ThreadPool implements WorkerPool {
  private readonly startListeners = new Map<string, (notice: TaskStartNotice) => void>();
  private readonly startChannel: BroadcastChannel;
  private readonly channelName = `parallel-runner-start-${process.pid}-${++channelCounter}`;

  private constructor(
    readonly config: PoolConfig,
    private readonly piscina: Piscina,
  ) {
    this.startChannel = new BroadcastChannel(this.channelName);
    // Piscina refs a thread while it runs a task; the channel alone must never keep the host alive.
    this.startChannel.unref();
    this.startChannel.onmessage = (event) => {
      const notice = (event as unknown as { data: TaskStartNotice }).data;
      this.startListeners.get(startKey(notice.phaseKey, notice.index))?.(notice);
    };
  }

  static async create(config: PoolConfig, idleTimeoutMs: number): Promise<ThreadPool> {
    const { Piscina } = await import('piscina');
    const piscina = new Piscina({
      filename: path.join(config.distDir, 'taskWorker.js'),
      minThreads: config.workers,
      maxThreads: config.workers,
      concurrentTasksPerWorker: 1,
      idleTimeout: idleTimeoutMs,
      // Threads would otherwise inherit the host's flags (a tsx loader, --inspect) and pay for them on every import.
      execArgv: [],
      resourceLimits: config.workerMemoryLimitMb ? { maxOldGenerationSizeMb: config.workerMemoryLimitMb } : undefined,
    });
    // A thread that dies between tasks is replaced by piscina; without a listener its 'error' event would throw in the host.
    piscina.on('error', () => undefined);
    return new ThreadPool(config, piscina);
  }

  async send(batch: WorkerBatch, control: BatchControl): Promise<BatchReply> {
    for (const task of batch.tasks) this.startListeners.set(startKey(batch.phaseKey, task.index), control.onTaskStart);
    // Piscina hands the batch to an idle thread at once: callers never queue more batches than threads.
    control.onDispatched();
    try {
      const outcomes = (await this.piscina.run({ ...batch, startChannel: this.channelName }, { signal: control.signal })) as TaskOutcome[];
      return { kind: 'done', outcomes };
    } catch (error) {
      if (control.signal.aborted) return { kind: 'aborted' };
      return { kind: 'failed', error: describeWorkerFailure(error, this.config.workerMemoryLimitMb) };
    } finally {
      for (const task of batch.tasks) this.startListeners.delete(startKey(batch.phaseKey, task.index));
    }
  }

  async whenReady(): Promise<void> {
    // An empty batch returns as soon as a thread has booted; with one task per thread, each thread gets one.
    const ping: WorkerBatch = { module: { bundlePath: '', hash: '' }, tasks: [], maxLogChars: 0, phaseKey: 'ping' };
    await Promise.all(Array.from({ length: this.config.workers }, () => this.piscina.run(ping)));
  }

  async destroy(): Promise<void> {
    this.startChannel.close();
    this.startListeners.clear();
    await this.piscina.destroy();
  }
}
