// Text for a comparison's figures and changes, shared by the CLI, the panel and the HTML export: never a bare percentage.
import * as l10n from '@vscode/l10n';
import type { ChangeVerdict, MetricComparison, MetricSide } from './comparison';

export function formatP(p: number | undefined): string {
  if (p === undefined) return '–';
  if (p < 0.001) return '< 0.001';
  return `= ${p.toFixed(3)}`;
}

export function formatValue(value: number, unit: MetricComparison['unit']): string {
  if (unit === 'x') return `${value.toFixed(2)}×`;
  if (unit === 'cores') return l10n.t('{0} cores', value.toFixed(2));
  const abs = Math.abs(value);
  if (abs >= 10_000) return `${(value / 1000).toFixed(1)} s`;
  if (abs >= 1000) return `${(value / 1000).toFixed(2)} s`;
  if (abs >= 100) return `${value.toFixed(0)} ms`;
  return `${value.toFixed(1)} ms`;
}

/** `1.62× [1.58–1.66] n 5`, or the single value with `n 1`. */
export function formatSide(side: MetricSide | undefined, unit: MetricComparison['unit']): string {
  if (!side) return l10n.t('n/a');
  const interval = side.n > 1 ? ` [${formatValue(side.low, unit)}–${formatValue(side.high, unit)}]` : '';
  return `${formatValue(side.value, unit)}${interval} n ${side.n}`;
}

/** The change in words: `+98 % [+90, +106] · slower, significant (p < 0.001)`, never a bare percentage. */
export function formatChange(metric: MetricComparison): string {
  const pct = (value: number) => `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(Math.abs(value) < 10 ? 1 : 0)} %`;
  // Segments can be near 0 or negative, where a percentage says little: their change is in ms.
  const inMs = metric.key.startsWith('segment:') || metric.unit === 'cores' || metric.changePct === undefined;
  let change = '';
  if (inMs && metric.delta !== undefined) change = `${metric.delta >= 0 ? '+' : '−'}${formatValue(Math.abs(metric.delta), metric.unit)} `;
  else if (metric.changePct !== undefined) {
    change = pct(metric.changePct);
    if (metric.changeLowPct !== undefined && metric.changeHighPct !== undefined) change += ` [${pct(metric.changeLowPct)}, ${pct(metric.changeHighPct)}]`;
    change += ' ';
  }
  return `${change}${change ? '· ' : ''}${verdictText(metric)}`;
}

export function verdictText(metric: MetricComparison): string {
  const words: Record<ChangeVerdict, string> = {
    worse: metric.unit === 'ms' ? l10n.t('slower, significant') : metric.unit === 'cores' ? l10n.t('busier, significant') : l10n.t('worse, significant'),
    better: metric.unit === 'ms' ? l10n.t('faster, significant') : metric.unit === 'cores' ? l10n.t('quieter, significant') : l10n.t('better, significant'),
    'not-significant': l10n.t('not significant'),
    untestable: l10n.t('untestable (one sample)'),
    unavailable: l10n.t('unavailable'),
  };
  return metric.pValue !== undefined && (metric.verdict === 'worse' || metric.verdict === 'better' || metric.verdict === 'not-significant')
    ? `${words[metric.verdict]} (p ${formatP(metric.pValue)})`
    : words[metric.verdict];
}

/** `Parallel wall` → `parallel wall`, `Per-task CPU` → `per-task CPU`: for a label inside a sentence. */
export function lowerFirst(label: string): string {
  return label.replace(/^[A-Z](?=[a-z])/, (first) => first.toLowerCase());
}
