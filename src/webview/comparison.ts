// The shown run against its baseline (or a run picked from the history), side by side: each figure, its change and whether it is significant.
import type { MetricComparison, RunComparison } from '../shared/comparison';
import type { MetricSide } from '../shared/comparison';
import { formatChange, formatValue, verdictText } from '../shared/comparisonFormat';
import { el } from './dom';

/** The time alone for a run of today, the date and time otherwise. */
function when(iso: string): string {
  const date = new Date(iso);
  if (!Number.isFinite(date.getTime())) return iso;
  return date.toDateString() === new Date().toDateString() ? date.toLocaleTimeString() : date.toLocaleString();
}

/** The change cell: the percentage (or ms) with its interval, then the verdict in words, coloured by what it means. */
function changeCell(metric: MetricComparison): HTMLElement {
  const text = formatChange(metric);
  const verdict = verdictText(metric);
  const amount = text.endsWith(verdict) ? text.slice(0, text.length - verdict.length).replace(/ · $/, '') : '';
  return el('td', { className: 'compare-change' }, [
    amount ? el('span', { className: 'compare-amount', text: amount }) : null,
    el('span', { className: `compare-verdict verdict-${metric.verdict}`, text: verdict, attrs: { 'data-testid': `verdict-${metric.key}`, 'data-verdict': metric.verdict, title: metric.note } }),
  ]);
}

/** The value, and under it the 95 % interval and n, so the table fits a panel beside the editor. */
function sideCell(side: MetricSide | undefined, unit: MetricComparison['unit']): HTMLElement {
  if (!side) return el('td', { className: 'numeric muted', text: 'n/a' });
  const interval = side.n > 1 ? `${formatValue(side.low, unit)}–${formatValue(side.high, unit)} · n\u00a0${side.n}` : 'n\u00a01, no interval';
  return el('td', { className: 'numeric' }, [el('div', { text: formatValue(side.value, unit) }), el('div', { className: 'compare-interval muted', text: interval })]);
}

function row(metric: MetricComparison): HTMLTableRowElement {
  return el('tr', { attrs: { 'data-testid': `compare-row-${metric.key}`, 'data-verdict': metric.verdict } }, [
    el('th', { text: metric.label, attrs: { scope: 'row' } }),
    sideCell(metric.baseline, metric.unit),
    sideCell(metric.current, metric.unit),
    changeCell(metric),
  ]);
}

export class ComparisonView {
  readonly element = el('section', { className: 'panel-section comparison', attrs: { 'aria-labelledby': 'comparison-heading', 'data-testid': 'comparison', hidden: true } });
  private comparison: RunComparison | undefined;
  private picked = false;
  private shownId: string | undefined;

  /** The comparison the host sent (or the one an exported report carries); shown only beside the run it is about. */
  set(comparison: RunComparison | undefined, picked = false): void {
    this.comparison = comparison;
    this.picked = picked;
    this.render();
  }

  /** The run the page shows now: a comparison about another run is hidden until its own arrives. */
  showingRun(reportId: string | undefined, embedded?: RunComparison): void {
    const adopt = embedded !== undefined && embedded.current.id === reportId && embedded !== this.comparison;
    if (adopt) this.comparison = embedded;
    if (reportId === this.shownId && !adopt) return;
    this.shownId = reportId;
    this.render();
  }

  private render(): void {
    const comparison = this.comparison;
    if (!comparison || comparison.current.id !== this.shownId) {
      this.element.hidden = true;
      this.element.replaceChildren();
      return;
    }
    this.element.hidden = false;
    const title = this.picked ? 'Compared with an earlier run' : 'Against the baseline';
    const main = comparison.metrics.filter((metric) => !metric.key.startsWith('segment:'));
    const segments = comparison.metrics.filter((metric) => metric.key.startsWith('segment:'));
    const baselineHead = el('th', { className: 'numeric' }, [el('div', { text: this.picked ? 'Earlier run' : 'Baseline' }), el('div', { className: 'compare-interval muted', text: when(comparison.baseline.createdAt) })]);
    const currentHead = el('th', { className: 'numeric' }, [el('div', { text: 'This run' }), el('div', { className: 'compare-interval muted', text: when(comparison.current.createdAt) })]);
    const head = el('thead', {}, [el('tr', {}, [el('th', { text: 'Figure' }), baselineHead, currentHead, el('th', { text: 'Change (95 % interval)' })])]);
    const body = el('tbody', {}, main.map(row));
    const segmentRows = segments.length > 0 ? [el('tr', { className: 'compare-group' }, [el('th', { text: 'Where the parallel time went (the account)', attrs: { colspan: 4, scope: 'rowgroup' } })]), ...segments.map(row)] : [];
    const table = el('table', { className: 'compare-table', attrs: { 'data-testid': 'comparison-table' } }, [head, body, el('tbody', {}, segmentRows)]);
    this.element.replaceChildren(
      el('div', { className: 'section-header' }, [el('h2', { text: title, attrs: { id: 'comparison-heading' } })]),
      el('p', { className: `compare-headline verdict-kind-${comparison.verdict.kind}`, text: comparison.verdict.text, attrs: { 'data-testid': 'comparison-verdict', 'data-kind': comparison.verdict.kind } }),
      comparison.differences.length > 0
        ? el('div', { className: 'compare-differences', attrs: { role: 'note', 'data-testid': 'comparison-differences' } }, [
            el('strong', { text: 'These runs differ in more than the code, so a change may come from that:' }),
            el('ul', {}, comparison.differences.map((difference) => el('li', { text: difference.message, attrs: { 'data-kind': difference.kind } }))),
          ])
        : el('p', { className: 'muted', text: 'Same function, inputs, workers, backend and machine: only the code (or the load) differs.' }),
      el('div', { className: 'table-scroll' }, [table]),
      el('p', { className: 'section-hint muted', text: `${comparison.method} Ranges are 95 % intervals over each run's pairs; n is how many.` }),
    );
  }
}
