// Generates plausible RunReports (serial + parallel phases, lanes, logs, a failure, a sweep, CPU figures, the account and
// the speedup estimate) for the panel page harness.
import type { AccountSegment, AccountSegmentKey, LaneRecord, MeasurementInfo, PhaseRun, RunAccount, RunPhase, RunReport, SpeedupEstimate, Spread, SweepResult, TaskRecord } from '../../src/shared/report';

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
  /**
   * Schema-2 measurement: 'schedstat' gives every task CPU and wait figures and every phase other programs' CPU;
   * 'unavailable' gives none of them and says so in report.measurement. Absent: a report from before those figures.
   */
  measured?: 'schedstat' | 'unavailable';
  /** Every parallel phase gets its account against the serial run of its pair (the summary the latest one's). */
  account?: boolean;
  /** Parallel tasks use this many times the CPU of the same task alone (default 1.03; below 1 shows as a gain). */
  parallelCpuFactor?: number;
  /** Each worker's time before its first task, ms (default 0.34). */
  startupMs?: number;
  /** Other programs' CPU during a phase, in cores (default 0.02 on serial runs, 0.04 on parallel runs). */
  otherCpuCores?: (phase: RunPhase, repeat: number) => number;
  /** The speedup estimate over the pairs: true computes it from them; an object also overrides fields of it. */
  estimate?: boolean | Partial<SpeedupEstimate>;
  /** The cores the sweep's Amdahl fit is limited to. */
  sweepCores?: number;
}

/** Serial task i's CPU and wait shares of its duration (the rest is blocked). */
const SERIAL_CPU_SHARE = 0.9;
const SERIAL_WAIT_SHARE = 0.02;
const PARALLEL_WAIT_SHARE = 0.03;

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

  const measured = options.measured === 'schedstat';
  const cpuFactor = options.parallelCpuFactor ?? 1.03;
  const startupUs = Math.round((options.startupMs ?? 0.34) * 1000) - 40;
  const runPhase = (phase: RunPhase, workers: number, repeat: number): PhaseRun => {
    const startUs = clockUs;
    const laneFree = new Array<number>(workers).fill(startUs + startupUs);
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
      // Measured, a parallel task's wall time follows its CPU: the serial shares with the CPU scaled and more waiting.
      const parallelScale = measured ? SERIAL_CPU_SHARE * cpuFactor + PARALLEL_WAIT_SHARE + (1 - SERIAL_CPU_SHARE - SERIAL_WAIT_SHARE) : 1.04;
      const ms = duration(index) * (phase === 'parallel' ? parallelScale : 1) * (1 + 0.06 * repeat);
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
      if (measured) {
        // Serial: 90 % on a CPU, 2 % waiting for one. In parallel the same task takes parallelCpuFactor × its CPU and
        // waits a little longer; what is left of its (4 % longer) wall time it is blocked.
        const serialMs = duration(index) * (1 + 0.06 * repeat);
        record.cpuMs = round3(serialMs * SERIAL_CPU_SHARE * (phase === 'parallel' ? cpuFactor : 1));
        record.waitMs = round3(serialMs * (phase === 'parallel' ? PARALLEL_WAIT_SHARE : SERIAL_WAIT_SHARE));
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
    if (measured) {
      run.otherCpuCores = options.otherCpuCores?.(phase, repeat) ?? (phase === 'serial' ? 0.02 : 0.04);
      run.ownCpuCores = phase === 'serial' ? 0.97 : Math.min(workers, 2) * 0.95;
    }
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
  if (options.account && withSerial) {
    for (const run of parallelRuns) run.account = accountOf(run, tasks, options.measured ?? 'unavailable');
  }
  const serial = serialRuns.length ? meanRun(serialRuns) : undefined;
  const parallel = meanRun(parallelRuns);
  let speedup = serial ? serial.wallMs / parallel.wallMs : undefined;
  let speedupEstimate: SpeedupEstimate | undefined;
  if (options.estimate && serialRuns.length) {
    speedupEstimate = { ...estimateOf(serialRuns.map((run, i) => run.wallMs / parallelRuns[i].wallMs)), ...(options.estimate === true ? {} : options.estimate) };
    speedup = speedupEstimate.median;
  }
  const failedTasks = options.failIndex !== undefined && options.failIndex < options.tasks ? 1 : 0;

  let sweep: SweepResult | undefined;
  if (options.sweep && serial) {
    const fraction = 0.042;
    sweep = {
      serialMs: serial.wallMs,
      amdahlSerialFraction: fraction,
      cores: options.sweepCores,
      points: [1, 2, 3, 4, 6, 8].map((workers) => {
        const ideal = 1 / (fraction + (1 - fraction) / Math.min(workers, options.sweepCores ?? workers));
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
      speedupEstimate,
      account: parallelRuns[parallelRuns.length - 1].account,
      ...(repeats > 1
        ? {
            serialSpread: serialRuns.length ? spread(serialRuns.map((r) => r.wallMs)) : undefined,
            parallelSpread: spread(parallelRuns.map((r) => r.wallMs)),
            speedupSpread: serialRuns.length ? spread(serialRuns.map((r, i) => r.wallMs / parallelRuns[i].wallMs)) : undefined,
          }
        : {}),
    },
    sweep,
    measurement: options.measured ? measurementOf(options.measured) : undefined,
    warnings: options.hostile
      ? [
          { code: 'outliers', message: 'Task 3 is 2.4× slower than the median: an outlier.' },
          { code: 'bundle', message: `A result looked like markup: ${HOSTILE_RESULT}` },
        ]
      : [{ code: 'warm-up', message: 'The first parallel task took 3× longer than the rest: the pool was cold.' }],
    status: options.status ?? 'completed',
  };
}

function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function measurementOf(kind: 'schedstat' | 'unavailable'): MeasurementInfo {
  return kind === 'schedstat'
    ? { taskCpu: 'schedstat', taskWait: 'schedstat', machineCpu: 'proc-stat', notes: [] }
    : {
        taskCpu: 'unavailable',
        taskWait: 'unavailable',
        machineCpu: 'unavailable',
        notes: ['This platform gives no per-thread CPU or run-queue figures (no /proc/thread-self/schedstat).', 'Other programs’ CPU needs /proc/stat.'],
      };
}

const ADVICE: Partial<Record<AccountSegmentKey, string>> = {
  contention: 'Parallel tasks used more CPU than alone: look for shared locks, allocation and GC, or memory bandwidth.',
  'cpu-wait': 'Tasks waited for a CPU: use no more workers than cores, or run when the machine is quieter.',
  blocked: 'Tasks spent the time blocked (sleep, I/O, locks): more workers will not help unless the waits overlap.',
  slowdown: 'Tasks ran slower in parallel than alone; this platform gives no CPU figures to say why.',
  startup: 'Workers took long to start: reuse a warm pool, or give each worker more tasks.',
  dispatch: 'Workers sat idle between tasks: send fewer, larger tasks (batch the inputs).',
  imbalance: 'Some workers finished early: split the work into more, more even tasks, or put the longest first.',
};

/**
 * The account of one parallel run against the serial run of its pair, computed from the records as the engine does:
 * W·P = Σpᵢ + Σ lane idle, with Σ(pᵢ − Sᵢ) split by the CPU and wait figures when there are any.
 */
function accountOf(run: PhaseRun, tasks: TaskRecord[], measured: 'schedstat' | 'unavailable'): RunAccount {
  const workers = run.workers;
  const serialOf = new Map(tasks.filter((t) => t.phase === 'serial' && t.repeat === run.repeat).map((t) => [t.index, t]));
  const mine = tasks.filter((t) => t.phase === 'parallel' && t.repeat === run.repeat);
  let work = 0;
  let cpu = 0;
  let wait = 0;
  let slow = 0;
  for (const task of mine) {
    const serial = serialOf.get(task.index) as TaskRecord;
    work += serial.durationMs ?? 0;
    slow += (task.durationMs ?? 0) - (serial.durationMs ?? 0);
    if (measured === 'schedstat') {
      cpu += (task.cpuMs ?? 0) - (serial.cpuMs ?? 0);
      wait += (task.waitMs ?? 0) - (serial.waitMs ?? 0);
    }
  }
  let startup = 0;
  let dispatch = 0;
  let imbalance = 0;
  for (const lane of run.lanes) {
    const laneTasks = mine.filter((t) => t.lane === lane.lane).sort((a, b) => (a.startUs as number) - (b.startUs as number));
    if (laneTasks.length === 0) {
      imbalance += run.wallMs;
      continue;
    }
    startup += ((laneTasks[0].startUs as number) - run.startUs) / 1000;
    for (let i = 1; i < laneTasks.length; i++) dispatch += ((laneTasks[i].startUs as number) - (laneTasks[i - 1].endUs as number)) / 1000;
    imbalance += (run.endUs - (laneTasks[laneTasks.length - 1].endUs as number)) / 1000;
  }
  const segments: AccountSegment[] = [{ key: 'work', ms: work / workers }];
  if (measured === 'schedstat') {
    segments.push({ key: 'contention', ms: cpu / workers }, { key: 'cpu-wait', ms: wait / workers }, { key: 'blocked', ms: (slow - cpu - wait) / workers });
  } else {
    segments.push({ key: 'slowdown', ms: slow / workers });
  }
  segments.push({ key: 'unmatched', ms: 0 }, { key: 'startup', ms: startup / workers }, { key: 'dispatch', ms: dispatch / workers }, { key: 'imbalance', ms: imbalance / workers });
  const losses = segments.filter((segment) => segment.key !== 'work' && segment.ms > 0).sort((a, b) => b.ms - a.ms);
  const largest = losses[0];
  return {
    workers,
    serialRepeat: run.repeat,
    parallelRepeat: run.repeat,
    parallelMs: run.wallMs,
    idealMs: work / workers,
    segments,
    residualMs: run.wallMs - segments.reduce((sum, segment) => sum + segment.ms, 0),
    unavailable:
      measured === 'schedstat'
        ? []
        : ['Contention, waiting for a CPU and blocked: this platform gives no per-task CPU or wait figures, so the slowdown is one term.'],
    largestLoss: largest ? { key: largest.key, ms: largest.ms, advice: ADVICE[largest.key] ?? 'See the table.' } : undefined,
  };
}

/** Median speedup of the pairs with a 95 % interval from Student's t over their log speedups (t for up to 10 pairs). */
function estimateOf(speedups: number[]): SpeedupEstimate {
  const sorted = [...speedups].sort((a, b) => a - b);
  const n = sorted.length;
  const median = n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  if (n < 2) return { median, low: median, high: median, n, method: 'single', excludedPairs: [], stoppedBy: 'long-tasks' };
  const logs = speedups.map(Math.log);
  const mean = logs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(logs.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (n - 1));
  const t = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262][Math.min(n - 2, 8)];
  const half = (t * sd) / Math.sqrt(n);
  return { median, low: median * Math.exp(-half), high: median * Math.exp(half), n, method: 't-log', excludedPairs: [], stoppedBy: 'precision' };
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

/**
 * A schema-2 run as the engine now reports one: 5 serial/parallel pairs of 6 tasks on 2 workers, CPU and wait figures
 * for every task, other programs' CPU per phase, an account per pair (contention the largest loss) and the estimate.
 */
export function makeAccountReport(overrides: Partial<SampleReportOptions> = {}): RunReport {
  return makeSampleReport({
    tasks: 6,
    workers: 2,
    repeats: 5,
    measured: 'schedstat',
    account: true,
    estimate: true,
    parallelCpuFactor: 1.25,
    startupMs: 30,
    durationMs: (i) => [180, 140, 200, 120, 160, 150][i % 6],
    otherCpuCores: (phase, repeat) => (phase === 'serial' && repeat === 0 ? 0.41 : 0.03),
    ...overrides,
  });
}
