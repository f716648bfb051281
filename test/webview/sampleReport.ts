// Generates plausible RunReports (serial + parallel phases, lanes, logs, a failure, a sweep) for the panel page harness.
import type { LaneRecord, PhaseRun, RunPhase, RunReport, Spread, SweepResult, TaskRecord } from '../../src/shared/report';

/** Strings that would run script or break markup if the page ever treated them as HTML. */
export const HOSTILE_RESULT = '<img src=x onerror=alert(1)>';
export const HOSTILE_ARGS = '["</script><script>alert(2)</script>", "\u2028&amp;"]';
export const HOSTILE_LOG = '<b onmouseover=alert(3)>not bold</b>';
export const HOSTILE_ERROR = 'bad input <svg onload=alert(4)>';

export interface SampleReportOptions {
  /** Task count per phase. */
  tasks: number;
  workers: number;
  backend?: 'threads' | 'processes';
  /** Duration of task i in ms (default: a repeating pattern between 40 and 200 ms). */
  durationMs?: (index: number) => number;
  /** Index of a task that throws (in both phases). */
  failIndex?: number;
  /** Put hostile strings into args, results, logs, errors and warnings. */
  hostile?: boolean;
  sweep?: boolean;
  withSerial?: boolean;
  status?: RunReport['status'];
  /** Run each phase this many times (serial and parallel alternate, as repeats do); durations vary a little per repeat. */
  repeats?: number;
}

const HOST_PID = 48213;
const CLOCK_ORIGIN_US = 9_000_000_000;
const DEFAULT_PATTERN = [120, 80, 200, 60, 150, 90, 40, 170];

export function makeSampleReport(options: SampleReportOptions): RunReport {
  const duration = options.durationMs ?? ((i: number) => DEFAULT_PATTERN[i % DEFAULT_PATTERN.length]);
  const withSerial = options.withSerial ?? true;
  const backend = options.backend ?? 'threads';
  const tasks: TaskRecord[] = [];
  const phases: PhaseRun[] = [];
  let clockUs = 2_000;

  const runPhase = (phase: RunPhase, workers: number, repeat: number): PhaseRun => {
    const startUs = clockUs;
    const laneFree = new Array<number>(workers).fill(startUs + 300);
    const lanes: LaneRecord[] = [];
    for (let lane = 0; lane < workers; lane++) {
      const pid = phase === 'serial' || backend === 'threads' ? HOST_PID : HOST_PID + 10 + lane;
      const threadId = phase === 'serial' ? 0 : backend === 'threads' ? lane + 1 : 0;
      lanes.push({ lane, pid, threadId, busyMs: 0, utilization: 0, tasks: 0 });
    }
    for (let index = 0; index < options.tasks; index++) {
      // Greedy dispatch: the next task goes to the lane that frees up first, as a pool does.
      let lane = 0;
      for (let l = 1; l < workers; l++) if (laneFree[l] < laneFree[lane]) lane = l;
      const taskStart = laneFree[lane] + 40;
      const ms = duration(index) * (phase === 'parallel' ? 1.04 : 1) * (1 + 0.06 * repeat);
      const taskEnd = taskStart + Math.round(ms * 1000);
      laneFree[lane] = taskEnd;
      const failed = index === options.failIndex;
      const record: TaskRecord = {
        index,
        phase,
        repeat,
        argsPreview: options.hostile && index === 1 ? HOSTILE_ARGS : `[${index + 1}]`,
        lane,
        pid: lanes[lane].pid,
        threadId: lanes[lane].threadId,
        queuedUs: startUs + 100,
        startUs: taskStart,
        endUs: taskEnd,
        durationMs: (taskEnd - taskStart) / 1000,
        status: failed ? 'error' : 'ok',
        logs: [
          { stream: 'stdout', text: `Child process: ${lanes[lane].pid} - Task: ${index + 1}`, timeUs: taskStart + 10 },
          ...(options.hostile && index === 0 ? [{ stream: 'stderr' as const, text: HOSTILE_LOG, timeUs: taskStart + 20 }] : []),
        ],
      };
      if (failed) {
        record.error = {
          name: 'RangeError',
          message: options.hostile ? HOSTILE_ERROR : `input ${index + 1} is out of range`,
          stack: `RangeError: input ${index + 1} is out of range\n    at longTimeTask (/home/dev/project/src/tasks.ts:14:11)`,
          location: { file: '/home/dev/project/src/tasks.ts', line: 14, column: 11 },
        };
      } else {
        record.resultPreview = options.hostile && index === 0 ? HOSTILE_RESULT : String((index + 1) * (index + 1));
      }
      lanes[lane].busyMs += record.durationMs ?? 0;
      lanes[lane].tasks++;
      tasks.push(record);
    }
    const endUs = Math.max(...laneFree) + 200;
    const wallMs = (endUs - startUs) / 1000;
    for (const lane of lanes) lane.utilization = lane.busyMs / wallMs;
    clockUs = endUs + 5_000;
    const run: PhaseRun = { phase, repeat, workers, startUs, endUs, wallMs, lanes, status: 'completed' };
    phases.push(run);
    return run;
  };

  const repeats = options.repeats ?? 1;
  const serialRuns: PhaseRun[] = [];
  const parallelRuns: PhaseRun[] = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    if (withSerial) serialRuns.push(runPhase('serial', 1, repeat));
    parallelRuns.push(runPhase('parallel', options.workers, repeat));
  }
  const serial = serialRuns.length ? meanRun(serialRuns) : undefined;
  const parallel = meanRun(parallelRuns);
  const speedup = serial ? serial.wallMs / parallel.wallMs : undefined;
  const failedTasks = options.failIndex !== undefined && options.failIndex < options.tasks ? 1 : 0;

  let sweep: SweepResult | undefined;
  if (options.sweep && serial) {
    const fraction = 0.042;
    sweep = {
      serialMs: serial.wallMs,
      amdahlSerialFraction: fraction,
      points: [1, 2, 3, 4, 6, 8].map((workers) => {
        const ideal = 1 / (fraction + (1 - fraction) / workers);
        const speedupAt = ideal * (0.93 + 0.05 * Math.sin(workers));
        return { workers, speedup: speedupAt, parallelMs: serial.wallMs / speedupAt };
      }),
    };
  }

  return {
    schemaVersion: 2,
    id: `sample-${options.tasks}-${options.workers}-${options.hostile ? 'hostile' : 'plain'}`,
    createdAt: '2025-05-14T09:30:00.000Z',
    tool: { name: 'parallel-runner', version: '0.1.0' },
    target: { file: '/home/dev/project/src/tasks.ts', name: 'longTimeTask', kind: 'function', line: 12, column: 17, params: ['i'], isAsync: false },
    options: { backend, workers: options.workers, compareWithSerial: withSerial, warmupRuns: 0, repeats, measureSeconds: 10, taskTimeoutSeconds: 0 },
    host: { pid: HOST_PID, platform: 'linux', arch: 'x64', nodeVersion: 'v20.20.2', cpuModel: 'Sample CPU', cpuCount: 2 },
    clockOriginUs: CLOCK_ORIGIN_US,
    phases,
    tasks,
    summary: {
      serialMs: serial?.wallMs,
      parallelMs: parallel.wallMs,
      speedup,
      efficiency: speedup !== undefined ? speedup / options.workers : undefined,
      idealParallelMs: idealMs(tasks, options.workers),
      tasks: options.tasks,
      failedTasks,
      workers: options.workers,
      ...(repeats > 1
        ? {
            serialSpread: serialRuns.length ? spread(serialRuns.map((r) => r.wallMs)) : undefined,
            parallelSpread: spread(parallelRuns.map((r) => r.wallMs)),
            speedupSpread: serialRuns.length ? spread(serialRuns.map((r, i) => r.wallMs / parallelRuns[i].wallMs)) : undefined,
          }
        : {}),
    },
    sweep,
    warnings: options.hostile
      ? [
          { code: 'outliers', message: 'Task 3 is 2.4× slower than the median: an outlier.' },
          { code: 'bundle', message: `A result looked like markup: ${HOSTILE_RESULT}` },
        ]
      : [{ code: 'warm-up', message: 'The first parallel task took 3× longer than the rest: the pool was cold.' }],
    status: options.status ?? 'completed',
  };
}

function meanRun(runs: PhaseRun[]): { wallMs: number } {
  return { wallMs: runs.reduce((sum, r) => sum + r.wallMs, 0) / runs.length };
}

function spread(values: number[]): Spread {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const stddev = Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / Math.max(1, values.length - 1));
  const sorted = [...values].sort((a, b) => a - b);
  return { mean, stddev, min: sorted[0], max: sorted[sorted.length - 1], median: sorted[Math.floor(sorted.length / 2)], n: values.length };
}

/** The demo report the screenshots and most tests use: 2 workers, 5 tasks per phase, one failure, hostile strings, a sweep. */
/** What the engine records: the longer of the longest task and the total ÷ workers, from the serial run's durations. */
function idealMs(tasks: TaskRecord[], workers: number): number | undefined {
  const phase = tasks.some((task) => task.phase === 'serial') ? 'serial' : 'parallel';
  const durations = tasks.filter((task) => task.phase === phase && task.repeat === 0 && task.status === 'ok').map((task) => task.durationMs ?? 0);
  if (durations.length === 0) return undefined;
  return Math.max(Math.max(...durations), durations.reduce((sum, ms) => sum + ms, 0) / workers);
}

export function makeDemoReport(): RunReport {
  return makeSampleReport({ tasks: 5, workers: 2, failIndex: 3, hostile: true, sweep: true });
}
