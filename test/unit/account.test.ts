// The account of a parallel phase on constructed reports: the terms add up to the wall time, each lands where it belongs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accountFor, accountOfPhase } from '../../src/core/account';
import { accountLines } from '../../src/core/format';
import type { AccountSegmentKey, PhaseRun, RunAccount, TaskRecord, TaskStatus } from '../../src/shared/report';

interface TaskShape {
  index: number;
  lane: number;
  /** ms from the phase start */
  start: number;
  end: number;
  cpu?: number;
  wait?: number;
  status?: TaskStatus;
}

function task(phase: 'serial' | 'parallel', repeat: number, shape: TaskShape): TaskRecord {
  const record: TaskRecord = {
    index: shape.index,
    phase,
    repeat,
    argsPreview: String(shape.index),
    lane: shape.lane,
    pid: 100,
    threadId: shape.lane + 1,
    queuedUs: 0,
    startUs: shape.start * 1000,
    endUs: shape.end * 1000,
    durationMs: shape.end - shape.start,
    status: shape.status ?? 'ok',
    logs: [],
  };
  if (shape.cpu !== undefined) record.cpuMs = shape.cpu;
  if (shape.wait !== undefined) record.waitMs = shape.wait;
  return record;
}

function phase(kind: 'serial' | 'parallel', repeat: number, workers: number, wallMs: number): PhaseRun {
  return { phase: kind, repeat, workers, startUs: 0, endUs: wallMs * 1000, wallMs, lanes: [], status: 'completed' };
}

function ms(account: RunAccount, key: AccountSegmentKey): number {
  return account.segments.find((segment) => segment.key === key)!.ms;
}

function assertAddsUp(account: RunAccount): void {
  const total = account.segments.reduce((sum, segment) => sum + segment.ms, 0);
  assert.ok(Math.abs(total - account.parallelMs) < 0.0001, `segments add up to ${total} ms, the wall time is ${account.parallelMs} ms`);
  assert.ok(Math.abs(account.residualMs) < 0.0001);
}

// Serial: four tasks of 100 ms, 90 ms of CPU each, no wait.
const serialTasks = [0, 1, 2, 3].map((i) => task('serial', 0, { index: i, lane: 0, start: i * 100, end: i * 100 + 100, cpu: 90, wait: 0 }));
const serial = phase('serial', 0, 1, 400);

describe('the account of a parallel phase', () => {
  it('a perfect run is all work, with the ideal at ΣSᵢ/W', () => {
    const parallelTasks = [0, 1, 2, 3].map((i) => task('parallel', 0, { index: i, lane: i % 2, start: Math.floor(i / 2) * 100, end: Math.floor(i / 2) * 100 + 100, cpu: 90, wait: 0 }));
    const account = accountFor({ parallel: phase('parallel', 0, 2, 200), parallelTasks, serial, serialTasks, cores: 2 });
    assertAddsUp(account);
    assert.equal(account.idealMs, 200);
    assert.equal(ms(account, 'work'), 200);
    assert.ok(account.segments.filter((segment) => segment.key !== 'work').every((segment) => Math.abs(segment.ms) < 1e-9));
    assert.equal(account.largestLoss, undefined);
    assert.deepEqual(account.unavailable, []);
    assert.deepEqual(account.segments.filter((segment) => segment.notMeasured).map((segment) => segment.key), []);
  });

  it('splits the slowdown into contention, waiting for a CPU and blocked by each task’s figures', () => {
    // Each parallel task takes 160 ms: 130 of CPU (+40), 20 waiting (+20), 10 blocked (+0 → the rest).
    const parallelTasks = [0, 1, 2, 3].map((i) => task('parallel', 0, { index: i, lane: i % 2, start: Math.floor(i / 2) * 160 + 5, end: Math.floor(i / 2) * 160 + 165, cpu: 130, wait: 20 }));
    const account = accountFor({ parallel: phase('parallel', 0, 2, 330), parallelTasks, serial, serialTasks, cores: 2 });
    assertAddsUp(account);
    assert.equal(ms(account, 'contention'), (4 * 40) / 2);
    assert.equal(ms(account, 'cpu-wait'), (4 * 20) / 2);
    assert.equal(ms(account, 'blocked'), 0);
    assert.equal(ms(account, 'startup'), (5 + 5) / 2);
    assert.equal(ms(account, 'imbalance'), (5 + 5) / 2);
    assert.equal(account.largestLoss?.key, 'contention');
    assert.match(account.largestLoss!.advice, /^Contention costs 80\.0 ms: the tasks used 1\.44× the CPU in parallel than alone/);
  });

  it('puts start-up before the first task, gaps between tasks, and a lane that ran nothing into imbalance', () => {
    // 3 workers, but one lane never ran: it is idle for the whole 300 ms.
    const parallelTasks = [
      task('parallel', 0, { index: 0, lane: 0, start: 20, end: 120, cpu: 90, wait: 0 }),
      task('parallel', 0, { index: 1, lane: 0, start: 150, end: 250, cpu: 90, wait: 0 }),
      task('parallel', 0, { index: 2, lane: 1, start: 10, end: 110, cpu: 90, wait: 0 }),
      task('parallel', 0, { index: 3, lane: 1, start: 110, end: 210, cpu: 90, wait: 0 }),
    ];
    const account = accountFor({ parallel: phase('parallel', 0, 3, 300), parallelTasks, serial, serialTasks, cores: 4 });
    assertAddsUp(account);
    assert.equal(ms(account, 'startup'), (20 + 10) / 3);
    assert.equal(ms(account, 'dispatch'), 30 / 3);
    // Lane 0 idles 50 ms after its last task, lane 1 90 ms, lane 2 the whole 300 ms.
    assert.ok(Math.abs(ms(account, 'imbalance') - (50 + 90 + 300) / 3) < 1e-9);
    assert.equal(account.largestLoss?.key, 'imbalance');
  });

  it('counts failed and timed-out tasks as having no serial time, and says why', () => {
    const failedSerial = serialTasks.map((t) => (t.index === 3 ? { ...t, status: 'error' as const } : t));
    const parallelTasks = [
      task('parallel', 0, { index: 0, lane: 0, start: 0, end: 100, cpu: 90, wait: 0 }),
      task('parallel', 0, { index: 1, lane: 1, start: 0, end: 100, cpu: 90, wait: 0 }),
      task('parallel', 0, { index: 2, lane: 0, start: 100, end: 200, cpu: 90, wait: 0 }),
      // Stopped by the timeout after 500 ms; no CPU figures came back.
      task('parallel', 0, { index: 3, lane: 1, start: 100, end: 600, status: 'timeout' }),
    ];
    const account = accountFor({ parallel: phase('parallel', 0, 2, 620), parallelTasks, serial, serialTasks: failedSerial, cores: 2 });
    assertAddsUp(account);
    assert.equal(ms(account, 'unmatched'), 500 / 2);
    assert.equal(ms(account, 'work'), 300 / 2);
    assert.equal(account.largestLoss?.key, 'unmatched');
    assert.match(account.largestLoss!.advice, /^1 task failed or have no serial time/);
  });

  it('chains a replaced worker into the position of the one it replaced (W positions, not W + 1 lanes)', () => {
    const parallelTasks = [
      task('parallel', 0, { index: 0, lane: 0, start: 0, end: 100, cpu: 90, wait: 0 }),
      // Lane 1 timed out; lane 2 is its replacement, starting 30 ms later.
      task('parallel', 0, { index: 1, lane: 1, start: 0, end: 150, status: 'timeout' }),
      task('parallel', 0, { index: 2, lane: 0, start: 100, end: 200, cpu: 90, wait: 0 }),
      task('parallel', 0, { index: 3, lane: 2, start: 180, end: 280, cpu: 90, wait: 0 }),
    ];
    const account = accountFor({ parallel: phase('parallel', 0, 2, 280), parallelTasks, serial, serialTasks, cores: 2 });
    assertAddsUp(account);
    assert.equal(ms(account, 'startup'), 0);
    assert.equal(ms(account, 'dispatch'), 30 / 2);
    assert.equal(ms(account, 'imbalance'), 80 / 2);
  });

  it('keeps the slowdown as one term, and says so, where the platform gave no CPU figures', () => {
    const plainSerial = serialTasks.map(({ cpuMs: _cpu, waitMs: _wait, ...rest }) => rest);
    const parallelTasks = [0, 1, 2, 3].map((i) => task('parallel', 0, { index: i, lane: i % 2, start: Math.floor(i / 2) * 120, end: Math.floor(i / 2) * 120 + 120 }));
    const account = accountFor({ parallel: phase('parallel', 0, 2, 240), parallelTasks, serial, serialTasks: plainSerial, cores: 2 });
    assertAddsUp(account);
    assert.equal(ms(account, 'slowdown'), (4 * 20) / 2);
    assert.equal(ms(account, 'contention'), 0);
    // The JSON marks those zeros as not measured, so no reader takes them for figures.
    assert.deepEqual(account.segments.filter((segment) => segment.notMeasured).map((segment) => segment.key), ['contention', 'cpu-wait', 'blocked']);
    assert.match(account.unavailable[0], /^contention, waiting for a CPU and blocked for 4 tasks: per-task CPU and wait were not measured on this platform/);
  });

  it('without a serial run, says which terms cannot be computed, and still adds up', () => {
    const parallelTasks = [0, 1, 2, 3].map((i) => task('parallel', 0, { index: i, lane: i % 2, start: Math.floor(i / 2) * 100 + 3, end: Math.floor(i / 2) * 100 + 103, cpu: 90, wait: 0 }));
    const account = accountFor({ parallel: phase('parallel', 0, 2, 210), parallelTasks, cores: 2 });
    assertAddsUp(account);
    assert.equal(ms(account, 'work'), 0);
    assert.equal(ms(account, 'unmatched'), 200);
    assert.deepEqual(account.segments.filter((segment) => segment.notMeasured).map((segment) => segment.key), ['work', 'contention', 'cpu-wait', 'blocked', 'slowdown']);
    assert.match(account.unavailable[0], /^work, contention, waiting for a CPU and blocked: there is no serial run/);
  });

  it('shows a negative term when parallel tasks ran faster than alone (the serial run was slowed)', () => {
    const parallelTasks = [0, 1, 2, 3].map((i) => task('parallel', 0, { index: i, lane: i % 2, start: Math.floor(i / 2) * 80, end: Math.floor(i / 2) * 80 + 80, cpu: 75, wait: 0 }));
    const account = accountFor({ parallel: phase('parallel', 0, 2, 160), parallelTasks, serial, serialTasks, cores: 2 });
    assertAddsUp(account);
    assert.ok(ms(account, 'contention') < 0 && ms(account, 'blocked') < 0);
    // The printed block gives a gain one minus sign, the same in its time and its share.
    const contention = accountLines(account).find((line) => line.includes('contention (extra CPU)'));
    assert.match(contention ?? '', /\s−\d[\d.]* m?s\s+−\d+\.\d %$/);
  });

  it('accountOfPhase pairs a parallel phase with the serial phase of the same repeat, and a sweep’s with the one serial run', () => {
    const serial1 = phase('serial', 1, 1, 400);
    const tasks = [...serialTasks, ...serialTasks.map((t) => ({ ...t, repeat: 1, durationMs: 200, endUs: t.startUs! + 200_000 }))];
    const parallel1 = phase('parallel', 1, 2, 200);
    const parallelTasks = [0, 1, 2, 3].map((i) => task('parallel', 1, { index: i, lane: i % 2, start: Math.floor(i / 2) * 100, end: Math.floor(i / 2) * 100 + 100, cpu: 90, wait: 0 }));
    const account = accountOfPhase([serial, serial1, parallel1], [...tasks, ...parallelTasks], parallel1, 2);
    assert.equal(account.serialRepeat, 1);
    assert.equal(ms(account, 'work'), (4 * 200) / 2);
    assertAddsUp(account);
    const sweepPoint = phase('parallel', 5, 2, 200);
    const sweepTasks = parallelTasks.map((t) => ({ ...t, repeat: 5 }));
    const fromSweep = accountOfPhase([serial, sweepPoint], [...serialTasks, ...sweepTasks], sweepPoint, 2);
    assert.equal(fromSweep.serialRepeat, 0);
    assertAddsUp(fromSweep);
  });
});
