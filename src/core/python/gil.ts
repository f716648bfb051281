// The GIL, seen in the per-task figures: on a GIL build, Python threads running Python code take turns, so a threads
// run keeps about one CPU busy however many threads it has, and each task spends most of its time blocked (neither on
// a CPU nor waiting for one: waiting for the GIL). Said with the advice to use processes; a free-threaded build is not warned.
import type { RunReport, RunWarning, TaskRecord } from '../../shared/report';

/** At most this many CPUs busy on average over the phase counts as "one thread on a CPU at a time". */
const ONE_AT_A_TIME_CORES = 1.3;
/** At least this share of the tasks' time blocked (not on a CPU, not runnable). */
const MIN_BLOCKED_SHARE = 0.3;
/** The tasks alone must be CPU-bound: at least this share of their serial time on a CPU. */
const MIN_SERIAL_CPU_SHARE = 0.6;

function sums(tasks: TaskRecord[]): { duration: number; cpu: number; wait: number; n: number } {
  let duration = 0;
  let cpu = 0;
  let wait = 0;
  let n = 0;
  for (const task of tasks) {
    if (task.status !== 'ok' || task.durationMs === undefined || task.cpuMs === undefined) continue;
    duration += task.durationMs;
    cpu += task.cpuMs;
    wait += task.waitMs ?? 0;
    n++;
  }
  return { duration, cpu, wait, n };
}

function percent(share: number): string {
  return `${Math.round(share * 100)} %`;
}

export function gilWarning(report: RunReport, workers: number): RunWarning | undefined {
  const runtime = report.runtime;
  if (!runtime || report.options.backend !== 'threads' || runtime.freeThreaded || workers < 2) return undefined;
  const phase = report.phases.filter((run) => run.phase === 'parallel' && run.workers === workers).at(-1);
  if (!phase || phase.wallMs <= 0) return undefined;
  const parallel = sums(report.tasks.filter((task) => task.phase === 'parallel' && task.repeat === phase.repeat));
  // Without per-thread CPU figures (not Linux) the GIL cannot be told apart from waiting on I/O: nothing is claimed.
  if (parallel.n < 2 || parallel.duration <= 0) return undefined;
  const busyLanes = phase.lanes.filter((lane) => lane.tasks > 0).length;
  if (busyLanes < 2) return undefined;
  const coresInUse = parallel.cpu / phase.wallMs;
  const blockedShare = Math.max(0, parallel.duration - parallel.cpu - parallel.wait) / parallel.duration;
  const serial = sums(report.tasks.filter((task) => task.phase === 'serial'));
  const cpuBound = serial.n > 0 ? serial.cpu / serial.duration >= MIN_SERIAL_CPU_SHARE : coresInUse >= 0.7;
  if (!cpuBound || coresInUse > ONE_AT_A_TIME_CORES || blockedShare < MIN_BLOCKED_SHARE) return undefined;
  return {
    code: 'gil',
    phase: 'parallel',
    repeat: phase.repeat,
    message:
      `Python's GIL: ${busyLanes} threads kept only ${coresInUse.toFixed(2)} CPUs busy on average and spent ${percent(blockedShare)} of their task time blocked ` +
      `(neither on a CPU nor waiting for one) while the tasks alone are CPU-bound, so one thread ran Python at a time. ` +
      `Threads cannot speed up CPU-bound Python on ${runtime.implementation === 'cpython' ? 'CPython' : runtime.implementation} ${runtime.version} with the GIL: ` +
      'use the processes backend (multiprocessing), or a free-threaded build (3.13t or later).',
  };
}
