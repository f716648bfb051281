// Advice about the measurement and the user's code, each with a code: outliers, warm-up, dispatch cost, input order, disturbance…
import * as os from 'node:os';
import * as path from 'node:path';
import * as l10n from '@vscode/l10n';
import type { PhaseRun, RunReport, RunWarning, TaskRecord, WarningCode } from '../../shared/report';
import { formatDuration, formatSpeedup } from '../format';
import { greedyMakespan, madOutliers, median } from '../stats';
import { explainGilInAccounts, gilWarning } from '../python/gil';
import type { RunState } from './runState';
import { BUSY_OTHER_CORES, isDisturbed, pairsOf, selectPairs, TARGET_RELATIVE_HALF_WIDTH } from './summary';

/** Input-order advice only when longest first would save at least this much. */
const ORDER_ADVICE_MIN_MS = 20;
/** The dispatch-cost warning estimates its medians from at most this many tasks. */
const WARNING_SAMPLE_TASKS = 10_000;
/** Parallel tasks using this much more CPU than the same tasks alone are contending for something. */
const CONTENTION_CPU_RATIO = 1.2;
/** …and only worth a warning when the extra CPU is this share of the tasks' time alone (sleeping tasks use next to none). */
const CONTENTION_MIN_SHARE = 0.05;
/** Tasks whose CPU is at least this share of their time are CPU-bound: their speedup cannot exceed the cores. */
const CPU_BOUND_SHARE = 0.8;

/** The engine's warnings need only a set of type files it told about already. */
export interface WarningContext {
  /** TypeScript files whose "types are not checked" note a report of this engine already carried: said once, not every run. */
  typeNoteGiven?: Set<string>;
}

function formatMs(ms: number): string {
  if (ms < 0.001) return '<1 µs';
  return ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 1 ? `${ms.toFixed(1)} ms` : `${(ms * 1000).toFixed(0)} µs`;
}

/** hyperfine-style advice about the measurement itself. */
export function runWarnings(state: RunState, context: WarningContext, serialRuns: PhaseRun[], parallelRuns: PhaseRun[], workers: number, taskDurations: number[]): RunWarning[] {
  const warnings: RunWarning[] = [];
  const warn = (code: WarningCode, message: string) => warnings.push({ code, message });
  const { inputs, options } = state;
  // Python threads on CPU-bound code: the GIL is the cause, and the account's largest loss says so before any warning quotes it.
  const gil = state.report.runtime ? gilWarning(state.report, workers) : undefined;
  if (gil) explainGilInAccounts(state.report, workers);
  for (const [label, runs] of [
    ['serial', serialRuns],
    ['parallel', parallelRuns.filter((run) => run.workers === workers)],
  ] as const) {
    const walls = runs.map((run) => run.wallMs);
    if (walls.length >= 5) {
      const outliers = madOutliers(walls);
      if (outliers.length > 0) {
        const times = outliers.map((i) => formatMs(walls[i])).join(', ');
        warn(
          'outliers',
          label === 'serial'
            ? l10n.t('Statistical outliers were detected among the {0} serial runs ({1}). Consider re-running on a quiet system, without other programs competing for the CPU.', walls.length, times)
            : l10n.t('Statistical outliers were detected among the {0} parallel runs ({1}). Consider re-running on a quiet system, without other programs competing for the CPU.', walls.length, times),
        );
      }
    }
  }
  const measured = state.report.tasks.filter((task) => task.status === 'ok' && task.durationMs !== undefined);
  const everyTaskOk = measured.length === state.report.tasks.length;
  const lastSerial = serialRuns.at(-1);
  const overheadPhase = lastSerial ?? parallelRuns.at(-1);
  // Failed, timed-out or cancelled tasks make the phase's wall time say nothing about dispatch cost.
  if (overheadPhase && measured.length > 0 && everyTaskOk) {
    const phaseTasks = measured.filter((task) => task.phase === overheadPhase.phase && task.repeat === overheadPhase.repeat);
    // The idle gap between one task's end and the next one's start on the same lane is the dispatch cost; the phase's
    // wall time would also count pool start and module loading, which a busy machine inflates to hundreds of ms.
    // Both medians come from the phase's first WARNING_SAMPLE_TASKS tasks: an estimate is all a warning needs, and over
    // 100,000 records they held an extension host for a quarter of a second.
    const sample = phaseTasks.length > WARNING_SAMPLE_TASKS ? phaseTasks.slice(0, WARNING_SAMPLE_TASKS) : phaseTasks;
    const overheadPerTaskMs = median(laneGapsMs(sample));
    const medianTaskMs = median(sample.map((task) => task.durationMs!));
    if (phaseTasks.length > 1 && medianTaskMs < overheadPerTaskMs) {
      warn(
        'dispatch-cost',
        l10n.t(
          'Tasks take a median {0}, less than the ~{1} it costs to dispatch one: the pool spends more time sending work than doing it. Give each task more work, or set chunkSize.',
          formatMs(medianTaskMs),
          formatMs(overheadPerTaskMs),
        ),
      );
    }
  }
  const { speedup } = state.report.summary;
  const orderAdvice = lastSerial && everyTaskOk ? inputOrderAdvice(taskDurations, workers, state.report.summary.parallelMs) : undefined;
  if (orderAdvice) warnings.push(orderAdvice);
  const cores = os.availableParallelism();
  // A speedup above the core count proves the tasks mostly wait (timers, I/O), and then the extra workers did help.
  if (workers > cores && (speedup === undefined || speedup <= cores)) {
    warn(
      'workers-above-cores',
      cores === 1
        ? l10n.t('{0} workers on a machine with 1 core: workers beyond the core count share the CPU, so CPU-bound tasks gain nothing from them.', workers)
        : l10n.t('{0} workers on a machine with {1} cores: workers beyond the core count share CPUs, so CPU-bound tasks gain nothing from them.', workers, cores),
    );
  }
  if (inputs.length < options.workers) {
    warn(
      'few-tasks',
      inputs.length === 1
        ? l10n.t('Only 1 task for {0} workers: at most 1 can be busy at once, so {1} started.', options.workers, workers)
        : l10n.t('Only {0} tasks for {1} workers: at most {0} can be busy at once, so {2} started.', inputs.length, options.workers, workers),
    );
  }
  const timeouts = state.report.tasks.filter((task) => task.status === 'timeout').length;
  if (timeouts > 0) {
    const seconds = String(options.taskTimeoutSeconds);
    warn(
      'timeouts',
      timeouts === 1
        ? l10n.t('1 task run hit the {0} s timeout; their workers were stopped and replaced.', seconds)
        : l10n.t('{0} task runs hit the {1} s timeout; their workers were stopped and replaced.', timeouts, seconds),
    );
  }
  // On one worker serial and parallel are the same thing: a ratio below 1 there is noise, not a loss.
  if (speedup !== undefined && speedup < 1 && everyTaskOk && workers > 1) {
    const loss = state.report.summary.account?.largestLoss;
    warn(
      'parallel-slower',
      loss
        ? l10n.t('The parallel run was slower than the serial one (speedup {0}). The largest loss: {1}', formatSpeedup(speedup), loss.advice)
        : l10n.t('The parallel run was slower than the serial one (speedup {0}). No serial task times to tell why: run with compareWithSerial on for the account.', formatSpeedup(speedup)),
    );
  }
  warnings.push(...measurementWarnings(state.report, serialRuns, parallelRuns, workers, os.availableParallelism()));
  if (gil) warnings.push(gil);
  warnings.push(...faultWarnings(state, context));
  return warnings;
}

/**
 * A pool takes tasks in input order, so long tasks at the end leave the other workers idle while they run (the
 * tutorial's sleeps of 1…5 s on 3 workers). Said when the serial run's durations show that longest first would
 * finish clearly sooner, and the parallel run took about as long as input order allows.
 */
function inputOrderAdvice(durations: number[], workers: number, parallelMs: number): RunWarning | undefined {
  if (durations.length <= workers || workers < 2) return undefined;
  const inOrderMs = greedyMakespan(durations, workers);
  const longestFirstMs = greedyMakespan(Float64Array.from(durations).sort().reverse(), workers);
  const savedMs = inOrderMs - longestFirstMs;
  if (savedMs < ORDER_ADVICE_MIN_MS || savedMs < inOrderMs * 0.1 || parallelMs < inOrderMs * 0.8) return undefined;
  return {
    code: 'input-order',
    message: l10n.t(
      'Input order costs time: in this order {0} workers need at least ~{1}, longest first ~{2}. Put the longest tasks first in the inputs to finish sooner.',
      workers,
      formatMs(inOrderMs),
      formatMs(longestFirstMs),
    ),
  };
}

const STRAY_CRASH = /^\[parallel-runner\] (uncaught exception|unhandled promise rejection) outside any task: (.*)/;
const TYPESCRIPT_FILE = /\.[cm]?tsx?$/i;

/** What the user's code did that a task record alone would hide: output cut, errors thrown after returning, a module that never loaded. */
function faultWarnings(state: RunState, context: WarningContext): RunWarning[] {
  const warnings: RunWarning[] = [];
  const warn = (code: WarningCode, message: string) => warnings.push({ code, message });
  const { tasks } = state.report;
  const file = path.basename(state.target.file);
  const cut = tasks.filter((task) => task.logsTruncated);
  if (cut.length > 0) {
    const limit = state.maxLogChars >= 1024 ? l10n.t('{0} KiB', Math.round(state.maxLogChars / 1024)) : l10n.t('{0} characters', state.maxLogChars);
    warn(
      'output-cut',
      cut.length === 1
        ? l10n.t('Task {0} printed more than {1} of console output; the rest was cut at that per-task limit. Print less, or write large output to a file.', cut[0].index, limit)
        : l10n.t(
            '{0} task runs (the first: task {1}) printed more than {2} of console output; the rest was cut at that per-task limit. Print less, or write large output to a file.',
            cut.length,
            cut[0].index,
            limit,
          ),
    );
  }
  for (const task of tasks) {
    const stray = task.logs.map((line) => STRAY_CRASH.exec(line.text)).find(Boolean);
    if (!stray) continue;
    // The log line is the worker's marker, in English whatever the language: its kind picks the sentence.
    warn(
      'stray-crash',
      stray[1] === 'uncaught exception'
        ? l10n.t(
            'Code a task left running (a timer or callback) threw after the task had returned: {0}. The worker kept going and every result was kept; the uncaught exception is in the console output of task {1}, which ran next on that worker.',
            stray[2],
            task.index,
          )
        : l10n.t(
            'Code a task left running (a timer or callback) threw after the task had returned: {0}. The worker kept going and every result was kept; the unhandled promise rejection is in the console output of task {1}, which ran next on that worker.',
            stray[2],
            task.index,
          ),
    );
    break;
  }
  // Only a load of a second or more is worth the hint: a cancel moments after the start says nothing about the top level.
  if (state.cancelledLoadMs !== undefined && state.cancelledLoadMs >= 1000) {
    warn(
      'slow-top-level',
      l10n.t(
        'The top-level code of {0} had not finished after {1} s when the run was cancelled, so no task started: an endless loop, or a long wait at the top level? Move such code into the function, or set a task timeout so a run like this ends by itself.',
        file,
        (state.cancelledLoadMs / 1000).toFixed(1),
      ),
    );
  }
  const typeNoteGiven = (context.typeNoteGiven ??= new Set());
  if (TYPESCRIPT_FILE.test(state.target.file) && !typeNoteGiven.has(state.target.file) && !tasks.some((task) => task.error?.code === 'module-load')) {
    typeNoteGiven.add(state.target.file);
    warn('types-unchecked', l10n.t('Types in {0} are not checked before a run (they are stripped, not compiled), so a type error does not stop it: run `tsc --noEmit` to check them.', file));
  }
  return warnings;
}

/** Gaps (ms) between consecutive tasks on each lane: the time a worker sat idle waiting for its next task. */
function laneGapsMs(tasks: TaskRecord[]): number[] {
  const byLane = new Map<number, TaskRecord[]>();
  for (const task of tasks) {
    if (task.startUs === undefined || task.endUs === undefined) continue;
    const lane = byLane.get(task.lane) ?? [];
    lane.push(task);
    byLane.set(task.lane, lane);
  }
  const gaps: number[] = [];
  for (const lane of byLane.values()) {
    lane.sort((a, b) => a.startUs! - b.startUs!);
    for (let i = 1; i < lane.length; i++) gaps.push(Math.max(0, (lane[i].startUs! - lane[i - 1].endUs!) / 1000));
  }
  return gaps;
}

function phaseName(run: PhaseRun, pairs: number): string {
  if (run.phase === 'serial') return pairs > 1 ? l10n.t('serial run of pair {0}', run.repeat + 1) : l10n.t('serial run');
  return pairs > 1 ? l10n.t('parallel run of pair {0}', run.repeat + 1) : l10n.t('parallel run');
}

function sumTasks(tasks: readonly TaskRecord[], phase: PhaseRun, pick: (task: TaskRecord) => number | undefined): number | undefined {
  let sum = 0;
  for (const task of tasks) {
    if (task.phase !== phase.phase || task.repeat !== phase.repeat || task.status !== 'ok') continue;
    const value = pick(task);
    if (value === undefined) return undefined;
    sum += value;
  }
  return sum;
}

/**
 * What the machine and the repeats say about the speedup itself: pairs left out and why, an interval still wide, other
 * programs using the CPU, contention, and a speedup above what the cores allow, with its cause.
 */
export function measurementWarnings(report: RunReport, serialRuns: readonly PhaseRun[], parallelRuns: readonly PhaseRun[], workers: number, cores: number): RunWarning[] {
  const warnings: RunWarning[] = [];
  const warn = (code: WarningCode, message: string, about?: PhaseRun) =>
    warnings.push(about ? { code, message, phase: about.phase, repeat: about.repeat } : { code, message });
  const { summary, tasks } = report;
  const estimate = summary.speedupEstimate;
  const parallel = parallelRuns.filter((run) => run.workers === workers);
  const pairs = pairsOf(serialRuns, parallel);
  const selection = selectPairs(pairs);

  if (selection.warmUp) {
    const { serial, parallel: first } = selection.warmUp;
    warn(
      'warm-up',
      l10n.t(
        'The first pair was much slower than the rest (serial {0}, parallel {1}; medians of the others {2} and {3}): JIT compilation, caches or the first load. It is left out of the speedup.',
        formatDuration(serial.wallMs),
        formatDuration(first.wallMs),
        formatDuration(median(pairs.slice(1).map((pair) => pair.serial.wallMs))),
        formatDuration(median(pairs.slice(1).map((pair) => pair.parallel.wallMs))),
      ),
    );
  }

  if (estimate?.stoppedBy === 'many-tasks') {
    warn(
      'single-pair',
      l10n.t(
        'One serial/parallel pair only: with {0} tasks per phase, more pairs would keep more task records than the panel and exports handle well, so the speedup has no interval. Run fewer, larger tasks, or ask for pairs with repeats (--runs).',
        report.summary.tasks.toLocaleString('en'),
      ),
    );
  } else if (estimate?.stoppedBy === 'long-tasks') {
    const pairMs = pairs[0] ? pairs[0].serial.wallMs + pairs[0].parallel.wallMs : 0;
    warn(
      'single-pair',
      l10n.t(
        'One serial/parallel pair only: a pair takes {0}, more than a third of the {1} s measuring budget, so the speedup has no interval. Raise measureSeconds (--budget) to repeat the pair.',
        formatDuration(pairMs),
        String(report.options.measureSeconds),
      ),
    );
  } else if (estimate && estimate.n >= 2 && estimate.stoppedBy === 'budget') {
    const halfWidth = (estimate.high - estimate.low) / 2 / estimate.median;
    if (halfWidth > TARGET_RELATIVE_HALF_WIDTH) {
      warn(
        'imprecise',
        l10n.t(
          "The speedup's 95 % interval is still ±{0} % after {1} pairs in the {2} s budget: the pairs vary that much here. Raise measureSeconds (--budget) or quiet the machine for a tighter figure.",
          (halfWidth * 100).toFixed(0),
          estimate.n,
          String(report.options.measureSeconds),
        ),
      );
    }
  }

  // Other programs: the worst disturbed phase, and what became of its pair.
  const disturbed = [...serialRuns, ...parallel].filter(isDisturbed);
  if (disturbed.length > 0) {
    const worst = disturbed.reduce((most, run) => (run.otherCpuCores! > most.otherCpuCores! ? run : most));
    const others = disturbed.length - 1;
    const fate =
      selection.disturbed.length > 0
        ? selection.disturbed.length === 1
          ? l10n.t('The pair disturbed is left out of the speedup, which comes from {0} quiet pairs.', selection.used.length)
          : l10n.t('The {0} pairs disturbed are left out of the speedup, which comes from {1} quiet pairs.', selection.disturbed.length, selection.used.length)
        : estimate
          ? l10n.t('Too few quiet pairs remain to leave the disturbed ones out, so the speedup includes them: re-run on a quieter machine.')
          : l10n.t('Re-run on a quieter machine.');
    const used = worst.otherCpuCores!.toFixed(2);
    const during = phaseName(worst, pairs.length);
    const competing = cores === 1 ? l10n.t('competing with the run for its 1 core') : l10n.t('competing with the run for {0} cores', cores);
    const busy =
      others === 0
        ? l10n.t('Other programs used {0} cores during the {1}, {2}.', used, during, competing)
        : others === 1
          ? l10n.t('Other programs used {0} cores during the {1} (and ≥ {2} cores during 1 other phase), {3}.', used, during, BUSY_OTHER_CORES, competing)
          : l10n.t('Other programs used {0} cores during the {1} (and ≥ {2} cores during {3} other phases), {4}.', used, during, BUSY_OTHER_CORES, others, competing);
    warn('machine-busy', `${busy} ${fate}`, worst);
  }

  // Contention and CPU share, from the latest pair with figures.
  const latest = selection.used.at(-1) ?? pairs.at(-1);
  const serialCpu = latest ? sumTasks(tasks, latest.serial, (task) => task.cpuMs) : undefined;
  const parallelCpu = latest ? sumTasks(tasks, latest.parallel, (task) => task.cpuMs) : undefined;
  const serialTaskMs = latest ? sumTasks(tasks, latest.serial, (task) => task.durationMs) : undefined;
  if (
    latest &&
    serialCpu !== undefined &&
    parallelCpu !== undefined &&
    serialCpu > 1 &&
    parallelCpu >= CONTENTION_CPU_RATIO * serialCpu &&
    parallelCpu - serialCpu >= CONTENTION_MIN_SHARE * (serialTaskMs ?? Infinity)
  ) {
    warn(
      'contention',
      l10n.t(
        'The tasks used {0}× the CPU in parallel ({1}) than alone ({2}): they compete for something shared (memory bandwidth, the allocator and garbage collector, a lock), so more workers buy less than the cores promise.',
        (parallelCpu / serialCpu).toFixed(2),
        formatDuration(parallelCpu),
        formatDuration(serialCpu),
      ),
      latest.parallel,
    );
  }

  // A speedup above what the cores allow is never shown without its cause.
  const limit = Math.min(workers, cores);
  const speedup = summary.speedup;
  if (speedup !== undefined && latest && speedup > limit * 1.02) {
    // Time spent waiting for a CPU is the machine's doing, not the task's: the share is of the time the task could run.
    const serialWaitAll = latest ? sumTasks(tasks, latest.serial, (task) => task.waitMs) : undefined;
    const cpuShare = serialCpu !== undefined && serialTaskMs && serialWaitAll !== undefined && serialTaskMs > serialWaitAll ? serialCpu / (serialTaskMs - serialWaitAll) : undefined;
    let cause: string;
    if (cpuShare === undefined) {
      cause = l10n.t('this platform gives no per-task CPU figures to tell whether the tasks mostly wait (then more workers than cores do help) or the serial run was slowed.');
    } else if (cpuShare < CPU_BOUND_SHARE) {
      cause = l10n.t('the tasks spend only {0} % of their time on a CPU (the rest sleeping or waiting on I/O), so workers overlap their waits beyond the core count.', (cpuShare * 100).toFixed(0));
    } else {
      const serialWait = serialWaitAll ?? 0;
      const slowed = [...pairs.map((pair) => pair.serial)].filter(isDisturbed);
      const parallelCpuPerTask = parallelCpu !== undefined && serialCpu ? serialCpu / parallelCpu : undefined;
      const parts: string[] = [];
      if (slowed.length > 0) {
        const most = Math.max(...slowed.map((run) => run.otherCpuCores!)).toFixed(2);
        parts.push(slowed.length === 1 ? l10n.t('other programs used up to {0} cores during 1 serial run', most) : l10n.t('other programs used up to {0} cores during {1} serial runs', most, slowed.length));
      }
      if (serialWait > 0.05 * (serialTaskMs ?? 0)) parts.push(l10n.t('the serial tasks waited {0} for a CPU', formatDuration(serialWait)));
      if (parallelCpuPerTask !== undefined && parallelCpuPerTask > 1.1) parts.push(l10n.t('the serial tasks needed {0}× the CPU of the parallel ones (JIT warm-up or caches: the serial run comes first)', parallelCpuPerTask.toFixed(2)));
      const share = (cpuShare * 100).toFixed(0);
      cause =
        parts.length > 0
          ? l10n.t('the tasks are {0} % CPU, so the serial run was slowed: {1}', share, `${parts.join('; ')}.`)
          : l10n.t('the tasks are {0} % CPU, so the serial run was slowed: nothing measured explains it; re-run with warmupRuns ≥ 1 on a quiet machine.', share);
    }
    const shown = formatSpeedup(speedup);
    warn(
      'above-cores',
      workers === 1
        ? l10n.t('The speedup {0} is above the {1}× that 1 worker on {2} cores allow: {3}', shown, limit, cores, cause)
        : l10n.t('The speedup {0} is above the {1}× that {2} workers on {3} cores allow: {4}', shown, limit, workers, cores, cause),
      latest.parallel,
    );
  }
  return warnings;
}

