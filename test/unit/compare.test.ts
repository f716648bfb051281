// Run comparison on constructed reports: Welch's test against known results, verdicts, mismatched runs, the CI gate and the text.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compareReports,
  compareSamples,
  comparisonText,
  formatChange,
  incompleteBeta,
  meanInterval,
  slowdownGate,
  studentTCdf,
  studentTQuantile,
  welchTest,
} from '../../src/core/compare';
import { makeComparableReport } from '../compare/reports';

// Welch's t-test examples from the Wikipedia article, checked with scipy.stats.ttest_ind(b, a, equal_var=False).
const WIKI_1_A = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
const WIKI_1_B = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
const WIKI_2_A = [17.2, 20.9, 22.6, 18.1, 21.7, 21.4, 23.5, 24.2, 14.7, 21.8];
const WIKI_2_B = [21.5, 22.8, 21.0, 23.0, 21.6, 23.6, 22.5, 20.7, 23.4, 21.8, 20.7, 21.7, 21.5, 22.5, 23.6, 21.5, 22.5, 23.5, 21.5, 21.8];

describe('Student t and Welch test', () => {
  test('the t distribution matches tabulated quantiles and scipy', () => {
    assert.ok(Math.abs(studentTQuantile(0.975, 10) - 2.228138851986274) < 1e-9);
    assert.ok(Math.abs(studentTQuantile(0.975, 1) - 12.706204736174694) < 1e-7);
    assert.ok(Math.abs(studentTQuantile(0.975, 24.9885) - 2.0595866) < 1e-6);
    assert.ok(Math.abs(studentTCdf(-2.5, 3.7) - 0.03591101145591339) < 1e-10);
    assert.ok(Math.abs(studentTCdf(0, 5) - 0.5) < 1e-15);
    assert.ok(Math.abs(incompleteBeta(0.5, 2, 2) - 0.5) < 1e-14);
  });

  test("Welch's t, df and p match scipy on two textbook samples", () => {
    const one = welchTest(WIKI_1_A, WIKI_1_B);
    assert.ok(one);
    assert.ok(Math.abs(one.t - 2.455356398286006) < 1e-9, `t ${one.t}`);
    assert.ok(Math.abs(one.df - 24.988529290231416) < 1e-9, `df ${one.df}`);
    assert.ok(Math.abs(one.p - 0.021378001462866992) < 1e-9, `p ${one.p}`);
    assert.ok(one.low > 0, 'the 95 % interval of a p = 0.02 difference excludes 0');
    const two = welchTest(WIKI_2_A, WIKI_2_B);
    assert.ok(two);
    assert.ok(Math.abs(two.t - 1.5654335235985037) < 1e-9);
    assert.ok(Math.abs(two.df - 9.904741248650831) < 1e-9);
    assert.ok(Math.abs(two.p - 0.14884169660532817) < 1e-9);
    assert.ok(two.low < 0 && two.high > 0, 'the interval of a p = 0.15 difference contains 0');
  });

  test('one value on a side cannot be tested; equal constant samples differ by nothing', () => {
    assert.equal(welchTest([1], [2, 3]), undefined);
    assert.equal(welchTest([5, 5, 5], [5, 5])?.p, 1);
    assert.equal(welchTest([5, 5, 5], [6, 6])?.p, 0);
    const interval = meanInterval([10, 12, 14]);
    // mean 12, s = 2, t(0.975, 2) = 4.302652729911275: 12 ± 4.9683
    assert.ok(Math.abs(interval.high - (12 + (4.302652729911275 * 2) / Math.sqrt(3))) < 1e-9);
    assert.deepEqual(meanInterval([7]), { value: 7, low: 7, high: 7, n: 1 });
  });
});

describe('compareReports', () => {
  test('a function doing twice the work: walls and task median significantly slower, speedup unchanged', () => {
    const baseline = makeComparableReport({ taskMs: 50, seed: 1 });
    const current = makeComparableReport({ taskMs: 100, seed: 2 });
    const comparison = compareReports(baseline, current);
    assert.deepEqual(comparison.differences, []);
    assert.equal(comparison.baseline.id, baseline.id);
    assert.equal(comparison.current.id, current.id);
    const byKey = new Map(comparison.metrics.map((metric) => [metric.key, metric]));
    for (const key of ['serial-wall', 'parallel-wall', 'task-median'] as const) {
      const metric = byKey.get(key);
      assert.equal(metric?.verdict, 'worse', `${key}: ${JSON.stringify(metric)}`);
      assert.ok(metric.changePct !== undefined && metric.changePct > 80 && metric.changePct < 120, `${key} change ${metric.changePct}`);
      assert.ok(metric.pValue !== undefined && metric.pValue < 0.001);
      assert.ok(metric.changeLowPct !== undefined && metric.changeLowPct > 50);
    }
    assert.equal(byKey.get('speedup')?.verdict, 'not-significant');
    assert.ok(byKey.has('segment:work') && byKey.has('segment:dispatch'), 'the account segments are compared');
    assert.equal(byKey.get('segment:work')?.verdict, 'worse');
    assert.match(formatChange(byKey.get('parallel-wall')!), /^\+\d+ % \[\+\d+ %, \+\d+ %\] · slower, significant \(p < 0\.001\)$/);
    assert.equal(comparison.verdict.kind, 'slower');
    assert.match(comparison.verdict.text, /^Slower than the baseline, significantly: serial wall \+\d+ %, parallel wall \+\d+ %, per-task median \+\d+ %\. Not significant: speedup [+−][\d.]+ %\.$/);
  });

  test('the same function run twice with noise: nothing is significant and the gate passes', () => {
    const baseline = makeComparableReport({ taskMs: 50, seed: 3, noise: 0.08 });
    const current = makeComparableReport({ taskMs: 50, seed: 4, noise: 0.08 });
    const comparison = compareReports(baseline, current);
    for (const metric of comparison.metrics.filter((m) => !m.key.startsWith('segment:'))) {
      assert.equal(metric.verdict, 'not-significant', `${metric.key}: ${JSON.stringify(metric)}`);
      assert.match(formatChange(metric), /not significant/);
    }
    assert.equal(slowdownGate(comparison, 10).failed, false);
    assert.equal(comparison.verdict.kind, 'no-change');
    assert.match(comparison.verdict.text, /^No significant change from the baseline \(speedup/);
  });

  test('overlapping intervals are not significant even when p < 0.05', () => {
    const spec = { key: 'serial-wall', label: 'Serial wall', unit: 'ms', betterWhen: 'lower', logScale: false } as const;
    // Means 104 and 109, s = 3.16 each: t = 2.5, df = 8, p = 0.037, yet the 95 % intervals [100.1, 107.9] and [105.1, 112.9] overlap.
    const overlapping = compareSamples(spec, [100, 102, 104, 106, 108], [105, 107, 109, 111, 113]);
    assert.ok(overlapping.pValue !== undefined && overlapping.pValue < 0.05 && overlapping.pValue > 0.03, `p ${overlapping.pValue}`);
    assert.ok(overlapping.current && overlapping.baseline && overlapping.current.low < overlapping.baseline.high);
    assert.equal(overlapping.verdict, 'not-significant');
    const apart = compareSamples(spec, [100, 102, 104, 106, 108], [108, 110, 112, 114, 116]);
    assert.equal(apart.verdict, 'worse');
    assert.equal(compareSamples(spec, [108, 110, 112, 114, 116], [100, 102, 104, 106, 108]).verdict, 'better');
  });

  test('one pair per run: the change is untestable, never significant, and the gate does not fail on it', () => {
    const baseline = makeComparableReport({ taskMs: 50, seed: 7, pairs: 1 });
    const current = makeComparableReport({ taskMs: 100, seed: 8, pairs: 1 });
    const comparison = compareReports(baseline, current);
    const wall = comparison.metrics.find((metric) => metric.key === 'parallel-wall');
    assert.equal(wall?.verdict, 'untestable');
    assert.match(wall?.note ?? '', /One sample/);
    const gate = slowdownGate(comparison, 10);
    assert.equal(gate.failed, false);
    assert.match(gate.notes.join('\n'), /untestable/);
    assert.equal(comparison.verdict.kind, 'untestable');
  });

  test('the gate fails on a significant 2x slowdown and names the metric; a 5 % threshold vs a 2 % change passes', () => {
    const comparison = compareReports(makeComparableReport({ taskMs: 50, seed: 9 }), makeComparableReport({ taskMs: 100, seed: 10 }));
    const gate = slowdownGate(comparison, 10);
    assert.equal(gate.failed, true);
    assert.match(gate.reasons.join('\n'), /Parallel wall is \d+\.\d % worse than the baseline \(more than 10 %, significant/);
    const small = compareReports(makeComparableReport({ taskMs: 50, seed: 11, noise: 0.001 }), makeComparableReport({ taskMs: 51, seed: 12, noise: 0.001 }));
    assert.equal(small.metrics.find((m) => m.key === 'parallel-wall')?.verdict, 'worse', 'a clean 2 % shift is significant');
    assert.equal(slowdownGate(small, 5).failed, false, 'but not more than 5 %');
  });

  test('a lower speedup (same serial, slower parallel) is worse; the gate fails on the speedup too', () => {
    const baseline = makeComparableReport({ taskMs: 50, seed: 13 });
    const current = makeComparableReport({ taskMs: 50, seed: 14, parallelFactor: 2 });
    const comparison = compareReports(baseline, current);
    const speedup = comparison.metrics.find((metric) => metric.key === 'speedup');
    assert.equal(speedup?.verdict, 'worse');
    assert.ok(speedup.changePct !== undefined && speedup.changePct < -40);
    assert.equal(slowdownGate(comparison, 10).failed, true);
    assert.match(slowdownGate(comparison, 10).reasons.join('\n'), /Speedup is/);
  });

  test('a busy machine: a wall slowdown with the same CPU time is the load, noted, not failed; with twice the CPU it fails', () => {
    const quiet = makeComparableReport({ taskMs: 50, seed: 30, cpuMs: 48, otherCpuCores: 0.05 });
    const loaded = makeComparableReport({ taskMs: 50, seed: 31, cpuMs: 48, otherCpuCores: 1.6, loadFactor: 1.8 });
    const comparison = compareReports(quiet, loaded);
    const byKey = new Map(comparison.metrics.map((metric) => [metric.key, metric]));
    assert.equal(byKey.get('parallel-wall')?.verdict, 'worse', 'within the runs the walls differ for real');
    assert.equal(byKey.get('task-cpu')?.verdict, 'not-significant');
    assert.equal(byKey.get('machine-load')?.verdict, 'worse');
    assert.match(comparison.differences.find((d) => d.kind === 'load')?.message ?? '', /other programs used 0\.05 cores during the baseline and 1\.60 cores during this run \(of 2\)/);
    const gate = slowdownGate(comparison, 10);
    assert.equal(gate.failed, false);
    assert.match(gate.notes.join('\n'), /Parallel wall is \d+\.\d % worse .* the machine was busy and the tasks' CPU time is unchanged/);

    // Twice the CPU on a busy machine fails even when the load hides it in the walls (baseline loaded, this run quiet).
    const loadedBase = makeComparableReport({ taskMs: 50, seed: 34, cpuMs: 48, otherCpuCores: 1.6, loadFactor: 2 });
    const hidden = compareReports(loadedBase, makeComparableReport({ taskMs: 100, seed: 35, cpuMs: 96, otherCpuCores: 0.3 }));
    assert.equal(hidden.metrics.find((m) => m.key === 'parallel-wall')?.verdict, 'not-significant');
    const hiddenGate = slowdownGate(hidden, 10);
    assert.equal(hiddenGate.failed, true);
    assert.match(hiddenGate.reasons.join('\n'), /^Per-task CPU is \d+\.\d % worse than the baseline \(more than 10 %, significant: p < 0\.001\)\. Other programs used 1\.60 and 0\.30 cores/);
    assert.equal(slowdownGate(hidden, 150).failed, false, 'but not by more than 150 %');

    const doubled = makeComparableReport({ taskMs: 100, seed: 32, cpuMs: 96, otherCpuCores: 1.6, loadFactor: 1.8 });
    const real = compareReports(quiet, doubled);
    assert.equal(real.metrics.find((m) => m.key === 'task-cpu')?.verdict, 'worse');
    assert.equal(slowdownGate(real, 10).failed, true);
    assert.equal(compareReports(doubled, quiet).verdict.kind, 'faster', 'the other way round it is faster');
    // On a quiet machine a wall slowdown fails without CPU figures to back it (a lock or I/O costs wall, not CPU).
    const blocked = compareReports(quiet, makeComparableReport({ taskMs: 100, seed: 33, cpuMs: 48, otherCpuCores: 0.05 }));
    assert.equal(slowdownGate(blocked, 10).failed, true);
  });

  test('a report without a serial run: the speedup is unavailable, not a zero', () => {
    const comparison = compareReports(makeComparableReport({ taskMs: 50, seed: 15 }), makeComparableReport({ taskMs: 50, seed: 16, withSerial: false }));
    const speedup = comparison.metrics.find((metric) => metric.key === 'speedup');
    assert.equal(speedup?.verdict, 'unavailable');
    assert.equal(speedup.current, undefined);
    assert.match(speedup.note ?? '', /This run has no speedup figure/);
    assert.ok(comparison.differences.some((difference) => difference.kind === 'options'));
  });

  test('mismatched runs: each difference other than the code is stated', () => {
    const baseline = makeComparableReport({ taskMs: 50, seed: 17 });
    const other = makeComparableReport({ taskMs: 50, seed: 18, workers: 4, backend: 'processes', tasks: 12 });
    other.host = { ...other.host, cpuModel: 'AMD EPYC 7B13', cpuCount: 8, nodeVersion: 'v22.1.0', osRelease: 'Darwin 23.4.0', pythonVersion: '3.12.1' };
    baseline.host = { ...baseline.host, osRelease: 'Linux 6.1.0', pythonVersion: '3.11.2' };
    const differences = compareReports(baseline, other).differences;
    const kinds = differences.map((difference) => difference.kind).sort();
    assert.deepEqual(kinds, ['backend', 'inputs', 'machine', 'workers']);
    const machine = differences.find((difference) => difference.kind === 'machine')?.message ?? '';
    for (const part of ['CPU Intel', 'AMD EPYC 7B13', 'cores 2 vs 8', 'Node v20', 'v22.1.0', 'OS Linux 6.1.0 vs Darwin 23.4.0', 'Python 3.11.2 vs 3.12.1']) assert.ok(machine.includes(part), `${part} in ${machine}`);
    const sameCount = makeComparableReport({ taskMs: 50, seed: 19 });
    sameCount.tasks.filter((task) => task.index === 2).forEach((task) => (task.argsPreview = '[999]'));
    assert.match(compareReports(baseline, sameCount).differences[0]?.message ?? '', /task 2 had \[2\] in the baseline, \[999\] now/);
    // An older report that recorded no OS release or Python version is not called a different machine for that.
    const older = makeComparableReport({ taskMs: 50, seed: 20 });
    assert.deepEqual(compareReports(baseline, older).differences, []);
  });

  test('the text form states differences first and never a bare percentage', () => {
    const baseline = makeComparableReport({ taskMs: 50, seed: 21 });
    const current = makeComparableReport({ taskMs: 100, seed: 22, workers: 3 });
    const text = comparisonText(compareReports(baseline, current)).join('\n');
    assert.match(text, /differ in more than the code[\s\S]*Different worker counts: 2 in the baseline, 3 now/);
    for (const line of text.split('\n').filter((l) => /%/.test(l) && !/Welch/.test(l))) {
      assert.match(line, /significant|untestable|unavailable/, `bare percentage in: ${line}`);
    }
    assert.match(text, /Parallel wall\s+\d+ ms \[\d+ ms–\d+ ms\] n 6\s+\d+ ms \[/);
  });
});
