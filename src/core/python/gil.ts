// The GIL, seen in the per-task figures: on a GIL build, Python threads running Python code take turns, so a threads
// run keeps about one CPU busy however many threads it has, and each task spends most of its time blocked (neither on
// a CPU nor waiting for one: waiting for the GIL). Said with the advice to use processes; a free-threaded build is not warned.
import * as l10n from '@vscode/l10n';
import type { AccountSegmentKey, RunReport, RunWarning, TaskRecord } from '../../shared/report';
import { formatDuration } from '../format';

/**
 * The parallel phase kept at most this many times the CPUs the serial phase kept busy. Without a GIL, n runnable threads
 * get about n times one thread's share of the machine (the scheduler is fair per thread), loaded or not; with it, one
 * thread runs at a time, so the process keeps the share of one. Relative to the serial run, so a busy machine (where one
 * thread gets a fifth of a core) reads the same as a quiet one.
 */
const MAX_CORES_RATIO = 1.3;
/** The parallel tasks were on a CPU for at most this share of the serial tasks' on-CPU share (1 / threads with a perfect GIL). */
const MAX_CPU_SHARE_RATIO = 0.75;
/** The tasks ran side by side: the sum of their durations is at least this many times the phase's wall time. */
const MIN_OVERLAP = 1.5;
/** The tasks alone are CPU-bound: on a CPU or runnable for at least this share of their serial time (never sleeping). */
const MIN_SERIAL_RUNNABLE_SHARE = 0.8;
/**
 * Voluntary switches per CPU second in the parallel phase: a thread that must hand the GIL over every 5 ms switch interval
 * and wait to get it back sleeps up to ~200 times per CPU second; a CPU-bound thread alone hardly ever sleeps.
 */
const MIN_GIL_SWITCHES_PER_CPU_S = 50;
/** The serial run's rate must be well below the parallel one's: the sleeping came from running side by side. */
const MAX_SERIAL_SWITCH_SHARE = 0.25;

interface Sums {
  duration: number;
  cpu: number;
  wait: number;
  n: number;
  /** Voluntary switches, and the CPU ms of the tasks that reported them. */
  switches: number;
  switchCpu: number;
}

function sums(tasks: TaskRecord[]): Sums {
  const total: Sums = { duration: 0, cpu: 0, wait: 0, n: 0, switches: 0, switchCpu: 0 };
  for (const task of tasks) {
    if (task.status !== 'ok' || task.durationMs === undefined || task.cpuMs === undefined) continue;
    total.duration += task.durationMs;
    total.cpu += task.cpuMs;
    total.wait += task.waitMs ?? 0;
    total.n++;
    if (task.voluntarySwitches !== undefined) {
      total.switches += task.voluntarySwitches;
      total.switchCpu += task.cpuMs;
    }
  }
  return total;
}

/** Switches per CPU second, or undefined without figures. */
function switchRate(total: Sums): number | undefined {
  return total.switchCpu > 0 ? total.switches / (total.switchCpu / 1000) : undefined;
}

export function gilWarning(report: RunReport, workers: number): RunWarning | undefined {
  const runtime = report.runtime;
  if (!runtime || report.options.backend !== 'threads' || runtime.freeThreaded || workers < 2) return undefined;
  const phase = report.phases.filter((run) => run.phase === 'parallel' && run.workers === workers).at(-1);
  const serialPhase = report.phases.filter((run) => run.phase === 'serial').at(-1);
  if (!phase || !serialPhase || phase.wallMs <= 0 || serialPhase.wallMs <= 0) return undefined;
  const parallel = sums(report.tasks.filter((task) => task.phase === 'parallel' && task.repeat === phase.repeat));
  const serial = sums(report.tasks.filter((task) => task.phase === 'serial' && task.repeat === serialPhase.repeat));
  // Without per-thread CPU figures the GIL cannot be told from waiting on I/O, and without a serial run there is no
  // one-thread share to compare with: nothing is claimed.
  if (parallel.n < 2 || serial.n < 1 || parallel.duration <= 0 || serial.duration <= 0 || serial.cpu <= 0) return undefined;
  const busyLanes = phase.lanes.filter((lane) => lane.tasks > 0).length;
  if (busyLanes < 2) return undefined;
  const serialCores = serial.cpu / serialPhase.wallMs;
  const parallelCores = parallel.cpu / phase.wallMs;
  const cpuBound = (serial.cpu + serial.wait) / serial.duration >= MIN_SERIAL_RUNNABLE_SHARE;
  const overlapped = parallel.duration / phase.wallMs >= MIN_OVERLAP;
  const shareRatio = parallel.cpu / parallel.duration / (serial.cpu / serial.duration);
  // Two views of one thread at a time: the threads slept once per switch interval (where Linux counts it), or together they
  // got no more CPU than one thread alone. The first holds on a machine whose load changes between the phases.
  const parallelSwitches = switchRate(parallel);
  const serialSwitches = switchRate(serial);
  const sleptForGil =
    parallelSwitches !== undefined && serialSwitches !== undefined && parallelSwitches >= MIN_GIL_SWITCHES_PER_CPU_S && serialSwitches <= parallelSwitches * MAX_SERIAL_SWITCH_SHARE;
  const oneAtATime = parallelCores <= serialCores * MAX_CORES_RATIO && shareRatio <= MAX_CPU_SHARE_RATIO;
  if (!cpuBound || !overlapped || !(sleptForGil || oneAtATime)) return undefined;
  const blocked = Math.max(0, parallel.duration - parallel.cpu - parallel.wait) / parallel.duration;
  const waited = parallel.wait / parallel.duration;
  const implementation = runtime.implementation === 'cpython' ? 'CPython' : runtime.implementation;
  return {
    code: 'gil',
    phase: 'parallel',
    repeat: phase.repeat,
    message: sleptForGil
      ? l10n.t(
          "Python's GIL: the tasks are CPU-bound, and on {0} threads one thread ran Python at a time while the others waited for the GIL ({0} threads kept {1} CPUs busy against {2} for one thread alone; each thread gave up its CPU {3} times per CPU second, against {4} alone; of the tasks' time, {5} % blocked and {6} % waiting to run). Threads cannot speed up CPU-bound Python on {7} {8} with the GIL: use the processes backend (multiprocessing), or a free-threaded build (3.13t or later).",
          busyLanes,
          parallelCores.toFixed(2),
          serialCores.toFixed(2),
          Math.round(parallelSwitches!),
          Math.round(serialSwitches!),
          Math.round(blocked * 100),
          Math.round(waited * 100),
          implementation,
          runtime.version,
        )
      : l10n.t(
          "Python's GIL: the tasks are CPU-bound, and on {0} threads one thread ran Python at a time while the others waited for the GIL ({0} threads kept {1} CPUs busy against {2} for one thread alone; of the tasks' time, {3} % blocked and {4} % waiting to run). Threads cannot speed up CPU-bound Python on {5} {6} with the GIL: use the processes backend (multiprocessing), or a free-threaded build (3.13t or later).",
          busyLanes,
          parallelCores.toFixed(2),
          serialCores.toFixed(2),
          Math.round(blocked * 100),
          Math.round(waited * 100),
          implementation,
          runtime.version,
        ),
  };
}

/** Where the GIL's cost lands in the account: threads waiting for it sleep (blocked) or, handed it, wait for a CPU. */
const GIL_SEGMENTS: AccountSegmentKey[] = ['blocked', 'cpu-wait', 'contention', 'slowdown'];

/** The account's largest loss, when it is the GIL's doing, names the GIL and the fix instead of a generic cause. */
export function explainGilInAccounts(report: RunReport, workers: number): void {
  for (const phase of report.phases) {
    const loss = phase.account?.largestLoss;
    if (phase.phase !== 'parallel' || phase.workers !== workers || !loss || !GIL_SEGMENTS.includes(loss.key)) continue;
    loss.advice = l10n.t(
      "Python's GIL costs {0}: the tasks are CPU-bound Python, and only one of the {1} threads can run Python at a time (the others wait for the GIL). Use the processes backend (multiprocessing), or a free-threaded build (3.13t or later).",
      formatDuration(loss.ms),
      workers,
    );
  }
}
