// The sweep chart: measured speedup per worker count against the ideal and the fitted Amdahl curve, both limited by the cores.
import * as l10n from '@vscode/l10n';
import type { SweepResult } from '../shared/report';
import { el, svg } from './dom';
import { coresText, formatMs, formatPercent, formatSpeedup, niceStep, workersText } from './format';

const WIDTH = 520;
const HEIGHT = 300;
const MARGIN = { top: 16, right: 20, bottom: 40, left: 48 };

/**
 * Amdahl's law with the core limit: the speedup n workers give when a fraction f of the work is serial and only `cores`
 * of them can run at once, 1 / (f + (1 − f) / min(n, cores)). Without a core count (older reports), plain Amdahl.
 */
export function amdahlSpeedup(serialFraction: number, workers: number, cores?: number): number {
  const running = cores !== undefined && cores > 0 ? Math.min(workers, cores) : workers;
  return 1 / (serialFraction + (1 - serialFraction) / running);
}

export function renderSweepChart(sweep: SweepResult): HTMLElement {
  const points = [...sweep.points].sort((a, b) => a.workers - b.workers);
  const fraction = Math.min(1, Math.max(0, sweep.amdahlSerialFraction));
  const cores = sweep.cores !== undefined && sweep.cores > 0 ? sweep.cores : undefined;
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
    amdahlPath.push(`${i === 0 ? 'M' : 'L'}${x(n).toFixed(1)},${y(amdahlSpeedup(fraction, n, cores)).toFixed(1)}`);
  }
  // The ideal is y = x up to the cores, then flat: more workers than cores cannot run at once.
  const idealEnd = Math.min(maxWorkers, yMax, cores ?? Infinity);
  const idealPath = `M${x(1)},${y(1)}L${x(idealEnd)},${y(idealEnd)}${idealEnd < maxWorkers ? `L${x(maxWorkers)},${y(idealEnd)}` : ''}`;
  const coreLine: SVGElement[] = [];
  if (cores !== undefined && cores >= 1 && cores <= maxWorkers) {
    coreLine.push(
      svg('line', { class: 'sweep-cores', x1: x(cores), x2: x(cores), y1: MARGIN.top, y2: MARGIN.top + plotHeight, 'data-testid': 'sweep-cores', 'data-cores': cores }),
      svg('text', { class: 'sweep-cores-label', x: x(cores) + (cores === maxWorkers ? -4 : 4), y: MARGIN.top + 10, 'text-anchor': cores === maxWorkers ? 'end' : 'start' }, [coresText(cores)]),
    );
  }
  const measuredPath = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.workers).toFixed(1)},${y(p.speedup).toFixed(1)}`).join('');

  const chart = svg(
    'svg',
    {
      class: 'sweep-svg',
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      role: 'img',
      'aria-label': l10n.t('Speedup by worker count: {0}; Amdahl fit with serial fraction {1}{2}', points.map((p) => `${workersText(p.workers)} ${formatSpeedup(p.speedup)}`).join(', '), formatPercent(fraction, 1), cores !== undefined ? l10n.t(', limited to {0}', coresText(cores)) : ''),
    },
    [
      ...grid,
      svg('line', { class: 'sweep-axis', x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(0), y2: y(0) }),
      svg('line', { class: 'sweep-axis', x1: MARGIN.left, x2: MARGIN.left, y1: MARGIN.top, y2: MARGIN.top + plotHeight }),
      ...coreLine,
      svg('path', { class: 'sweep-ideal', d: idealPath }),
      svg('path', { class: 'sweep-amdahl', d: amdahlPath.join('') }),
      svg('path', { class: 'sweep-measured', d: measuredPath }),
      ...points.map((p) =>
        svg('circle', { class: 'sweep-point', cx: x(p.workers), cy: y(p.speedup), r: 4, 'data-workers': p.workers, 'data-speedup': p.speedup }, [
          svg('title', {}, [`${workersText(p.workers)}: ${formatSpeedup(p.speedup)} (${formatMs(p.parallelMs)})`]),
        ]),
      ),
      svg('text', { class: 'sweep-axis-label', x: MARGIN.left + plotWidth / 2, y: HEIGHT - 6, 'text-anchor': 'middle' }, [l10n.t('workers')]),
      svg('text', { class: 'sweep-axis-label', x: 12, y: MARGIN.top + plotHeight / 2, 'text-anchor': 'middle', transform: `rotate(-90 12 ${MARGIN.top + plotHeight / 2})` }, [l10n.t('speedup ×')]),
    ],
  );

  const legend = el('ul', { className: 'legend sweep-legend' }, [
    legendItem('legend-measured', l10n.t('measured')),
    legendItem('legend-ideal', cores !== undefined ? l10n.t('ideal (y = x, up to {0})', coresText(cores)) : l10n.t('ideal (y = x)')),
    legendItem('legend-amdahl', cores !== undefined ? l10n.t("Amdahl's law fit, with the core limit") : l10n.t("Amdahl's law fit")),
    ...(coreLine.length ? [legendItem('legend-cores', l10n.t('core count'))] : []),
  ]);
  const best = cores !== undefined ? amdahlSpeedup(fraction, cores, cores) : fraction > 0 ? 1 / fraction : Infinity;
  const fractionText = el('p', { className: 'amdahl-fraction' }, [
    el('span', { text: l10n.t('serial fraction {0}', formatPercent(fraction, 1)), attrs: { 'data-testid': 'amdahl-fraction', 'data-fraction': fraction } }),
    el('span', {
      className: 'muted',
      text: l10n.t(' · best possible speedup ≈ {0}{1} · serial run {2}', Number.isFinite(best) ? formatSpeedup(best) : '∞', cores !== undefined ? (cores === 1 ? l10n.t(' on 1 core') : l10n.t(' on {0} cores', cores)) : '', formatMs(sweep.serialMs)),
      attrs: { 'data-testid': 'amdahl-best' },
    }),
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
          el('td', { className: 'numeric', text: formatSpeedup(amdahlSpeedup(fraction, p.workers, cores)) }),
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
