// Python functions over Python's own pools: one driver process per pool (dist/python/driver.py) holding a
// multiprocessing Pool ('processes') or a ThreadPoolExecutor ('threads') of `workers`, spoken to in JSON lines.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import * as l10n from '@vscode/l10n';
import type { PythonRuntimeInfo, TaskError } from '../../shared/report';
import { hasProcessGroups } from '../../shared/platformSupport';
import type { ModuleSpec, PreloadRequest, TaskOutcome, TaskStartNotice, WorkerBatch } from '../../shared/workerProtocol';
import { describeSpawnFailure, missingInterpreterError, pythonCommand, pythonScriptsDir } from '../python/interpreter';
import type { BatchControl, BatchReply, PoolConfig, WorkerPool } from './workerPool';

/** How long destroy() waits for the driver to close its pool before killing the process group. */
const STOP_WAIT_MS = 1000;
const STDERR_TAIL_CHARS = 4000;

interface Running {
  control: BatchControl;
  finish: (reply: BatchReply) => void;
}

/** What the driver says about itself on start. */
interface Hello {
  pid: number;
  executable: string;
  version: string;
  implementation: string;
  freeThreaded: boolean;
  startMethod: string | null;
  schedstat: boolean;
}

interface DriverOutcome {
  index: number;
  pid: number;
  threadId: number;
  startUs: number;
  endUs: number;
  logs: TaskOutcome['logs'];
  logsTruncated?: boolean;
  cpuMs?: number;
  waitMs?: number;
  voluntarySwitches?: number;
  value?: unknown;
  repr?: string;
  type?: string;
  preview?: string;
  error?: TaskError;
}

type FromDriver =
  | ({ type: 'hello' } & Hello)
  | { type: 'workers'; ready: number; pid?: number }
  | ({ type: 'task-start'; id: number } & Omit<TaskStartNotice, 'type'>)
  | { type: 'done'; id: number; outcomes: DriverOutcome[] }
  | { type: 'failed'; id: number; error: TaskError };

/** A value Python could not give as JSON: its repr, marked, so no face mistakes it for the value itself. */
export interface PythonRepr {
  $pythonRepr: string;
  type: string;
}

function toOutcome(raw: DriverOutcome): TaskOutcome {
  const outcome: TaskOutcome = {
    index: raw.index,
    pid: raw.pid,
    threadId: raw.threadId,
    startUs: raw.startUs,
    endUs: raw.endUs,
    ok: !raw.error,
    logs: raw.logs,
    logsTruncated: raw.logsTruncated ?? false,
  };
  // Both or neither, as the JS workers give them: CPU from the thread's clock, wait from schedstat (Linux).
  if (raw.cpuMs !== undefined && raw.waitMs !== undefined) {
    outcome.cpuUs = raw.cpuMs * 1000;
    outcome.waitUs = raw.waitMs * 1000;
  }
  if (raw.voluntarySwitches !== undefined) outcome.voluntarySwitches = raw.voluntarySwitches;
  if (raw.error) outcome.error = raw.error;
  else if (raw.repr !== undefined) {
    outcome.value = { $pythonRepr: raw.repr, type: raw.type ?? 'object' } satisfies PythonRepr;
    outcome.preview = raw.type ? l10n.t('{0}  (repr: a {1} is not JSON)', raw.repr, raw.type) : l10n.t('{0}  (repr: a value is not JSON)', raw.repr);
  } else {
    outcome.value = raw.value;
    if (raw.preview !== undefined) outcome.preview = raw.preview;
  }
  return outcome;
}

/** One driver process and its Python pool. */
class Driver {
  readonly process: ChildProcess;
  readonly hello: Promise<Hello>;
  private readonly ready: Promise<void>;
  readonly running = new Map<number, Running>();
  dead = false;
  /** Set when the interpreter is ended to stop one thread's task: what the other running tasks are told. */
  restartReason: string | undefined;
  /** The interpreter started and the driver answered. */
  started = false;
  private readyCount = 0;
  private stderrTail = '';
  private markHello!: (hello: Hello) => void;
  private markReady!: () => void;
  private markFailed!: (error: Error) => void;

  constructor(
    private readonly config: PoolConfig,
    private readonly onDeath: (driver: Driver) => void,
  ) {
    let rejectHello!: (error: Error) => void;
    this.hello = new Promise<Hello>((resolve, reject) => {
      this.markHello = resolve;
      rejectHello = reject;
    });
    this.ready = new Promise<void>((resolveReady, rejectReady) => {
      this.markReady = resolveReady;
      this.markFailed = (error) => {
        rejectHello(error);
        rejectReady(error);
      };
    });
    this.hello.catch(() => undefined);
    this.ready.catch(() => undefined);
    const command = pythonCommand(config.pythonPath);
    const args = ['-X', 'utf8', path.join(pythonScriptsDir(config.distDir), 'driver.py'), config.backend, String(config.workers), config.startMethod ?? '', String(config.workerMemoryLimitMb ?? '')];
    // Its own process group: cancel, a crash or destroy() ends the driver and every worker process it started at once.
    this.process = spawn(command, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: hasProcessGroups,
      windowsHide: true,
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    });
    this.process.on('error', (error: NodeJS.ErrnoException) => {
      this.onExit(null, null, missingInterpreterError(command, describeSpawnFailure(error)));
    });
    this.process.on('exit', (code, signal) => this.onExit(code, signal));
    this.process.stdin?.on('error', () => undefined);
    this.process.stderr?.setEncoding('utf8');
    this.process.stderr?.on('data', (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL_CHARS);
    });
    const lines = createInterface({ input: this.process.stdout!, crlfDelay: Infinity });
    lines.on('line', (line) => {
      let message: FromDriver;
      try {
        message = JSON.parse(line) as FromDriver;
      } catch {
        return;
      }
      this.onMessage(message);
    });
    this.setKeepsHostAlive(true);
  }

  get pid(): number {
    return this.process.pid ?? 0;
  }

  whenReady(): Promise<void> {
    return this.ready;
  }

  /** An idle pool must not keep the host running; a busy one must, or a script awaiting a run would exit under it. */
  setKeepsHostAlive(keep: boolean): void {
    for (const handle of [this.process, this.process.stdin, this.process.stdout, this.process.stderr] as Array<{ ref(): void; unref(): void } | null>) {
      if (!handle) continue;
      if (keep) handle.ref();
      else handle.unref();
    }
  }

  post(message: unknown): void {
    if (this.dead) return;
    this.process.stdin?.write(`${JSON.stringify(message)}\n`);
  }

  private onMessage(message: FromDriver): void {
    switch (message.type) {
      case 'hello':
        this.started = true;
        this.markHello(message);
        return;
      case 'workers':
        this.readyCount = message.ready;
        if (this.readyCount >= this.config.workers) {
          this.markReady();
          if (this.running.size === 0) this.setKeepsHostAlive(false);
        }
        return;
      case 'task-start': {
        const { id, type: _type, ...notice } = message;
        this.running.get(id)?.control.onTaskStart({ type: 'task-start', ...notice });
        return;
      }
      case 'done':
        this.running.get(message.id)?.finish({ kind: 'done', outcomes: message.outcomes.map(toOutcome) });
        return;
      case 'failed':
        this.running.get(message.id)?.finish({ kind: 'failed', error: message.error });
        return;
    }
  }

  /** Ends the driver and its workers (the whole process group). */
  kill(): void {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      try {
        if (hasProcessGroups && this.pid) process.kill(-this.pid, 'SIGKILL');
        else this.process.kill('SIGKILL');
      } catch {
        this.process.kill('SIGKILL');
      }
    }
    this.markDead();
  }

  private markDead(): void {
    if (this.dead) return;
    this.dead = true;
    this.onDeath(this);
  }

  /** Closes the pool politely, then kills what is left. */
  stop(): Promise<void> {
    if (this.process.pid === undefined || this.process.exitCode !== null || this.process.signalCode !== null) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const giveUp = setTimeout(() => {
        this.kill();
        resolve();
      }, STOP_WAIT_MS);
      this.process.once('exit', () => {
        clearTimeout(giveUp);
        // The driver is gone; a worker it could not close goes with the group.
        this.kill();
        resolve();
      });
      this.process.ref();
      this.post({ type: 'exit' });
      this.process.stdin?.end();
      this.dead = true;
    });
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null, spawnError?: Error): void {
    const tail = this.stderrTail.trim();
    const underTasks = this.running.size > 0;
    let how: string;
    if (signal) {
      how = underTasks
        ? l10n.t('The Python interpreter running the pool (pid {0}) was killed by {1} while running tasks (did a task call os._exit()?)', String(this.pid), signal)
        : l10n.t('The Python interpreter running the pool (pid {0}) was killed by {1}', String(this.pid), signal);
    } else {
      how = underTasks
        ? l10n.t('The Python interpreter running the pool (pid {0}) exited with code {1} while running tasks (did a task call os._exit()?)', String(this.pid), String(code))
        : l10n.t('The Python interpreter running the pool (pid {0}) exited with code {1}', String(this.pid), String(code));
    }
    const error = spawnError ?? new Error(`${how}${tail ? `\n${tail}` : ''}`);
    this.markFailed(error);
    // A group kill also ends any worker the driver left behind.
    if (!spawnError && hasProcessGroups && this.pid) {
      try {
        process.kill(-this.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    const taskError: TaskError = spawnError
      ? { code: 'internal', name: 'PythonNotFound', message: spawnError.message }
      : this.restartReason
        ? { code: 'worker-exit', name: 'WorkerExit', message: this.restartReason }
        : { code: 'worker-exit', name: 'WorkerExit', message: `${l10n.t('{0}; the pool was restarted and the other tasks ran on.', error.message.split('\n')[0])}${tail ? `\n${tail}` : ''}` };
    for (const running of [...this.running.values()]) running.finish({ kind: 'failed', error: taskError });
    this.markDead();
  }
}

/** The runtime a Python pool ran, for the report. */
function runtimeOf(hello: Hello): PythonRuntimeInfo {
  const info: PythonRuntimeInfo = {
    language: 'python',
    executable: hello.executable,
    version: hello.version,
    implementation: hello.implementation,
    freeThreaded: hello.freeThreaded,
  };
  if (hello.startMethod) info.startMethod = hello.startMethod;
  return info;
}

export class PythonPool implements WorkerPool {
  private driver: Driver;
  private nextBatchId = 1;
  private destroyed = false;
  runtime: PythonRuntimeInfo | undefined;

  private constructor(readonly config: PoolConfig) {
    this.driver = this.spawn();
  }

  /** Resolves once the driver has said hello: UserError-like Error when no interpreter could be started. */
  static async create(config: PoolConfig): Promise<PythonPool> {
    const pool = new PythonPool(config);
    try {
      await pool.driver.hello;
    } catch (error) {
      await pool.destroy();
      throw error;
    }
    return pool;
  }

  private spawn(): Driver {
    const driver = new Driver(this.config, (dead) => this.replace(dead));
    driver.hello.then(
      (hello) => (this.runtime = runtimeOf(hello)),
      () => undefined,
    );
    return driver;
  }

  /**
   * A driver that died after starting (os._exit on threads, a crash, a stopped thread) is replaced at once. One that never
   * said hello (no interpreter, a broken one) is not: the next batch tries again, so a missing interpreter cannot loop.
   */
  private replace(dead: Driver): void {
    if (this.destroyed || dead !== this.driver || !dead.started) return;
    this.driver = this.spawn();
  }

  send(batch: WorkerBatch, control: BatchControl): Promise<BatchReply> {
    return this.dispatch(batch.module, { tasks: batch.tasks.map((task) => [task.index, task.args]), maxLogChars: batch.maxLogChars, phaseKey: batch.phaseKey, preload: false }, control);
  }

  /** One idle worker imports the module (the driver's barrier gives each worker one); a failed import is kept for the phase. */
  preload(preload: PreloadRequest, control: BatchControl): Promise<BatchReply> {
    return this.dispatch(preload.module, { tasks: [], maxLogChars: 0, phaseKey: 'preload', preload: true }, control);
  }

  private dispatch(module: ModuleSpec, batch: { tasks: unknown[][]; maxLogChars: number; phaseKey: string; preload: boolean }, control: BatchControl): Promise<BatchReply> {
    if (this.destroyed) return Promise.resolve({ kind: 'failed', error: { code: 'internal', name: 'Error', message: l10n.t('The Python pool was closed.') } });
    if (this.driver.dead) this.driver = this.spawn();
    const driver = this.driver;
    const id = this.nextBatchId++;
    return new Promise<BatchReply>((resolve) => {
      const onAbort = () => {
        finish({ kind: 'aborted' });
        this.abort(driver, id);
      };
      const finish = (reply: BatchReply) => {
        if (!driver.running.delete(id)) return;
        control.signal?.removeEventListener('abort', onAbort);
        if (driver.running.size === 0 && !driver.dead) driver.setKeepsHostAlive(false);
        resolve(reply);
      };
      driver.running.set(id, { control, finish });
      if (control.signal?.aborted) return onAbort();
      control.signal?.addEventListener('abort', onAbort, { once: true });
      driver.setKeepsHostAlive(true);
      driver.whenReady().then(
        () => {
          if (!driver.running.has(id)) return;
          const wire = {
            ...batch,
            module: { path: module.bundlePath, file: module.python?.file ?? module.bundlePath, hash: module.hash, target: module.python?.target },
            maxPreviewChars: module.python?.maxPreviewChars ?? 2000,
          };
          driver.post({ type: 'batch', id, batch: wire });
          control.onDispatched();
        },
        (error: Error) => finish({ kind: 'failed', error: { code: 'internal', name: error.name, message: error.message } }),
      );
    });
  }

  /**
   * Processes: the driver kills the one worker process running the batch, and multiprocessing.Pool starts another.
   * Threads: a Python thread cannot be stopped, so the whole interpreter is restarted; batches aborted in the same turn
   * (a cancel) end as aborted, any other fails with the reason.
   */
  private abort(driver: Driver, id: number): void {
    if (this.config.backend === 'processes') {
      driver.post({ type: 'kill', id });
      return;
    }
    if (driver.dead) return;
    setImmediate(() => {
      for (const running of [...driver.running.values()]) {
        if (running.control.signal?.aborted) running.finish({ kind: 'aborted' });
      }
      driver.restartReason = l10n.t(
        'Another task of this pool was stopped (timeout) while this one ran: a Python thread cannot be stopped on its own, so the interpreter (pid {0}) was restarted and this task with it. Use the processes backend to stop one task without the others.',
        String(driver.pid),
      );
      driver.kill();
    });
    void id;
  }

  whenReady(): Promise<void> {
    return this.driver.whenReady();
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
    await this.driver.stop();
  }
}
