// The `processes` backend: forked children running dist/processWorker.js, replaced when one crashes or is killed.
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { packBatch, unpackOutcomes, type FromProcessWorker, type PreloadRequest, type ToProcessWorker, type WorkerBatch } from '../../shared/workerProtocol';
import type { BatchControl, BatchReply, PoolConfig, WorkerPool } from './workerPool';

/** How long stopping a child waits for its exit after SIGKILL (normally a few ms). */
const STOP_WAIT_MS = 2000;

function monotonicNowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Enough of a dying child's stderr to explain a native crash. */
const STDERR_TAIL_CHARS = 4000;

interface RunningBatch {
  id: number;
  /** The batch's module hash: a task start from the child means the child has loaded it. */
  moduleHash: string;
  control: BatchControl;
  finish: (reply: BatchReply) => void;
}

/** One child process and the batch it is running, if any. */
class ChildWorker {
  readonly process: ChildProcess;
  readonly ready: Promise<void>;
  running: RunningBatch | undefined;
  dead = false;
  booted = false;
  /** Modules (by hash) this child has loaded, known from its task starts. */
  private readonly loadedModules = new Set<string>();
  private stderrTail = '';
  private readonly memoryLimitMb: number | undefined;
  private markReady!: () => void;
  private markFailed!: (error: Error) => void;

  constructor(
    config: PoolConfig,
    private readonly onDeath: (child: ChildWorker) => void,
  ) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.markReady = resolve;
      this.markFailed = reject;
    });
    // Unobserved until a batch waits on it; a child that dies while idle must not become an unhandled rejection.
    this.ready.catch(() => undefined);
    this.memoryLimitMb = config.workerMemoryLimitMb;
    const execArgv = config.workerMemoryLimitMb ? [`--max-old-space-size=${config.workerMemoryLimitMb}`] : [];
    // execArgv is explicit so a host started with loaders (tsx, --inspect) does not pass them to every child.
    this.process = fork(path.join(config.distDir, 'processWorker.js'), [], {
      serialization: 'advanced',
      execArgv,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.process.stderr?.setEncoding('utf8');
    this.process.stderr?.on('data', (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL_CHARS);
    });
    this.process.on('message', (message: FromProcessWorker) => this.onMessage(message));
    this.process.on('exit', (code, signal) => this.onExit(code, signal));
    this.process.on('error', (error) => this.onExit(null, null, error));
    // Ref'd while booting (someone may be awaiting readiness), unref'd once idle.
    this.setKeepsHostAlive(true);
  }

  get pid(): number {
    return this.process.pid ?? 0;
  }

  /** An idle child must not keep the host running; a busy one must, or a script awaiting a run would exit under it. */
  private setKeepsHostAlive(keep: boolean): void {
    const handles = [this.process, this.process.channel, this.process.stderr as unknown as { ref(): void; unref(): void } | null];
    for (const handle of handles) {
      if (!handle) continue;
      if (keep) handle.ref();
      else handle.unref();
    }
  }

  /** Runs a batch, or (with `preload`) only loads a module, on this child. */
  run(id: number, work: { batch: WorkerBatch } | { preload: PreloadRequest }, control: BatchControl): Promise<BatchReply> {
    const batch = 'batch' in work ? work.batch : undefined;
    const module = batch ? batch.module : (work as { preload: PreloadRequest }).preload.module;
    return new Promise<BatchReply>((resolve) => {
      const onAbort = () => {
        this.finish({ kind: 'aborted' });
        this.kill();
      };
      this.running = {
        id,
        moduleHash: module.hash,
        control,
        finish: (reply) => {
          control.signal?.removeEventListener('abort', onAbort);
          this.running = undefined;
          if (!this.dead) this.setKeepsHostAlive(false);
          resolve(reply);
        },
      };
      if (control.signal?.aborted) return onAbort();
      control.signal?.addEventListener('abort', onAbort, { once: true });
      this.setKeepsHostAlive(true);
      this.ready.then(
        () => {
          if (this.running?.id !== id) return;
          // A child that has not loaded the module yet announces the first task itself, once loading has finished.
          const loaded = this.loadedModules.has(module.hash);
          const message: ToProcessWorker = batch
            ? { type: 'request', id, request: { kind: 'run', batch: packBatch(loaded ? batch : { ...batch, announceFirstTask: true }) } }
            : { type: 'request', id, request: { kind: 'preload', preload: (work as { preload: PreloadRequest }).preload } };
          this.process.send(message, (error) => {
            if (error && this.running?.id === id) this.finish({ kind: 'failed', error: { name: error.name, message: `Could not send the batch to worker process ${this.pid}: ${error.message}` } });
          });
          control.onDispatched();
          // A child with the module loaded does not announce a batch's first task: it starts now, on this child.
          const first = batch?.tasks[0];
          if (batch && first && loaded) control.onTaskStart({ type: 'task-start', phaseKey: batch.phaseKey, index: first.index, pid: this.pid, threadId: 0, startUs: monotonicNowUs() });
        },
        (error: Error) => this.finish({ kind: 'failed', error: { name: error.name, message: error.message } }),
      );
    });
  }

  private finish(reply: BatchReply): void {
    this.running?.finish(reply);
  }

  /** Kills the child and resolves once it has exited. */
  stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return Promise.resolve();
    return new Promise<void>((resolve) => {
      // A ref'd timer, not only the child's handle, keeps a host with nothing else to do alive until the exit is heard;
      // and whatever happens to the exit event, dispose() (deactivate) does not wait for it longer than this.
      const giveUp = setTimeout(resolve, STOP_WAIT_MS);
      this.process.once('exit', () => {
        clearTimeout(giveUp);
        resolve();
      });
      this.process.ref();
      this.kill();
    });
  }

  kill(): void {
    if (this.dead) return;
    this.dead = true;
    this.process.kill('SIGKILL');
    this.onDeath(this);
  }

  private onMessage(message: FromProcessWorker): void {
    switch (message.type) {
      case 'ready':
        this.booted = true;
        if (!this.running) this.setKeepsHostAlive(false);
        this.markReady();
        return;
      case 'task-start':
        if (!this.running) return;
        this.loadedModules.add(this.running.moduleHash);
        this.running.control.onTaskStart(message);
        return;
      case 'batch-done':
        if (this.running?.id !== message.id) return;
        // A preload answers with no outcomes once the module has loaded (or failed to, which the next batch reports).
        this.loadedModules.add(this.running.moduleHash);
        this.finish({ kind: 'done', outcomes: unpackOutcomes(message.outcomes) });
        return;
      case 'batch-failed':
        if (this.running?.id === message.id) this.finish({ kind: 'failed', error: message.error });
        return;
    }
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null, spawnError?: Error): void {
    const how = spawnError ? `could not start: ${spawnError.message}` : signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const tail = this.stderrTail.trim();
    const outOfMemory = /heap out of memory|Reached heap limit/.test(tail);
    const limit = this.memoryLimitMb ? ` (the worker memory limit is ${this.memoryLimitMb} MB; raise workerMemoryLimitMb if the task needs more)` : '';
    // Our own kills (timeout, cancel) detach the batch first: an exit under a running batch is the task's doing or a crash.
    let advice = '';
    if (this.running && !spawnError) {
      advice =
        code !== null
          ? ' while running the task (did it call process.exit()?); the worker was replaced and the other tasks ran on. Return a value or throw an Error instead of exiting'
          : ' while running the task; the worker was replaced and the other tasks ran on';
    }
    const message = outOfMemory ? `Worker process ${this.pid} ran out of memory${limit}\n${tail}` : `Worker process ${this.pid} ${how}${advice}${tail ? `\n${tail}` : ''}`;
    this.markFailed(new Error(message));
    this.finish({ kind: 'failed', error: { name: outOfMemory ? 'OutOfMemory' : 'WorkerExit', message } });
    if (!this.dead) {
      this.dead = true;
      this.onDeath(this);
    }
  }
}

export class ProcessPool implements WorkerPool {
  private readonly children: ChildWorker[] = [];
  private nextBatchId = 1;
  private destroyed = false;

  constructor(readonly config: PoolConfig) {
    for (let i = 0; i < config.workers; i++) this.children.push(this.spawn());
  }

  private spawn(): ChildWorker {
    return new ChildWorker(this.config, (child) => this.replace(child));
  }

  /** A killed or crashed child is replaced at once, so the next batch finds a booted worker. */
  private replace(child: ChildWorker): void {
    const at = this.children.indexOf(child);
    if (at === -1) return;
    if (this.destroyed) this.children.splice(at, 1);
    else this.children[at] = this.spawn();
  }

  send(batch: WorkerBatch, control: BatchControl): Promise<BatchReply> {
    return this.dispatch({ batch }, control);
  }

  preload(preload: PreloadRequest, control: BatchControl): Promise<BatchReply> {
    return this.dispatch({ preload }, control);
  }

  private dispatch(work: { batch: WorkerBatch } | { preload: PreloadRequest }, control: BatchControl): Promise<BatchReply> {
    if (this.destroyed) return Promise.resolve({ kind: 'failed', error: { code: 'internal', name: 'Error', message: 'The process pool was closed.' } });
    const idle = this.children.filter((child) => !child.running && !child.dead);
    const child = idle.find((candidate) => candidate.booted) ?? idle[0];
    if (!child) return Promise.resolve({ kind: 'failed', error: { code: 'internal', name: 'Error', message: 'No idle worker process (more batches in flight than workers).' } });
    return child.run(this.nextBatchId++, work, control);
  }

  async whenReady(): Promise<void> {
    await Promise.all(this.children.map((child) => child.ready));
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
    const children = this.children.splice(0);
    await Promise.all(children.map((child) => child.stop()));
  }
}
