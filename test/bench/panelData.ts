// Generated reports and live event streams for the panel benchmark, shaped like what the engine produces.
import type { RunEvent } from '../../src/shared/events';
import type { ToWebviewMessage } from '../../src/shared/protocol';
import { REPORT_SCHEMA_VERSION, type LaneRecord, type PhaseRun, type RunPhase, type RunReport, type TaskRecord } from '../../src/shared/report';

const HOST_PID = 4242;
const WORKER_PID = HOST_PID;

export interface ReportShape {
  inputs: number;
  workers: number;
  /** Also a serial phase with one record per input (what compareWithSerial adds). */
  withSerial: boolean;
  /** Per-task duration in µs. */
  taskUs: number;
}

function taskRecord(phase: RunPhase, index: number, lane: number, threadId: number, startUs: number, durUs: number, queuedUs: number): TaskRecord {
  // A few failures and log lines, so the table and timeline draw every kind of row.
  const failed = index % 997 === 13;
  const logs = index % 50 === 0 ? [{ stream: 'stdout' as const, text: `Child process: ${WORKER_PID} - Task: ${index}`, timeUs: startUs + 1 }] : [];
  return {
    index,
    phase,
    repeat: 0,
    argsPreview: `[${index}, ${index + 1}]`,
    lane,
    pid: WORKER_PID,
    threadId,
    queuedUs,
    startUs,
    endUs: startUs + durUs,
    durationMs: durUs / 1000,
    status: failed ? 'error' : 'ok',
    ...(failed
      ? { error: { name: 'RangeError', message: `input ${index} is out of range`, stack: `RangeError: input ${index} is out of range\n    at work (/work/src/heavy.ts:12:11)`, location: { file: '/work/src/heavy.ts', line: 12, column: 11 } } }
      : { resultPreview: `'Done sleeping ${index + index + 1} seconds'` }),
    logs,
  };
}

function lanesFor(tasks: TaskRecord[], workers: number, wallUs: number, phase: RunPhase): LaneRecord[] {
  const lanes: LaneRecord[] = [];
  const count = phase === 'serial' ? 1 : workers;
  for (let lane = 0; lane < count; lane++) {
    const mine = tasks.filter((t) => t.lane === lane);
    const busyMs = mine.reduce((sum, t) => sum + (t.durationMs ?? 0), 0);
    lanes.push({ lane, pid: WORKER_PID, threadId: lane + 1, busyMs, utilization: busyMs / (wallUs / 1000), tasks: mine.length });
  }
  return lanes;
}

/** Tasks of one phase laid out back to back on each lane, as a pool would run them. */
function phaseTasks(phase: RunPhase, shape: ReportShape, originUs: number): { tasks: TaskRecord[]; run: PhaseRun } {
  const laneCount = phase === 'serial' ? 1 : shape.workers;
  const gapUs = 30;
  const tasks: TaskRecord[] = [];
  const laneClock = new Array<number>(laneCount).fill(originUs + 500);
  for (let index = 0; index < shape.inputs; index++) {
    const lane = index % laneCount;
    // Durations vary a little, like real tasks do.
    const durUs = Math.round(shape.taskUs * (0.8 + ((index * 7919) % 41) / 100));
    tasks.push(taskRecord(phase, index, lane, lane + 1, laneClock[lane], durUs, originUs));
    laneClock[lane] += durUs + gapUs;
  }
  const endUs = Math.max(...laneClock) + 200;
  const run: PhaseRun = {
    phase,
    repeat: 0,
    workers: laneCount,
    startUs: originUs,
    endUs,
    wallMs: (endUs - originUs) / 1000,
    lanes: lanesFor(tasks, shape.workers, endUs - originUs, phase),
    status: 'completed',
  };
  return { tasks, run };
}

export function generateReport(shape: ReportShape, status: RunReport['status'] = 'completed'): RunReport {
  const phases: PhaseRun[] = [];
  const tasks: TaskRecord[] = [];
  let clock = 1000;
  for (const phase of (shape.withSerial ? ['serial', 'parallel'] : ['parallel']) as RunPhase[]) {
    const generated = phaseTasks(phase, shape, clock);
    phases.push(generated.run);
    tasks.push(...generated.tasks);
    clock = generated.run.endUs + 1000;
  }
  const serialMs = phases.find((p) => p.phase === 'serial')?.wallMs;
  const parallelMs = phases.find((p) => p.phase === 'parallel')?.wallMs ?? 0;
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    id: `bench-${shape.inputs}-${shape.withSerial ? 's' : 'p'}-${Math.random().toString(36).slice(2)}`,
    createdAt: new Date().toISOString(),
    tool: { name: 'parallel-runner', version: '0.1.0' },
    target: { file: '/work/src/heavy.ts', name: 'doSomething', kind: 'function', line: 3, column: 17, params: ['a', 'b'], isAsync: false },
    options: { backend: 'threads', workers: shape.workers, compareWithSerial: shape.withSerial, warmupRuns: 0, repeats: 1, measureSeconds: 10, taskTimeoutSeconds: 0 },
    host: { pid: HOST_PID, platform: 'linux', arch: 'x64', nodeVersion: 'v20.20.2', cpuModel: 'bench', cpuCount: 2 },
    clockOriginUs: 123_456_789,
    phases,
    tasks,
    summary: {
      ...(serialMs !== undefined ? { serialMs, speedup: serialMs / parallelMs, efficiency: serialMs / parallelMs / shape.workers } : {}),
      parallelMs,
      tasks: shape.inputs,
      failedTasks: tasks.filter((t) => t.status !== 'ok' && t.phase === 'parallel').length,
      workers: shape.workers,
    },
    warnings: [],
    status,
  };
}

export interface TimedMessage {
  /** When the host posts it, ms after the run started. */
  atMs: number;
  message: ToWebviewMessage;
}

/**
 * The messages of a live parallel run of `tasks` tasks on `workers` lanes, as RunPanel posts them: 'clear', then
 * everything that happened in each `batchMs` window in one 'events' message (EVENT_BATCH_MS), then the final 'report'.
 */
export function liveMessages(tasks: number, workers: number, taskUs: number, batchMs: number): TimedMessage[] {
  const shape: ReportShape = { inputs: tasks, workers, withSerial: false, taskUs };
  const final = generateReport(shape);
  const running: RunReport = { ...final, status: 'running', tasks: [], phases: [], summary: { parallelMs: 0, tasks, failedTasks: 0, workers } };
  const timed: { atUs: number; event: RunEvent }[] = [];
  const origin = final.phases[0].startUs;
  timed.push({ atUs: origin, event: { type: 'run-started', report: running } });
  timed.push({ atUs: origin, event: { type: 'phase-started', phase: 'parallel', repeat: 0, workers, totalTasks: tasks, warmup: false } });
  for (let index = 0; index < tasks; index++) timed.push({ atUs: origin, event: { type: 'task-queued', phase: 'parallel', repeat: 0, index, queuedUs: origin } });
  for (const lane of final.phases[0].lanes) {
    timed.push({ atUs: origin + 400, event: { type: 'lane-ready', phase: 'parallel', repeat: 0, lane: { ...lane, busyMs: 0, utilization: 0, tasks: 0 } } });
  }
  for (const task of final.tasks) {
    const startUs = task.startUs as number;
    timed.push({ atUs: startUs, event: { type: 'task-started', phase: 'parallel', repeat: 0, index: task.index, lane: task.lane, pid: task.pid, threadId: task.threadId, startUs } });
    timed.push({ atUs: task.endUs as number, event: { type: 'task-finished', task } });
  }
  const endUs = final.phases[0].endUs;
  timed.push({ atUs: endUs, event: { type: 'phase-finished', phase: final.phases[0] } });
  timed.push({ atUs: endUs, event: { type: 'run-finished', report: final } });
  timed.sort((a, b) => a.atUs - b.atUs);
  const batches: RunEvent[][] = [];
  for (const { atUs, event } of timed) {
    // An event is posted at the end of the window it happened in.
    const slot = Math.floor((atUs - origin) / 1000 / batchMs);
    while (batches.length <= slot) batches.push([]);
    batches[slot].push(event);
  }
  const messages: TimedMessage[] = [{ atMs: 0, message: { type: 'clear' } }];
  batches.forEach((events, slot) => {
    if (events.length) messages.push({ atMs: (slot + 1) * batchMs, message: { type: 'events', events } });
  });
  messages.push({ atMs: batches.length * batchMs + 1, message: { type: 'report', report: final } });
  return messages;
}
