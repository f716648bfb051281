// Python targets end to end with real interpreters: ast locating, both of Python's own pools, clock alignment with the
// host, values, errors with tracebacks, faults, cancel, and the missing-interpreter message.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { UserError } from '../../src/core/api';
import { Engine } from '../../src/core/engine';
import { monotonicNowUs } from '../../src/worker/clock';
import { listPythonTargets, locatePythonTarget } from '../../src/core/python/locate';
import { PythonPool } from '../../src/core/pools/pythonPool';
import type { TaskOutcome, TaskStartNotice } from '../../src/shared/workerProtocol';
import type { TaskRecord } from '../../src/shared/report';

const ROOT = path.resolve(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'python');
const TUTORIAL = path.join(FIXTURES, 'tutorial.py');
const FAULTS = path.join(FIXTURES, 'faults.py');
const cacheDir = mkdtempSync(path.join(tmpdir(), 'parallel-runner-python-'));
const engine = new Engine({ distDir: DIST, cacheDir, idleTimeoutMs: 30_000 });

after(async () => {
  await engine.dispose();
  rmSync(cacheDir, { recursive: true, force: true });
});

function tasksOf(tasks: TaskRecord[], phase: 'serial' | 'parallel', repeat = 0): TaskRecord[] {
  return tasks.filter((task) => task.phase === phase && task.repeat === repeat).sort((a, b) => a.index - b.index);
}

/** Whether a process runs: it exists and is not a zombie. */
function processRuns(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Process ids of the Python processes that are children of this test process's pools (driver and workers). */
function pythonDescendants(): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.includes(path.join(DIST, 'python', 'driver.py')) || /multiprocessing\.(spawn|resource_tracker)/.test(line))
    .map((line) => Number(line.trim().split(/\s+/)[0]))
    .filter((pid) => {
      try {
        const ppid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
        return ppid === process.pid || isDescendant(ppid);
      } catch {
        return false;
      }
    });
}

function isDescendant(pid: number): boolean {
  for (let hops = 0; hops < 4 && pid > 1; hops++) {
    if (pid === process.pid) return true;
    try {
      pid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
    } catch {
      return false;
    }
  }
  return pid === process.pid;
}

describe('locating Python targets with ast', () => {
  const source = readFileSync(TUTORIAL, 'utf8');
  const options = { distDir: DIST };

  it('lists defs, classes with run() (a Process subclass too) and static/class methods, with lines and parameters', async () => {
    const targets = await listPythonTargets(source, TUTORIAL, options);
    const byName = new Map(targets.map((target) => [target.name, target]));
    assert.deepEqual([...byName.keys()], ['long_time_task', 'do_something', 'count_primes', 'whoami', 'MyProcess', 'Maths.square', 'Maths.cube']);
    assert.deepEqual(byName.get('do_something'), { file: TUTORIAL, name: 'do_something', kind: 'function', line: 16, column: 5, params: ['a', 'b'], isAsync: false });
    assert.equal(byName.get('MyProcess')?.kind, 'class-run');
    assert.deepEqual(byName.get('MyProcess')?.params, ['value']);
    assert.equal(byName.get('Maths.cube')?.kind, 'static-method');
    assert.deepEqual(byName.get('Maths.cube')?.params, ['x'], 'cls is not a parameter the inputs give');
  });

  it('picks the target at the cursor: inside a def, on a static method inside its class, in a Process subclass', async () => {
    const at = (needle: string) => source.indexOf(needle);
    assert.equal((await locatePythonTarget(source, TUTORIAL, { offset: at('time.sleep(seconds)') }, options)).name, 'do_something');
    assert.equal((await locatePythonTarget(source, TUTORIAL, { offset: at('return x * x * x') }, options)).name, 'Maths.cube');
    assert.equal((await locatePythonTarget(source, TUTORIAL, { offset: at('self.step_1()') }, options)).name, 'MyProcess');
  });

  it('refuses an instance method, a cursor outside any target and a syntax error, each saying what to do', async () => {
    await assert.rejects(locatePythonTarget(source, TUTORIAL, { name: 'Maths.instance_only' }, options), /instance method.*@staticmethod/);
    await assert.rejects(locatePythonTarget(source, TUTORIAL, { offset: source.indexOf('MAIN_RAN = False') }, options), (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.match(error.message, /not inside a runnable top-level target.*Runnable targets in this file: long_time_task/);
      return true;
    });
    const broken = readFileSync(path.join(FIXTURES, 'syntax_error.py'), 'utf8');
    await assert.rejects(locatePythonTarget(broken, path.join(FIXTURES, 'syntax_error.py'), { name: 'f' }, options), (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.deepEqual(error.location, { file: path.join(FIXTURES, 'syntax_error.py'), line: 5, column: 15 });
      assert.match(error.message, /syntax_error\.py:5:15: SyntaxError/);
      return true;
    });
  });
});

describe('Python pools', () => {
  it('processes: the tutorial sleeps run on distinct PIDs, serial ≈ the sum and parallel ≈ the longest, with output per task', async () => {
    const { report, results } = await engine.run({ file: TUTORIAL, target: { name: 'long_time_task' }, inputs: '[[0.3], [0.2], [0.1]]', options: { backend: 'processes', workers: 3 } });
    assert.equal(report.status, 'completed');
    assert.deepEqual(results, [0.3, 0.2, 0.1]);
    assert.equal(report.runtime?.language, 'python');
    assert.equal(report.runtime?.startMethod, 'spawn');
    assert.match(report.runtime?.version ?? '', /^3\.\d+\.\d+/);
    const parallel = tasksOf(report.tasks, 'parallel');
    assert.equal(new Set(parallel.map((task) => task.pid)).size, 3, 'three worker processes');
    assert.ok(!parallel.some((task) => task.pid === report.host.pid), 'not the host');
    for (const task of parallel) {
      assert.equal(task.threadId, task.pid, 'a single-threaded worker process: its native thread id is its pid');
      assert.deepEqual(
        task.logs.map((line) => line.text),
        [`Child process: ${task.pid} - Task: ${task.argsPreview}`, `Result: ${task.argsPreview}`],
      );
    }
    assert.ok(report.summary.serialMs! >= 600 && report.summary.serialMs! < 900, `serial ${report.summary.serialMs} ms ≈ 0.3 + 0.2 + 0.1 s`);
    assert.ok(report.summary.parallelMs >= 300 && report.summary.parallelMs < 550, `parallel ${report.summary.parallelMs} ms ≈ the longest sleep`);
    assert.equal(tasksOf(report.tasks, 'serial').every((task) => task.pid === tasksOf(report.tasks, 'serial')[0].pid), true, 'the serial baseline is one worker');
  });

  it('threads: one PID, several native thread ids, and the GIL named as the cause on CPU-bound Python', async () => {
    const { report } = await engine.run({ file: TUTORIAL, target: { name: 'count_primes' }, inputs: '[[80000], [80000], [80000], [80000]]', options: { backend: 'threads', workers: 2 } });
    assert.equal(report.status, 'completed');
    const parallel = tasksOf(report.tasks, 'parallel');
    assert.equal(new Set(parallel.map((task) => task.pid)).size, 1);
    assert.equal(new Set(parallel.map((task) => task.threadId)).size, 2);
    assert.ok(parallel.every((task) => task.pid !== report.host.pid && task.threadId !== task.pid), 'pool threads of the driver, not its main thread');
    assert.equal(report.runtime?.freeThreaded, false);
    const gil = report.warnings.find((warning) => warning.code === 'gil');
    const figures = report.tasks.map((t) => `${t.phase[0]}${t.index}: ${t.durationMs?.toFixed(0)}/${t.cpuMs?.toFixed(0)}/${t.waitMs?.toFixed(0)}`).join(' ');
    assert.ok(gil, `a GIL warning, got ${report.warnings.map((w) => w.code).join(', ')}; speedup ${report.summary.speedup}; duration/cpu/wait ${figures}`);
    assert.match(gil.message, /processes backend/);
    assert.ok(report.summary.speedup! < 1.5, `threads on CPU-bound Python stay near 1× (${report.summary.speedup})`);
  });

  it('processes: the same CPU-bound function gets no GIL warning', async () => {
    const { report } = await engine.run({ file: TUTORIAL, target: { name: 'count_primes' }, inputs: '[[40000], [40000]]', options: { backend: 'processes', workers: 2 } });
    assert.equal(report.status, 'completed');
    assert.equal(report.warnings.find((warning) => warning.code === 'gil'), undefined);
  });

  it('threads: sleeping tasks overlap and are not taken for the GIL', async () => {
    const { report } = await engine.run({ file: TUTORIAL, target: { name: 'do_something' }, inputs: '[[0.1, 0.1], [0.1, 0.1]]', options: { backend: 'threads', workers: 2 } });
    assert.equal(report.warnings.find((warning) => warning.code === 'gil'), undefined);
    assert.ok(report.summary.speedup! > 1.5, `sleeps release the GIL (${report.summary.speedup})`);
  });

  it('records per-task CPU and run-queue wait from the thread, never a stand-in 0 for a busy task', async () => {
    const { report } = await engine.run({ file: TUTORIAL, target: { name: 'count_primes' }, inputs: '[[30000], [30000]]', options: { backend: 'processes', workers: 2 } });
    for (const task of report.tasks) {
      assert.ok(task.cpuMs !== undefined && task.cpuMs > 1, `task ${task.index} (${task.phase}) used CPU: ${task.cpuMs}`);
      assert.ok(task.cpuMs <= task.durationMs! + 1, 'no more CPU than wall time on one thread');
      if (process.platform === 'linux') assert.ok(task.waitMs !== undefined && task.waitMs >= 0);
    }
  });

  it('runs a multiprocessing.Process subclass (constructed with the args, run() in a worker) and a classmethod', async () => {
    const custom = await engine.run({ file: TUTORIAL, target: { name: 'MyProcess' }, inputs: '[[2], [5]]', options: { backend: 'processes', workers: 2 } });
    assert.deepEqual(custom.results, [2, 5]);
    assert.deepEqual(tasksOf(custom.report.tasks, 'parallel').map((task) => task.logs.map((line) => line.text)), [['3', '4'], ['6', '7']]);
    const cube = await engine.run({ file: TUTORIAL, target: { name: 'Maths.cube' }, inputs: '[[2], [3]]', options: { backend: 'threads', workers: 2 } });
    assert.deepEqual(cube.results, [8, 27]);
  });

  it("imports the module by path, not as __main__: code under if __name__ == '__main__' does not run", async () => {
    const { results } = await engine.run({ file: TUTORIAL, target: { name: 'whoami' }, inputs: '[[], []]', options: { backend: 'processes', workers: 2 } });
    for (const value of results as Array<{ main_ran: boolean }>) assert.equal(value.main_ran, false);
  });

  it('a JS expression still gives the inputs (evaluated on the host, sent as JSON)', async () => {
    const { results } = await engine.run({ file: TUTORIAL, target: { name: 'Maths.square' }, inputs: 'Array.from({ length: 4 }, (_, i) => [i])', options: { backend: 'threads', workers: 2 } });
    assert.deepEqual(results, [0, 1, 4, 9]);
  });

  it('an input JSON cannot carry as it is (a Map, NaN, undefined) is refused with its place, before any process starts', async () => {
    for (const [inputs, pattern] of [
      ['[[1], [new Map()]]', /^inputs\[1\]\[0\] is a Map, which cannot be sent to Python/],
      ['[[{ a: [1, NaN] }]]', /^inputs\[0\]\[0\]\.a\[1\] is NaN, which JSON cannot hold/],
      ['[[1, undefined]]', /^inputs\[0\]\[1\] is undefined/],
    ] as const) {
      await assert.rejects(engine.run({ file: TUTORIAL, target: { name: 'Maths.square' }, inputs, options: { backend: 'processes', workers: 1 } }), (error: unknown) => {
        assert.ok(error instanceof UserError);
        assert.match(error.message, pattern);
        assert.match(error.message, /Python tasks take JSON values/);
        return true;
      });
    }
  });
});

describe('Python clock alignment', () => {
  it("a task's start and end lie between the host's dispatch and receipt (both CLOCK_MONOTONIC)", async () => {
    const pool = await PythonPool.create({ backend: 'processes', workers: 1, distDir: DIST, language: 'python' });
    try {
      await pool.whenReady();
      const module = { bundlePath: TUTORIAL, hash: 'clock', python: { file: TUTORIAL, target: { kind: 'function' as const, name: 'do_something', isAsync: false }, maxPreviewChars: 200 } };
      // Load first, so the measured batch is only the task.
      await pool.preload({ module }, { onTaskStart: () => undefined, onDispatched: () => undefined });
      const starts: TaskStartNotice[] = [];
      const sentUs = monotonicNowUs();
      const reply = await pool.send({ module, tasks: [{ index: 0, args: [0.02, 0.03] }], maxLogChars: 1000, phaseKey: 'p' }, { onTaskStart: (notice) => starts.push(notice), onDispatched: () => undefined });
      const receivedUs = monotonicNowUs();
      assert.equal(reply.kind, 'done');
      const [outcome] = (reply as { outcomes: TaskOutcome[] }).outcomes;
      assert.ok(sentUs <= outcome.startUs, `start ${outcome.startUs} after the dispatch at ${sentUs}`);
      assert.ok(outcome.endUs <= receivedUs, `end ${outcome.endUs} before the receipt at ${receivedUs}`);
      assert.ok(outcome.endUs - outcome.startUs >= 50_000, 'the 50 ms sleep is inside');
      assert.equal(starts[0]?.startUs, outcome.startUs, 'the live start notice carries the same time');
    } finally {
      await pool.destroy();
    }
  });
});

describe('Python values and errors', () => {
  it('results as JSON when they can be, else their repr marked as such; tuples show as Python writes them', async () => {
    const { report, results } = await engine.run({ file: FAULTS, target: { name: 'not_json' }, inputs: '[[0], [1]]', options: { backend: 'processes', workers: 2, compareWithSerial: false } });
    assert.deepEqual(results[0], [1, 'two', null]);
    assert.match((results[1] as { $pythonRepr: string }).$pythonRepr, /^<faults\.Point object at 0x/);
    const tasks = tasksOf(report.tasks, 'parallel');
    assert.equal(tasks[0].resultPreview, "(1, 'two', None)");
    assert.match(tasks[1].resultPreview ?? '', /repr: a Point is not JSON/);
  });

  it('an unpicklable result is a per-task error naming its type; the other tasks are kept', async () => {
    const { report, results } = await engine.run({ file: FAULTS, target: { name: 'unpicklable' }, inputs: '[[0], [1], [2]]', options: { backend: 'processes', workers: 2, compareWithSerial: false } });
    assert.equal(report.status, 'completed');
    assert.deepEqual(results[0], { x: 0, ok: true });
    assert.deepEqual(results[2], { x: 2, ok: true });
    const failed = tasksOf(report.tasks, 'parallel')[1];
    assert.equal(failed.status, 'error');
    assert.equal(failed.error?.code, 'clone');
    assert.match(failed.error?.message ?? '', /returned a lock, which cannot be pickled/);
  });

  it('an exception comes back with its traceback and the innermost frame of the user file as file:line:column', async () => {
    const { report } = await engine.run({ file: FAULTS, target: { name: 'divides' }, inputs: '[[0], [2]]', options: { backend: 'processes', workers: 2, compareWithSerial: false } });
    const [failed, ok] = tasksOf(report.tasks, 'parallel');
    assert.equal(ok.resultPreview, '0.5');
    assert.equal(failed.error?.code, 'thrown');
    assert.equal(failed.error?.name, 'ZeroDivisionError');
    assert.deepEqual(failed.error?.location, { file: FAULTS, line: 53, column: 12 });
    assert.match(failed.error?.stack ?? '', /line 57, in divides[\s\S]*line 53, in nested_helper/);
    assert.doesNotMatch(failed.error?.stack ?? '', /driver\.py/, 'the runner’s own frames are left out');
  });

  it('an import error at the top level fails the run with the module-load code and the line', async () => {
    const file = path.join(FIXTURES, 'import_error.py');
    const { report } = await engine.run({ file, target: { name: 'f' }, inputs: '[[1]]', options: { backend: 'processes', workers: 1, compareWithSerial: false } });
    assert.equal(report.status, 'failed');
    assert.match(report.failure ?? '', /ModuleNotFoundError.*import_error\.py:1/);
    assert.equal(report.tasks[0].error?.code, 'module-load');
  });

  it('sys.exit fails only its task; os._exit ends only its worker process, which the pool replaces', async () => {
    const exits = await engine.run({ file: FAULTS, target: { name: 'exits' }, inputs: '[[3]]', options: { backend: 'threads', workers: 1, compareWithSerial: false } });
    assert.equal(exits.report.tasks[0].error?.name, 'SystemExit');
    assert.match(exits.report.tasks[0].error?.message ?? '', /sys\.exit\(3\)/);
    const hard = await engine.run({ file: FAULTS, target: { name: 'hard_exit' }, inputs: '[[1], [2], [3]]', options: { backend: 'processes', workers: 2, compareWithSerial: false } });
    const tasks = tasksOf(hard.report.tasks, 'parallel');
    assert.equal(tasks[0].error?.code, 'worker-exit');
    assert.match(tasks[0].error?.message ?? '', /exited with code 3/);
    assert.deepEqual(hard.results.slice(1), [2, 3]);
  });

  it('a task that loops forever times out; only its worker is replaced and the pool runs on', async () => {
    const { report, results } = await engine.run({ file: FAULTS, target: { name: 'loops' }, inputs: '[[1], [2], [3]]', options: { backend: 'processes', workers: 2, compareWithSerial: false, taskTimeoutSeconds: 1 } });
    const tasks = tasksOf(report.tasks, 'parallel');
    assert.equal(tasks[0].status, 'timeout');
    assert.deepEqual(results.slice(1), [2, 3]);
    const again = await engine.run({ file: FAULTS, target: { name: 'fails' }, inputs: '[[0], [2]]', options: { backend: 'processes', workers: 2, compareWithSerial: false } });
    assert.deepEqual(again.results, [0, 2], 'the replaced worker runs the next run');
  });

  it('a task that exhausts memory fails alone with out-of-memory under workerMemoryLimitMb; the worker runs on', async () => {
    const { report, results } = await engine.run({ file: FAULTS, target: { name: 'hog' }, inputs: '[[10], [400], [20]]', options: { backend: 'processes', workers: 2, compareWithSerial: false, repeats: 1, workerMemoryLimitMb: 128 } });
    assert.deepEqual([results[0], results[2]], [10, 20]);
    const failed = tasksOf(report.tasks, 'parallel')[1];
    assert.equal(failed.error?.code, 'out-of-memory');
    assert.match(failed.error?.message ?? '', /memory limit is 128 MB/);
  });

  it('output past the per-task limit is cut and said so', async () => {
    const { report } = await engine.run({ file: FAULTS, target: { name: 'shouts' }, inputs: '[[5000]]', maxLogChars: 10_000, options: { backend: 'threads', workers: 1, compareWithSerial: false } });
    const [task] = report.tasks;
    assert.equal(task.status, 'ok');
    assert.equal(task.logsTruncated, true);
    assert.ok(task.logs.reduce((sum, line) => sum + line.text.length, 0) <= 10_000);
    assert.ok(report.warnings.some((warning) => warning.code === 'output-cut'));
  });
});

describe('Python cancel and cleanup', () => {
  it('cancel ends the run and every worker process running its tasks within a second; none is left once the engine is disposed', async () => {
    const local = new Engine({ distDir: DIST, cacheDir, idleTimeoutMs: 30_000 });
    for (const backend of ['processes', 'threads'] as const) {
      const controller = new AbortController();
      const started: number[] = [];
      let abortedAt = 0;
      const running = local.run(
        { file: TUTORIAL, target: { name: 'long_time_task' }, inputs: '[[30], [30], [30]]', options: { backend, workers: 3, compareWithSerial: false } },
        {
          signal: controller.signal,
          onEvent: (event) => {
            if (event.type !== 'task-started') return;
            started.push(event.pid);
            if (started.length === 3) {
              abortedAt = Date.now();
              controller.abort();
            }
          },
        },
      );
      const { report } = await running;
      const endedAfterMs = Date.now() - abortedAt;
      assert.equal(report.status, 'cancelled');
      assert.ok(report.tasks.every((task) => task.status === 'cancelled'));
      assert.ok(endedAfterMs < 1000, `${backend}: the run ended ${endedAfterMs} ms after the cancel`);
      // The processes that ran the tasks (three workers, or the one interpreter of the threads) are gone within the second.
      const pids = [...new Set(started)];
      assert.equal(pids.length, backend === 'processes' ? 3 : 1);
      const deadline = abortedAt + 1000;
      while (pids.some(processRuns) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(pids.filter(processRuns), [], `${backend}: still running ${Date.now() - abortedAt} ms after the cancel`);
    }
    await local.dispose();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const left = pythonDescendants();
    // The shared engine of the other tests may still hold warm pools; dispose it too before counting.
    await engine.dispose();
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(pythonDescendants(), [], `Python processes left behind: ${left.join(', ')}`);
  });

  it('100 runs on a warm pool, some with a task killed by its timeout, leave no Python process behind after dispose', async () => {
    const local = new Engine({ distDir: DIST, cacheDir, idleTimeoutMs: 30_000 });
    for (let run = 0; run < 100; run++) {
      const stuck = run % 25 === 24;
      const { report } = await local.run({
        file: FAULTS,
        target: { name: stuck ? 'loops' : 'fails' },
        inputs: stuck ? '[[1], [2]]' : '[[0], [2]]',
        options: { backend: run % 2 === 0 ? 'processes' : 'threads', workers: 2, compareWithSerial: false, repeats: 1, taskTimeoutSeconds: stuck ? 0.5 : 0 },
      });
      assert.equal(report.status, 'completed', `run ${run}`);
      if (stuck) assert.equal(tasksOf(report.tasks, 'parallel')[0].status, 'timeout');
    }
    await local.dispose();
    await engine.dispose();
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(pythonDescendants(), []);
  });

  it('no interpreter: a clear message with what to set, and a JS run on the same engine is unaffected', async () => {
    await assert.rejects(
      engine.run({ file: TUTORIAL, target: { name: 'do_something' }, inputs: '[[0, 0]]', pythonPath: path.join(cacheDir, 'no-such-python') }),
      (error: unknown) => {
        assert.ok(error instanceof UserError);
        assert.match(error.message, /No Python interpreter could be started.*was not found.*parallelRunner\.pythonPath.*--python/);
        return true;
      },
    );
    const js = await engine.run({ file: path.join(ROOT, 'test', 'fixtures', 'engine', 'workload.ts'), target: { name: 'longTimeTask' }, inputs: '[[0, 10]]', options: { backend: 'threads', workers: 1 } });
    assert.equal(js.report.status, 'completed');
    assert.equal(js.report.runtime, undefined);
  });
});
