// Serial/parallel pairs: when to stop repeating them, which to leave out, and the summary's speedup with its interval.
import { BUSY_MIN_WALL_MS, BUSY_OTHER_CORES } from '../../shared/disturbance';
import type { PhaseRun, RunSummary, SpeedupEstimate, SweepResult, TaskRecord } from '../../shared/report';
import { idealParallelMs } from '../format';
import { fitAmdahlSerialFraction, isFirstRunSlow, mean, median, ratioInterval, spreadOf } from '../stats';

/** The interval a plain run repeats pairs for: ±5 % of the median speedup. */
export const TARGET_RELATIVE_HALF_WIDTH = 0.05;
/** However quick the pairs, a run stops after this many. */
export const MAX_PAIRS = 50;
/**
 * Task records a plain run keeps at most over its repeated pairs: every pair's tasks stay in the report, and the panel,
 * exports and extension host are built for a few hundred thousand. A run of more tasks per phase than half this runs once.
 */
export const MAX_PAIRED_TASK_RECORDS = 200_000;
export { BUSY_MIN_WALL_MS, BUSY_OTHER_CORES };

/** One serial phase and the parallel phase run right after it. */
export interface Pair {
  repeat: number;
  serial: PhaseRun;
  parallel: PhaseRun;
}

export function pairsOf(serialRuns: readonly PhaseRun[], parallelRuns: readonly PhaseRun[]): Pair[] {
  const pairs: Pair[] = [];
  for (const parallel of parallelRuns) {
    const serial = serialRuns.find((run) => run.repeat === parallel.repeat) ?? serialRuns[0];
    if (serial && parallel.wallMs > 0 && serial.wallMs > 0 && parallel.status === 'completed' && serial.status === 'completed') pairs.push({ repeat: parallel.repeat, serial, parallel });
  }
  return pairs;
}

export function speedupOf(pair: Pair): number {
  return pair.serial.wallMs / pair.parallel.wallMs;
}

/** True when other programs used enough CPU during a long enough phase to have slowed it. */
export function isDisturbed(run: PhaseRun): boolean {
  return run.otherCpuCores !== undefined && run.otherCpuCores >= BUSY_OTHER_CORES && run.wallMs >= BUSY_MIN_WALL_MS;
}

export interface PairSelection {
  used: Pair[];
  /** The first pair, left out because it was much slower than the rest (JIT, caches, the first load). */
  warmUp?: Pair;
  /** Pairs left out because other programs used the CPU during one of their phases. */
  disturbed: Pair[];
  /** Pairs disturbed but kept, because too few quiet ones remain to leave them out. */
  disturbedKept: Pair[];
}

/**
 * Which pairs the speedup is computed from. The first pair goes when it stands apart from at least two others (warm-up);
 * disturbed pairs go when at least two undisturbed ones remain, since a median over two quiet pairs says more than one
 * over many disturbed ones.
 */
export function selectPairs(pairs: readonly Pair[]): PairSelection {
  // A measured cause first: a pair that other programs disturbed is that, whether or not it was also the first.
  const disturbed = pairs.filter((pair) => isDisturbed(pair.serial) || isDisturbed(pair.parallel));
  const quiet = pairs.filter((pair) => !disturbed.includes(pair));
  const leaveOut = disturbed.length > 0 && quiet.length >= 2;
  let used = leaveOut ? quiet : [...pairs];
  let warmUp: Pair | undefined;
  if (used.length >= 3 && used[0] === pairs[0] && (isFirstRunSlow(used.map((pair) => pair.serial.wallMs)) || isFirstRunSlow(used.map((pair) => pair.parallel.wallMs)))) {
    warmUp = used[0];
    used = used.slice(1);
  }
  return leaveOut ? { used, warmUp, disturbed, disturbedKept: [] } : { used, warmUp, disturbed: [], disturbedKept: disturbed };
}

export type StopReason = SpeedupEstimate['stoppedBy'];

/**
 * Whether to run another pair. `repeats` > 0 runs exactly that many; 0 repeats until the interval is within ±5 % or the
 * budget would be overrun by one more pair; at least 2 pairs when a pair fits 3 times in the budget, else 1.
 */
export function nextPair(
  pairs: readonly Pair[],
  elapsedMs: number,
  lastPairMs: number,
  budgetMs: number,
  repeats: number,
  tasksPerPhase = 0,
): { more: true } | { more: false; stoppedBy: StopReason } {
  if (repeats > 0) return pairs.length < repeats ? { more: true } : { more: false, stoppedBy: 'repeats' };
  if (pairs.length === 0) return { more: false, stoppedBy: 'budget' };
  if ((pairs.length + 1) * 2 * tasksPerPhase > MAX_PAIRED_TASK_RECORDS) return { more: false, stoppedBy: pairs.length === 1 ? 'many-tasks' : 'budget' };
  if (pairs.length === 1) return 3 * lastPairMs > budgetMs ? { more: false, stoppedBy: 'long-tasks' } : { more: true };
  const { used } = selectPairs(pairs);
  if (used.length >= 2 && ratioInterval(used.map(speedupOf)).relativeHalfWidth <= TARGET_RELATIVE_HALF_WIDTH) return { more: false, stoppedBy: 'precision' };
  if (pairs.length >= MAX_PAIRS || elapsedMs + lastPairMs > budgetMs) return { more: false, stoppedBy: 'budget' };
  return { more: true };
}

export function estimateSpeedup(pairs: readonly Pair[], stoppedBy: StopReason): SpeedupEstimate | undefined {
  if (pairs.length === 0) return undefined;
  const selection = selectPairs(pairs);
  const interval = ratioInterval(selection.used.map(speedupOf));
  return {
    median: interval.median,
    low: interval.low,
    high: interval.high,
    n: interval.n,
    method: interval.n >= 2 ? 't-log' : 'single',
    excludedPairs: [...(selection.warmUp ? [selection.warmUp.repeat] : []), ...selection.disturbed.map((pair) => pair.repeat)],
    stoppedBy,
  };
}

/** Summary of the phases run at `workers` (a sweep's other counts are in report.sweep). */
export function buildSummary(
  tasks: number,
  serialRuns: readonly PhaseRun[],
  parallelRuns: readonly PhaseRun[],
  workers: number,
  taskDurations: number[],
  stoppedBy: StopReason,
): RunSummary {
  const parallel = parallelRuns.filter((run) => run.workers === workers);
  const pairs = pairsOf(serialRuns, parallel);
  const estimate = estimateSpeedup(pairs, stoppedBy);
  const used = estimate ? selectPairs(pairs).used : [];
  // The walls shown beside the speedup come from the pairs it was computed from.
  const parallelWalls = (used.length > 0 ? used.map((pair) => pair.parallel) : parallel).map((run) => run.wallMs);
  const serialWalls = (used.length > 0 ? used.map((pair) => pair.serial) : serialRuns).map((run) => run.wallMs);
  const summary: RunSummary = {
    parallelMs: parallelWalls.length > 0 ? median(parallelWalls) : 0,
    tasks,
    failedTasks: 0,
    workers,
  };
  if (parallelWalls.length > 0) summary.parallelSpread = spreadOf(parallelWalls);
  const ideal = idealParallelMs(taskDurations, workers);
  if (ideal !== undefined) summary.idealParallelMs = ideal;
  if (serialWalls.length > 0) {
    summary.serialMs = median(serialWalls);
    summary.serialSpread = spreadOf(serialWalls);
  }
  if (estimate) {
    summary.speedupEstimate = estimate;
    summary.speedup = estimate.median;
    summary.efficiency = estimate.median / workers;
    summary.speedupSpread = spreadOf(used.map(speedupOf));
  } else if (summary.serialMs !== undefined && summary.parallelMs > 0) {
    summary.speedup = summary.serialMs / summary.parallelMs;
    summary.efficiency = summary.speedup / workers;
  }
  const latest = parallel.at(-1);
  if (latest?.account) summary.account = latest.account;
  return summary;
}

export function failedTaskCount(tasks: readonly TaskRecord[], run: PhaseRun | undefined): number {
  if (!run) return 0;
  let failed = 0;
  for (const task of tasks) if (task.phase === run.phase && task.repeat === run.repeat && task.status !== 'ok') failed++;
  return failed;
}

export function sweepResult(serialRuns: readonly PhaseRun[], parallelRuns: readonly PhaseRun[], sizes: readonly number[], cores: number): SweepResult {
  const serialMs = mean(serialRuns.map((run) => run.wallMs));
  const points = sizes.flatMap((workers) => {
    const walls = parallelRuns.filter((run) => run.workers === workers).map((run) => run.wallMs);
    if (walls.length === 0) return [];
    const parallelMs = mean(walls);
    return [{ workers, parallelMs, speedup: parallelMs > 0 ? serialMs / parallelMs : 0 }];
  });
  return { serialMs, points, amdahlSerialFraction: fitAmdahlSerialFraction(points, cores), cores };
}
