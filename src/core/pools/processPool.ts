// The `processes` backend: forked children running dist/processWorker.js, replaced when one crashes or is killed. Each child
// leads its own process group, and whatever it or its tasks started is ended with it.
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as l10n from '@vscode/l10n';
import { L10N_BUNDLE_VARIABLE, l10nBundlePath } from '../../shared/l10n';
import { hasProcessGroups } from '../../shared/platformSupport';
import type { LogLine } from '../../shared/report';
import { packBatch, unpackOutcomes, type FromProcessWorker, type PreloadRequest, type TaskOutcome, type ToProcessWorker, type WorkerBatch } from '../../shared/workerProtocol';
import { commandOf, isRunning, killGroupAndProcesses, processesWithToken, processesWithTokens, residentMb, WORKER_TOKEN_VARIABLE, type ProcessInfo } from './processTree';
import type { BatchControl, BatchReply, PoolConfig, WorkerPool } from './workerPool';

/** How long stopping a child waits for its exit after SIGKILL (normally a few ms). */
const STOP_WAIT_MS = 2000;

function monotonicNowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Enough of a dying child's stderr to explain a native crash. */
const STDERR_TAIL_CHARS = 4000;

/**
 * On the processes backend the memory limit also holds a worker's resident memory, which Buffers and typed arrays fill
 * outside the V8 heap that --max-old-space-size limits: at most the limit plus this much for Node itself (~45 MB idle).
 */
export const RSS_ALLOWANCE_MB = 64;
const RSS_POLL_MS = 100;

/** Output a child wrote to fd 1/2 itself (past console and process.stdout), kept per batch up to its log limit. */
const RAW_OUTPUT_NOTE = '[parallel-runner]';

/** Every child alive in this host: the exit hook below ends them all, however the host leaves. */
const liveChildren = new Set<ChildWorker>();
let exitHookInstalled = false;
let nextToken = 1;

/**
 * A host that exits (a second Ctrl+C, process.exit after a run, an uncaught error) would otherwise leave its children
 * running: a child in a CPU-bound task never reads the IPC channel's close. The 'exit' event runs synchronously, so this
 * kills them synchronously.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    // Not kill(): that would have the pool spawn a replacement as the host leaves. One pass over /proc for all of them.
    const children = [...liveChildren];
    const found = processesWithTokens(children.map((child) => child.token));
    for (const child of children) child.endForExit(found.get(child.token) ?? []);
  });
}

interface RunningBatch {
  id: number;
  maxLogChars: number;
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
  /** In this child's environment and every descendant's, to find those that left its process group. */
  readonly token = `${process.pid}-${nextToken++}`;
  private rssTimer: NodeJS.Timeout | undefined;
  /** Set when the RSS check killed the child: the exit then reports that, not a signal. */
  private rssExceededMb: number | undefined;
  /** fd 1/2 output of the running batch (or, between batches, for the next one). */
  private rawOutput: LogLine[] = [];
  private rawOutputChars = 0;
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
    // execArgv is explicit so a host started with loaders (tsx, --inspect) does not pass them to every child. Detached: a
    // process group of its own (on POSIX), so ending it ends what its tasks started too, and a terminal's Ctrl+C reaches
    // the host alone, which cancels the run in order instead of children dying under it.
    this.process = fork(path.join(config.distDir, 'processWorker.js'), [], {
      serialization: 'advanced',
      execArgv,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: hasProcessGroups,
      env: { ...process.env, [WORKER_TOKEN_VARIABLE]: this.token, ...(l10nBundlePath() ? { [L10N_BUNDLE_VARIABLE]: l10nBundlePath() } : {}) },
    });
    liveChildren.add(this);
    installExitHook();
    this.process.stdout?.setEncoding('utf8');
    this.process.stdout?.on('data', (text: string) => this.onRawOutput('stdout', text));
    this.process.stderr?.setEncoding('utf8');
    this.process.stderr?.on('data', (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL_CHARS);
      this.onRawOutput('stderr', text);
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
    const handles = [this.process, this.process.channel, ...[this.process.stdout, this.process.stderr].map((stream) => stream as unknown as { ref(): void; unref(): void } | null)];
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
        maxLogChars: batch?.maxLogChars ?? STDERR_TAIL_CHARS,
        control,
        finish: (reply) => {
          control.signal?.removeEventListener('abort', onAbort);
          this.running = undefined;
          this.watchMemory(false);
          if (!this.dead) this.setKeepsHostAlive(false);
          resolve(reply);
        },
      };
      this.watchMemory(true);
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
            if (error && this.running?.id === id) this.finish({ kind: 'failed', error: { name: error.name, message: l10n.t('Could not send the batch to worker process {0}: {1}', this.pid, error.message) } });
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

  /** Kills the child, its process group (what its tasks started) and every descendant that left the group. */
  kill(): void {
    if (this.dead) return;
    this.dead = true;
    this.watchMemory(false);
    this.process.kill('SIGKILL');
    this.endDescendants();
    this.onDeath(this);
  }

  endForExit(descendants: readonly number[]): void {
    this.dead = true;
    this.process.kill('SIGKILL');
    killGroupAndProcesses(hasProcessGroups ? this.pid : undefined, descendants);
  }

  /** Ends what the child's tasks left running: its process group and the descendants carrying its token. */
  endDescendants(): void {
    const strays = processesWithToken(this.token).filter((pid) => pid !== this.pid);
    killGroupAndProcesses(hasProcessGroups ? this.pid : undefined, strays);
    if (this.process.exitCode !== null || this.process.signalCode !== null) liveChildren.delete(this);
  }

  /**
   * Processes the child's tasks started that still run (not the child itself), ended now; for a warning naming them.
   * Only between batches: a running task may still be using what it started.
   */
  endLeftovers(found: ReadonlyMap<string, number[]>): ProcessInfo[] {
    if (this.running || this.dead) return [];
    const leftovers = (found.get(this.token) ?? []).filter((pid) => pid !== this.pid && isRunning(pid));
    const named = leftovers.map((pid) => ({ pid, command: commandOf(pid) }));
    killGroupAndProcesses(undefined, leftovers);
    return named;
  }

  /** While a batch runs under a memory limit, the child's resident memory is read every RSS_POLL_MS (Linux). */
  private watchMemory(on: boolean): void {
    if (!on || !this.memoryLimitMb) {
      clearInterval(this.rssTimer);
      this.rssTimer = undefined;
      return;
    }
    const ceilingMb = this.memoryLimitMb + RSS_ALLOWANCE_MB;
    this.rssTimer ??= setInterval(() => {
      const rss = residentMb(this.pid);
      if (rss === undefined || rss <= ceilingMb || this.dead) return;
      this.rssExceededMb = rss;
      // Killed as a crash, not detached first like a timeout: the exit reports it as this batch's failure.
      this.process.kill('SIGKILL');
    }, RSS_POLL_MS);
    this.rssTimer.unref();
  }

  private onRawOutput(stream: LogLine['stream'], text: string): void {
    const limit = this.running?.maxLogChars ?? STDERR_TAIL_CHARS;
    if (this.rawOutputChars >= limit) return;
    const body = text.length > limit - this.rawOutputChars ? text.slice(0, limit - this.rawOutputChars) : text;
    this.rawOutputChars += body.length;
    const fd = stream === 'stdout' ? 1 : 2;
    for (const line of body.replace(/\n$/, '').split('\n')) this.rawOutput.push({ stream, text: `${RAW_OUTPUT_NOTE} ${l10n.t('written straight to fd {0}: {1}', fd, line)}`, timeUs: monotonicNowUs() });
  }

  /**
   * Hands the fd output gathered so far to the batch's outcomes: to the task running when it arrived (by time), or the
   * batch's first task for output from between batches. The task's own console lines stay as they were captured.
   */
  private attachRawOutput(outcomes: TaskOutcome[]): TaskOutcome[] {
    if (this.rawOutput.length === 0 || outcomes.length === 0) return outcomes;
    const owners = new Set<TaskOutcome>();
    for (const line of this.rawOutput) {
      const owner = outcomes.find((outcome) => line.timeUs <= outcome.endUs) ?? outcomes[outcomes.length - 1];
      owner.logs.push(line);
      owners.add(owner);
    }
    for (const owner of owners) owner.logs.sort((a, b) => a.timeUs - b.timeUs);
    this.rawOutput = [];
    this.rawOutputChars = 0;
    return outcomes;
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
      case 'batch-done': {
        if (this.running?.id !== message.id) return;
        // A preload answers with no outcomes once the module has loaded (or failed to, which the next batch reports).
        this.loadedModules.add(this.running.moduleHash);
        const outcomes = unpackOutcomes(message.outcomes);
        // The child wrote any fd output before this reply; an event-loop turn lets the pipe's data be read first.
        setImmediate(() => {
          if (this.running?.id === message.id) this.finish({ kind: 'done', outcomes: this.attachRawOutput(outcomes) });
        });
        return;
      }
      case 'batch-failed':
        if (this.running?.id === message.id) this.finish({ kind: 'failed', error: message.error });
        return;
    }
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null, spawnError?: Error): void {
    this.watchMemory(false);
    // A child that exited on its own (process.exit in a task, a crash) leaves its group and descendants: end them too.
    // (A child we killed had them ended with it.)
    if (!this.dead) this.endDescendants();
    liveChildren.delete(this);
    if (this.rssExceededMb !== undefined) return this.reportRssExceeded(this.rssExceededMb);
    const tail = this.stderrTail.trim();
    const outOfMemory = /heap out of memory|Reached heap limit/.test(tail);
    // Our own kills (timeout, cancel) detach the batch first: an exit under a running batch is the task's doing or a crash.
    const underTask = this.running !== undefined && !spawnError;
    let message: string;
    if (outOfMemory) {
      message = this.memoryLimitMb
        ? l10n.t('Worker process {0} ran out of memory (the worker memory limit is {1} MB; raise workerMemoryLimitMb if the task needs more)', this.pid, this.memoryLimitMb)
        : l10n.t('Worker process {0} ran out of memory', this.pid);
    } else if (spawnError) message = l10n.t('Worker process {0} could not start: {1}', this.pid, spawnError.message);
    else if (signal) {
      message = underTask
        ? l10n.t('Worker process {0} was killed by {1} while running the task; the worker was replaced and the other tasks ran on', this.pid, signal)
        : l10n.t('Worker process {0} was killed by {1}', this.pid, signal);
    } else {
      message = underTask
        ? l10n.t(
            'Worker process {0} exited with code {1} while running the task (did it call process.exit()?); the worker was replaced and the other tasks ran on. Return a value or throw an Error instead of exiting',
            this.pid,
            String(code),
          )
        : l10n.t('Worker process {0} exited with code {1}', this.pid, String(code));
    }
    if (tail) message += `\n${tail}`;
    this.markFailed(new Error(message));
    this.finish({ kind: 'failed', error: { code: outOfMemory ? 'out-of-memory' : 'worker-exit', name: outOfMemory ? 'OutOfMemory' : 'WorkerExit', message } });
    this.markDead();
  }

  private reportRssExceeded(rssMb: number): void {
    const message = l10n.t(
      "Worker process {0} ran out of memory (the worker memory limit is {1} MB; raise workerMemoryLimitMb if the task needs more): its resident memory reached {2} MB, past the limit plus {3} MB for Node itself. On the processes backend the limit holds all of a worker's memory, Buffers and typed arrays included, not only the JavaScript heap. The worker was replaced and the other tasks ran on.",
      this.pid,
      String(this.memoryLimitMb),
      Math.round(rssMb),
      RSS_ALLOWANCE_MB,
    );
    this.markFailed(new Error(message));
    this.finish({ kind: 'failed', error: { code: 'out-of-memory', name: 'OutOfMemory', message } });
    this.markDead();
  }

  private markDead(): void {
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
    if (this.destroyed) return Promise.resolve({ kind: 'failed', error: { code: 'internal', name: 'Error', message: l10n.t('The process pool was closed.') } });
    const idle = this.children.filter((child) => !child.running && !child.dead);
    const child = idle.find((candidate) => candidate.booted) ?? idle[0];
    if (!child) return Promise.resolve({ kind: 'failed', error: { code: 'internal', name: 'Error', message: l10n.t('No idle worker process (more batches in flight than workers).') } });
    return child.run(this.nextBatchId++, work, control);
  }

  async whenReady(): Promise<void> {
    await Promise.all(this.children.map((child) => child.ready));
  }

  /**
   * Ends what tasks started and left running in the idle workers (the workers stay warm), and names them. The engine calls
   * it when a run ends; a worker that is stopped or replaced ends its own at once.
   */
  async endLeftoverProcesses(): Promise<ProcessInfo[]> {
    const ended: ProcessInfo[] = [];
    const idle = this.children.filter((child) => !child.running && !child.dead);
    // One pass over /proc for every worker, not one each.
    const found = processesWithTokens(idle.map((child) => child.token));
    for (const child of idle) for (const leftover of child.endLeftovers(found)) ended.push(leftover);
    return ended;
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
    const children = this.children.splice(0);
    await Promise.all(children.map((child) => child.stop()));
  }
}
