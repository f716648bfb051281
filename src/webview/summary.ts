// The summary: headline cards (speedup, times, efficiency…), run actions and the run's warnings.
import type { ExportFormat, FromWebviewMessage } from '../shared/protocol';
import type { RunReport, Spread } from '../shared/report';
import { baseName, formatCount, formatMs, formatPercent, formatSpeedup } from './format';
import { button, el } from './dom';
import type { RunModel } from './runModel';

const EXPORTS: { format: ExportFormat; label: string; title: string }[] = [
  { format: 'json', label: 'JSON', title: 'Save the full report as JSON' },
  { format: 'csv', label: 'CSV', title: 'Save one row per task as CSV' },
  { format: 'trace', label: 'Chrome trace', title: 'Save a trace for chrome://tracing or Perfetto' },
  { format: 'html', label: 'HTML', title: 'Save this page as one offline HTML file' },
];

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

export function renderSummary(model: RunModel, post: ((message: FromWebviewMessage) => void) | undefined): HTMLElement {
  const report = model.report as RunReport;
  const numbers = headline(model, report);
  const summary = report.summary;
  const counts = model.counts();
  const running = report.status === 'running';

  const target = report.target;
  const title = el('div', { className: 'run-title' }, [
    el('h1', { text: target?.name ?? 'Run' }),
    el('span', {
      className: 'muted',
      text: [target ? `${baseName(target.file)}:${target.line}` : '', formatDate(report.createdAt)].filter(Boolean).join(' · '),
      attrs: { title: target?.file },
    }),
  ]);

  const actions = el('div', { className: 'run-actions' });
  if (post) {
    if (running) actions.appendChild(button('Cancel', 'cancel', () => post({ type: 'cancel' }), 'button danger'));
    const rerun = button('Re-run', 'rerun', () => post({ type: 'rerun' }), running ? 'button secondary' : 'button');
    rerun.disabled = running;
    actions.appendChild(rerun);
    const exportGroup = el('div', { className: 'export-group', attrs: { role: 'group', 'aria-label': 'Export' } }, [el('span', { className: 'muted', text: 'Export' })]);
    for (const item of EXPORTS) {
      const node = button(item.label, `export-${item.format}`, () => post({ type: 'export', format: item.format }), 'button secondary');
      node.title = item.title;
      node.disabled = running;
      exportGroup.appendChild(node);
    }
    actions.appendChild(exportGroup);
  }

  const tasksText = running ? `${formatCount(counts.finished)} / ${counts.total ? formatCount(counts.total) : '?'}` : formatCount(summary?.tasks ?? counts.total);
  const failed = running ? counts.failed : (summary?.failedTasks ?? counts.failed);
  const hero = card('Speedup', numbers.speedup === undefined && running ? '…' : formatSpeedup(numbers.speedup), 'speedup', numbers.speedup, 'card-hero', [
      numbers.speedup === undefined ? (report.options?.compareWithSerial === false ? 'serial comparison off' : running ? 'after both runs finish' : 'no serial run') : `serial ÷ parallel with ${numbers.workers} workers`,
      ...spreadNotes(summary?.speedupSpread, formatSpeedup),
  ]);
  const cards = el('div', { className: 'cards', attrs: { 'data-testid': 'summary' } }, [
    hero,
    el('div', { className: 'card-grid' }, [
    card('Serial time', formatMs(numbers.serialMs), 'serial-time', numbers.serialMs, '', spreadNotes(summary?.serialSpread, formatMs)),
    card('Parallel time', formatMs(numbers.parallelMs), 'parallel-time', numbers.parallelMs, '', spreadNotes(summary?.parallelSpread, formatMs)),
    card('Efficiency', formatPercent(numbers.efficiency), 'efficiency', numbers.efficiency, '', ['speedup ÷ workers']),
    card('Workers', String(numbers.workers || '—'), 'workers', numbers.workers, '', [report.host ? `${report.host.cpuCount} CPUs on this machine` : undefined]),
    card('Tasks', tasksText, 'tasks', undefined, '', [failed ? `${failed} failed` : running ? `${counts.running} running` : 'all succeeded'], failed ? 'card-warn' : ''),
    card('Backend', report.options?.backend ?? '—', 'backend', undefined, '', [report.options?.backend === 'processes' ? 'child processes' : report.options?.backend === 'threads' ? 'worker threads (piscina)' : undefined]),
    card('Status', report.status, 'run-status', undefined, `status-card status-card-${report.status}`, [report.options && report.options.repeats > 1 ? `${report.options.repeats} repeats` : undefined]),
    ]),
  ]);

  const parts: HTMLElement[] = [el('div', { className: 'run-header' }, [title, actions])];
  if (report.failure) parts.push(el('div', { className: 'failure-banner', attrs: { role: 'alert', 'data-testid': 'run-failure' } }, [el('strong', { text: 'Run failed: ' }), report.failure]));
  parts.push(cards);
  if (report.warnings?.length) {
    parts.push(
      el('div', { className: 'warnings', attrs: { 'data-testid': 'warnings' } }, [
        el('h2', { text: report.warnings.length === 1 ? 'Warning' : `Warnings (${report.warnings.length})` }),
        el('ul', {}, report.warnings.map((warning) => el('li', { text: warning }))),
      ]),
    );
  }
  return el('section', { className: 'summary', attrs: { 'aria-label': 'Summary' } }, parts);
}

function card(label: string, value: string, testId: string, rawValue: number | undefined, className: string, notes: (string | undefined)[], extraClass = ''): HTMLElement {
  return el('div', { className: `card ${className} ${extraClass}`.trim() }, [
    el('div', { className: 'card-label', text: label }),
    el('div', { className: 'card-value', text: value, attrs: { 'data-testid': testId, 'data-value': rawValue !== undefined && Number.isFinite(rawValue) ? rawValue : undefined } }),
    ...notes.filter((note): note is string => !!note).map((note) => el('div', { className: 'card-note', text: note })),
  ]);
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
