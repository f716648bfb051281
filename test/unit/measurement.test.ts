// The trustworthy speedup on constructed pairs: the interval, when to stop repeating, which pairs are left out, and every
// measurement warning code with its cause.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSummary, estimateSpeedup, nextPair, pairsOf, selectPairs, type Pair } from '../../src/core/run/summary';
import { measurementWarnings } from '../../src/core/run/warnings';
import { amdahlSpeedup, fitAmdahlSerialFraction, ratioInterval, tQuantile975 } from '../../src/core/stats';
import type { PhaseRun, RunReport, TaskRecord, WarningCode } from '../../src/shared/report';

function phase(kind: 'serial' | 'parallel', repeat: number, wallMs: number, workers = kind === 'serial' ? 1 : 2, otherCpuCores?: number): PhaseRun {
  const run: PhaseRun = { phase: kind, repeat, workers, startUs: 0, endUs: wallMs * 1000, wallMs, lanes: [], status: 'completed' };
  if (otherCpuCores !== undefined) run.otherCpuCores = otherCpuCores;
  return run;
}

/** Pairs from serial and parallel walls, repeat i for the i-th of each. */
function pairs(serialWalls: number[], parallelWalls: number[], others: { serial?: number[]; parallel?: number[] } = {}): { serial: PhaseRun[]; parallel: PhaseRun[] } {
  return {
    serial: serialWalls.map((wall, i) => phase('serial', i, wall, 1, others.serial?.[i])),
    parallel: parallelWalls.map((wall, i) => phase('parallel', i, wall, 2, others.parallel?.[i])),
  };
}

function tasksFor(run: PhaseRun, count: number, each: { ms: number; cpu?: number; wait?: number }): TaskRecord[] {
  return Array.from({ length: count }, (_, index) => ({
    index,
    phase: run.phase,
    repeat: run.repeat,
    argsPreview: String(index),
    lane: 0,
    pid: 1,
    threadId: 1,
    queuedUs: 0,
    startUs: 0,
    endUs: each.ms * 1000,
    durationMs: each.ms,
    status: 'ok' as const,
    logs: [],
    ...(each.cpu !== undefined ? { cpuMs: each.cpu, waitMs: each.wait ?? 0 } : {}),
  }));
}

function reportOf(serial: PhaseRun[], parallel: PhaseRun[], tasks: TaskRecord[], stoppedBy: 'precision' | 'budget' | 'long-tasks' = 'budget'): RunReport {
  const summary = buildSummary(4, serial, parallel, 2, [], stoppedBy);
  return {
    schemaVersion: 2,
    id: 'x',
    createdAt: '',
    tool: { name: 'parallel-runner', version: '0' },
    target: { file: '/w.ts', name: 'f', kind: 'function', line: 1, column: 1, params: [], isAsync: false },
    options: { backend: 'threads', workers: 2, compareWithSerial: true, warmupRuns: 0, repeats: 0, measureSeconds: 10, taskTimeoutSeconds: 0 },
    host: { pid: 1, platform: 'linux', arch: 'x64', nodeVersion: 'v20', cpuModel: 'cpu', cpuCount: 2 },
    clockOriginUs: 0,
    phases: [...serial, ...parallel],
    tasks,
    summary,
    warnings: [],
    status: 'completed',
  };
}

function codes(report: RunReport, serial: PhaseRun[], parallel: PhaseRun[], cores = 2): WarningCode[] {
  return measurementWarnings(report, serial, parallel, 2, cores).map((warning) => warning.code);
}

describe('the speedup interval', () => {
  it('t quantiles match the tables, and tend to 1.96', () => {
    assert.equal(tQuantile975(1), 12.706);
    assert.equal(tQuantile975(4), 2.776);
    assert.equal(tQuantile975(30), 2.042);
    assert.ok(tQuantile975(1000) > 1.96 && tQuantile975(1000) < 1.97);
  });

  it('is centred on the median, widens with the spread, narrows with n, and has none for one pair', () => {
    const tight = ratioInterval([1.9, 2.0, 2.1, 2.0, 1.95]);
    assert.equal(tight.median, 2.0);
    assert.ok(tight.low < 2 && tight.high > 2);
    const loose = ratioInterval([1.5, 2.0, 2.5, 2.0, 1.7]);
    assert.ok(loose.relativeHalfWidth > tight.relativeHalfWidth);
    const more = ratioInterval([1.9, 2.0, 2.1, 2.0, 1.95, 1.9, 2.0, 2.1, 2.0, 1.95]);
    assert.ok(more.relativeHalfWidth < tight.relativeHalfWidth);
    const one = ratioInterval([1.7]);
    assert.deepEqual([one.low, one.high, one.n], [1.7, 1.7, 1]);
    assert.equal(one.relativeHalfWidth, Infinity);
    // By hand: logs of 2 and 2.2, sd 0.0674, t(1) 12.706 → exp(±0.6055) around the median 2.1.
    const two = ratioInterval([2, 2.2]);
    assert.ok(Math.abs(two.low - 2.1 * Math.exp(-0.60553)) < 1e-3 && Math.abs(two.high - 2.1 * Math.exp(0.60553)) < 1e-3);
  });
});

describe('when a plain run stops repeating pairs', () => {
  const steady = (n: number) => pairs(Array(n).fill(1000), Array(n).fill(500));
  it('runs exactly the pairs asked for', () => {
    const { serial, parallel } = steady(2);
    assert.deepEqual(nextPair(pairsOf(serial, parallel), 3000, 1500, 10_000, 3), { more: true });
    const three = steady(3);
    assert.deepEqual(nextPair(pairsOf(three.serial, three.parallel), 4500, 1500, 10_000, 3), { more: false, stoppedBy: 'repeats' });
  });
  it('runs one pair when a pair does not fit three times in the budget, else at least two', () => {
    const one = steady(1);
    assert.deepEqual(nextPair(pairsOf(one.serial, one.parallel), 4000, 4000, 10_000, 0), { more: false, stoppedBy: 'long-tasks' });
    assert.deepEqual(nextPair(pairsOf(one.serial, one.parallel), 3000, 3000, 10_000, 0), { more: true });
  });
  it('stops once the interval is within ±5 %, and not before', () => {
    const same = pairs([1000, 1000, 1000], [500, 501, 499]);
    assert.deepEqual(nextPair(pairsOf(same.serial, same.parallel), 4500, 1500, 10_000, 0), { more: false, stoppedBy: 'precision' });
    const noisy = pairs([1000, 1000, 1000], [400, 600, 500]);
    assert.deepEqual(nextPair(pairsOf(noisy.serial, noisy.parallel), 4500, 1500, 10_000, 0), { more: true });
  });
  it('runs one pair when more would keep too many task records', () => {
    const one = steady(1);
    assert.deepEqual(nextPair(pairsOf(one.serial, one.parallel), 500, 500, 10_000, 0, 60_000), { more: false, stoppedBy: 'many-tasks' });
    assert.deepEqual(nextPair(pairsOf(one.serial, one.parallel), 500, 500, 10_000, 0, 1000), { more: true });
  });

  it('stops when one more pair would overrun the budget', () => {
    const noisy = pairs([1000, 1000, 1000], [400, 600, 500]);
    assert.deepEqual(nextPair(pairsOf(noisy.serial, noisy.parallel), 9000, 1500, 10_000, 0), { more: false, stoppedBy: 'budget' });
  });
});

describe('which pairs the speedup leaves out', () => {
  it('a first pair much slower than the rest (warm-up)', () => {
    const { serial, parallel } = pairs([1600, 1000, 1010, 990, 1000], [520, 500, 505, 495, 500]);
    const selection = selectPairs(pairsOf(serial, parallel));
    assert.equal(selection.warmUp?.repeat, 0);
    assert.equal(selection.used.length, 4);
    const estimate = estimateSpeedup(pairsOf(serial, parallel), 'precision')!;
    assert.deepEqual(estimate.excludedPairs, [0]);
    assert.ok(Math.abs(estimate.median - 2) < 0.03, `median ${estimate.median}`);
  });
  it('pairs disturbed by other programs, when two quiet ones remain; otherwise they stay, and the warning says so', () => {
    const disturbedSerial = pairs([1500, 1000, 1000, 1450], [500, 500, 505, 500], { serial: [1.8, 0.05, 0.02, 1.7] });
    const kept = selectPairs(pairsOf(disturbedSerial.serial, disturbedSerial.parallel));
    assert.deepEqual(kept.disturbed.map((pair: Pair) => pair.repeat), [0, 3]);
    assert.ok(Math.abs(estimateSpeedup(pairsOf(disturbedSerial.serial, disturbedSerial.parallel), 'budget')!.median - 2) < 0.02);
    const allBusy = pairs([1500, 1450], [500, 500], { serial: [1.8, 1.7] });
    const none = selectPairs(pairsOf(allBusy.serial, allBusy.parallel));
    assert.equal(none.disturbed.length, 0);
    assert.equal(none.disturbedKept.length, 2);
  });
});

describe('measurement warnings', () => {
  it('single-pair and imprecise', () => {
    const one = pairs([9000], [4500]);
    const single = reportOf(one.serial, one.parallel, [], 'long-tasks');
    assert.deepEqual(codes(single, one.serial, one.parallel), ['single-pair']);
    assert.equal(single.summary.speedupEstimate?.method, 'single');
    const noisy = pairs([1000, 1000, 1000], [400, 600, 500]);
    assert.ok(codes(reportOf(noisy.serial, noisy.parallel, [], 'budget'), noisy.serial, noisy.parallel).includes('imprecise'));
  });

  it('machine-busy names the phase and the cores other programs used', () => {
    const busy = pairs([1500, 1000, 1000], [500, 500, 500], { serial: [1.8, 0, 0] });
    const report = reportOf(busy.serial, busy.parallel, []);
    const warning = measurementWarnings(report, busy.serial, busy.parallel, 2, 2).find((w) => w.code === 'machine-busy')!;
    assert.match(warning.message, /^Other programs used 1\.80 cores during the serial run of pair 1, competing with the run for 2 cores\. The pair disturbed is left out of the speedup, which comes from 2 quiet pairs\.$/);
    assert.deepEqual([warning.phase, warning.repeat], ['serial', 0]);
  });

  it('contention: parallel tasks using ≥ 1.2× the CPU of the same tasks alone', () => {
    const { serial, parallel } = pairs([400], [260]);
    const tasks = [...tasksFor(serial[0], 4, { ms: 100, cpu: 95 }), ...tasksFor(parallel[0], 4, { ms: 130, cpu: 125 })];
    const report = reportOf(serial, parallel, tasks, 'long-tasks');
    const warning = measurementWarnings(report, serial, parallel, 2, 2).find((w) => w.code === 'contention');
    assert.match(warning?.message ?? '', /^The tasks used 1\.32× the CPU in parallel/);
    const calm = [...tasksFor(serial[0], 4, { ms: 100, cpu: 95 }), ...tasksFor(parallel[0], 4, { ms: 105, cpu: 100 })];
    assert.ok(!codes(reportOf(serial, parallel, calm, 'long-tasks'), serial, parallel).includes('contention'));
    // Sleeping tasks: 5× a few ms of CPU is noise beside their 100 ms each, not contention.
    const sleepers = [...tasksFor(serial[0], 4, { ms: 100, cpu: 1.1 }), ...tasksFor(parallel[0], 4, { ms: 100, cpu: 5.5 })];
    assert.ok(!codes(reportOf(serial, parallel, sleepers, 'long-tasks'), serial, parallel).includes('contention'));
  });

  it('above-cores: CPU-bound tasks with a disturbed serial run name the disturbance', () => {
    const { serial, parallel } = pairs([1300, 1300], [500, 500], { serial: [1.6, 1.6] });
    const tasks = [...tasksFor(serial[0], 4, { ms: 325, cpu: 240, wait: 80 }), ...tasksFor(serial[1], 4, { ms: 325, cpu: 240, wait: 80 }), ...tasksFor(parallel[1], 4, { ms: 250, cpu: 240 })];
    const report = reportOf(serial, parallel, tasks);
    const warning = measurementWarnings(report, serial, parallel, 2, 2).find((w) => w.code === 'above-cores')!;
    assert.match(warning.message, /^The speedup 2\.60× is above the 2× that 2 workers on 2 cores allow: the tasks are \d+ % CPU, so the serial run was slowed: other programs used up to 1\.60 cores during 2 serial runs; the serial tasks waited 320 ms for a CPU\.$/);
  });

  it('above-cores: tasks that mostly wait explain it themselves', () => {
    const { serial, parallel } = pairs([1000], [300], {});
    const tasks = [...tasksFor(serial[0], 4, { ms: 250, cpu: 5 }), ...tasksFor(parallel[0], 4, { ms: 250, cpu: 5 })];
    const warning = measurementWarnings(reportOf(serial, parallel, tasks, 'long-tasks'), serial, parallel, 2, 2).find((w) => w.code === 'above-cores')!;
    assert.match(warning.message, /the tasks spend only 2 % of their time on a CPU \(the rest sleeping or waiting on I\/O\), so workers overlap their waits beyond the core count\.$/);
  });

  it('no measurement warning on a quiet, precise run within the cores', () => {
    const { serial, parallel } = pairs([1000, 1000, 1000], [520, 521, 519]);
    const tasks = [...tasksFor(serial[2], 4, { ms: 250, cpu: 245 }), ...tasksFor(parallel[2], 4, { ms: 255, cpu: 250 })];
    assert.deepEqual(codes(reportOf(serial, parallel, tasks, 'precision'), serial, parallel), []);
  });
});

describe("Amdahl's law with the core limit", () => {
  it('reads 1, 2, 3 workers on 2 cores (1.06×, 1.94×, 1.86×) as nearly no serial work, not 20 %', () => {
    const points = [
      { workers: 1, speedup: 1.06 },
      { workers: 2, speedup: 1.94 },
      { workers: 3, speedup: 1.86 },
    ];
    assert.ok(fitAmdahlSerialFraction(points) > 0.15, 'without the core limit the cores read as a serial fraction');
    const limited = fitAmdahlSerialFraction(points, 2);
    assert.ok(limited < 0.08, `serial fraction with the core limit: ${limited}`);
    assert.equal(amdahlSpeedup(0, 8, 2), 2);
  });
});
