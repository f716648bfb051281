// The GIL, seen in the per-task figures: on a GIL build, Python threads running Python code take turns, so a threads
// run keeps about one CPU busy however many threads it has, and each task spends most of its time blocked (neither on
// a CPU nor waiting for one: waiting for the GIL). Said with the advice to use processes; a free-threaded build is not warned.
import type { RunReport, RunWarning, TaskRecord } from '../../shared/report';

/** At most this many CPUs busy on average over the phase counts as "one thread on a CPU at a time". */
const ONE_AT_A_TIME_CORES = 1.3;
/**
 * At least this share of the tasks' time blocked (not on a CPU, not runnable). A thread handed the GIL on a busy machine
 * first waits in the run queue, so part of the GIL's cost shows as CPU wait; blocked time is the part that can't be that.
 */
const MIN_BLOCKED_SHARE = 0.2;
/** The parallel tasks were on a CPU for at most this share of their time (1 / threads with a perfect GIL). */
const MAX_PARALLEL_CPU_SHARE = 0.75;
/** The tasks ran side by side: the sum of their durations is at least this many times the phase's wall time. */
const MIN_OVERLAP = 1.5;
/** The tasks alone are CPU-bound: on a CPU or runnable for at least this share of their serial time (never sleeping). */
const MIN_SERIAL_RUNNABLE_SHARE = 0.8;

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
  const cpuBound = serial.n > 0 && serial.duration > 0 ? (serial.cpu + serial.wait) / serial.duration >= MIN_SERIAL_RUNNABLE_SHARE : coresInUse >= 0.7;
  const overlapped = parallel.duration / phase.wallMs >= MIN_OVERLAP;
  const cpuShare = parallel.cpu / parallel.duration;
  if (!cpuBound || !overlapped || coresInUse > ONE_AT_A_TIME_CORES || cpuShare > MAX_PARALLEL_CPU_SHARE || blockedShare < MIN_BLOCKED_SHARE) return undefined;
  return {
    code: 'gil',
    phase: 'parallel',
    repeat: phase.repeat,
    message:
      `Python's GIL: ${busyLanes} threads kept only ${coresInUse.toFixed(2)} CPUs busy on average and spent ${percent(blockedShare)} of their task time blocked ` +
      `(neither on a CPU nor waiting for one) while the tasks alone are CPU-bound: one thread ran Python at a time, the others waited for the GIL. ` +
      `Threads cannot speed up CPU-bound Python on ${runtime.implementation === 'cpython' ? 'CPython' : runtime.implementation} ${runtime.version} with the GIL: ` +
      'use the processes backend (multiprocessing), or a free-threaded build (3.13t or later).',
  };
}
