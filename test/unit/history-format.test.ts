// The short texts of the CodeLens and the history list: speedup ± interval, how long ago, the change against the baseline.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { baselineChangeText, lastRunText, relativeTime, speedupText } from '../../src/shared/historyFormat';
import type { HistoryEntry } from '../../src/shared/history';

const NOW = Date.parse('2026-12-05T01:00:00Z');

describe('history texts', () => {
  test('speedup with half its 95 % interval; one pair says so; no serial run is not a number', () => {
    assert.equal(speedupText({ median: 1.62, low: 1.58, high: 1.66, n: 5 }), '1.62× ± 0.04');
    assert.equal(speedupText({ median: 1.62, low: 1.62, high: 1.62, n: 1 }), '1.62× (1 pair)');
    assert.equal(speedupText(undefined), 'no speedup (no serial run)');
  });

  test('how long ago', () => {
    assert.equal(relativeTime('2026-12-05T00:59:30Z', NOW), 'just now');
    assert.equal(relativeTime('2026-12-05T00:57:00Z', NOW), '3 min ago');
    assert.equal(relativeTime('2026-12-04T22:00:00Z', NOW), '3 h ago');
    assert.equal(relativeTime('2026-12-04T00:30:00Z', NOW), 'yesterday');
    assert.equal(relativeTime('2026-10-01T00:00:00Z', NOW), '2026-10-01');
  });

  test("the CodeLens's last run and its change: the verdict first, the speedup's change only when significant", () => {
    const entry: HistoryEntry = {
      id: 'r2', createdAt: '2026-12-05T00:57:00Z', status: 'completed', backend: 'threads', workers: 2, tasks: 4, parallelMs: 400,
      speedup: { median: 1.62, low: 1.58, high: 1.66, n: 5 }, fileName: 'r2.json', bytes: 100,
    };
    assert.equal(lastRunText(entry, NOW), '1.62× ± 0.04 on 2 workers, 3 min ago');
    const change = { baselineId: 'r1', verdict: 'slower' as const, verdictFigure: 'per-task CPU +101 %', parallelChangePct: 98.4, parallelVerdict: 'worse' as const, speedupChangePct: -1.2, speedupVerdict: 'not-significant' as const, mismatched: false };
    assert.equal(baselineChangeText(change, true), 'vs baseline: slower (per-task CPU +101 %, significant) · parallel wall +98 % (significant)');
    assert.equal(baselineChangeText(change), 'vs baseline: slower (per-task CPU +101 %, significant) · parallel wall +98 % (significant) · speedup −1.2 % (not significant)');
    assert.equal(
      baselineChangeText({ ...change, verdict: 'no-change', verdictFigure: undefined, parallelChangePct: 3, parallelVerdict: 'not-significant', mismatched: true }, true),
      'vs baseline (different setup): no significant change · parallel wall +3.0 % (not significant)',
    );
    assert.equal(lastRunText({ ...entry, status: 'cancelled', workers: 1 }, NOW), '1.62× ± 0.04 on 1 worker, 3 min ago (cancelled)');
  });
});
