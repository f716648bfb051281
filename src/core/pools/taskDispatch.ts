// Runs a list of tasks over a WorkerPool: FIFO queue, optional chunks, per-task timeouts, cancellation, results in input order.
import type { LogLine, TaskError, TaskStatus } from '../../shared/report';
import type { ModuleSpec, TaskOutcome, TaskSpec, TaskStartNotice } from '../../shared/workerProtocol';
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
  value?: unknown;
  error?: TaskError;
  logs: LogLine[];
  logsTruncated: boolean;
}

export interface DispatchRequest {
  pool: WorkerPool;
  module: ModuleSpec;
  tasks: TaskSpec[];
  /** Tasks per dispatch (1 = no chunking). */
  chunkSize: number;
  maxLogChars: number;
  /** Unique per phase, so a late start notice from an earlier phase is ignored. */
  phaseKey: string;
  /** 0 = none. Counted from the moment a task starts (or its batch is sent, for the first one). */
  taskTimeoutMs: number;
  signal?: AbortSignal;
  /** Called once per task, when a worker says it started it (before its result, unless the announcement came late). */
  onTaskStart?: (notice: TaskStartNotice) => void;
  onTaskDone?: (task: DispatchedTask) => void;
  /** Clock for timeout and cancel times, absolute µs. */
  now: () => number;
}

function fromOutcome(outcome: TaskOutcome): DispatchedTask {
  const { index, pid, threadId, startUs, endUs, logs, logsTruncated } = outcome;
  return outcome.ok
    ? { index, status: 'ok', pid, threadId, startUs, endUs, value: outcome.value, logs, logsTruncated }
    : { index, status: 'error', pid, threadId, startUs, endUs, error: outcome.error, logs, logsTruncated };
}

function chunk(tasks: TaskSpec[], size: number): TaskSpec[][] {
  const chunks: TaskSpec[][] = [];
  for (let i = 0; i < tasks.length; i += size) chunks.push(tasks.slice(i, i + size));
  return chunks;
}

/** Runs every task and resolves with one DispatchedTask per input task, in input order. Never rejects for a task's failure. */
export function dispatchTasks(request: DispatchRequest): Promise<DispatchedTask[]> {
  const { pool, signal, taskTimeoutMs, now } = request;
  const queue = chunk(request.tasks, Math.max(1, Math.floor(request.chunkSize)));
  const results = new Map<number, DispatchedTask>();
  const started = new Map<number, TaskStartNotice>();
  const inFlight = new Set<AbortController>();
  const limit = pool.config.workers;
  let cancelled = signal?.aborted ?? false;

  return new Promise<DispatchedTask[]>((resolve) => {
    const settle = (task: DispatchedTask) => {
      if (results.has(task.index)) return;
      results.set(task.index, task);
      request.onTaskDone?.(task);
    };
    const finishIfDone = () => {
      if (inFlight.size > 0 || (queue.length > 0 && !cancelled)) return;
      signal?.removeEventListener('abort', onCancel);
      for (const task of queue.flat()) {
        settle({ index: task.index, status: 'cancelled', pid: 0, threadId: -1, error: { name: 'Cancelled', message: 'The run was cancelled before this task started.' }, logs: [], logsTruncated: false });
      }
      queue.length = 0;
      resolve(request.tasks.map((task) => results.get(task.index)!));
    };
    const onCancel = () => {
      cancelled = true;
      for (const controller of inFlight) controller.abort('cancelled');
      finishIfDone();
    };
    signal?.addEventListener('abort', onCancel, { once: true });

    const send = (batchTasks: TaskSpec[]) => {
      const controller = new AbortController();
      inFlight.add(controller);
      let timedOut = false;
      let lastStarted: TaskStartNotice | undefined;
      let timer: NodeJS.Timeout | undefined;
      // Armed once a worker has the batch (covering module loading), restarted at each task start.
      const onDispatched = () => {
        if (taskTimeoutMs <= 0 || timer) return;
        timer = setTimeout(() => {
          timedOut = true;
          controller.abort('timeout');
        }, taskTimeoutMs);
        // Piscina refs a busy thread and a busy child is ref'd, so the timer need not keep the host alive.
        timer.unref();
      };
      const onTaskStart = (notice: TaskStartNotice) => {
        if (notice.phaseKey !== request.phaseKey || results.has(notice.index) || started.has(notice.index)) return;
        started.set(notice.index, notice);
        lastStarted = notice;
        timer?.refresh();
        request.onTaskStart?.(notice);
      };
      const batch = { module: request.module, tasks: batchTasks, maxLogChars: request.maxLogChars, phaseKey: request.phaseKey };
      void pool.send(batch, { signal: controller.signal, onTaskStart, onDispatched }).then((reply) => {
        if (timer) clearTimeout(timer);
        inFlight.delete(controller);
        const endUs = now();
        const startInfo = (index: number) => {
          const notice = started.get(index);
          return notice ? { pid: notice.pid, threadId: notice.threadId, startUs: notice.startUs } : { pid: 0, threadId: -1 };
        };
        if (reply.kind === 'done') {
          for (const outcome of reply.outcomes) settle(fromOutcome(outcome));
        } else if (reply.kind === 'failed') {
          for (const task of batchTasks) settle({ index: task.index, status: 'error', ...startInfo(task.index), endUs, error: reply.error, logs: [], logsTruncated: false });
        } else if (timedOut) {
          const stuckIndex = lastStarted?.index ?? batchTasks[0].index;
          const stuckAt = batchTasks.findIndex((task) => task.index === stuckIndex);
          const seconds = taskTimeoutMs / 1000;
          for (const task of batchTasks.slice(0, stuckAt)) {
            settle({ index: task.index, status: 'error', ...startInfo(task.index), endUs: startInfo(task.index).startUs, error: { name: 'ResultLost', message: `Task ${task.index} finished, but its result was lost when task ${stuckIndex} in the same chunk timed out.` }, logs: [], logsTruncated: false });
          }
          settle({ index: stuckIndex, status: 'timeout', ...startInfo(stuckIndex), endUs, error: { name: 'Timeout', message: `Task ${stuckIndex} did not finish within the ${seconds} s task timeout; its worker was stopped.` }, logs: [], logsTruncated: false });
          // Tasks of the chunk that never started still deserve a run.
          const notStarted = batchTasks.slice(stuckAt + 1);
          if (notStarted.length > 0) queue.unshift(notStarted);
        } else {
          for (const task of batchTasks) {
            const info = startInfo(task.index);
            const message = info.startUs === undefined ? 'The run was cancelled before this task started.' : 'The run was cancelled while this task was running.';
            settle({ index: task.index, status: 'cancelled', ...info, endUs: info.startUs === undefined ? undefined : endUs, error: { name: 'Cancelled', message }, logs: [], logsTruncated: false });
          }
        }
        for (const task of batchTasks) started.delete(task.index);
        launch();
        finishIfDone();
      });
    };

    const launch = () => {
      while (!cancelled && inFlight.size < limit && queue.length > 0) send(queue.shift()!);
    };
    launch();
    finishIfDone();
  });
}
