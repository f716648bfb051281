// The Engine end to end: a real file, located, bundled and run serially and in parallel on real pools.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { UserError } from '../../src/core/api';
import { Engine } from '../../src/core/engine';
import type { RunEvent } from '../../src/shared/events';
import { BUSY_MIN_WALL_MS, BUSY_OTHER_CORES } from '../../src/shared/disturbance';
import type { TaskRecord } from '../../src/shared/report';

const ROOT = path.resolve(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'engine');
const WORKLOAD = path.join(FIXTURES, 'workload.ts');
const cacheDir = mkdtempSync(path.join(tmpdir(), 'parallel-runner-engine-'));
const engine = new Engine({ distDir: DIST, cacheDir, idleTimeoutMs: 30_000 });

after(async () => {
  await engine.dispose();
  rmSync(cacheDir, { recursive: true, force: true });
});

function tasksOf(tasks: TaskRecord[], phase: 'serial' | 'parallel', repeat = 0): TaskRecord[] {
  return tasks.filter((task) => task.phase === phase && task.repeat === repeat).sort((a, b) => a.index - b.index);
}

describe('Engine.run', () => {
  it('runs the tutorial workload serially and on 2 threads: ordered results, lanes, speedup > 1.3, events in order', async () => {
    const events: RunEvent[] = [];
    const { report, results } = await engine.run(
      { file: WORKLOAD, target: { name: 'longTimeTask' }, inputs: '[[0, 200], [1, 100], [2, 150], [3, 120]]', options: { backend: 'threads', workers: 2 } },
      { onEvent: (event) => events.push(event) },
    );
    assert.equal(report.status, 'completed');
    assert.deepEqual(
      results.map((value) => (value as { i: number }).i),
      [0, 1, 2, 3],
    );
    assert.deepEqual(
      report.phases.map((run) => [run.phase, run.workers, run.lanes.length]),
      [
        ['serial', 1, 1],
        ['parallel', 2, 2],
      ],
    );
    const parallel = tasksOf(report.tasks, 'parallel');
    assert.equal(parallel.length, 4);
    assert.ok(parallel.every((task) => task.pid === process.pid && task.threadId > 0 && task.lane >= 0 && task.lane < 2));
    assert.deepEqual(
      parallel.map((task) => task.logs[0].text),
      parallel.map((task) => `Child process: ${task.pid} - Task: ${task.index}`),
    );
    assert.deepEqual(
      parallel.map((task) => task.argsPreview),
      ['0, 200', '1, 100', '2, 150', '3, 120'],
    );
    assert.match(parallel[0].resultPreview ?? '', /^\{ i: 0, pid: \d+, threadId: \d+ \}$/);
    // Times are relative to the report's clock origin and fall inside their phase.
    const parallelRun = report.phases[1];
    assert.ok(parallel.every((task) => task.startUs! >= parallelRun.startUs && task.endUs! <= parallelRun.endUs && task.durationMs! >= 95));
    assert.ok(report.summary.speedup! > 1.3, `speedup ${report.summary.speedup}`);
    assert.equal(report.summary.efficiency, report.summary.speedup! / 2);
    // The ideal: the longer of the longest serial task and the serial tasks' total ÷ workers; in input order on 2
    // threads (200 | 100, 150, then 120 on the first free) the run cannot reach it.
    const serialDurations = tasksOf(report.tasks, 'serial').map((task) => task.durationMs!);
    const ideal = Math.max(...serialDurations, serialDurations.reduce((sum, ms) => sum + ms, 0) / 2);
    assert.ok(Math.abs(report.summary.idealParallelMs! - ideal) < 1e-9, `ideal ${report.summary.idealParallelMs} ms, expected ${ideal}`);
    assert.ok(report.summary.idealParallelMs! < report.summary.parallelMs, `ideal ${report.summary.idealParallelMs} ms, parallel ${report.summary.parallelMs} ms`);
    assert.equal(report.summary.failedTasks, 0);
    const busy = parallelRun.lanes.reduce((sum, lane) => sum + lane.busyMs, 0);
    assert.ok(Math.abs(busy - parallel.reduce((sum, task) => sum + task.durationMs!, 0)) < 1e-6);

    assert.equal(events[0].type, 'run-started');
    assert.equal(events.at(-1)?.type, 'run-finished');
    const seen = new Map<string, string[]>();
    for (const event of events) {
      if (event.type === 'task-queued' || event.type === 'task-started') {
        const key = `${event.phase}/${event.index}`;
        seen.set(key, [...(seen.get(key) ?? []), event.type]);
      } else if (event.type === 'task-finished') {
        const key = `${event.task.phase}/${event.task.index}`;
        seen.set(key, [...(seen.get(key) ?? []), event.type]);
      }
    }
    assert.equal(seen.size, 8);
    for (const [key, order] of seen) assert.deepEqual(order, ['task-queued', 'task-started', 'task-finished'], key);
  });

  it('runs on child processes: several PIDs, none of them the host', async () => {
    const { report } = await engine.run({
      file: WORKLOAD,
      target: { name: 'longTimeTask' },
      inputs: [
        [0, 80],
        [1, 80],
        [2, 80],
      ],
      options: { backend: 'processes', workers: 2, compareWithSerial: false },
    });
    assert.deepEqual(
      report.phases.map((run) => run.phase),
      ['parallel'],
    );
    const pids = new Set(report.tasks.map((task) => task.pid));
    assert.equal(pids.size, 2);
    assert.ok(!pids.has(process.pid));
    assert.equal(report.summary.speedup, undefined);
  });

  it("runs a class with run() per task, as the tutorial's Process subclass", async () => {
    const { results } = await engine.run({ file: WORKLOAD, target: { name: 'MyProcess' }, inputs: '[[1], [2]]', options: { workers: 2, compareWithSerial: false } });
    assert.deepEqual(results, ['ran 1', 'ran 2']);
  });

  it("reports a task's error at the user's file and line, and keeps the others", async () => {
    const { report, results } = await engine.run({ file: WORKLOAD, target: { name: 'failingTask' }, inputs: '[[1], [2], [3]]', options: { workers: 2, compareWithSerial: false } });
    assert.equal(report.status, 'completed');
    assert.deepEqual(results, [1, undefined, 3]);
    const failed = report.tasks.find((task) => task.status === 'error');
    const line = readFileSync(WORKLOAD, 'utf8').split('\n').findIndex((text) => text.includes('throw new RangeError')) + 1;
    assert.deepEqual(failed?.error?.location && [failed.error.location.file, failed.error.location.line], [WORKLOAD, line]);
    assert.equal(report.summary.failedTasks, 1);
  });

  it('times out a stuck task, keeping the rest, and says so', async () => {
    const { report, results } = await engine.run({
      file: WORKLOAD,
      target: { name: 'hangingTask' },
      inputs: '[[0, 60], [1], [2, 60]]',
      options: { workers: 2, compareWithSerial: false, taskTimeoutSeconds: 0.5 },
    });
    assert.deepEqual(
      report.tasks.map((task) => task.status),
      ['ok', 'timeout', 'ok'],
    );
    assert.deepEqual(results, [0, undefined, 2]);
    assert.ok(report.warnings.map((w) => w.message).some((warning) => /timeout/.test(warning)));
  });

  it('marks a run whose module cannot load as failed, with the reason', async () => {
    const { report } = await engine.run({ file: path.join(FIXTURES, 'topLevelThrow.ts'), target: { name: 'neverRuns' }, inputs: '[[1], [2]]', options: { workers: 2 } });
    assert.equal(report.status, 'failed');
    assert.match(report.failure ?? '', /the module refuses to load/);
  });

  it('a new engine on the same cache folder reuses the located target from disk; an unreadable entry is located again', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'parallel-runner-located-'));
    const request = { file: WORKLOAD, target: { name: 'tinyTask' }, inputs: '[[3]]', options: { backend: 'threads' as const, workers: 1, compareWithSerial: false } };
    const first = new Engine({ distDir: DIST, cacheDir: folder, idleTimeoutMs: 30_000 });
    const second = new Engine({ distDir: DIST, cacheDir: folder, idleTimeoutMs: 30_000 });
    const third = new Engine({ distDir: DIST, cacheDir: folder, idleTimeoutMs: 30_000 });
    try {
      const fresh = await first.run(request);
      const entries = readdirSync(path.join(folder, 'located')).filter((name) => name.endsWith('.json'));
      assert.equal(entries.length, 1, 'the located target is kept beside the bundles');
      const reused = await second.run(request);
      assert.deepEqual(reused.report.target, fresh.report.target);
      assert.deepEqual(reused.results, [9]);
      writeFileSync(path.join(folder, 'located', entries[0]), '{ not json');
      const relocated = await third.run(request);
      assert.deepEqual(relocated.report.target, fresh.report.target);
      assert.deepEqual(relocated.results, [9]);
    } finally {
      await Promise.all([first.dispose(), second.dispose(), third.dispose()]);
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('throws UserError for an unknown target or bad inputs, before any worker runs', async () => {
    await assert.rejects(engine.run({ file: WORKLOAD, target: { name: 'noSuchFunction' }, inputs: '[[1]]' }), UserError);
    await assert.rejects(engine.run({ file: WORKLOAD, target: { name: 'tinyTask' }, inputs: '[[1], 2' }), UserError);
    await assert.rejects(engine.run({ file: WORKLOAD, target: { name: 'tinyTask' }, inputs: '[[1]]', options: { workers: 0 } }), UserError);
  });

  it('cancels: finished tasks kept, the rest cancelled, and a second run right after works', async () => {
    const controller = new AbortController();
    const { report } = await engine.run(
      { file: WORKLOAD, target: { name: 'longTimeTask' }, inputs: [0, 1, 2, 3, 4, 5].map((i) => [i, 150]), options: { workers: 2, compareWithSerial: false } },
      {
        signal: controller.signal,
        onEvent: (event) => {
          if (event.type === 'task-finished') controller.abort();
        },
      },
    );
    assert.equal(report.status, 'cancelled');
    assert.equal(report.phases[0].status, 'cancelled');
    const statuses = report.tasks.map((task) => task.status);
    assert.ok(statuses.includes('ok') && statuses.includes('cancelled'), statuses.join());
    assert.ok(report.tasks.filter((task) => task.status === 'cancelled' && task.startUs === undefined).every((task) => task.lane === -1));
    const next = await engine.run({ file: WORKLOAD, target: { name: 'tinyTask' }, inputs: '[[2], [3]]', options: { workers: 2, compareWithSerial: false } });
    assert.equal(next.report.status, 'completed');
    assert.deepEqual(next.results, [4, 9]);
  });

  it('repeats phases and reports their spread; warns when tasks are fewer than workers', async () => {
    const { report } = await engine.run({ file: WORKLOAD, target: { name: 'longTimeTask' }, inputs: '[[0, 60]]', options: { workers: 2, repeats: 3, warmupRuns: 1 } });
    assert.equal(report.phases.length, 6, 'warm-ups leave no phase in the report');
    // The spreads describe the pairs the speedup comes from: all 3, or 2 when the first stood apart as warm-up.
    const estimate = report.summary.speedupEstimate!;
    assert.equal(estimate.n + estimate.excludedPairs.length, 3);
    assert.equal(report.summary.parallelSpread?.n, estimate.n);
    assert.equal(report.summary.serialSpread?.n, estimate.n);
    if (estimate.excludedPairs.length > 0) assert.ok(report.warnings.some((w) => w.code === 'warm-up'));
    assert.equal(report.tasks.length, 6);
    assert.ok(report.warnings.map((w) => w.message).some((warning) => /^Only 1 task for 2 workers: at most 1 can be busy at once, so 1 started\.$/.test(warning)), report.warnings.map((w) => w.message).join('\n'));
    // Workers beyond the tasks are not started at all.
    assert.ok(report.phases.every((run) => run.workers === 1 && run.lanes.length === 1));
  });

  it('repeats interleaved pairs until the interval is tight or the budget is spent, each with its account, and reports n and the interval', async () => {
    const started = Date.now();
    const { report } = await engine.run({
      file: WORKLOAD,
      target: { name: 'longTimeTask' },
      inputs: [0, 1, 2, 3].map((i) => [i, 80]),
      options: { backend: 'threads', workers: 2, repeats: 0, measureSeconds: 4 },
    });
    const estimate = report.summary.speedupEstimate!;
    assert.ok(estimate.n >= 2, `pairs: ${estimate.n}`);
    assert.ok(['precision', 'budget'].includes(estimate.stoppedBy), estimate.stoppedBy);
    assert.ok(Date.now() - started < 4000 + 3000, 'the budget bounds the run');
    // Interleaved: serial, parallel, serial, parallel…, every pair in the report.
    assert.deepEqual(
      report.phases.map((run) => `${run.phase[0]}${run.repeat}`),
      report.phases.map((_, i) => `${i % 2 === 0 ? 's' : 'p'}${i >> 1}`),
    );
    assert.ok(estimate.low <= estimate.median && estimate.median <= estimate.high);
    assert.equal(report.summary.speedup, estimate.median);
    // Sleeping tasks: two workers halve the time, whatever the interval.
    assert.ok(estimate.median > 1.6 && estimate.median < 2.2, `median ${estimate.median}`);
    for (const run of report.phases.filter((phase) => phase.phase === 'parallel')) {
      const account = run.account!;
      const sum = account.segments.reduce((total, segment) => total + segment.ms, 0);
      assert.ok(Math.abs(sum - run.wallMs) <= run.wallMs * 0.01, `pair ${run.repeat}: the terms add up to ${sum} ms, the wall time is ${run.wallMs} ms`);
    }
    assert.equal(report.summary.account, report.phases.filter((phase) => phase.phase === 'parallel').at(-1)!.account);
    if (process.platform === 'linux') {
      assert.deepEqual([report.measurement?.taskCpu, report.measurement?.machineCpu], ['schedstat', 'proc-stat']);
      // A sleeping task is blocked, not on a CPU: CPU a few ms at most, the rest of its time blocked.
      assert.ok(report.tasks.every((task) => task.cpuMs! < 20 && task.durationMs! - task.cpuMs! - task.waitMs! > 60), JSON.stringify(report.tasks.map((t) => [t.durationMs, t.cpuMs, t.waitMs])));
      assert.ok(report.phases.every((run) => run.otherCpuCores! >= 0 && run.ownCpuCores! >= 0));
    }
  });

  it('sees another program busy on both cores during the first pairs, leaves those pairs out or says the speedup includes them', { skip: process.platform !== 'linux' }, async () => {
    // Two threads spinning in a process of their own ("another program" as the run sees it), from before the run starts
    // until the first pair has ended; the pairs after it run without them. Started through a shell that exits at once,
    // so the spinner is not a descendant of this process (the run counts its own process tree as its own).
    const spinner = "const { Worker } = require('node:worker_threads'); new Worker('for (;;);', { eval: true }); new Worker('for (;;);', { eval: true }); setTimeout(() => console.log('spinning ' + process.pid), 100);";
    const shell = spawn('sh', ['-c', `"${process.execPath}" -e "${spinner}" &`]);
    const busyPid = await new Promise<number>((resolve) => shell.stdout.on('data', (data: Buffer) => /spinning (\d+)/.test(String(data)) && resolve(Number(/spinning (\d+)/.exec(String(data))![1]))));
    const busy = { kill: () => process.kill(busyPid, 'SIGKILL') };
    try {
      const { report } = await engine.run(
        {
          file: path.join(FIXTURES, 'contention.ts'),
          target: { name: 'compute' },
          inputs: Array.from({ length: 4 }, () => [6_000_000]),
          options: { backend: 'threads', workers: 2, repeats: 0, measureSeconds: 8 },
        },
        {
          onEvent: (event) => {
            if (event.type === 'phase-finished' && event.phase.phase === 'parallel') {
              try {
                busy.kill();
              } catch {
                // Already gone.
              }
            }
          },
        },
      );
      const first = report.phases[0];
      assert.ok(first.otherCpuCores! >= 0.8, `other programs' CPU during the first serial run: ${first.otherCpuCores} cores`);
      const warning = report.warnings.find((w) => w.code === 'machine-busy');
      assert.ok(warning, report.warnings.map((w) => `${w.code}: ${w.message}`).join('\n'));
      assert.match(warning.message, /^Other programs used [\d.]+ cores during the (serial|parallel) run( of pair \d+)?/);
      const estimate = report.summary.speedupEstimate!;
      // Either the disturbed pairs are out of the figure, or the warning says plainly that they are in it.
      const disturbed = report.phases.filter((run) => run.otherCpuCores! >= 0.25 && run.wallMs >= 400).map((run) => run.repeat);
      if (estimate.excludedPairs.length > 0) assert.ok(estimate.excludedPairs.every((repeat) => disturbed.includes(repeat) || repeat === 0));
      else assert.match(warning.message, /the speedup includes them/);
    } finally {
      try {
        busy.kill();
      } catch {
        // Ended after the first pair.
      }
    }
  });

  it('names contention as the loss of tasks that spin on a lock they share, from their CPU in parallel against alone', async () => {
    const lock = new SharedArrayBuffer(4);
    const { report } = await engine.run({
      file: path.join(FIXTURES, 'contention.ts'),
      target: { name: 'lockedWork' },
      inputs: Array.from({ length: 4 }, () => [lock, 150, 40_000]),
      options: { backend: 'threads', workers: 2, repeats: 2 },
    });
    assert.equal(report.status, 'completed');
    const account = report.summary.account!;
    const contention = account.segments.find((segment) => segment.key === 'contention')!.ms;
    const warnings = report.warnings.map((warning) => warning.code);
    if (process.platform !== 'linux') {
      assert.ok(account.unavailable.length > 0);
      return;
    }
    // In parallel one task spins while another holds the lock: its CPU grows, its work does not.
    assert.ok(contention > 0, `contention ${contention} ms`);
    // On a quiet machine the spinner has a core of its own, so the extra CPU is the largest loss and is warned about.
    // Other programs on the cores take the spinner's CPU away: it waits instead of spinning, and waiting for a CPU
    // grows in its place (the machine-busy warning says so), which is the account working, not failing.
    const quiet = !report.phases.some((run) => (run.otherCpuCores ?? 0) >= BUSY_OTHER_CORES && run.wallMs >= BUSY_MIN_WALL_MS);
    if (quiet) {
      assert.ok(contention > 0.2 * account.idealMs, `contention ${contention} ms against an ideal of ${account.idealMs} ms`);
      assert.ok(warnings.includes('contention'), warnings.join(', '));
      assert.equal(account.largestLoss?.key, 'contention', JSON.stringify(account.segments));
    } else {
      assert.ok(warnings.includes('machine-busy'), warnings.join(', '));
    }
  });

  it('advises longest first when input order leaves workers idle behind a long last task, and only then', async () => {
    const run = (inputs: string) => engine.run({ file: WORKLOAD, target: { name: 'longTimeTask' }, inputs, options: { backend: 'threads', workers: 3 } });
    const { report: lateLong } = await run('[[0, 100], [1, 100], [2, 100], [3, 300]]');
    const advice = lateLong.warnings.map((w) => w.message).filter((warning) => /^Input order costs time/.test(warning));
    assert.equal(advice.length, 1, lateLong.warnings.map((w) => w.message).join('\n'));
    assert.match(advice[0], /^Input order costs time: in this order 3 workers need at least ~4\d\d ms, longest first ~3\d\d ms\. Put the longest tasks first in the inputs to finish sooner\.$/);
    assert.ok(lateLong.summary.parallelMs >= 390, `the parallel run took ${lateLong.summary.parallelMs} ms, as input order allows`);
    const { report: longFirst } = await run('[[3, 300], [0, 100], [1, 100], [2, 100]]');
    assert.ok(!longFirst.warnings.map((w) => w.message).some((warning) => /Input order/.test(warning)), longFirst.warnings.map((w) => w.message).join('\n'));
  });

  it('warns when tasks are shorter than it costs to dispatch one, estimated from the first 10,000 of a bigger run', async () => {
    const { report } = await engine.run({
      file: path.join(ROOT, 'test', 'fixtures', 'faults', 'misbehave.ts'),
      target: { name: 'tiny' },
      inputs: Array.from({ length: 12_000 }, (_, i) => [i]),
      chunkSize: 1,
      options: { backend: 'threads', workers: 2 },
    });
    assert.equal(report.status, 'completed');
    const advice = report.warnings.map((w) => w.message).filter((warning) => /costs to dispatch one/.test(warning));
    assert.equal(advice.length, 1, report.warnings.map((w) => w.message).join('\n'));
    assert.match(advice[0], /^Tasks take a median (<1|\d+) µs, less than the ~[\d.]+ (µs|ms) it costs to dispatch one: .*Give each task more work, or set chunkSize\.$/);
    // Sleeping tasks outlast any dispatch: no such advice.
    const { report: sleeping } = await engine.run({ file: WORKLOAD, target: { name: 'longTimeTask' }, inputs: '[[0, 100], [1, 100]]', options: { backend: 'threads', workers: 2 } });
    assert.ok(!sleeping.warnings.map((w) => w.message).some((warning) => /costs to dispatch/.test(warning)), sleeping.warnings.map((w) => w.message).join('\n'));
  });

  it('measures CPU per task, except right after a tiny task on the same worker, which the account names instead of showing 0', { skip: process.platform !== 'linux' }, async () => {
    const tiny = (chunkSize: number | 'auto') =>
      engine.run({ file: path.join(ROOT, 'test', 'fixtures', 'faults', 'misbehave.ts'), target: { name: 'tiny' }, inputs: Array.from({ length: 3000 }, (_, i) => [i]), chunkSize, options: { backend: 'threads', workers: 2 } });
    for (const chunkSize of [1, 'auto'] as const) {
      const { report } = await tiny(chunkSize);
      const parallel = report.tasks;
      const unmeasured = parallel.filter((task) => task.cpuMs === undefined).length;
      assert.ok(unmeasured > parallel.length / 2, `chunkSize ${chunkSize}: ${unmeasured} of ${parallel.length} tiny tasks without figures`);
      assert.ok(parallel.every((task) => task.cpuMs === undefined || (task.cpuMs >= 0 && task.waitMs! >= 0)), `chunkSize ${chunkSize}: a negative figure`);
      // Each worker's first task of the phase has nothing before it to judge by, so it is measured.
      const lane = (task: (typeof parallel)[number]) => `${task.phase} ${task.repeat}, thread ${task.threadId}`;
      for (const key of new Set(parallel.map(lane))) {
        const first = parallel.filter((task) => lane(task) === key).sort((a, b) => a.startUs! - b.startUs!)[0];
        assert.notEqual(first.cpuMs, undefined, `chunkSize ${chunkSize}: the first task of ${key} has no CPU figure`);
      }
      assert.match(report.summary.account!.unavailable.join(' '), /right after a task under 0\.1 ms on its worker/);
    }
    // Tasks of a few milliseconds are all measured, one per batch or not.
    const { report: longer } = await engine.run({ file: WORKLOAD, target: { name: 'longTimeTask' }, inputs: '[[0, 5], [1, 5], [2, 5], [3, 5], [4, 5], [5, 5]]', chunkSize: 1, options: { backend: 'threads', workers: 2 } });
    assert.ok(longer.tasks.every((task) => task.cpuMs !== undefined && task.waitMs !== undefined), 'a 5 ms task went unmeasured');
  });

  it('warns about workers beyond the cores unless the speedup shows the tasks mostly wait', async () => {
    const workers = availableParallelism() + 3;
    const inputs = Array.from({ length: workers }, (_, i) => [i, 150]);
    const beyondCores = /workers beyond the core count share CPUs/;
    const sleeping = await engine.run({ file: WORKLOAD, target: { name: 'longTimeTask' }, inputs, options: { workers } });
    assert.ok((sleeping.report.summary.speedup ?? 0) > availableParallelism(), `speedup ${sleeping.report.summary.speedup}`);
    assert.ok(!sleeping.report.warnings.map((w) => w.message).some((warning) => beyondCores.test(warning)), sleeping.report.warnings.map((w) => w.message).join('\n'));
    const unmeasured = await engine.run({ file: WORKLOAD, target: { name: 'longTimeTask' }, inputs, options: { workers, compareWithSerial: false } });
    assert.ok(unmeasured.report.warnings.map((w) => w.message).some((warning) => beyondCores.test(warning)), unmeasured.report.warnings.map((w) => w.message).join('\n'));
  });

  it("sweeps worker counts and fits Amdahl's serial fraction", async () => {
    const { report } = await engine.run({
      file: WORKLOAD,
      target: { name: 'longTimeTask' },
      inputs: [0, 1, 2, 3].map((i) => [i, 100]),
      options: { workers: 2 },
      sweepWorkers: [1, 2],
    });
    const sweep = report.sweep!;
    assert.deepEqual(
      sweep.points.map((point) => point.workers),
      [1, 2],
    );
    assert.ok(sweep.points[1].speedup > 1.3, JSON.stringify(sweep));
    assert.ok(sweep.amdahlSerialFraction >= 0 && sweep.amdahlSerialFraction < 0.5, JSON.stringify(sweep));
    assert.equal(report.phases.filter((run) => run.phase === 'serial').length, 1, 'the serial baseline runs once');
  });
});

describe('Engine resources', () => {
  it('fails only the task that exceeds workerMemoryLimitMb, on threads and on processes', async () => {
    for (const backend of ['threads', 'processes'] as const) {
      const { report, results } = await engine.run({
        file: WORKLOAD,
        target: { name: 'hoardsMemory' },
        inputs: '[[0], [1], [2]]',
        options: { backend, workers: 2, compareWithSerial: false, workerMemoryLimitMb: 32 },
      });
      assert.deepEqual(results, [0, undefined, 2], backend);
      const failed = report.tasks[1];
      assert.equal(failed.error?.name, 'OutOfMemory', `${backend}: ${failed.error?.message}`);
      assert.match(failed.error!.message, /memory limit is 32 MB/);
    }
  });

  it('reuses a warm pool, and closes it after idleTimeoutMs so the next run starts fresh workers', async () => {
    const shortLived = new Engine({ distDir: DIST, cacheDir, idleTimeoutMs: 300 });
    const threadsOf = async () => {
      const { report } = await shortLived.run({ file: WORKLOAD, target: { name: 'longTimeTask' }, inputs: '[[0, 50], [1, 50]]', options: { workers: 2, compareWithSerial: false } });
      return new Set(report.tasks.map((task) => task.threadId));
    };
    try {
      const first = await threadsOf();
      const warm = await threadsOf();
      assert.deepEqual([...warm].sort(), [...first].sort(), 'the same threads ran the second run');
      await new Promise((resolve) => setTimeout(resolve, 800));
      const fresh = await threadsOf();
      assert.ok([...fresh].every((threadId) => !first.has(threadId)), 'the idle pool was closed; new threads ran the third run');
    } finally {
      await shortLived.dispose();
    }
  });

  it('prewarm bundles and boots the pools without running anything, and the run after it works', async () => {
    let events = 0;
    await engine.prewarm({ file: WORKLOAD, target: { name: 'asyncTask' }, options: { workers: 2 } });
    const { results } = await engine.run({ file: WORKLOAD, target: { name: 'asyncTask' }, inputs: '[[1], [2]]', options: { workers: 2 } }, { onEvent: () => events++ });
    assert.deepEqual(results, [2, 4]);
    assert.ok(events > 0);
    await engine.prewarm({ file: WORKLOAD, target: { name: 'noSuchFunction' } });
  });
});

describe('Engine fairness', () => {
  for (const backend of ['threads', 'processes'] as const) {
    it(`a cold run times execution only: module loading (300 ms here) is done before either phase's clock starts (${backend})`, async () => {
      const coldCache = mkdtempSync(path.join(tmpdir(), 'parallel-runner-cold-'));
      const cold = new Engine({ distDir: DIST, cacheDir: coldCache, idleTimeoutMs: 30_000 });
      try {
        const { report } = await cold.run({
          file: path.join(FIXTURES, 'slowLoad.ts'),
          target: { name: 'sleepTask' },
          inputs: '[[100], [100], [100]]',
          options: { backend, workers: 2 },
        });
        assert.equal(report.status, 'completed');
        for (const run of report.phases) {
          const busyMs = tasksOf(report.tasks, run.phase).reduce((sum, task) => sum + (task.durationMs ?? 0), 0);
          // Serial: the wall is the tasks back to back; parallel: at least the longest lane. Loading inside would add 300 ms.
          const bound = run.phase === 'serial' ? busyMs * 1.5 + 50 : (busyMs / 2 + 100) * 1.5 + 50;
          assert.ok(run.wallMs <= bound, `${run.phase} wall ${run.wallMs.toFixed(0)} ms for ${busyMs.toFixed(0)} ms of tasks (bound ${bound.toFixed(0)} ms)`);
        }
        assert.ok((report.summary.speedup ?? 0) < 2.2, `speedup ${report.summary.speedup} on 2 workers for 3 equal tasks`);
      } finally {
        await cold.dispose();
        rmSync(coldCache, { recursive: true, force: true });
      }
    });
  }
});

describe('Engine lifetime', () => {
  for (const backend of ['threads', 'processes'] as const) {
    it(`lets a script that never calls dispose() exit by itself (${backend})`, async () => {
      // Bundled like the faces are (CommonJS, runtime deps external), so the child starts as fast as a real CLI would;
      // it sits under the repository so those deps resolve from node_modules.
      const script = path.join(ROOT, 'out', 'test', 'engine', 'noDispose.cjs');
      const esbuild = await import('esbuild');
      await esbuild.build({
        entryPoints: [path.join(FIXTURES, 'noDispose.ts')],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        outfile: script,
        external: ['piscina', 'esbuild', '@babel/parser'],
        define: { __dirname: JSON.stringify(FIXTURES) },
        logLevel: 'silent',
      });
      const started = Date.now();
      const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [script, backend, cacheDir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`the script did not exit within 20 s: ${out} ${err}`));
        }, 20_000);
        child.on('close', (exitCode) => {
          clearTimeout(timer);
          resolve({ code: exitCode, stdout: out, stderr: err });
        });
      });
      assert.equal(code, 0, stderr);
      assert.deepEqual(JSON.parse(stdout.trim()), { status: 'completed', results: 3 });
      // Far below the 60 s idle timeout: nothing (pool, timer, channel) held the process open.
      assert.ok(Date.now() - started < 15_000);
    });
  }
});
