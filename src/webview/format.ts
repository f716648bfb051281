// Number and time formatting shared by the panel's cards, timeline, table and sweep chart.
import * as l10n from '@vscode/l10n';

/** `0.042 ms`, `3.21 ms`, `812.4 ms`, `1.25 s`, or `—` when unknown. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  const abs = Math.abs(ms);
  if (abs >= 1000) return `${(ms / 1000).toFixed(abs >= 100_000 ? 0 : 2)} s`;
  if (abs >= 100) return `${ms.toFixed(1)} ms`;
  if (abs >= 1) return `${ms.toFixed(2)} ms`;
  if (abs === 0) return '0 ms';
  return `${ms.toFixed(3)} ms`;
}

/** `2.96×` */
export function formatSpeedup(speedup: number | undefined): string {
  if (speedup === undefined || !Number.isFinite(speedup)) return '—';
  return `${speedup.toFixed(2)}×`;
}

/** 0.742 → `74 %`; pass digits for `4.2 %`. */
export function formatPercent(fraction: number | undefined, digits = 0): string {
  if (fraction === undefined || !Number.isFinite(fraction)) return '—';
  return `${(fraction * 100).toFixed(digits)} %`;
}

/** A round tick step (1, 2 or 5 × 10^k) giving about `targetTicks` ticks over `range`. */
export function niceStep(range: number, targetTicks: number): number {
  if (!(range > 0) || !(targetTicks > 0)) return 1;
  const raw = range / targetTicks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const residual = raw / magnitude;
  const factor = residual > 5 ? 10 : residual > 2 ? 5 : residual > 1 ? 2 : 1;
  return factor * magnitude;
}

/** Axis label for a tick at `ms`, with only as many decimals as the step needs. */
export function formatTick(ms: number, stepMs: number): string {
  if (stepMs >= 1000) return `${trimZeros((ms / 1000).toFixed(Math.max(0, -Math.floor(Math.log10(stepMs / 1000)))))} s`;
  const decimals = Math.max(0, -Math.floor(Math.log10(stepMs)));
  return `${trimZeros(ms.toFixed(decimals))} ms`;
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** Cuts a long user string for a tooltip or cell, keeping it recognisable. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The last path segment, for a compact `file.ts:12` link. */
export function baseName(file: string): string {
  const parts = file.split(/[\\/]/);
  return parts[parts.length - 1] || file;
}

/** 20000 → `20,000` (without Intl, whose locale data costs a first paint). */
export function formatCount(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** 0.314 → `0.31 cores`, 1 → `1.00 core`: CPU use averaged over a phase. */
export function formatCores(cores: number | undefined): string {
  if (cores === undefined || !Number.isFinite(cores)) return '—';
  return cores.toFixed(2) === '1.00' ? l10n.t('1.00 core') : l10n.t('{0} cores', cores.toFixed(2));
}

/** `1 core`, `2 cores`: a core count. */
export function coresText(count: number): string {
  return count === 1 ? l10n.t('1 core') : l10n.t('{0} cores', count);
}

/** `1 worker`, `3 workers` */
export function workersText(count: number): string {
  return count === 1 ? l10n.t('1 worker') : l10n.t('{0} workers', count);
}
