// Short texts for a run of the history (speedup ± interval, how long ago, the change against the baseline): CodeLens and panel.
import * as l10n from '@vscode/l10n';
import type { ChangeVerdict } from './comparison';
import type { BaselineChange, HistoryEntry } from './history';

/** `1.62× ± 0.04` (half the 95 % interval), `1.62× (1 pair)` when no interval can be given, `no speedup` without a serial run. */
export function speedupText(speedup: HistoryEntry['speedup']): string {
  if (!speedup || !Number.isFinite(speedup.median)) return l10n.t('no speedup (no serial run)');
  const value = `${speedup.median.toFixed(2)}×`;
  if (speedup.n <= 1) return l10n.t('{0} (1 pair)', value);
  const half = (speedup.high - speedup.low) / 2;
  return `${value} ± ${half < 0.01 ? half.toPrecision(1) : half.toFixed(2)}`;
}

/** `just now`, `3 min ago`, `2 h ago`, `yesterday`, `4 days ago`, then the date. */
export function relativeTime(iso: string, now: number): string {
  const then = Date.parse(iso);
  if (!Number.isFinite(then)) return iso;
  const seconds = Math.max(0, (now - then) / 1000);
  if (seconds < 60) return l10n.t('just now');
  if (seconds < 3600) return l10n.t('{0} min ago', Math.floor(seconds / 60));
  if (seconds < 86_400) return l10n.t('{0} h ago', Math.floor(seconds / 3600));
  const days = Math.floor(seconds / 86_400);
  if (days === 1) return l10n.t('yesterday');
  if (days < 30) return l10n.t('{0} days ago', days);
  return new Date(then).toISOString().slice(0, 10);
}

function verdictWord(verdict: ChangeVerdict): string {
  switch (verdict) {
    case 'worse':
    case 'better':
      return l10n.t('significant');
    case 'not-significant':
      return l10n.t('not significant');
    case 'untestable':
      return l10n.t('untestable, 1 pair');
    case 'unavailable':
      return l10n.t('n/a');
  }
}

function pct(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '?';
  return `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(Math.abs(value) < 10 ? 1 : 0)} %`;
}

/** `vs baseline: slower (per-task CPU +101 %, significant) · parallel wall +98 % (significant) · speedup −2.1 % (not significant)`. */
export function baselineChangeText(change: BaselineChange, short = false): string {
  const parts: string[] = [];
  if (change.verdict === 'slower') parts.push(change.verdictFigure ? l10n.t('slower ({0}, significant)', change.verdictFigure) : l10n.t('slower, significant'));
  else if (change.verdict === 'faster') parts.push(change.verdictFigure ? l10n.t('faster ({0}, significant)', change.verdictFigure) : l10n.t('faster, significant'));
  else if (change.verdict === 'mixed') parts.push(l10n.t('mixed: some figures significantly worse, some better'));
  else if (change.verdict === 'no-change') parts.push(l10n.t('no significant change'));
  if (change.parallelVerdict !== 'unavailable') parts.push(l10n.t('parallel wall {0} ({1})', pct(change.parallelChangePct), verdictWord(change.parallelVerdict)));
  // Short form (the CodeLens): the speedup's change only when it is significant; the panel and the tooltip give all.
  const speedupSays = change.speedupVerdict === 'worse' || change.speedupVerdict === 'better' || !short;
  if (change.speedupVerdict !== 'unavailable' && speedupSays) parts.push(l10n.t('speedup {0} ({1})', pct(change.speedupChangePct), verdictWord(change.speedupVerdict)));
  const figures = parts.join(' · ') || l10n.t('no figures to compare');
  return change.mismatched ? l10n.t('vs baseline (different setup): {0}', figures) : l10n.t('vs baseline: {0}', figures);
}

/** `1.62× ± 0.04 on 2 workers, 3 min ago`: the CodeLens's last result. */
export function lastRunText(entry: HistoryEntry, now: number): string {
  const status = entry.status === 'completed' ? '' : ` (${statusWord(entry.status)})`;
  const text =
    entry.workers === 1
      ? l10n.t('{0} on 1 worker, {1}', speedupText(entry.speedup), relativeTime(entry.createdAt, now))
      : l10n.t('{0} on {1} workers, {2}', speedupText(entry.speedup), entry.workers, relativeTime(entry.createdAt, now));
  return text + status;
}

function statusWord(status: HistoryEntry['status']): string {
  switch (status) {
    case 'cancelled':
      return l10n.t('cancelled');
    case 'failed':
      return l10n.t('failed');
    default:
      return status;
  }
}
