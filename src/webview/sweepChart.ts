// The sweep chart: measured speedup per worker count against the ideal y = x and the fitted Amdahl curve.
import * as l10n from '@vscode/l10n';
import type { SweepResult } from '../shared/report';
import { el, svg } from './dom';
import { formatMs, formatPercent, formatSpeedup, niceStep } from './format';

const WIDTH = 520;
const HEIGHT = 300;
const MARGIN = { top: 16, right: 20, bottom: 40, left: 48 };

/** Amdahl's law: the speedup n workers give when a fraction f of the work is serial. */
export function amdahlSpeedup(serialFraction: number, workers: number): number {
  return 1 / (serialFraction + (1 - serialFraction) / workers);
}

export function renderSweepChart(sweep: SweepResult): HTMLElement {
  const points = [...sweep.points].sort((a, b) => a.workers - b.workers);
  const fraction = Math.min(1, Math.max(0, sweep.amdahlSerialFraction));
  const maxWorkers = Math.max(2, ...points.map((p) => p.workers));
  const maxSpeedup = Math.max(maxWorkers, ...points.map((p) => p.speedup), 1);
  const yStep = niceStep(maxSpeedup, 5);
  const yMax = Math.ceil(maxSpeedup / yStep) * yStep;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (workers: number): number => MARGIN.left + ((workers - 1) / (maxWorkers - 1)) * plotWidth;
  const y = (speedup: number): number => MARGIN.top + plotHeight - (speedup / yMax) * plotHeight;

  const grid: SVGElement[] = [];
  for (let s = 0; s <= yMax + 1e-9; s += yStep) {
    grid.push(svg('line', { class: 'sweep-grid', x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(s), y2: y(s) }));
    grid.push(svg('text', { class: 'sweep-tick', x: MARGIN.left - 6, y: y(s), 'text-anchor': 'end', 'dominant-baseline': 'middle' }, [trimNumber(s)]));
  }
  const xStep = Math.max(1, Math.ceil(niceStep(maxWorkers - 1, 8)));
  const xTicks = new Set<number>([1, maxWorkers]);
  for (let n = 1 + xStep; n < maxWorkers; n += xStep) xTicks.add(n);
  for (const n of xTicks) {
    grid.push(svg('line', { class: 'sweep-grid', x1: x(n), x2: x(n), y1: MARGIN.top, y2: MARGIN.top + plotHeight }));
    grid.push(svg('text', { class: 'sweep-tick', x: x(n), y: MARGIN.top + plotHeight + 14, 'text-anchor': 'middle' }, [String(n)]));
  }

  const amdahlPath: string[] = [];
  for (let i = 0; i <= 60; i++) {
    const n = 1 + ((maxWorkers - 1) * i) / 60;
    amdahlPath.push(`${i === 0 ? 'M' : 'L'}${x(n).toFixed(1)},${y(amdahlSpeedup(fraction, n)).toFixed(1)}`);
  }
  const idealEnd = Math.min(maxWorkers, yMax);
  const measuredPath = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.workers).toFixed(1)},${y(p.speedup).toFixed(1)}`).join('');

  const chart = svg(
    'svg',
    {
      class: 'sweep-svg',
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      role: 'img',
      'aria-label': l10n.t('Speedup by worker count: {0}; Amdahl fit with serial fraction {1}', points.map((p) => l10n.t('{0} workers {1}', p.workers, formatSpeedup(p.speedup))).join(', '), formatPercent(fraction, 1)),
    },
    [
      ...grid,
      svg('line', { class: 'sweep-axis', x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(0), y2: y(0) }),
      svg('line', { class: 'sweep-axis', x1: MARGIN.left, x2: MARGIN.left, y1: MARGIN.top, y2: MARGIN.top + plotHeight }),
      svg('line', { class: 'sweep-ideal', x1: x(1), y1: y(1), x2: x(idealEnd), y2: y(idealEnd) }),
      svg('path', { class: 'sweep-amdahl', d: amdahlPath.join('') }),
      svg('path', { class: 'sweep-measured', d: measuredPath }),
      ...points.map((p) =>
        svg('circle', { class: 'sweep-point', cx: x(p.workers), cy: y(p.speedup), r: 4, 'data-workers': p.workers, 'data-speedup': p.speedup }, [
          svg('title', {}, [l10n.t('{0} workers: {1} ({2})', p.workers, formatSpeedup(p.speedup), formatMs(p.parallelMs))]),
        ]),
      ),
      svg('text', { class: 'sweep-axis-label', x: MARGIN.left + plotWidth / 2, y: HEIGHT - 6, 'text-anchor': 'middle' }, [l10n.t('workers')]),
      svg('text', { class: 'sweep-axis-label', x: 12, y: MARGIN.top + plotHeight / 2, 'text-anchor': 'middle', transform: `rotate(-90 12 ${MARGIN.top + plotHeight / 2})` }, [l10n.t('speedup ×')]),
    ],
  );

  const legend = el('ul', { className: 'legend sweep-legend' }, [
    legendItem('legend-measured', l10n.t('measured')),
    legendItem('legend-ideal', l10n.t('ideal (y = x)')),
    legendItem('legend-amdahl', l10n.t("Amdahl's law fit")),
  ]);
  const fractionText = el('p', { className: 'amdahl-fraction' }, [
    el('span', { text: l10n.t('serial fraction {0}', formatPercent(fraction, 1)), attrs: { 'data-testid': 'amdahl-fraction', 'data-fraction': fraction } }),
    el('span', { className: 'muted', text: l10n.t(' · best possible speedup ≈ {0} · serial run {1}', fraction > 0 ? formatSpeedup(1 / fraction) : '∞', formatMs(sweep.serialMs)) }),
  ]);
  const table = el('table', { className: 'sweep-table' }, [
    el('caption', { className: 'visually-hidden', text: l10n.t('Sweep results') }),
    el('thead', {}, [el('tr', {}, [el('th', { text: l10n.t('Workers'), attrs: { scope: 'col' } }), el('th', { text: l10n.t('Parallel time'), attrs: { scope: 'col' } }), el('th', { text: l10n.t('Speedup'), attrs: { scope: 'col' } }), el('th', { text: l10n.t('Amdahl'), attrs: { scope: 'col' } })])]),
    el(
      'tbody',
      {},
      points.map((p) =>
        el('tr', {}, [
          el('th', { text: String(p.workers), attrs: { scope: 'row' } }),
          el('td', { className: 'numeric', text: formatMs(p.parallelMs) }),
          el('td', { className: 'numeric', text: formatSpeedup(p.speedup) }),
          el('td', { className: 'numeric', text: formatSpeedup(amdahlSpeedup(fraction, p.workers)) }),
        ]),
      ),
    ),
  ]);
  return el('div', { className: 'sweep', attrs: { 'data-testid': 'sweep-chart' } }, [
    fractionText,
    el('div', { className: 'sweep-body' }, [el('div', { className: 'sweep-figure' }, [chart, legend]), table]),
  ]);
}

function legendItem(className: string, label: string): HTMLElement {
  return el('li', {}, [el('span', { className: `legend-line ${className}`, attrs: { 'aria-hidden': 'true' } }), label]);
}

function trimNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
