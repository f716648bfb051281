// The report's statistics: spread over repeats, outliers, a slow first run, and Amdahl's serial fraction from a sweep.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { amdahlSpeedup, fitAmdahlSerialFraction, greedyMakespan, iqrOutliers, isFirstRunSlow, madOutliers, median, quantile, spreadOf } from '../../src/core/stats';

const close = (actual: number, expected: number, tolerance: number) => assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`);

describe('spreadOf', () => {
  it('gives mean, sample standard deviation, min, max and median', () => {
    const spread = spreadOf([2, 4, 4, 4, 5, 5, 7, 9]);
    assert.equal(spread.mean, 5);
    close(spread.stddev, Math.sqrt(32 / 7), 1e-12);
    assert.deepEqual([spread.min, spread.max, spread.median, spread.n], [2, 9, 4.5, 8]);
  });

  it('has zero spread for a single repeat', () => {
    assert.deepEqual(spreadOf([120]), { mean: 120, stddev: 0, min: 120, max: 120, median: 120, n: 1 });
  });

  it('medians and quantiles interpolate like NumPy', () => {
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(quantile([1, 2, 3, 4], 0.25), 1.75);
  });
});

describe('outliers', () => {
  const walls = [101, 99, 100, 102, 98, 100, 180];

  it('MAD flags the run far from the others and nothing else', () => {
    assert.deepEqual(madOutliers(walls), [6]);
    assert.deepEqual(madOutliers([100, 101, 99, 100, 102]), []);
  });

  it('MAD still flags an odd run among identical ones', () => {
    assert.deepEqual(madOutliers([50, 50, 50, 50, 90]), [4]);
  });

  it("IQR (Tukey's fences) agrees on the same data", () => {
    assert.deepEqual(iqrOutliers(walls), [6]);
    assert.deepEqual(iqrOutliers([100, 101, 99, 100, 102]), []);
  });

  it('notices a first run much slower than the rest, and only then', () => {
    assert.equal(isFirstRunSlow([300, 101, 99, 100, 102]), true);
    assert.equal(isFirstRunSlow([103, 101, 99, 100, 102]), false);
    assert.equal(isFirstRunSlow([300, 100]), false, 'two runs are too few to judge');
  });
});

describe("Amdahl's law", () => {
  it('recovers a known serial fraction from exact speedups', () => {
    const points = [1, 2, 4, 8].map((workers) => ({ workers, speedup: amdahlSpeedup(0.2, workers) }));
    close(fitAmdahlSerialFraction(points), 0.2, 1e-9);
  });

  it('recovers it within a few points from noisy measurements', () => {
    const noise = [1.03, 0.97, 1.02, 0.98, 1.01];
    const points = [2, 3, 4, 6, 8].map((workers, i) => ({ workers, speedup: amdahlSpeedup(0.1, workers) * noise[i] }));
    close(fitAmdahlSerialFraction(points), 0.1, 0.03);
  });

  it('clamps to [0, 1] when measurements exceed the ideal or fall below serial', () => {
    assert.equal(fitAmdahlSerialFraction([{ workers: 2, speedup: 2.4 }]), 0);
    assert.equal(fitAmdahlSerialFraction([{ workers: 4, speedup: 0.5 }]), 1);
  });

  it('answers 1 when no point has more than one worker', () => {
    assert.equal(fitAmdahlSerialFraction([{ workers: 1, speedup: 1 }]), 1);
  });
});

describe('greedy makespan', () => {
  it('puts each task on the first free worker, in the order given', () => {
    assert.equal(greedyMakespan([100, 200, 300, 400, 500], 3), 700, 'the tutorial sleeps on 3 workers: 4 after 1, 5 after 2');
    assert.equal(greedyMakespan([500, 400, 300, 200, 100], 3), 500, 'longest first');
    assert.equal(greedyMakespan([100, 200, 300, 400, 500], 5), 500, 'a worker each: the longest task');
    assert.equal(greedyMakespan([5, 5], 8), 5, 'more workers than tasks');
    assert.equal(greedyMakespan([1, 2, 3], 1), 6, 'one worker: the sum');
  });
});
