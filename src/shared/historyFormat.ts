// Short texts for a run of the history (speedup ± interval, how long ago, the change against the baseline): CodeLens and panel.
import type { ChangeVerdict } from './comparison';
import type { BaselineChange, HistoryEntry } from './history';

/** `1.62× ± 0.04` (half the 95 % interval), `1.62× (1 pair)` when no interval can be given, `no speedup` without a serial run. */
export function speedupText(speedup: HistoryEntry['speedup']): string {
  if (!speedup || !Number.isFinite(speedup.median)) return 'no speedup (no serial run)';
  const value = `${speedup.median.toFixed(2)}×`;
  if (speedup.n <= 1) return `${value} (1 pair)`;
  const half = (speedup.high - speedup.low) / 2;
  return `${value} ± ${half < 0.01 ? half.toPrecision(1) : half.toFixed(2)}`;
}

/** `just now`, `3 min ago`, `2 h ago`, `yesterday`, `4 days ago`, then the date. */
export function relativeTime(iso: string, now: number): string {
  const then = Date.parse(iso);
  if (!Number.isFinite(then)) return iso;
  const seconds = Math.max(0, (now - then) / 1000);
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  const days = Math.floor(seconds / 86_400);
  if (days === 1) return 'yesterday';
  if (days < 30) return `${days} days ago`;
  return new Date(then).toISOString().slice(0, 10);
}

function verdictWord(verdict: ChangeVerdict): string {
  switch (verdict) {
    case 'worse':
    case 'better':
      return 'significant';
    case 'not-significant':
      return 'not significant';
    case 'untestable':
      return 'untestable, 1 pair';
    case 'unavailable':
      return 'n/a';
  }
}

function pct(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '?';
  return `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(Math.abs(value) < 10 ? 1 : 0)} %`;
}

/** `vs baseline: slower (per-task CPU +101 %, significant) · parallel wall +98 % (significant) · speedup −2.1 % (not significant)`. */
export function baselineChangeText(change: BaselineChange, short = false): string {
  const parts: string[] = [];
  if (change.verdict === 'slower' || change.verdict === 'faster') parts.push(`${change.verdict}${change.verdictFigure ? ` (${change.verdictFigure}, significant)` : ', significant'}`);
  else if (change.verdict === 'mixed') parts.push('mixed: some figures significantly worse, some better');
  else if (change.verdict === 'no-change') parts.push('no significant change');
  if (change.parallelVerdict !== 'unavailable') parts.push(`parallel wall ${pct(change.parallelChangePct)} (${verdictWord(change.parallelVerdict)})`);
  // Short form (the CodeLens): the speedup's change only when it is significant; the panel and the tooltip give all.
  const speedupSays = change.speedupVerdict === 'worse' || change.speedupVerdict === 'better' || !short;
  if (change.speedupVerdict !== 'unavailable' && speedupSays) parts.push(`speedup ${pct(change.speedupChangePct)} (${verdictWord(change.speedupVerdict)})`);
  return `vs baseline${change.mismatched ? ' (different setup)' : ''}: ${parts.join(' · ') || 'no figures to compare'}`;
}

/** `1.62× ± 0.04 on 2 workers, 3 min ago`: the CodeLens's last result. */
export function lastRunText(entry: HistoryEntry, now: number): string {
  const status = entry.status === 'completed' ? '' : ` (${entry.status})`;
  return `${speedupText(entry.speedup)} on ${entry.workers} ${entry.workers === 1 ? 'worker' : 'workers'}, ${relativeTime(entry.createdAt, now)}${status}`;
}
