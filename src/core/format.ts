// Plain-text rendering of times, speedups, summaries and task tables, shared by the CLI and the output channel.
import * as l10n from '@vscode/l10n';
import type { PhaseRun, RunAccount, RunPhase, RunReport, SpeedupEstimate, Spread, TaskRecord } from '../shared/report';

export type DurationUnit = 's' | 'ms' | 'µs';

/** The unit formatDuration picks for a value of this size. */
export function durationUnit(ms: number): DurationUnit {
  return ms >= 1000 ? 's' : ms >= 1 ? 'ms' : 'µs';
}

/**
 * `1.51 s`, `120 ms`, `12.3 ms`, `850 µs`, `2 min 05 s`: three significant digits, unit chosen by size
 * unless `unit` forces one (so `serial 1.51 s · parallel 0.51 s` compare at a glance).
 */
export function formatDuration(ms: number | undefined, unit?: DurationUnit): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms === 0) return '0 ms';
  if (ms >= 60_000) {
    const totalSeconds = Math.round(ms / 1000);
    return l10n.t('{0} min {1} s', Math.floor(totalSeconds / 60), String(totalSeconds % 60).padStart(2, '0'));
  }
  const scale = { s: 1000, ms: 1, µs: 0.001 };
  // A forced unit that would print `0.00 s` gives way to the value's own unit.
  const shown = unit && ms / scale[unit] >= 0.1 ? unit : durationUnit(ms);
  switch (shown) {
    case 's':
      return `${significant(ms / 1000)} s`;
    case 'ms':
      return `${significant(ms)} ms`;
    default: {
      const us = ms * 1000;
      return `${us >= 10 ? Math.round(us) : significant(us)} µs`;
    }
  }
}

/** `2.96×`, `12.4×`, `0.85×`. */
export function formatSpeedup(speedup: number | undefined): string {
  if (speedup === undefined || !Number.isFinite(speedup)) return '—';
  return `${speedup >= 10 ? speedup.toFixed(1) : speedup.toFixed(2)}×`;
}

/** `2.9× ± 0.1 (2.8–3.0)` for a speedup measured over several repeats. */
export function formatSpeedupSpread(spread: Spread): string {
  const digits = spread.stddev >= 0.1 || spread.mean >= 10 ? 1 : 2;
  return `${spread.mean.toFixed(digits)}× ± ${spread.stddev.toFixed(digits)} (${spread.min.toFixed(digits)}–${spread.max.toFixed(digits)})`;
}

/** `1.62× ± 0.04 (95 % CI, 5 pairs)`, or `3.10× (1 pair, no interval)`: the speedup is never shown without its n. */
export function formatSpeedupEstimate(estimate: SpeedupEstimate): string {
  const excluded = estimate.excludedPairs.length;
  if (estimate.method === 'single' || estimate.n < 2) {
    return excluded > 0 ? l10n.t('{0} (1 pair, no interval, {1} left out)', formatSpeedup(estimate.median), excluded) : l10n.t('{0} (1 pair, no interval)', formatSpeedup(estimate.median));
  }
  const halfWidth = (estimate.high - estimate.low) / 2;
  const digits = estimate.median >= 10 ? 1 : 2;
  return excluded > 0
    ? l10n.t('{0} ± {1} (95 % CI, {2} pairs, {3} left out)', formatSpeedup(estimate.median), halfWidth.toFixed(digits), estimate.n, excluded)
    : l10n.t('{0} ± {1} (95 % CI, {2} pairs)', formatSpeedup(estimate.median), halfWidth.toFixed(digits), estimate.n);
}

/** Milliseconds with a fixed number of decimals, for table columns that must line up. */
export function formatMs(ms: number | undefined, decimals = 1): string {
  return ms === undefined || !Number.isFinite(ms) ? '—' : ms.toFixed(decimals);
}

/**
 * The shortest wall time the task durations allow on this many workers: a parallel run can't beat its longest task
 * nor the total work divided by the workers (so five tasks of 0.1…0.5 s on five workers need 0.5 s: 3×, not 5×).
 */
export function idealParallelMs(taskDurationsMs: number[], workers: number): number | undefined {
  if (taskDurationsMs.length === 0 || workers < 1) return undefined;
  const total = taskDurationsMs.reduce((sum, ms) => sum + ms, 0);
  const longest = taskDurationsMs.reduce((most, ms) => Math.max(most, ms), 0);
  const bound = Math.max(longest, total / workers);
  return bound > 0 ? bound : undefined;
}

/** `serial 1.51 s · parallel 0.51 s · speedup 2.96× on 5 workers (99% of ideal)`; spreads when repeated. */
export function summaryLine(report: RunReport): string {
  const { summary } = report;
  const parts: string[] = [];
  const unit = durationUnit(Math.max(summary.serialMs ?? 0, summary.parallelMs));
  if (summary.serialMs !== undefined) parts.push(l10n.t('serial {0}', timeWithSpread(summary.serialMs, summary.serialSpread, unit)));
  const parallelRan = report.phases.some((run) => run.phase === 'parallel') || report.tasks.some((task) => task.phase === 'parallel');
  parts.push(parallelRan ? l10n.t('parallel {0}', timeWithSpread(summary.parallelMs, summary.parallelSpread, unit)) : l10n.t('parallel run not started'));
  const backend = report.options.backend;
  const onWorkers =
    backend === 'processes'
      ? summary.workers === 1 ? l10n.t('on 1 process') : l10n.t('on {0} processes', summary.workers)
      : summary.workers === 1 ? l10n.t('on 1 worker') : l10n.t('on {0} workers', summary.workers);
  if (summary.speedup !== undefined) {
    const speedup = summary.speedupEstimate
      ? formatSpeedupEstimate(summary.speedupEstimate)
      : summary.speedupSpread && summary.speedupSpread.n > 1
        ? formatSpeedupSpread(summary.speedupSpread)
        : formatSpeedup(summary.speedup);
    // How close the parallel wall time came to what the serial task durations allow; dispatch overhead shows up here.
    const ideal = summary.idealParallelMs ?? idealParallelMs(serialTaskDurations(report), summary.workers);
    parts.push(
      ideal && summary.parallelMs > 0
        ? l10n.t('speedup {0} {1} ({2}% of ideal)', speedup, onWorkers, Math.round((ideal / summary.parallelMs) * 100))
        : l10n.t('speedup {0} {1}', speedup, onWorkers),
    );
  } else if (parallelRan) {
    parts[parts.length - 1] += ` ${onWorkers}`;
  }
  if (report.status === 'cancelled') {
    // Tasks the cancel stopped are not failures; count only what went wrong and what got done.
    const run = lastPhaseRun(report, 'parallel');
    const tasks = run ? phaseRunTasks(report, run) : [];
    const errors = tasks.filter((task) => task.status === 'error' || task.status === 'timeout').length;
    if (errors > 0) parts.push(l10n.t('{0} of {1} tasks failed', errors, summary.tasks));
    const done = tasks.filter((task) => task.status === 'ok').length;
    parts.push(l10n.t('cancelled after {0} of {1} tasks', done, summary.tasks));
  } else if (summary.failedTasks > 0) {
    parts.push(l10n.t('{0} of {1} tasks failed', summary.failedTasks, summary.tasks));
  }
  if (report.status === 'failed' && report.failure) parts.push(l10n.t('failed: {0}', report.failure));
  return parts.join(' · ');
}

/** Task durations of the serial phase (mean per input over repeats); the parallel phase's when there is no serial run. */
export function serialTaskDurations(report: RunReport): number[] {
  const phase: RunPhase = report.tasks.some((task) => task.phase === 'serial') ? 'serial' : 'parallel';
  // Sums and counts by task index in typed arrays: a Map of lists took ~230 ms for 100,000 tasks in an extension host.
  let size = 0;
  for (const task of report.tasks) if (task.index >= size) size = task.index + 1;
  const sums = new Float64Array(size);
  const counts = new Uint32Array(size);
  for (const task of report.tasks) {
    if (task.phase !== phase || task.status !== 'ok' || task.durationMs === undefined) continue;
    sums[task.index] += task.durationMs;
    counts[task.index]++;
  }
  const means: number[] = [];
  for (let index = 0; index < size; index++) if (counts[index] > 0) means.push(sums[index] / counts[index]);
  return means;
}

function timeWithSpread(ms: number, spread: Spread | undefined, unit: DurationUnit): string {
  if (!spread || spread.n < 2) return formatDuration(ms, unit);
  return `${formatDuration(ms, unit)} ± ${formatDuration(spread.stddev)}`;
}

/**
 * The run of a phase that tables show by default: the last repeat (whose results the run returns) and, in a
 * worker sweep, the run with the configured worker count that the summary describes.
 */
export function lastPhaseRun(report: RunReport, phase: RunPhase): PhaseRun | undefined {
  const runs = report.phases.filter((run) => run.phase === phase);
  const configured = runs.filter((run) => run.workers === report.summary.workers);
  const candidates = configured.length > 0 ? configured : runs;
  return candidates.reduce<PhaseRun | undefined>((last, run) => (!last || run.repeat > last.repeat || (run.repeat === last.repeat && run.startUs > last.startUs) ? run : last), undefined);
}

/**
 * The phase run a task belongs to. In a worker sweep several runs share a phase and repeat, so the task goes to
 * the latest of them that had started when it was queued.
 */
export function phaseRunOf(report: RunReport, task: TaskRecord): PhaseRun | undefined {
  const candidates = report.phases.filter((run) => run.phase === task.phase && run.repeat === task.repeat);
  const started = candidates.filter((run) => run.startUs <= task.queuedUs);
  const pool = started.length > 0 ? started : candidates;
  const pick = started.length > 0 ? Math.max : Math.min;
  const startUs = pick(...pool.map((run) => run.startUs));
  return pool.find((run) => run.startUs === startUs);
}

/** Tasks of one phase run, in input order. */
export function phaseRunTasks(report: RunReport, run: PhaseRun): TaskRecord[] {
  return report.tasks.filter((task) => phaseRunOf(report, task) === run).sort((a, b) => a.index - b.index);
}

/** Tasks of one phase and repeat in input order (of the run shown by default when a sweep ran several). */
export function phaseTasks(report: RunReport, phase: RunPhase, repeat: number): TaskRecord[] {
  const runs = report.phases.filter((run) => run.phase === phase && run.repeat === repeat);
  if (runs.length > 1) {
    const shown = runs.find((run) => run.workers === report.summary.workers) ?? runs[runs.length - 1];
    return phaseRunTasks(report, shown);
  }
  return report.tasks
    .filter((task) => task.phase === phase && task.repeat === repeat)
    .sort((a, b) => a.index - b.index);
}

/**
 * Lines of a task table: task, PID, thread ID, start, end, duration (ms relative to the phase start), status, args.
 * The first line is the header. Shows `run`, or by default the last repeat of the phase.
 */
export function taskTable(report: RunReport, phase: RunPhase, run: PhaseRun | undefined = lastPhaseRun(report, phase)): string[] {
  const tasks = run ? phaseRunTasks(report, run) : phaseTasks(report, phase, 0);
  // reduce, not Math.min(...list): spreading a list of 100,000+ tasks overflows the call stack.
  const originUs = run?.startUs ?? tasks.reduce((earliest, task) => Math.min(earliest, task.queuedUs), Infinity);
  const relativeMs = (us: number | undefined) => (us === undefined ? undefined : (us - originUs) / 1000);
  // CPU, wait and blocked columns only where the platform measured them; the report's measurement notes say why not.
  const measured = tasks.some((task) => task.cpuMs !== undefined);
  const rows = tasks.map((task) => [
    String(task.index),
    task.pid > 0 ? String(task.pid) : '—',
    task.lane >= 0 ? String(task.threadId) : '—',
    formatMs(relativeMs(task.startUs)),
    formatMs(relativeMs(task.endUs)),
    formatMs(task.durationMs),
    ...(measured ? [formatMs(task.cpuMs), formatMs(task.waitMs), formatMs(blockedMs(task))] : []),
    task.status === 'error' && task.error ? l10n.t('error: {0}', oneLine(task.error.message, 60)) : task.status,
    oneLine(task.argsPreview, 40),
  ]);
  const header = [
    l10n.t('task'),
    'PID',
    l10n.t('thread ID'),
    l10n.t('start ms'),
    l10n.t('end ms'),
    l10n.t('duration ms'),
    ...(measured ? [l10n.t('cpu ms'), l10n.t('wait ms'), l10n.t('blocked ms')] : []),
    l10n.t('status'),
    l10n.t('args'),
  ];
  return formatTable(header, rows, [...header.slice(0, -2).map(() => true), false, false]);
}

/** Aligns columns with two spaces between them; `alignRight[i]` right-aligns column i (numbers). */
export function formatTable(header: string[], rows: string[][], alignRight: boolean[] = []): string[] {
  const widths = header.map((title, column) => rows.reduce((widest, row) => Math.max(widest, (row[column] ?? '').length), title.length));
  const render = (cells: string[]) =>
    cells
      .map((cell, column) => {
        const isLast = column === cells.length - 1;
        if (alignRight[column]) return cell.padStart(widths[column]);
        return isLast ? cell : cell.padEnd(widths[column]);
      })
      .join('  ')
      .trimEnd();
  return [render(header), ...rows.map(render)];
}

/** `[PID 4242 · thread 3 · task 1]`: the prefix of a console line captured from a task. */
export function logLinePrefix(task: Pick<TaskRecord, 'pid' | 'threadId' | 'index'>): string {
  return l10n.t('[PID {0} · thread {1} · task {2}]', task.pid, task.threadId, task.index);
}

/** Captured console lines of the given tasks, each prefixed with where it ran, in the order they were printed. */
export function taskLogLines(tasks: TaskRecord[]): string[] {
  const lines: { timeUs: number; text: string }[] = [];
  for (const task of tasks) {
    const prefix = logLinePrefix(task);
    for (const log of task.logs) {
      for (const text of log.text.replace(/\n$/, '').split('\n')) {
        lines.push({ timeUs: log.timeUs, text: `${prefix}${log.stream === 'stderr' ? ' (stderr)' : ''} ${text}` });
      }
    }
    if (task.logsTruncated) lines.push({ timeUs: task.endUs ?? task.queuedUs, text: l10n.t('{0} … (output truncated)', prefix) });
  }
  // A stable sort keeps each task's own lines in order when two tasks print at the same microsecond.
  return lines.sort((a, b) => a.timeUs - b.timeUs).map((line) => line.text);
}

/** Collapses whitespace and cuts to `max` characters with an ellipsis, for table cells. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function significant(value: number): string {
  if (value >= 100) return String(Math.round(value));
  return value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** Time a task was neither on a CPU nor waiting for one (sleep, I/O, locks that sleep): wall − CPU − wait; undefined where unmeasured. */
export function blockedMs(task: Pick<TaskRecord, 'durationMs' | 'cpuMs' | 'waitMs'>): number | undefined {
  if (task.durationMs === undefined || task.cpuMs === undefined || task.waitMs === undefined) return undefined;
  // Clock and schedstat reads are a few µs apart, so a task that never slept can come out a hair below zero.
  return Math.max(0, task.durationMs - task.cpuMs - task.waitMs);
}

/** The account's terms as the CLI block names them (made when used: the l10n bundle is read after this module loads). */
function accountLabel(key: RunAccount['segments'][number]['key']): string {
  switch (key) {
    case 'work':
      return l10n.t('work (serial task time ÷ workers)');
    case 'contention':
      return l10n.t('contention (extra CPU)');
    case 'cpu-wait':
      return l10n.t('waiting for a CPU');
    case 'blocked':
      return l10n.t('blocked (sleep, I/O, locks)');
    case 'slowdown':
      return l10n.t('slower in parallel (unsplit)');
    case 'unmatched':
      return l10n.t('tasks with no serial time');
    case 'startup':
      return l10n.t('start-up');
    case 'dispatch':
      return l10n.t('dispatch gaps');
    case 'imbalance':
      return l10n.t('imbalance (idle at the end)');
  }
}

/**
 * The account as a short block: each term of the parallel wall time in ms and %, their sum against the wall time, what
 * could not be computed, and the largest loss with what to do about it.
 */
export function accountLines(account: RunAccount, pairs?: number): string[] {
  const P = account.parallelMs;
  const shown = account.segments.filter((segment) => Math.abs(segment.ms) >= 0.0005);
  // A gain (a negative term) carries the same minus sign in both columns.
  const rows = shown.map((segment) => {
    const sign = segment.ms < 0 ? '−' : '';
    return [accountLabel(segment.key), sign + formatDuration(Math.abs(segment.ms)), P > 0 ? `${sign}${Math.abs((segment.ms / P) * 100).toFixed(1)} %` : '—'];
  });
  const total = account.segments.reduce((sum, segment) => sum + segment.ms, 0);
  const onWorkers = account.workers === 1 ? l10n.t('{0} on 1 worker', formatDuration(P)) : l10n.t('{0} on {1} workers', formatDuration(P), account.workers);
  const lines = [
    pairs !== undefined && pairs > 1
      ? l10n.t('Where the parallel time went (pair {0} of {1}): {2}; the work alone, spread evenly, is {3}', account.parallelRepeat + 1, pairs, onWorkers, formatDuration(account.idealMs))
      : l10n.t('Where the parallel time went: {0}; the work alone, spread evenly, is {1}', onWorkers, formatDuration(account.idealMs)),
  ];
  lines.push(...formatTable(['term', 'ms', 'share'], rows, [false, true, true]).slice(1).map((line) => `  ${line}`));
  lines.push(`  ${l10n.t('= {0} (the parallel wall time is {1})', formatDuration(total), formatDuration(P))}`);
  for (const missing of account.unavailable) lines.push(`  ${l10n.t('not computed: {0}', missing)}`);
  if (account.largestLoss) lines.push(`  ${l10n.t('Largest loss: {0}', account.largestLoss.advice)}`);
  return lines;
}
