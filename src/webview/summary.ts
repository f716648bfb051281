// The summary: headline cards (speedup, times, efficiency…), run actions and the run's warnings, updated in place.
import * as l10n from '@vscode/l10n';
import { backendNotes } from '../shared/runtime';
import type { ExportFormat, FromWebviewMessage } from '../shared/protocol';
import type { RunReport, RunWarning, SpeedupEstimate, Spread } from '../shared/report';
import { baseName, formatCount, formatMs, formatPercent, formatSpeedup, workersText } from './format';
import { button, el } from './dom';
import type { RunModel } from './runModel';

const EXPORTS: { format: ExportFormat; label: string; title: string }[] = [
  { format: 'json', label: 'JSON', title: l10n.t('Save the full report as JSON') },
  { format: 'csv', label: 'CSV', title: l10n.t('Save one row per task as CSV') },
  { format: 'trace', label: l10n.t('Chrome trace'), title: l10n.t('Save a trace for chrome://tracing or Perfetto') },
  { format: 'html', label: 'HTML', title: l10n.t('Save this page as one offline HTML file') },
];

/** The Status card's value, in the display language (the report keeps the English code). */
const RUN_STATUS_LABELS: Record<RunReport['status'], string> = {
  running: l10n.t('running'),
  completed: l10n.t('completed'),
  cancelled: l10n.t('cancelled'),
  failed: l10n.t('failed'),
};

/** The numbers the cards show: the report's summary once the run is over, live estimates while it runs. */
interface Headline {
  serialMs?: number;
  parallelMs?: number;
  speedup?: number;
  efficiency?: number;
  workers: number;
}

function headline(model: RunModel, report: RunReport): Headline {
  const summary = report.summary;
  if (report.status !== 'running') {
    const workers = summary?.workers ?? report.options?.workers ?? 0;
    const speedup = summary?.speedup ?? (summary?.serialMs && summary.parallelMs ? summary.serialMs / summary.parallelMs : undefined);
    return {
      serialMs: summary?.serialMs,
      parallelMs: summary?.parallelMs || undefined,
      speedup,
      efficiency: summary?.efficiency ?? (speedup !== undefined && workers ? speedup / workers : undefined),
      workers,
    };
  }
  const serialMs = model.meanWallMs('serial');
  const parallelMs = model.meanWallMs('parallel');
  const workers = report.options?.workers ?? summary?.workers ?? 0;
  const speedup = serialMs !== undefined && parallelMs ? serialMs / parallelMs : undefined;
  return { serialMs, parallelMs, speedup, efficiency: speedup !== undefined && workers ? speedup / workers : undefined, workers };
}

/** A card note: plain text, or text with a class (a warning colour) and a test id. */
type CardNote = string | { text: string; className?: string; testId?: string; title?: string } | undefined;

/** What one card shows; the card's element is built once and only its text changes. */
interface CardContent {
  value: string;
  /** Set beside the value, smaller: the interval (`± 0.04`). */
  suffix?: string;
  rawValue?: number;
  notes: CardNote[];
  className?: string;
  title?: string;
}

class Card {
  readonly element: HTMLElement;
  private readonly value: HTMLElement;
  private readonly main = el('span', { className: 'card-value-main' });
  private readonly suffix: HTMLElement;
  /** The space between value and interval, outside both: a narrow card wraps there, with no indent on the next line. */
  private readonly gap = document.createTextNode('');
  private notes: HTMLElement[] = [];
  private notesText = '';

  constructor(label: string, testId: string, private readonly baseClass: string) {
    this.suffix = el('span', { className: 'card-value-suffix', attrs: { 'data-testid': `${testId}-interval`, hidden: true } });
    this.value = el('div', { className: 'card-value', attrs: { 'data-testid': testId, id: `card-value-${testId}` } }, [this.main, this.gap, this.suffix]);
    // A named group ("Speedup 1.62× ± 0.04"): a screen reader says the label with the value, then reads the notes below them.
    this.element = el('div', { className: `card ${baseClass}`.trim(), attrs: { role: 'group', 'aria-labelledby': `card-label-${testId} card-value-${testId}` } }, [
      el('div', { className: 'card-label', text: label, attrs: { id: `card-label-${testId}` } }),
      this.value,
    ]);
  }

  set(content: CardContent): void {
    setText(this.main, content.value);
    // The value reads `1.62× ± 0.04` to a screen reader and to textContent alike.
    const gap = content.suffix ? ' ' : '';
    if (this.gap.data !== gap) this.gap.data = gap;
    setText(this.suffix, content.suffix ?? '');
    setHidden(this.suffix, !content.suffix);
    if (content.title) this.element.title = content.title;
    else this.element.removeAttribute('title');
    const raw = content.rawValue !== undefined && Number.isFinite(content.rawValue) ? String(content.rawValue) : undefined;
    if (raw === undefined) this.value.removeAttribute('data-value');
    else if (this.value.getAttribute('data-value') !== raw) this.value.setAttribute('data-value', raw);
    const className = `card ${this.baseClass} ${content.className ?? ''}`.trim().replace(/\s+/g, ' ');
    if (this.element.className !== className) this.element.className = className;
    const notes = content.notes.filter((note) => !!note).map((note) => (typeof note === 'string' ? { text: note } : note!));
    const notesText = JSON.stringify(notes);
    if (notesText === this.notesText) return;
    this.notesText = notesText;
    for (const node of this.notes) node.remove();
    this.notes = notes.map((note) => el('div', { className: `card-note ${note.className ?? ''}`.trim(), text: note.text, attrs: { 'data-testid': note.testId, title: note.title } }));
    this.element.append(...this.notes);
  }
}

/**
 * The summary section. Its elements — above all the action buttons — are built once and kept: a live run changes the
 * text of the cards several times a second, and a click that straddled a rebuilt button would be lost.
 */
export class SummaryView {
  readonly element: HTMLElement;
  private readonly heading = el('h1');
  private readonly meta = el('span', { className: 'muted' });
  private readonly cancel: HTMLButtonElement | undefined;
  private readonly rerun: HTMLButtonElement | undefined;
  private readonly exportButtons: HTMLButtonElement[] = [];
  private readonly failure = el('div', { className: 'failure-banner', attrs: { role: 'alert', 'data-testid': 'run-failure', hidden: true } });
  private readonly warnings = el('div', { className: 'warnings', attrs: { 'data-testid': 'warnings', hidden: true } });
  private warningsText: string | undefined;
  private readonly hero = new Card(l10n.t('Speedup'), 'speedup', 'card-hero');
  private readonly serial = new Card(l10n.t('Serial time'), 'serial-time', '');
  private readonly parallel = new Card(l10n.t('Parallel time'), 'parallel-time', '');
  private readonly efficiency = new Card(l10n.t('Efficiency'), 'efficiency', '');
  private readonly workers = new Card(l10n.t('Workers'), 'workers', '');
  private readonly tasks = new Card(l10n.t('Tasks'), 'tasks', '');
  private readonly backend = new Card(l10n.t('Backend'), 'backend', '');
  private readonly status = new Card(l10n.t('Status'), 'run-status', 'status-card');

  constructor(post: ((message: FromWebviewMessage) => void) | undefined) {
    const actions = el('div', { className: 'run-actions' });
    if (post) {
      // Cancel and Re-run share one slot (only one is shown), so the row keeps its width when a run starts or ends.
      this.cancel = button(l10n.t('Cancel'), 'cancel', () => post({ type: 'cancel' }), 'button danger run-slot');
      this.rerun = button(l10n.t('Re-run'), 'rerun', () => post({ type: 'rerun' }), 'button run-slot');
      const exportGroup = el('div', { className: 'export-group', attrs: { role: 'group', 'aria-label': l10n.t('Export') } }, [el('span', { className: 'muted', text: l10n.t('Export') })]);
      for (const item of EXPORTS) {
        const node = button(item.label, `export-${item.format}`, () => post({ type: 'export', format: item.format }), 'button secondary');
        node.title = item.title;
        this.exportButtons.push(node);
        exportGroup.appendChild(node);
      }
      actions.append(this.cancel, this.rerun, exportGroup);
    }
    this.parallel.element.title = l10n.t('Ideal: the least time these tasks allow on these workers, the longer of the longest task and the total task time ÷ workers (from the serial run’s task durations).');
    const title = el('div', { className: 'run-title' }, [this.heading, this.meta]);
    const cards = el('div', { className: 'cards', attrs: { 'data-testid': 'summary' } }, [
      this.hero.element,
      el('div', { className: 'card-grid' }, [this.serial, this.parallel, this.efficiency, this.workers, this.tasks, this.backend, this.status].map((card) => card.element)),
    ]);
    this.element = el('section', { className: 'summary', attrs: { 'aria-label': l10n.t('Summary') } }, [el('div', { className: 'run-header' }, [title, actions]), this.failure, cards, this.warnings]);
  }

  /** Brings every text and button state up to date, touching only what reads differently. */
  update(model: RunModel): void {
    const report = model.report as RunReport;
    const numbers = headline(model, report);
    const summary = report.summary;
    const counts = model.counts();
    const running = report.status === 'running';
    const target = report.target;

    setText(this.heading, target?.name ?? l10n.t('Run'));
    setText(this.meta, [target ? `${baseName(target.file)}:${target.line}` : '', formatDate(report.createdAt)].filter(Boolean).join(' · '));
    if (target?.file) this.meta.title = target.file;
    else this.meta.removeAttribute('title');

    if (this.cancel && this.rerun) {
      setHidden(this.cancel, !running);
      setHidden(this.rerun, running);
      this.rerun.disabled = running;
      for (const node of this.exportButtons) node.disabled = running;
    }

    setHidden(this.failure, !report.failure);
    const failureText = report.failure ? l10n.t('Run failed: {0}', report.failure) : '';
    if (this.failure.textContent !== failureText) {
      this.failure.replaceChildren(...(report.failure ? [el('strong', { text: l10n.t('Run failed: ') }), report.failure] : []));
    }

    const tasksText = running ? `${formatCount(counts.finished)} / ${counts.total ? formatCount(counts.total) : '?'}` : formatCount(summary?.tasks ?? counts.total);
    const failed = running ? counts.failed : (summary?.failedTasks ?? counts.failed);
    const estimate = running ? undefined : summary?.speedupEstimate;
    const workersForCores = Math.min(numbers.workers || Infinity, report.host?.cpuCount ?? Infinity);
    const aboveCores = (report.warnings ?? []).some((warning) => warning.code === 'above-cores');
    if (estimate && Number.isFinite(estimate.median)) {
      const interval = intervalText(estimate, formatSpeedupPlain, '0.01');
      this.hero.set({
        value: formatSpeedup(estimate.median),
        suffix: interval,
        rawValue: estimate.median,
        notes: [
          ...estimateNotes(estimate, report.options?.measureSeconds),
          l10n.t('serial ÷ parallel with {0}', workersText(numbers.workers)),
          aboveCores
            ? { text: l10n.t('above the {0}these workers and cores allow: see the warning below', Number.isFinite(workersForCores) ? `${workersForCores}× ` : ''), className: 'note-warn', testId: 'speedup-above-cores' }
            : undefined,
        ],
        title: l10n.t('Median of {0} serial ÷ parallel {1}{2}.', estimate.n, estimate.n === 1 ? l10n.t('pair') : l10n.t('pairs'), estimate.n > 1 ? l10n.t('; 95 % confidence interval {0} – {1} (Student’s t over the pairs’ log speedups)', formatSpeedup(estimate.low), formatSpeedup(estimate.high)) : ''),
        className: aboveCores ? 'card-hero-warn' : '',
      });
    } else {
      this.hero.set({
        value: numbers.speedup === undefined && running ? '…' : formatSpeedup(numbers.speedup),
        rawValue: numbers.speedup,
        notes: [
          numbers.speedup === undefined
            ? report.options?.compareWithSerial === false
              ? l10n.t('serial comparison off')
              : running
                ? l10n.t('after both runs finish')
                : l10n.t('no serial run')
            : l10n.t('serial ÷ parallel with {0}', workersText(numbers.workers)),
          ...spreadNotes(summary?.speedupSpread, formatSpeedup),
        ],
      });
    }
    this.serial.set({ value: formatMs(numbers.serialMs), rawValue: numbers.serialMs, notes: spreadNotes(summary?.serialSpread, formatMs) });
    this.parallel.set({ value: formatMs(numbers.parallelMs), rawValue: numbers.parallelMs, notes: [...spreadNotes(summary?.parallelSpread, formatMs), idealNote(running ? undefined : summary?.idealParallelMs, numbers.parallelMs)] });
    if (estimate && Number.isFinite(estimate.median) && numbers.workers > 0) {
      const perWorker = (value: number): number => value / numbers.workers;
      const efficiency = { ...estimate, median: perWorker(estimate.median), low: perWorker(estimate.low), high: perWorker(estimate.high) };
      this.efficiency.set({
        value: formatPercent(efficiency.median),
        suffix: intervalText(efficiency, (value) => formatPercent(value), '1 %'),
        rawValue: efficiency.median,
        notes: [l10n.t('speedup ÷ workers · {0}', pairsText(estimate.n))],
      });
    } else {
      this.efficiency.set({ value: formatPercent(numbers.efficiency), rawValue: numbers.efficiency, notes: [l10n.t('speedup ÷ workers')] });
    }
    this.workers.set({ value: String(numbers.workers || '—'), rawValue: numbers.workers, notes: [report.host ? l10n.t('{0} CPUs on this machine', report.host.cpuCount) : undefined] });
    this.tasks.set({ value: tasksText, notes: [failed ? l10n.t('{0} failed', failed) : running ? l10n.t('{0} running', counts.running) : l10n.t('all succeeded')], className: failed ? 'card-warn' : '' });
    const backend = report.options?.backend;
    // A Python run names its interpreter and pool (shared with the CLI, in English); a JS run's pool is said here.
    const jsPool = backend === 'processes' ? l10n.t('child processes') : backend === 'threads' ? l10n.t('worker threads (piscina)') : undefined;
    this.backend.set({ value: backend ?? '—', notes: report.runtime ? backendNotes(backend, report.runtime) : [jsPool] });
    this.status.set({ value: RUN_STATUS_LABELS[report.status] ?? report.status, notes: [pairsNote(model, report)], className: `status-card-${report.status}` });

    this.renderWarnings(report.warnings ?? []);
  }

  private renderWarnings(warnings: RunWarning[]): void {
    const text = warnings.map((warning) => `${warning.code}\0${warning.message}`).join('\n');
    if (text === this.warningsText) return;
    this.warningsText = text;
    setHidden(this.warnings, warnings.length === 0);
    this.warnings.replaceChildren(
      ...(warnings.length
        ? [el('h2', { text: warnings.length === 1 ? l10n.t('Warning') : l10n.t('Warnings ({0})', warnings.length) }), el('ul', {}, warnings.map((warning) => el('li', { text: warning.message, attrs: { 'data-code': warning.code } })))]
        : []),
    );
  }
}

/**
 * How close the parallel run came to the least time its tasks allow on these workers (`71 % of the ideal 500 ms`): the
 * rest is dispatch overhead or tasks that could not be spread evenly in input order.
 */
function idealNote(idealMs: number | undefined, parallelMs: number | undefined): string | undefined {
  if (idealMs === undefined || !parallelMs || idealMs <= 0) return undefined;
  return l10n.t('{0} % of the ideal {1}', Math.round((idealMs / parallelMs) * 100), formatMs(idealMs));
}

/** How far the pairs got: `pair 3 · until ± 5 % or 10 s` while measuring, `5 pairs` after; sweeps and old reports as before. */
function pairsNote(model: RunModel, report: RunReport): string | undefined {
  const options = report.options;
  const count = model.repeats().length;
  if (!model.repeatsArePairs()) return options && options.repeats > 1 ? l10n.t('{0} repeats', options.repeats) : undefined;
  if (report.status === 'running') {
    if (options?.repeats === 0) return l10n.t('pair {0} · until ± 5 %{1}', count, options.measureSeconds ? l10n.t(' or {0} s', options.measureSeconds) : '');
    return options && options.repeats > 1 ? l10n.t('pair {0} of {1}', count, options.repeats) : undefined;
  }
  return count > 1 ? pairsText(count) : undefined;
}

function pairsText(n: number): string {
  return n === 1 ? l10n.t('1 pair') : l10n.t('{0} pairs', n);
}

/** 1.62 → `1.62` (the interval's half-width carries no × of its own). */
function formatSpeedupPlain(value: number): string {
  return value.toFixed(2);
}

/**
 * `± 0.04`, the distance from the median to the ends of the 95 % interval; `+0.31 / −0.12` when the two sides differ
 * by more than a quarter (a log-t interval is not symmetric, and one ± would put an end where it is not); `± <0.01`
 * when it rounds to nothing. Undefined for one pair: no interval can be given.
 */
function intervalText(estimate: Pick<SpeedupEstimate, 'median' | 'low' | 'high' | 'n' | 'method'>, format: (value: number) => string, smallest: string): string | undefined {
  if (estimate.method === 'single' || estimate.n < 2) return undefined;
  const up = estimate.high - estimate.median;
  const down = estimate.median - estimate.low;
  if (!Number.isFinite(up) || !Number.isFinite(down)) return undefined;
  const shown = (value: number): string => (/[1-9]/.test(format(value)) ? format(value) : `<${smallest}`);
  if (Math.max(up, down) > 1.25 * Math.min(up, down) && /[1-9]/.test(format(Math.max(up, down)))) return `+${shown(up)} / −${shown(down)}`;
  return `± ${shown(Math.max(up, down))}`;
}

/** What the measurement behind the estimate was: `95 % CI · 5 pairs`, and why it stopped where that matters. */
function estimateNotes(estimate: SpeedupEstimate, measureSeconds: number | undefined): CardNote[] {
  const notes: CardNote[] = [];
  if (estimate.method === 'single' || estimate.n < 2) {
    const why =
      estimate.stoppedBy === 'long-tasks'
        ? l10n.t('tasks too long to repeat within the time budget')
        : estimate.stoppedBy === 'cancelled'
          ? l10n.t('the run was cancelled after it')
          : estimate.stoppedBy === 'repeats'
            ? l10n.t('one repeat asked for')
            : l10n.t('the time budget allowed no second');
    notes.push({ text: l10n.t('1 pair: {0}', why), testId: 'speedup-ci', title: l10n.t('One measurement gives no interval: the speedup may differ on the next run.') });
  } else {
    notes.push({ text: l10n.t('95 % CI · {0}', pairsText(estimate.n)), testId: 'speedup-ci' });
    const relative = Math.max(estimate.high / estimate.median - 1, 1 - estimate.low / estimate.median);
    if (relative > 0.05) {
      const why =
        estimate.stoppedBy === 'budget'
          ? l10n.t('the {0}time budget ran out', measureSeconds ? `${measureSeconds} s ` : '')
          : estimate.stoppedBy === 'cancelled'
            ? l10n.t('the run was cancelled')
            : estimate.stoppedBy === 'repeats'
              ? l10n.t('only the {0} pairs asked for ran', estimate.n + estimate.excludedPairs.length)
              : l10n.t('the pairs disagree');
      notes.push({ text: l10n.t('wider than ± 5 %: {0}', why), className: 'note-warn', testId: 'speedup-imprecise' });
    }
  }
  if (estimate.excludedPairs.length) {
    const list = estimate.excludedPairs.map((repeat) => repeat + 1).join(', ');
    notes.push(l10n.t('pair {0} left out (warm-up)', list).replace(/^pair (\d+, )/, 'pairs $1'));
  }
  return notes;
}

/** Writing the same text again still costs a style recalculation: skip it. */
function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

function setHidden(node: HTMLElement, hidden: boolean): void {
  if (node.hidden !== hidden) node.hidden = hidden;
}

/** Under a repeated phase's mean: `± 1.2 ms (n = 5)` and `10.1 ms – 12.9 ms` (σ, then min–max). */
function spreadNotes(spread: Spread | undefined, format: (value: number) => string): string[] {
  if (!spread || spread.n <= 1) return [];
  return [`± ${format(spread.stddev)} (n = ${spread.n})`, `${format(spread.min)} – ${format(spread.max)}`];
}

/** `2025-05-14 11:30:00` in local time (toLocaleString would load locale data on first use: slow to a first paint). */
function formatDate(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
