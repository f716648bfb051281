// One phase (serial or parallel, one repeat): preload the module, dispatch every task, record tasks, lanes and the machine around it.
import type { LaneRecord, PhaseRun, RunPhase, TaskRecord } from '../../shared/report';
import type { PreloadRequest, TaskSpec, TaskStartNotice } from '../../shared/workerProtocol';
import { monotonicNowUs } from '../../worker/clock';
import { coresBetween, sampleCpu } from '../machine';
import { dispatchTasks, type DispatchedTask, type WorkerPool } from '../pools';
import { cancelledWhileLoadingError } from '../pools/taskDispatch';
import { previewValue } from './preview';
import type { RunState } from './runState';

export interface PhaseSpec {
  phase: RunPhase;
  repeat: number;
  pool: WorkerPool;
  /** Warm-up phases run the tasks but leave no trace in the report. */
  warmup: boolean;
}

export interface PhaseResult {
  run: PhaseRun;
  tasks: TaskRecord[];
  dispatched: DispatchedTask[];
}

/** A module still loading after this long (with no shorter task timeout) is left to load inside the phase, where timeout and cancel apply. */
const PRELOAD_WAIT_MS = 2000;
/** The module hash every worker of a pool has loaded, so a warm re-run skips the preload. */
const preloadedHash = new WeakMap<WorkerPool, string>();

/**
 * Has every worker of the pool load the bundle before the phase's clock starts, so serial and parallel walls both measure
 * execution only. A load failure stays in the worker for the phase to report; a load that does not end in time is stopped.
 */
async function preloadModule(state: RunState, pool: WorkerPool): Promise<boolean | 'cancelled'> {
  if (state.cancelled) return false;
  if (preloadedHash.get(pool) === state.module.hash) return true;
  const { workers, backend } = pool.config;
  const controller = new AbortController();
  const onCancel = () => controller.abort('cancelled');
  state.handlers.signal?.addEventListener('abort', onCancel, { once: true });
  const timeoutMs = state.options.taskTimeoutSeconds * 1000;
  const timer = setTimeout(() => controller.abort('slow'), timeoutMs > 0 ? Math.min(timeoutMs, PRELOAD_WAIT_MS) : PRELOAD_WAIT_MS);
  const preload: PreloadRequest = {
    module: state.module,
    // Threads share memory: a barrier makes piscina give each thread one preload. Child processes each take one anyway.
    ...(backend === 'threads' ? { barrier: new SharedArrayBuffer(4), workers } : {}),
  };
  try {
    const control = { signal: controller.signal, onTaskStart: () => undefined, onDispatched: () => undefined };
    const replies = await Promise.all(Array.from({ length: workers }, () => pool.preload(preload, control)));
    const loaded = replies.every((reply) => reply.kind === 'done');
    if (loaded) preloadedHash.set(pool, state.module.hash);
    return loaded || (controller.signal.reason === 'cancelled' ? 'cancelled' : false);
  } finally {
    clearTimeout(timer);
    state.handlers.signal?.removeEventListener('abort', onCancel);
  }
}

export async function runPhase(state: RunState, spec: PhaseSpec): Promise<PhaseResult> {
  const { phase, repeat, pool, warmup } = spec;
  const workers = pool.config.workers;
  const record = !warmup;
  const tasks: TaskSpec[] = state.inputs.map((args, index) => ({ index, args }));
  await pool.whenReady();
  const loadStartedMs = Date.now();
  const preloaded = await preloadModule(state, pool);
  // A stopped preload replaced its workers: let the new ones boot, so the phase times their loading, not their start.
  if (preloaded === false && !state.cancelled) await pool.whenReady();
  state.emit({ type: 'phase-started', phase, repeat, workers, totalTasks: tasks.length, warmup });

  const lanes = new Map<string, LaneRecord>();
  // Tasks of a chunk come one after another from the same worker: the last lane answers most lookups without a key string.
  let lastLane: LaneRecord | undefined;
  const laneOf = (pid: number, threadId: number): LaneRecord => {
    if (lastLane && lastLane.pid === pid && lastLane.threadId === threadId) return lastLane;
    const key = `${pid}/${threadId}`;
    let lane = lanes.get(key);
    if (!lane) {
      lane = { lane: lanes.size, pid, threadId, busyMs: 0, utilization: 0, tasks: 0 };
      lanes.set(key, lane);
      if (record) state.emit({ type: 'lane-ready', phase, repeat, lane: { ...lane } });
    }
    lastLane = lane;
    return lane;
  };
  const announced = new Set<number>();
  const announceStart = (index: number, pid: number, threadId: number, startUs: number) => {
    if (announced.has(index)) return;
    announced.add(index);
    const lane = laneOf(pid, threadId);
    if (record) state.emit({ type: 'task-started', phase, repeat, index, lane: lane.lane, pid, threadId, startUs: state.relative(startUs) });
  };

  // Read before the clock starts and after it stops, so the reads' own cost (~0.5 ms) is not inside the wall time.
  const cpuBefore = record ? sampleCpu() : undefined;
  const startUs = monotonicNowUs();
  const queuedUs = state.relative(startUs);
  if (record) for (const task of tasks) state.emit({ type: 'task-queued', phase, repeat, index: task.index, queuedUs });
  const records: TaskRecord[] = new Array(tasks.length);
  const dispatched = await dispatchTasks({
    pool,
    module: state.module,
    tasks,
    // 'auto' sends tasks one by one unless they prove shorter than a dispatch, so only tiny tasks are chunked.
    chunkSize: state.request.chunkSize ?? 'auto',
    maxLogChars: state.maxLogChars,
    phaseKey: state.nextPhaseKey(),
    taskTimeoutMs: state.options.taskTimeoutSeconds * 1000,
    signal: state.handlers.signal,
    now: monotonicNowUs,
    onTaskStart: (notice: TaskStartNotice) => announceStart(notice.index, notice.pid, notice.threadId, notice.startUs),
    onTaskDone: (task) => {
      const reached = task.startUs !== undefined;
      if (reached) announceStart(task.index, task.pid, task.threadId, task.startUs!);
      const lane = reached ? laneOf(task.pid, task.threadId) : undefined;
      const durationMs = task.startUs !== undefined && task.endUs !== undefined ? (task.endUs - task.startUs) / 1000 : undefined;
      if (lane && durationMs !== undefined) {
        lane.busyMs += durationMs;
        lane.tasks++;
      }
      if (!record) return;
      const taskRecord: TaskRecord = {
        index: task.index,
        phase,
        repeat,
        argsPreview: state.argsPreviews[task.index],
        lane: lane?.lane ?? -1,
        pid: task.pid,
        threadId: task.threadId,
        queuedUs,
        status: task.status,
        logs: task.logs.length === 0 ? [] : task.logs.map((line) => ({ ...line, timeUs: state.relative(line.timeUs) })),
      };
      if (task.startUs !== undefined) taskRecord.startUs = state.relative(task.startUs);
      if (task.endUs !== undefined) taskRecord.endUs = state.relative(task.endUs);
      if (durationMs !== undefined) taskRecord.durationMs = durationMs;
      if (task.cpuUs !== undefined && task.waitUs !== undefined) {
        taskRecord.cpuMs = task.cpuUs / 1000;
        taskRecord.waitMs = task.waitUs / 1000;
      }
      // A Python worker renders its own results (repr); JS results are rendered here.
      if (task.status === 'ok') taskRecord.resultPreview = task.preview ?? previewValue(task.value, state.maxPreviewChars);
      if (task.voluntarySwitches !== undefined) taskRecord.voluntarySwitches = task.voluntarySwitches;
      if (task.error) taskRecord.error = task.error;
      // Cancelled during the preload: no task was sent, but the workers were still running the module's top level.
      if (preloaded === 'cancelled' && task.status === 'cancelled' && task.startUs === undefined) taskRecord.error = cancelledWhileLoadingError(Date.now() - loadStartedMs);
      if (task.logsTruncated) taskRecord.logsTruncated = true;
      records[task.index] = taskRecord;
      state.emit({ type: 'task-finished', task: taskRecord });
    },
  });
  const endUs = monotonicNowUs();
  const cpuAfter = cpuBefore ? sampleCpu() : undefined;
  if (preloaded === 'cancelled' || dispatched.some((task) => task.error?.code === 'cancelled-while-loading')) {
    state.cancelledLoadMs = Math.max(state.cancelledLoadMs ?? 0, Date.now() - loadStartedMs);
  }
  // A timeout, cancel or crash replaced a worker, which has not loaded the module.
  if (dispatched.some((task) => task.status !== 'ok')) preloadedHash.delete(pool);
  for (const task of dispatched) if (task.leftoverProcesses) state.leftovers.push(task);
  const wallMs = (endUs - startUs) / 1000;
  const laneRecords = [...lanes.values()].map((lane) => ({ ...lane, utilization: wallMs > 0 ? Math.min(1, lane.busyMs / wallMs) : 0 }));
  const failedAll = dispatched.length > 0 && dispatched.every((task) => task.status === 'error' || task.status === 'timeout');
  const run: PhaseRun = {
    phase,
    repeat,
    workers,
    startUs: state.relative(startUs),
    endUs: state.relative(endUs),
    wallMs,
    lanes: laneRecords,
    status: state.cancelled ? 'cancelled' : failedAll ? 'failed' : 'completed',
  };
  const cores = cpuBefore && cpuAfter ? coresBetween(cpuBefore, cpuAfter, wallMs) : undefined;
  if (cores) {
    run.otherCpuCores = cores.otherCores;
    run.ownCpuCores = cores.ownCores;
  }
  if (record) {
    state.report.phases.push(run);
    // A loop, not push(...records): spreading more than ~120,000 arguments overflows the call stack.
    for (const taskRecord of records) if (taskRecord) state.report.tasks.push(taskRecord);
    state.emit({ type: 'phase-finished', phase: run });
  }
  return { run, tasks: records, dispatched };
}
