// Runs one WorkerBatch inside a thread or child process: loads the bundle once, times each task, captures its output and errors.
import { pathToFileURL } from 'node:url';
import { serialize } from 'node:v8';
import * as l10n from '@vscode/l10n';
import type { TaskError } from '../shared/report';
import { TARGET_EXPORT, type ModuleSpec, type PreloadRequest, type TaskOutcome, type TaskStartNotice, type WorkerBatch } from '../shared/workerProtocol';
import { childrenOfThisThread, commandOf } from '../core/pools/processTree';
import { describeThrownSafely, findUncloneable, type CloneCheckOptions } from './cloneCheck';
import { monotonicNowUs } from './clock';
import { readThreadTimes } from './threadClock';
import { beginTaskCapture, endTaskCapture, installConsoleCapture, noteStrayOutput } from './consoleCapture';
import { describeThrown } from './stackMap';

type TargetCallable = (...args: unknown[]) => unknown;

export interface WorkerIdentity {
  pid: number;
  threadId: number;
}

export interface BatchRunOptions {
  /**
   * How results are checked before they are posted: on both backends, since a failed post kills a thread and a reply nested
   * too deep is lost on the way to the host (threads) or breaks the host's IPC reader (processes).
   */
  cloneCheck: CloneCheckOptions;
  /** Files of the runner itself, left out of mapped stacks. */
  runnerFiles: readonly string[];
  /** True when announcing is nearly free (shared memory); otherwise starts in a chunk are announced at most once per millisecond. */
  announceEveryTask: boolean;
  /** False when the host already knows when a batch's first task starts (a child process it just handed the batch to). */
  announceFirstTask: boolean;
}

/**
 * A task is measured only after one that took this long on the same worker in the same phase (the first of a phase always
 * is): two CPU-clock readings cost ~10–20 µs with the counter update, as much as a tiny task and its dispatch together.
 */
const MEASURE_EVERY_US = 100;
/** The last task's wall time on this worker, and the phase it ran in: kept across batches, since one task per batch is the common case. */
let previousTask: { phaseKey: string; us: number } | undefined;

/** Within one batch, task starts closer together than this are not announced (the outcome still carries them). */
const ANNOUNCE_INTERVAL_US = 1000;

/** Loaded modules by content hash: a worker imports each bundle once and reuses it for every later batch. */
const loadedTargets = new Map<string, Promise<TargetCallable>>();

async function importTarget(module: ModuleSpec): Promise<TargetCallable> {
  const loaded = (await import(pathToFileURL(module.bundlePath).href)) as Record<string, unknown>;
  const target = loaded[TARGET_EXPORT];
  if (typeof target !== 'function') throw new TypeError(l10n.t('The bundle {0} has no callable export {1}.', module.bundlePath, TARGET_EXPORT));
  return target as TargetCallable;
}

function loadTarget(module: ModuleSpec): Promise<TargetCallable> {
  let target = loadedTargets.get(module.hash);
  if (!target) {
    target = importTarget(module);
    loadedTargets.set(module.hash, target);
  }
  return target;
}

/** A thread that waits this long at the preload barrier goes on anyway (a sibling was stopped, or piscina never gave it one). */
const PRELOAD_BARRIER_WAIT_MS = 3000;

/** Loads the module ahead of a phase; a failure stays cached in loadedTargets for the phase's first batch to report. */
export async function preloadTarget(preload: PreloadRequest): Promise<void> {
  await loadTarget(preload.module).catch(() => undefined);
  const { barrier: preloadBarrier, workers: preloadWorkers } = preload;
  if (!preloadBarrier || !preloadWorkers) return;
  // Holding this batch until every thread has one keeps piscina from handing two preloads to one fast thread.
  const arrived = new Int32Array(preloadBarrier);
  Atomics.add(arrived, 0, 1);
  const deadline = Date.now() + PRELOAD_BARRIER_WAIT_MS;
  while (Atomics.load(arrived, 0) < preloadWorkers && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 1));
}

/** The task now awaiting a promise; an uncaught error or unhandled rejection while it runs is its failure. */
let failRunningTask: ((reason: unknown) => void) | undefined;
let crashHandlersInstalled = false;

/** What the crash handlers hand a running task, so its error can say it was not thrown by the task's own call chain. */
class CrashWhileRunning {
  constructor(
    readonly kind: 'uncaught exception' | 'unhandled promise rejection',
    readonly reason: unknown,
  ) {}
}

/** The kinds are the English markers the host's warnings parse (see STRAY_CRASH): only the sentences are translated. */
function crashAdvice(kind: CrashWhileRunning['kind'], message: string): string {
  return kind === 'uncaught exception'
    ? l10n.t('An uncaught exception (from a timer or callback) ended the task: {0}', message)
    : l10n.t('A promise rejection nobody handled ended the task (await the promise or add .catch()): {0}', message);
}

/** `instanceof` asks a Proxy's getPrototypeOf trap, which may throw: a thrown Proxy is simply not one of ours. */
function asCrash(thrown: unknown): CrashWhileRunning | undefined {
  try {
    return thrown instanceof CrashWhileRunning ? thrown : undefined;
  } catch {
    return undefined;
  }
}

function settleOrCrash(pending: PromiseLike<unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    failRunningTask = reject;
    pending.then(resolve, reject);
  });
}

/**
 * Keeps a stray error from killing the worker: it fails the running task, or (between tasks) is noted in the next task's output.
 * `onStrayCrash` lets an entry decide that an error outside any task must still end the worker.
 */
export function installCrashHandlers(onStrayCrash: (error: unknown) => void): void {
  if (crashHandlersInstalled) return;
  crashHandlersInstalled = true;
  const handle = (kind: CrashWhileRunning['kind']) => (reason: unknown) => {
    if (failRunningTask) {
      failRunningTask(new CrashWhileRunning(kind, reason));
      return;
    }
    noteStrayOutput(`[parallel-runner] ${kind} outside any task: ${strayText(reason)}`);
    onStrayCrash(reason);
  };
  process.on('uncaughtException', handle('uncaught exception'));
  process.on('unhandledRejection', handle('unhandled promise rejection'));
}

/** A stray error's text; its getters may throw too, and a crash handler must not. */
function strayText(reason: unknown): string {
  try {
    return reason instanceof Error ? (reason.stack ?? `${reason.name}: ${reason.message}`) : String(reason);
  } catch {
    return describeThrownSafely(reason);
  }
}

function hasPendingTimers(): boolean {
  const resources = process.getActiveResourcesInfo();
  return resources.includes('Timeout') || resources.includes('Immediate');
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

export function cloneError(index: number, problem: string): TaskError {
  return {
    code: 'clone',
    name: 'DataCloneError',
    message: l10n.t(
      "Task {0} returned a value that can't be sent back from the worker: {1}. Return plain data (numbers, strings, arrays, plain objects, Map, Set, Date, typed arrays).",
      index,
      problem,
    ),
  };
}

/** Runs the batch's tasks one after another; never throws for a task's failure, only reports it. */
export async function runWorkerBatch(
  batch: WorkerBatch,
  identity: WorkerIdentity,
  announceStart: (notice: TaskStartNotice) => void,
  options: BatchRunOptions,
): Promise<TaskOutcome[]> {
  installConsoleCapture();
  if (batch.tasks.length === 0) return [];
  const { pid, threadId } = identity;
  const bundlePath = batch.module.bundlePath;
  let target: TargetCallable;
  try {
    target = await loadTarget(batch.module);
  } catch (thrown) {
    // A top-level throw in the user's module: every task of the batch fails with it.
    const now = monotonicNowUs();
    const error = await describeThrown(thrown, bundlePath, options.runnerFiles);
    error.code = 'module-load';
    error.message = l10n.t('Loading the module failed: its top-level code threw {0}: {1}', error.name, error.message);
    return batch.tasks.map((task) => ({ index: task.index, pid, threadId, startUs: now, endUs: now, ok: false, error, logs: [], logsTruncated: false }));
  }

  // Piscina blocks an idle thread in Atomics.wait, so timers left by an earlier task may be due now: let them print
  // before this batch starts, where they are marked as stray output instead of being taken for this task's own.
  // Yielding costs an event-loop turn, so only when a timer or immediate is pending (checking costs well under 1 µs).
  // Two turns: the first ends the loop iteration the thread woke up in; the second runs after the next timers phase.
  if (hasPendingTimers()) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const outcomes: TaskOutcome[] = [];
  const childrenBefore = new Set(childrenOfThisThread());
  // The host stamps the first task itself when told not to announce it; later ones are announced by time.
  let announcedUs = options.announceFirstTask ? -Infinity : monotonicNowUs();
  // Two schedstat reads per measured task (10–20 µs with the counter update) would cost as much as a tiny task and its
  // dispatch: only a task after one that took MEASURE_EVERY_US or more on this worker is measured; the others get no figures.
  let previousTaskUs = previousTask?.phaseKey === batch.phaseKey ? previousTask.us : Infinity;
  for (const task of batch.tasks) {
    beginTaskCapture(batch.maxLogChars);
    // Read inside the wall-time window at both ends (clock, read … read, clock), so a preemption between a read and a
    // clock reading cannot put more CPU or wait into a task than its wall time holds.
    const measure = previousTaskUs >= MEASURE_EVERY_US;
    const startUs = monotonicNowUs();
    const startTimes = measure ? readThreadTimes() : undefined;
    // In a chunk of tiny tasks, a message per task would cost more than the task; one per millisecond keeps the view live.
    if (options.announceEveryTask || startUs - announcedUs >= ANNOUNCE_INTERVAL_US) {
      announcedUs = startUs;
      announceStart({ type: 'task-start', phaseKey: batch.phaseKey, index: task.index, pid, threadId, startUs });
    }
    let value: unknown;
    let thrown: unknown;
    let failed = false;
    try {
      value = target(...task.args);
      if (isThenable(value)) value = await settleOrCrash(value);
    } catch (caught) {
      failed = true;
      thrown = caught;
    }
    failRunningTask = undefined;
    const endTimes = startTimes ? readThreadTimes() : undefined;
    const endUs = monotonicNowUs();
    previousTaskUs = endUs - startUs;
    previousTask = { phaseKey: batch.phaseKey, us: previousTaskUs };
    const measured = startTimes && endTimes ? { cpuUs: endTimes.cpuUs - startTimes.cpuUs, waitUs: endTimes.waitUs - startTimes.waitUs } : undefined;
    const { logs, logsTruncated } = endTaskCapture(task.index);
    if (failed) {
      const crash = asCrash(thrown);
      const error = await describeThrown(crash ? crash.reason : thrown, bundlePath, options.runnerFiles);
      error.code = crash ? 'crash' : 'thrown';
      if (crash) error.message = crashAdvice(crash.kind, error.message);
      outcomes.push({ index: task.index, pid, threadId, startUs, endUs, ...measured, ok: false, error, logs, logsTruncated });
      continue;
    }
    const problem = findUncloneable(value, options.cloneCheck);
    if (problem !== undefined) {
      outcomes.push({ index: task.index, pid, threadId, startUs, endUs, ...measured, ok: false, error: cloneError(task.index, problem), logs, logsTruncated });
      continue;
    }
    outcomes.push({ index: task.index, pid, threadId, startUs, endUs, ...measured, ok: true, value, logs, logsTruncated });
  }
  noteLeftoverProcesses(outcomes, childrenBefore);
  return outcomes;
}

/**
 * Processes this thread started during the batch that still run: on threads they are the host's children and outlive the
 * run, so the batch's last task says so (the host turns that into a warning); a worker process's are ended with it.
 * Once per batch, not per task: reading /proc costs microseconds, as much as a tiny task.
 */
function noteLeftoverProcesses(outcomes: TaskOutcome[], childrenBefore: ReadonlySet<number>): void {
  const last = outcomes[outcomes.length - 1];
  if (!last) return;
  const leftovers = childrenOfThisThread()
    .filter((pid) => !childrenBefore.has(pid))
    .map((pid) => ({ pid, command: commandOf(pid) }));
  if (leftovers.length === 0) return;
  last.leftoverProcesses = leftovers;
  const named = leftovers.map((leftover) => l10n.t('PID {0} ({1})', leftover.pid, leftover.command || l10n.t('gone'))).join(', ');
  let text: string;
  if (outcomes.length > 1) {
    text =
      leftovers.length === 1
        ? l10n.t('tasks {0}–{1} (run together in one batch) left a process running: {2}', outcomes[0].index, last.index, named)
        : l10n.t('tasks {0}–{1} (run together in one batch) left {2} processes running: {3}', outcomes[0].index, last.index, leftovers.length, named);
  } else {
    text = leftovers.length === 1 ? l10n.t('task {0} left a process running: {1}', last.index, named) : l10n.t('task {0} left {1} processes running: {2}', last.index, leftovers.length, named);
  }
  last.logs.push({ stream: 'stderr', text: `[parallel-runner] ${text}`, timeUs: monotonicNowUs() });
}

/** Why serialising a value failed, in the serializer's words (`#<X> could not be cloned.`). */
function sendFailure(value: unknown): string {
  try {
    serialize(value);
    return l10n.t('it failed once and passed on a second try');
  } catch (error) {
    return describeThrownSafely(error);
  }
}

/** Turns outcomes whose values can't be serialised into task errors; used after a send already failed. */
export function replaceUncloneableValues(outcomes: TaskOutcome[], canSend: (value: unknown) => boolean): TaskOutcome[] {
  return outcomes.map((outcome) => {
    if (!outcome.ok || canSend(outcome.value)) return outcome;
    const problem = findUncloneable(outcome.value, { sharedMemory: false }) ?? l10n.t('it holds something the IPC channel rejects ({0})', sendFailure(outcome.value));
    return { ...outcome, ok: false, value: undefined, error: cloneError(outcome.index, problem) };
  });
}
