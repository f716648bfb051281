// Runs a list of tasks over a WorkerPool: FIFO queue, optional chunks, per-task timeouts, cancellation, results in input order.
import * as l10n from '@vscode/l10n';
import type { LogLine, TaskError, TaskStatus } from '../../shared/report';
import type { LeftoverProcess, ModuleSpec, TaskOutcome, TaskSpec, TaskStartNotice } from '../../shared/workerProtocol';
import type { WorkerPool } from './workerPool';

/** One task's fate in a dispatch, whether or not it reached a worker. */
export interface DispatchedTask {
  index: number;
  status: TaskStatus;
  /** 0 / -1 when the task never reached a worker. */
  pid: number;
  threadId: number;
  /** Absolute monotonic µs. */
  startUs?: number;
  endUs?: number;
  /** The task thread's CPU and run-queue wait while it ran, µs; absent where unmeasured. */
  cpuUs?: number;
  waitUs?: number;
  value?: unknown;
  error?: TaskError;
  logs: LogLine[];
  logsTruncated: boolean;
  /** Processes the task (or its batch) started and left running; see leftoverProcessesWarning. */
  leftoverProcesses?: LeftoverProcess[];
  /** Python threads backend: times the task's thread went to sleep while it ran (the GIL's hand-overs). */
  voluntarySwitches?: number;
  /** The worker's own rendering of the result (Python's repr). */
  preview?: string;
}

export interface DispatchRequest {
  pool: WorkerPool;
  module: ModuleSpec;
  tasks: TaskSpec[];
  /** Tasks per dispatch: 1 = no chunking; 'auto' probes with single tasks, then chunks when tasks prove tiny. */
  chunkSize: number | 'auto';
  maxLogChars: number;
  /** Unique per phase, so a late start notice from an earlier phase is ignored. */
  phaseKey: string;
  /** 0 = none. Counted from the moment a task starts (or its batch reaches a worker, for the first one). */
  taskTimeoutMs: number;
  signal?: AbortSignal;
  /** Called at most once per task, when a worker says it started it and before its result arrives. */
  onTaskStart?: (notice: TaskStartNotice) => void;
  onTaskDone?: (task: DispatchedTask) => void;
  /** Clock for timeout and cancel times, absolute µs. */
  now: () => number;
}

/** Under 'auto', tasks shorter than this on average are sent in chunks. */
const AUTO_CHUNK_BELOW_MS = 1;
/** A chunk should carry at least this much work, so a dispatch's fixed cost is small beside it. */
const AUTO_CHUNK_TARGET_MS = 2;
/** Chunks shrink as the queue drains (guided self-scheduling): at most remaining / (workers × this). */
const AUTO_CHUNKS_PER_WORKER = 4;

function fromOutcome(outcome: TaskOutcome): DispatchedTask {
  const { index, pid, threadId, startUs, endUs, cpuUs, waitUs, logs, logsTruncated } = outcome;
  const task: DispatchedTask = outcome.ok
    ? { index, status: 'ok', pid, threadId, startUs, endUs, cpuUs, waitUs, value: outcome.value, logs, logsTruncated }
    : { index, status: 'error', pid, threadId, startUs, endUs, cpuUs, waitUs, error: outcome.error, logs, logsTruncated };
  if (outcome.leftoverProcesses) task.leftoverProcesses = outcome.leftoverProcesses;
  if (outcome.voluntarySwitches !== undefined) task.voluntarySwitches = outcome.voluntarySwitches;
  if (outcome.preview !== undefined) task.preview = outcome.preview;
  return task;
}

/** Loading longer than this when cancelled is worth a hint that the top level may never finish. */
const SLOW_LOAD_HINT_MS = 1000;

/** The error of a task that never started because the run was cancelled while its worker ran the module's top level. */
export function cancelledWhileLoadingError(loadingMs: number): TaskError {
  const seconds = (loadingMs / 1000).toFixed(1);
  const message =
    loadingMs >= SLOW_LOAD_HINT_MS
      ? l10n.t('The run was cancelled while the worker was still loading the module: its top-level code had run for {0} s without finishing (an endless loop, or a long wait at the top level?), so this task never started.', seconds)
      : l10n.t('The run was cancelled while the worker was still loading the module: its top-level code had run for {0} s without finishing, so this task never started.', seconds);
  return { code: 'cancelled-while-loading', name: 'Cancelled', message };
}

function cancelledTask(index: number, started?: TaskStartNotice, endUs?: number, loadingSinceUs?: number): DispatchedTask {
  if (!started && loadingSinceUs !== undefined && endUs !== undefined) {
    const error = cancelledWhileLoadingError((endUs - loadingSinceUs) / 1000);
    return { index, status: 'cancelled', pid: 0, threadId: -1, error, logs: [], logsTruncated: false };
  }
  if (!started) {
    return { index, status: 'cancelled', pid: 0, threadId: -1, error: { code: 'cancelled', name: 'Cancelled', message: l10n.t('The run was cancelled before this task started.') }, logs: [], logsTruncated: false };
  }
  const { pid, threadId, startUs } = started;
  return { index, status: 'cancelled', pid, threadId, startUs, endUs, error: { code: 'cancelled', name: 'Cancelled', message: l10n.t('The run was cancelled while this task was running.') }, logs: [], logsTruncated: false };
}

/** Node fires a longer timer after 1 ms; the entry points refuse such timeouts, and this keeps an API caller's from misfiring. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Puts `items` in front of `list`; not unshift(...items): a chunk of 100,000+ tasks as arguments overflows the call stack. */
function prependAll<T>(list: T[], items: readonly T[]): void {
  const tail = list.splice(0, list.length);
  for (const item of items) list.push(item);
  for (const item of tail) list.push(item);
}

/** Runs every task and resolves with one DispatchedTask per input task, in input order. Never rejects for a task's failure. */
export function dispatchTasks(request: DispatchRequest): Promise<DispatchedTask[]> {
  const { pool, signal, taskTimeoutMs, now, chunkSize } = request;
  const limit = pool.config.workers;
  /** Tasks not yet sent, in input order; `queueHead` avoids shifting a long array. */
  const queue = request.tasks;
  let queueHead = 0;
  /** Tasks of a timed-out chunk, re-sent one by one so the stuck one is found exactly. */
  const retrySingly: TaskSpec[] = [];
  const results = new Map<number, DispatchedTask>();
  const started = new Map<number, TaskStartNotice>();
  const batchControllers = new Set<AbortController>();
  let inFlight = 0;
  let cancelled = signal?.aborted ?? false;
  /** Set when a worker's module never finished loading within the timeout: the tasks still queued fail at once with it. */
  let moduleHung: TaskError | undefined;
  /** Some task of this dispatch has started, so the module does load: a worker still loading it is slow, not stuck. */
  let moduleLoads = false;
  let okTasks = 0;
  let okTaskMs = 0;

  const nextBatchSize = (): number => {
    const remaining = queue.length - queueHead;
    if (chunkSize !== 'auto') return Math.max(1, Math.floor(chunkSize));
    if (okTasks < limit) return 1;
    const averageMs = okTaskMs / okTasks;
    if (averageMs >= AUTO_CHUNK_BELOW_MS) return 1;
    const byWork = Math.ceil(AUTO_CHUNK_TARGET_MS / Math.max(averageMs, 1e-3));
    const byBalance = Math.ceil(remaining / (limit * AUTO_CHUNKS_PER_WORKER));
    return Math.max(1, Math.min(byWork, byBalance));
  };

  return new Promise<DispatchedTask[]>((resolve) => {
    const settle = (task: DispatchedTask) => {
      if (results.has(task.index)) return;
      results.set(task.index, task);
      if (task.status === 'ok' && task.startUs !== undefined && task.endUs !== undefined) {
        okTasks++;
        okTaskMs += (task.endUs - task.startUs) / 1000;
      }
      request.onTaskDone?.(task);
    };
    const hasQueued = () => retrySingly.length > 0 || queueHead < queue.length;
    const unsent = (index: number): DispatchedTask =>
      !cancelled && moduleHung ? { index, status: 'error', pid: 0, threadId: -1, error: moduleHung, logs: [], logsTruncated: false } : cancelledTask(index);
    const finishIfDone = () => {
      if (inFlight > 0 || (hasQueued() && !cancelled && !moduleHung)) return;
      signal?.removeEventListener('abort', onCancel);
      for (const task of retrySingly) settle(unsent(task.index));
      for (let i = queueHead; i < queue.length; i++) settle(unsent(queue[i].index));
      retrySingly.length = 0;
      queueHead = queue.length;
      resolve(request.tasks.map((task) => results.get(task.index)!));
    };
    const onCancel = () => {
      cancelled = true;
      // Batches without their own controller carry the run's signal, which the pool already saw.
      for (const controller of batchControllers) controller.abort('cancelled');
      finishIfDone();
    };
    signal?.addEventListener('abort', onCancel, { once: true });

    const send = (batchTasks: TaskSpec[]) => {
      inFlight++;
      // A per-batch controller only when a timeout may need to stop this one worker; otherwise the run's signal is enough.
      const controller = taskTimeoutMs > 0 ? new AbortController() : undefined;
      if (controller) batchControllers.add(controller);
      let timedOut = false;
      let lastStarted: TaskStartNotice | undefined;
      let timer: NodeJS.Timeout | undefined;
      /** When a worker took the batch; until its first task starts, the worker is loading the module. */
      let dispatchedUs: number | undefined;
      // Armed once a worker has the batch (covering module loading), restarted at each task start.
      const onDispatched = () => {
        dispatchedUs ??= now();
        if (!controller || timer) return;
        timer = setTimeout(() => {
          timedOut = true;
          controller.abort('timeout');
        }, Math.min(taskTimeoutMs, MAX_TIMER_MS));
        // Piscina refs a busy thread and a busy child is ref'd, so the timer need not keep the host alive.
        timer.unref();
      };
      const onTaskStart = (notice: TaskStartNotice) => {
        if (notice.phaseKey !== request.phaseKey || results.has(notice.index) || started.has(notice.index)) return;
        started.set(notice.index, notice);
        moduleLoads = true;
        lastStarted = notice;
        timer?.refresh();
        request.onTaskStart?.(notice);
      };
      const batch = { module: request.module, tasks: batchTasks, maxLogChars: request.maxLogChars, phaseKey: request.phaseKey };
      void pool.send(batch, { signal: controller?.signal ?? signal, onTaskStart, onDispatched }).then((reply) => {
        if (timer) clearTimeout(timer);
        if (controller) batchControllers.delete(controller);
        inFlight--;
        const endUs = now();
        // Workers announce a batch's first task only once the module has loaded: no start means its top level never finished.
        const stuckLoading = reply.kind === 'aborted' && dispatchedUs !== undefined && !batchTasks.some((task) => started.has(task.index));
        if (reply.kind === 'done') {
          if (reply.outcomes.some((outcome) => outcome.ok)) moduleLoads = true;
          for (const outcome of reply.outcomes) settle(fromOutcome(outcome));
        } else if (reply.kind === 'failed') {
          for (const task of batchTasks) {
            const notice = started.get(task.index);
            const where = notice ? { pid: notice.pid, threadId: notice.threadId, startUs: notice.startUs, endUs } : { pid: 0, threadId: -1 };
            settle({ index: task.index, status: 'error', ...where, error: { code: 'internal', ...reply.error }, logs: [], logsTruncated: false });
          }
        } else if (timedOut && stuckLoading && moduleLoads) {
          // Other workers loaded the module: this one was slow to start or load (a busy machine), so only its task times out.
          const [first, ...rest] = batchTasks;
          prependAll(retrySingly, rest);
          settle({
            index: first.index,
            status: 'timeout',
            pid: 0,
            threadId: -1,
            endUs,
            error: {
              code: 'timeout',
              name: 'Timeout',
              message: l10n.t(
                'Task {0} did not start within the {1} s task timeout: its worker was still loading the module (a slow start on a busy machine, or slow top-level code?). The worker was stopped and replaced, and the other tasks ran on. Raise taskTimeoutSeconds if loading needs more time.',
                first.index,
                taskTimeoutMs / 1000,
              ),
            },
            logs: [],
            logsTruncated: false,
          });
        } else if (timedOut && stuckLoading) {
          const error: TaskError = {
            code: 'module-load',
            name: 'Timeout',
            message: l10n.t(
              'Loading the module failed: its top-level code did not finish within the {0} s task timeout, so no task could start (an endless loop, or a long wait at the top level?). The worker was stopped. Move slow set-up into the function, or raise taskTimeoutSeconds.',
              taskTimeoutMs / 1000,
            ),
          };
          moduleHung ??= error;
          const [first, ...rest] = batchTasks;
          settle({ index: first.index, status: 'timeout', pid: 0, threadId: -1, endUs, error, logs: [], logsTruncated: false });
          for (const task of rest) settle(unsent(task.index));
        } else if (timedOut && batchTasks.length > 1) {
          // Which task of a chunk hung is not certain (tiny tasks are not all announced): run the unfinished ones alone.
          prependAll(retrySingly, batchTasks);
        } else if (timedOut) {
          const { index } = batchTasks[0];
          const notice = started.get(index) ?? lastStarted;
          settle({
            index,
            status: 'timeout',
            pid: notice?.pid ?? 0,
            threadId: notice?.threadId ?? -1,
            startUs: notice?.startUs,
            endUs,
            error: {
              code: 'timeout',
              name: 'Timeout',
              message: l10n.t(
                'Task {0} did not finish within the {1} s task timeout (an endless loop, or it needs longer?); its worker was stopped and replaced, and the other tasks ran on. Raise taskTimeoutSeconds if the task needs more time.',
                index,
                taskTimeoutMs / 1000,
              ),
            },
            logs: [],
            logsTruncated: false,
          });
        } else {
          batchTasks.forEach((task, at) => settle(cancelledTask(task.index, started.get(task.index), endUs, stuckLoading && at === 0 ? dispatchedUs : undefined)));
        }
        for (const task of batchTasks) started.delete(task.index);
        launch();
        finishIfDone();
      });
    };

    const launch = () => {
      while (!cancelled && !moduleHung && inFlight < limit && hasQueued()) {
        if (retrySingly.length > 0) {
          send([retrySingly.shift()!]);
          continue;
        }
        const size = nextBatchSize();
        send(queue.slice(queueHead, queueHead + size));
        queueHead += size;
      }
    };
    launch();
    finishIfDone();
  });
}
