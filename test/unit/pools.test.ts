// Both pool backends with real threads and child processes: identity, ordering, queueing, logs, errors, timeouts, cancel, chunks.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createPool, dispatchTasks, type DispatchedTask, type WorkerPool } from '../../src/core/pools';
import { monotonicNowUs } from '../../src/worker/clock';
import type { BackendKind } from '../../src/shared/report';
import { packBatch, packOutcomes, unpackBatch, unpackOutcomes, type ModuleSpec, type TaskOutcome } from '../../src/shared/workerProtocol';

const ROOT = path.resolve(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'engine');
const WORKLOAD = path.join(FIXTURES, 'workload.ts');
const scratch = mkdtempSync(path.join(tmpdir(), 'parallel-runner-pools-'));

/** A bundle shaped like the engine's: ESM, the target as `__parallelRunnerTarget__`, a linked .map beside it. */
async function bundle(exportName: string, file = WORKLOAD): Promise<ModuleSpec> {
  const esbuild = await import('esbuild');
  const bundlePath = path.join(scratch, `${path.basename(file, '.ts')}-${exportName}.mjs`);
  await esbuild.build({
    stdin: { contents: `export { ${exportName} as __parallelRunnerTarget__ } from ${JSON.stringify(file)};`, resolveDir: FIXTURES, loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    sourcemap: 'linked',
    outfile: bundlePath,
    logLevel: 'silent',
  });
  return { bundlePath, hash: `${exportName}@${path.basename(file)}` };
}

let phase = 0;
function run(pool: WorkerPool, module: ModuleSpec, inputs: unknown[][], extra: { timeoutMs?: number; signal?: AbortSignal; chunkSize?: number | 'auto'; onTaskDone?: (task: DispatchedTask) => void } = {}) {
  return dispatchTasks({
    pool,
    module,
    tasks: inputs.map((args, index) => ({ index, args })),
    chunkSize: extra.chunkSize ?? 1,
    maxLogChars: 4096,
    phaseKey: `test/${phase++}`,
    taskTimeoutMs: extra.timeoutMs ?? 0,
    signal: extra.signal,
    onTaskDone: extra.onTaskDone,
    now: monotonicNowUs,
  });
}

/** Most tasks whose [start, end) intervals overlap at one instant. */
function maxOverlap(tasks: DispatchedTask[]): number {
  const edges = tasks.flatMap((task) => [
    [task.startUs!, 1],
    [task.endUs!, -1],
  ]);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let most = 0;
  for (const [, delta] of edges) most = Math.max(most, (open += delta));
  return most;
}

function lineOf(file: string, text: string): number {
  return readFileSync(file, 'utf8').split('\n').findIndex((line) => line.includes(text)) + 1;
}

const modules: Record<string, ModuleSpec> = {};
const pools: Partial<Record<BackendKind, WorkerPool>> = {};

before(async () => {
  const names = ['longTimeTask', 'asyncTask', 'failingTask', 'hangingTask', 'returnsFunction', 'throwsString', 'printsLater', 'tinyTask', 'chatty'];
  await Promise.all(names.map(async (name) => (modules[name] = await bundle(name))));
  modules.topLevelThrow = await bundle('neverRuns', path.join(FIXTURES, 'topLevelThrow.ts'));
  pools.threads = await createPool({ backend: 'threads', workers: 2, distDir: DIST }, 60_000);
  pools.processes = await createPool({ backend: 'processes', workers: 2, distDir: DIST }, 60_000);
  await Promise.all([pools.threads.whenReady(), pools.processes.whenReady()]);
});

after(async () => {
  await Promise.all([pools.threads?.destroy(), pools.processes?.destroy()]);
  rmSync(scratch, { recursive: true, force: true });
});

describe('threads backend', () => {
  it('runs in one process on several threads, results in input order', async () => {
    const inputs = [
      [0, 150],
      [1, 50],
      [2, 100],
      [3, 60],
    ];
    const tasks = await run(pools.threads!, modules.longTimeTask, inputs);
    assert.deepEqual(
      tasks.map((task) => [task.index, task.status, (task.value as { i: number }).i]),
      inputs.map(([i]) => [i, 'ok', i]),
    );
    assert.ok(tasks.every((task) => task.pid === process.pid), 'threads share the host PID');
    const threadIds = new Set(tasks.map((task) => task.threadId));
    assert.equal(threadIds.size, 2, `expected 2 worker threads, got ${[...threadIds]}`);
    assert.ok(!threadIds.has(0), 'no task ran on the main thread');
  });
});

describe('processes backend', () => {
  it('runs in several child processes, none of them the host', async () => {
    const tasks = await run(pools.processes!, modules.longTimeTask, [
      [0, 100],
      [1, 100],
      [2, 50],
    ]);
    assert.deepEqual(
      tasks.map((task) => task.status),
      ['ok', 'ok', 'ok'],
    );
    const pids = new Set(tasks.map((task) => task.pid));
    assert.equal(pids.size, 2, `expected 2 child PIDs, got ${[...pids]}`);
    assert.ok(!pids.has(process.pid));
    assert.deepEqual(
      tasks.map((task) => (task.value as { pid: number }).pid),
      tasks.map((task) => task.pid),
      'the PID the task saw is the PID reported',
    );
  });
});

for (const backend of ['threads', 'processes'] as const) {
  describe(`${backend}: behaviour shared by both backends`, () => {
    it('queues tasks beyond the worker count: Pool(2) with 5 tasks never runs more than 2 at once', async () => {
      const tasks = await run(pools[backend]!, modules.longTimeTask, [0, 1, 2, 3, 4].map((i) => [i, 60]));
      assert.ok(tasks.every((task) => task.status === 'ok'));
      assert.equal(maxOverlap(tasks), 2);
    });

    it("attributes each console line to the task that printed it, stdout and stderr apart", async () => {
      const tasks = await run(pools[backend]!, modules.longTimeTask, [0, 1, 2, 3].map((i) => [i, 50]));
      for (const task of tasks) {
        assert.deepEqual(
          task.logs.map((line) => [line.stream, line.text]),
          [
            ['stdout', `Child process: ${task.pid} - Task: ${task.index}`],
            ['stdout', `Result: ${task.index}`],
          ],
        );
        assert.ok(task.logs.every((line) => line.timeUs >= task.startUs! && line.timeUs <= task.endUs!), 'log times fall inside the task');
      }
      const asyncTasks = await run(pools[backend]!, modules.asyncTask, [[5], [6]]);
      assert.deepEqual(
        asyncTasks.map((task) => task.logs.map((line) => `${line.stream}:${line.text}`)),
        [
          ['stdout:start 5', 'stderr:done 5'],
          ['stdout:start 6', 'stderr:done 6'],
        ],
      );
      assert.deepEqual(
        asyncTasks.map((task) => task.value),
        [10, 12],
      );
    });

    it("maps a thrown error to the user's file and line; other tasks keep their results", async () => {
      const tasks = await run(pools[backend]!, modules.failingTask, [[0], [1], [2], [3]]);
      assert.deepEqual(
        tasks.map((task) => task.status),
        ['ok', 'ok', 'error', 'ok'],
      );
      const { error } = tasks[2];
      assert.equal(error?.name, 'RangeError');
      assert.equal(error?.message, 'task 2 is out of range');
      assert.deepEqual(error?.location && { file: error.location.file, line: error.location.line }, { file: WORKLOAD, line: lineOf(WORKLOAD, 'throw new RangeError') });
      assert.match(error?.stack ?? '', /workload\.ts:\d+:\d+/);
      assert.doesNotMatch(error?.stack ?? '', /taskWorker|processWorker|\.mjs:/, 'runner and bundle frames are hidden or mapped');
    });

    it('turns thrown non-Errors and values that cannot be cloned into task errors, and the workers survive', async () => {
      const thrown = await run(pools[backend]!, modules.throwsString, [[0], [1]]);
      assert.deepEqual(
        thrown.map((task) => task.error?.name),
        ['non-Error', 'non-Error'],
      );
      assert.match(thrown[0].error!.message, /plain string failure/);
      assert.match(thrown[1].error!.message, /undefined was thrown/);
      const unclonable = await run(pools[backend]!, modules.returnsFunction, [[0], [1]]);
      assert.ok(unclonable.every((task) => task.status === 'error' && /callback is a function/.test(task.error!.message)), JSON.stringify(unclonable.map((task) => task.error)));
      const workersBefore = new Set(unclonable.map((task) => `${task.pid}/${task.threadId}`));
      const after = await run(pools[backend]!, modules.longTimeTask, [
        [0, 50],
        [1, 50],
      ]);
      assert.ok(after.every((task) => task.status === 'ok'));
      assert.ok(
        after.every((task) => workersBefore.has(`${task.pid}/${task.threadId}`)),
        'the same workers ran the next tasks',
      );
    });

    it('fails every task of a module whose top level throws, with that error', async () => {
      const tasks = await run(pools[backend]!, modules.topLevelThrow, [[1], [2], [3]]);
      assert.ok(tasks.every((task) => task.status === 'error'));
      assert.ok(tasks.every((task) => /the module refuses to load/.test(task.error!.message)));
      assert.equal(tasks[0].error?.location?.file, path.join(FIXTURES, 'topLevelThrow.ts'));
    });

    it('gives output printed after a task returned to the next task on that worker, marked as such', async () => {
      await run(pools[backend]!, modules.printsLater, [[0]]);
      await new Promise((resolve) => setTimeout(resolve, 30));
      // With two idle workers, run enough tasks that the worker holding the late line gets one.
      const next = await run(pools[backend]!, modules.asyncTask, [[1], [2], [3], [4]]);
      const carrier = next.find((task) => task.logs.some((line) => line.text === 'late output of 0'));
      assert.ok(carrier, `late output not found in ${JSON.stringify(next.map((task) => task.logs))}`);
      assert.match(carrier.logs[0].text, /output printed between tasks, after task 0 returned/);
    });

    it('stops only the stuck worker on timeout and keeps the other results', async () => {
      const started = Date.now();
      const tasks = await run(pools[backend]!, modules.hangingTask, [[0, 60], [1], [2, 60], [3, 60]], { timeoutMs: 500 });
      assert.deepEqual(
        tasks.map((task) => task.status),
        ['ok', 'timeout', 'ok', 'ok'],
      );
      assert.deepEqual(
        tasks.map((task) => task.value),
        [0, undefined, 2, 3],
      );
      assert.match(tasks[1].error!.message, /Task 1 did not finish within the 0\.5 s task timeout/);
      assert.ok(Date.now() - started < 5000, 'the timeout did not wait for the stuck task');
      const again = await run(pools[backend]!, modules.longTimeTask, [
        [0, 50],
        [1, 50],
      ]);
      assert.ok(again.every((task) => task.status === 'ok'), 'the pool replaced the stopped worker');
    });

    it('cancels: finished tasks are kept, the rest are cancelled within a second, and the next run works', async () => {
      const controller = new AbortController();
      let abortedAt = 0;
      const tasks = await run(
        pools[backend]!,
        modules.longTimeTask,
        [0, 1, 2, 3, 4, 5].map((i) => [i, 150]),
        {
          signal: controller.signal,
          onTaskDone: (task) => {
            if (task.status === 'ok' && !abortedAt) {
              abortedAt = Date.now();
              controller.abort();
            }
          },
        },
      );
      assert.ok(Date.now() - abortedAt < 1000, 'every worker stopped within a second');
      const statuses = tasks.map((task) => task.status);
      assert.ok(statuses.includes('ok') && statuses.includes('cancelled'), statuses.join());
      assert.ok(statuses.every((status) => status === 'ok' || status === 'cancelled'), statuses.join());
      for (const task of tasks.filter((t) => t.status === 'ok')) assert.equal((task.value as { i: number }).i, task.index);
      const notStarted = tasks.filter((task) => task.status === 'cancelled' && task.startUs === undefined);
      assert.ok(notStarted.length >= 2 && notStarted.every((task) => task.pid === 0 && task.threadId === -1));
      const next = await run(pools[backend]!, modules.longTimeTask, [
        [0, 50],
        [1, 50],
      ]);
      assert.deepEqual(
        next.map((task) => task.status),
        ['ok', 'ok'],
      );
    });

    it('sends tiny tasks in chunks under chunkSize auto, each task keeping its own start and end', async () => {
      const inputs = Array.from({ length: 400 }, (_, i) => [i]);
      const tasks = await run(pools[backend]!, modules.tinyTask, inputs, { chunkSize: 'auto' });
      assert.deepEqual(
        tasks.map((task) => task.value),
        inputs.map(([i]) => (i as number) ** 2),
      );
      assert.ok(tasks.every((task) => task.startUs !== undefined && task.endUs! >= task.startUs));
      const chunked = await run(pools[backend]!, modules.longTimeTask, [0, 1, 2, 3].map((i) => [i, 50]), { chunkSize: 2 });
      // Tasks 0 and 1 form one chunk: one worker runs them back to back.
      assert.equal(`${chunked[0].pid}/${chunked[0].threadId}`, `${chunked[1].pid}/${chunked[1].threadId}`);
      assert.ok(chunked[1].startUs! >= chunked[0].endUs!);
    });

    it('a chunk (posted as columns) keeps each task its own error, output, cut flag and clone failure', async () => {
      const failing = await run(pools[backend]!, modules.failingTask, Array.from({ length: 12 }, (_, i) => [i]), { chunkSize: 12 });
      assert.deepEqual(
        failing.map((task) => task.status),
        failing.map((task) => (task.index === 2 ? 'error' : 'ok')),
      );
      assert.equal(failing[2].error?.name, 'RangeError');
      assert.match(failing[2].error!.message, /task 2 is out of range/);
      assert.equal(failing[2].value, undefined);
      assert.deepEqual(
        failing.filter((task) => task.status === 'ok').map((task) => task.value),
        failing.filter((task) => task.status === 'ok').map((task) => task.index),
      );
      assert.equal(new Set(failing.map((task) => `${task.pid}/${task.threadId}`)).size, 1, 'one chunk, one worker');
      for (let i = 1; i < failing.length; i++) assert.ok(failing[i].startUs! >= failing[i - 1].endUs!, 'tasks of a chunk run back to back, each with its own times');

      const chatty = await run(pools[backend]!, modules.chatty, Array.from({ length: 8 }, (_, i) => [i]), { chunkSize: 8 });
      for (const task of chatty) {
        assert.equal(task.status, 'ok');
        assert.ok(task.logsTruncated, `task ${task.index} output is cut at the limit`);
        assert.match(task.logs[0].text, new RegExp(`of task ${task.index} `));
      }

      const unclonable = await run(pools[backend]!, modules.returnsFunction, Array.from({ length: 8 }, (_, i) => [i]), { chunkSize: 8 });
      assert.ok(unclonable.every((task) => task.status === 'error' && /callback is a function/.test(task.error!.message)), JSON.stringify(unclonable.map((task) => task.error)));
    });
  });
}

describe('wire packing of chunks', () => {
  it('round-trips tasks with consecutive and scattered indexes, and outcomes with errors and logs', () => {
    const module = { bundlePath: '/x.mjs', hash: 'h' };
    const consecutive = { module, tasks: Array.from({ length: 10 }, (_, i) => ({ index: 5 + i, args: [i, { n: i }] })), maxLogChars: 10, phaseKey: '1.0' };
    assert.deepEqual(unpackBatch(structuredClone(packBatch(consecutive))), consecutive);
    const scattered = { ...consecutive, tasks: [9, 3, 4, 20, 1, 2, 7, 8].map((index) => ({ index, args: [index] })) };
    assert.deepEqual(unpackBatch(structuredClone(packBatch(scattered))), scattered);
    const short = { ...consecutive, tasks: consecutive.tasks.slice(0, 2) };
    assert.deepEqual(unpackBatch(structuredClone(packBatch(short))), short);

    const outcomes: TaskOutcome[] = Array.from({ length: 9 }, (_, i) => ({ index: 30 - i, pid: 7, threadId: 2, startUs: 1e12 + i * 3.5, endUs: 1e12 + i * 3.5 + 1, ok: true, value: i % 3 === 0 ? undefined : { i }, logs: [], logsTruncated: false }));
    outcomes[4] = { ...outcomes[4], ok: false, value: undefined, error: { name: 'RangeError', message: 'no' } };
    delete outcomes[4].value;
    outcomes[6] = { ...outcomes[6], logs: [{ stream: 'stdout', text: 'hi', timeUs: 1e12 + 22 }], logsTruncated: true };
    assert.deepEqual(unpackOutcomes(structuredClone(packOutcomes(outcomes))), outcomes);
    const mixed = outcomes.map((outcome, i) => (i === 3 ? { ...outcome, threadId: 3 } : outcome));
    assert.deepEqual(unpackOutcomes(structuredClone(packOutcomes(mixed))), mixed, 'outcomes of several workers go as objects');
  });
});
