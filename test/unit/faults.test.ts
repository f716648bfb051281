// The fault catalogue (test/FAULTS.md) at engine level: bad source, targets and inputs, misbehaving tasks, cancel.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UserError, type RunOutcome } from '../../src/core/api';
import { Engine } from '../../src/core/engine';
import type { BackendKind, TaskRecord } from '../../src/shared/report';

const ROOT = path.resolve(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'faults');
const MISBEHAVE = path.join(FIXTURES, 'misbehave.ts');
const TARGETS = path.join(FIXTURES, 'targets.ts');
const BACKENDS: BackendKind[] = ['threads', 'processes'];
const scratch = mkdtempSync(path.join(tmpdir(), 'parallel-runner-faults-'));
const cacheDir = path.join(scratch, 'cache');
const engine = new Engine({ distDir: DIST, cacheDir, idleTimeoutMs: 30_000 });

after(async () => {
  await engine.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

function lineOf(file: string, text: string): number {
  const line = readFileSync(file, 'utf8').split('\n').findIndex((source) => source.includes(text)) + 1;
  assert.ok(line > 0, `${path.basename(file)} lacks ${text}`);
  return line;
}

/** Our child processes (process-pool workers), from /proc. */
function childPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid) pids.push(Number(entry));
    } catch {
      // It ended while we looked.
    }
  }
  return pids;
}

function isAlive(pid: number): boolean {
  // A killed child stays a zombie until Node reaps it; its stat then says state Z.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Ms from `since` until none of `pids` is alive (polled), or undefined when some still are after `withinMs`. */
async function msUntilGone(pids: number[], since: number, withinMs: number): Promise<number | undefined> {
  for (;;) {
    const now = Date.now();
    if (!pids.some(isAlive)) return now - since;
    if (now - since > withinMs) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function rejectsWithUserError(promise: Promise<unknown>, pattern: RegExp): Promise<UserError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return error;
  }
  assert.fail('expected a UserError');
}

/** The host (this process) and the engine are fine: a plain run right after gives every result. */
async function assertNextRunWorks(backend: BackendKind, on: Engine = engine): Promise<void> {
  const { report, results } = await on.run({ file: MISBEHAVE, target: { name: 'tiny' }, inputs: '[[1], [2], [3]]', options: { backend, workers: 2, compareWithSerial: false } });
  assert.equal(report.status, 'completed', `${backend}: the run after the fault`);
  assert.deepEqual(results, [2, 4, 6]);
}

const byIndex = (tasks: TaskRecord[]) => [...tasks].sort((a, b) => a.index - b.index);

describe('faults: source', () => {
  it('a syntax error says file:line:column and what the parser expected, before any worker starts', async () => {
    const fresh = new Engine({ distDir: DIST, cacheDir, idleTimeoutMs: 30_000 });
    const file = path.join(FIXTURES, 'syntaxError.ts');
    const children = childPids().length;
    try {
      const error = await rejectsWithUserError(
        fresh.run({ file, target: { name: 'broken' }, inputs: '[[1]]', options: { backend: 'processes', workers: 2 } }),
        /syntaxError\.ts:4:29: Unexpected token, expected ","/,
      );
      assert.deepEqual(error.location, { file, line: 4, column: 29 });
      assert.equal(childPids().length, children, 'no worker process was started');
      await assertNextRunWorks('processes', fresh);
    } finally {
      await fresh.dispose();
    }
  });

  it('a type error alone still runs, and the report says once that types are not checked', async () => {
    const { report, results } = await engine.run({
      file: path.join(FIXTURES, 'typeErrorOnly.ts'),
      target: { name: 'addOne' },
      inputs: '[[1], [2]]',
      options: { workers: 2, repeats: 2 },
    });
    assert.equal(report.status, 'completed');
    assert.deepEqual(results, [14, 15], "'not a number'.length is 12: the string really ran where a number was declared");
    const notes = report.warnings.map((w) => w.message).filter((warning) => /not checked/.test(warning));
    assert.equal(notes.length, 1, `once per report, whatever the repeats: ${report.warnings.map((w) => w.message).join('\n')}`);
    assert.match(notes[0], /^Types in typeErrorOnly\.ts are not checked before a run .* a type error does not stop it: run `tsc --noEmit` to check them\.$/);
    const again = await engine.run({ file: path.join(FIXTURES, 'typeErrorOnly.ts'), target: { name: 'addOne' }, inputs: '[[1]]', options: { workers: 1 } });
    assert.deepEqual(
      again.report.warnings.map((w) => w.message).filter((warning) => /not checked/.test(warning)),
      [],
      'said once per file: the next run of the same file does not repeat it',
    );
  });

  it('an import that cannot be resolved names the import, the importing file and the fix', async () => {
    const file = path.join(FIXTURES, 'unresolvedImport.ts');
    const error = await rejectsWithUserError(
      engine.run({ file, target: { name: 'mixes' }, inputs: '[[1]]', options: { workers: 2 } }),
      /unresolvedImport\.ts:2:25: cannot resolve import "no-such-package-anywhere" from .*unresolvedImport\.ts: run `npm install` if "no-such-package-anywhere" is a package, or check the name/,
    );
    assert.equal(error.location?.line, 2);
  });

  for (const backend of BACKENDS) {
    it(`a module whose top level throws fails the run with the error and its line; the next run works (${backend})`, async () => {
      const file = path.join(FIXTURES, 'topLevelThrow.ts');
      const { report, results } = await engine.run({ file, target: { name: 'neverRuns' }, inputs: '[[1], [2], [3]]', options: { backend, workers: 2 } });
      assert.equal(report.status, 'failed');
      assert.match(
        report.failure ?? '',
        /^Loading the module failed: its top-level code threw Error: configuration missing: set PARALLEL_RUNNER_FIXTURE \(at topLevelThrow\.ts:6:7\)\. No task could run: fix the module's top-level code and run again\.$/,
      );
      assert.deepEqual(results, [undefined, undefined, undefined]);
      assert.ok(report.tasks.every((task) => task.status === 'error' && task.error?.location?.file === file && task.error.location.line === 6));
      assert.ok(!report.warnings.map((w) => w.message).some((warning) => /slower than the serial|costs to dispatch/.test(warning)), `no timing advice for a run that never ran: ${report.warnings.map((w) => w.message).join('\n')}`);
      await assertNextRunWorks(backend);
    });

    it(`a module whose top level never returns: the task timeout stops it, says so and fails the rest at once (${backend})`, async () => {
      const started = Date.now();
      const { report } = await engine.run({
        file: path.join(FIXTURES, 'topLevelLoop.ts'),
        target: { name: 'neverReached' },
        inputs: '[[1], [2], [3], [4], [5], [6]]',
        options: { backend, workers: 2, compareWithSerial: false, taskTimeoutSeconds: 0.5 },
      });
      const elapsedMs = Date.now() - started;
      assert.equal(report.status, 'failed');
      assert.match(
        report.failure ?? '',
        /^Loading the module failed: its top-level code did not finish within the 0\.5 s task timeout, so no task could start \(an endless loop, or a long wait at the top level\?\)\. The worker was stopped\. Move slow set-up into the function, or raise taskTimeoutSeconds\.$/,
      );
      const timedOut = report.tasks.filter((task) => task.status === 'timeout');
      assert.ok(timedOut.length >= 1 && timedOut.length <= 2, `only the loading workers waited out the timeout: ${report.tasks.map((task) => task.status)}`);
      assert.ok(report.tasks.every((task) => task.error?.message === report.failure), 'every task carries the same message');
      // Six tasks timed out one by one on two workers would take 1.5 s of timeouts alone.
      assert.ok(elapsedMs < 15_000, `${elapsedMs} ms`);
      await assertNextRunWorks(backend);
    });

    it(`a replacement worker that is only slow to load the module times out alone; the others run on (${backend})`, async () => {
      for (let n = 1; n <= 9; n++) rmSync(path.join(tmpdir(), `parallel-runner-faults-slow-load.${n}`), { force: true });
      const fresh = new Engine({ distDir: DIST, cacheDir, idleTimeoutMs: 30_000 });
      try {
        // Two workers load the module quickly before the phase; task 0 ends its worker, and its replacement (the third
        // to load) takes 3 s while the other worker naps through task 1: task 2 lands on the slow one.
        const { report, results } = await fresh.run({
          file: path.join(FIXTURES, 'slowLoad.ts'),
          target: { name: 'quick' },
          inputs: [[0, 'exit'], [1, 'nap'], [2], [3]],
          options: { backend, workers: 2, compareWithSerial: false, taskTimeoutSeconds: 1 },
        });
        assert.equal(report.status, 'completed', report.failure);
        const tasks = byIndex(report.tasks);
        assert.deepEqual(
          tasks.map((task) => task.status),
          ['error', 'ok', 'timeout', 'ok'],
          JSON.stringify(tasks.map((task) => task.error?.message)),
        );
        assert.match(tasks[2].error!.message, /^Task 2 did not start within the 1 s task timeout: its worker was still loading the module \(a slow start on a busy machine, or slow top-level code\?\)\. The worker was stopped and replaced/);
        assert.deepEqual(results, [undefined, 1, undefined, 3]);
      } finally {
        await fresh.dispose();
      }
    });

    it(`a module whose top level never returns: cancel while the workers load it before the phase says so too (${backend})`, async () => {
      const controller = new AbortController();
      let abortedAt = 0;
      const { report } = await engine.run(
        { file: path.join(FIXTURES, 'topLevelLoop.ts'), target: { name: 'neverReached' }, inputs: '[[1], [2], [3]]', options: { backend, workers: 2, compareWithSerial: false } },
        {
          signal: controller.signal,
          onEvent: (event) => {
            // The pools are warm: 300 ms in, the workers are loading the module ahead of the phase.
            if (event.type === 'run-started')
              setTimeout(() => {
                abortedAt = Date.now();
                controller.abort();
              }, 300);
          },
        },
      );
      assert.ok(Date.now() - abortedAt < 1000, `the run ended ${Date.now() - abortedAt} ms after cancel`);
      assert.equal(report.status, 'cancelled');
      for (const task of report.tasks) {
        assert.match(task.error?.message ?? '', /^The run was cancelled while the worker was still loading the module: its top-level code had run for [\d.]+ s without finishing/);
      }
      await assertNextRunWorks(backend);
    });

    it(`a module whose top level never returns, with no timeout: cancel stops it within a second and says the top level did not finish (${backend})`, async () => {
      const controller = new AbortController();
      let abortedAt = 0;
      let childrenAtAbort: number[] = [];
      const outcome = engine.run(
        { file: path.join(FIXTURES, 'topLevelLoop.ts'), target: { name: 'neverReached' }, inputs: '[[1], [2], [3], [4]]', options: { backend, workers: 2, compareWithSerial: false } },
        {
          signal: controller.signal,
          onEvent: (event) => {
            if (event.type !== 'phase-started') return;
            setTimeout(() => {
              childrenAtAbort = childPids();
              abortedAt = Date.now();
              controller.abort();
            }, 1200);
          },
        },
      );
      const { report } = await outcome;
      const settledMs = Date.now() - abortedAt;
      assert.ok(abortedAt > 0, 'the run started its phase');
      assert.ok(settledMs < 1000, `the run ended ${settledMs} ms after cancel`);
      assert.equal(report.status, 'cancelled');
      const tasks = byIndex(report.tasks);
      assert.ok(tasks.every((task) => task.status === 'cancelled'));
      assert.match(tasks[0].error?.message ?? '', /^The run was cancelled while the worker was still loading the module: its top-level code had run for [\d.]+ s without finishing \(an endless loop, or a long wait at the top level\?\), so this task never started\.$/);
      assert.equal(tasks[3].error?.message, 'The run was cancelled before this task started.');
      const warning = report.warnings.map((w) => w.message).find((text) => text.startsWith('The top-level code of topLevelLoop.ts had not finished'));
      assert.ok(warning, report.warnings.map((w) => w.message).join('\n'));
      assert.match(warning, /when the run was cancelled, so no task started: an endless loop, or a long wait at the top level\? Move such code into the function, or set a task timeout/);
      if (backend === 'processes') {
        // Which children loop is not in the report (no task started); two of the children there at the abort must end.
        // Polled: the kernel may take a moment to finish off a process busy on a loaded CPU.
        let alive = childrenAtAbort;
        while (Date.now() - abortedAt < 1000 && childrenAtAbort.length - alive.length < 2) {
          await new Promise((resolve) => setTimeout(resolve, 10));
          alive = childrenAtAbort.filter(isAlive);
        }
        assert.ok(childrenAtAbort.length - alive.length >= 2, `two looping children should be gone within a second of cancel: ${childrenAtAbort} -> still alive ${alive}`);
      } else {
        // The looping threads burnt a core each; once stopped, this process is nearly idle.
        await new Promise((resolve) => setTimeout(resolve, 300));
        const before = process.cpuUsage();
        await new Promise((resolve) => setTimeout(resolve, 600));
        const cpuMs = (process.cpuUsage(before).user + process.cpuUsage(before).system) / 1000;
        assert.ok(cpuMs < 400, `${cpuMs.toFixed(0)} ms of CPU in 600 ms after cancel: a looping thread is still running`);
      }
      await assertNextRunWorks(backend);
    });
  }
});

describe('faults: target', () => {
  const source = readFileSync(TARGETS, 'utf8');
  const offsetOf = (text: string) => source.indexOf(text);

  it('the cursor outside any function says what can run and lists the runnable names', async () => {
    await rejectsWithUserError(
      engine.run({ file: TARGETS, target: { offset: offsetOf('const LIMIT') }, inputs: '[[1]]' }),
      /^targets\.ts:2:1: the cursor is not inside a runnable top-level target\. Put it in a top-level function declaration.*Runnable targets in this file: outer\.$/,
    );
  });

  it('a cursor in a nested function runs the top-level function around it', async () => {
    const { report, results } = await engine.run({ file: TARGETS, target: { offset: offsetOf('k * LIMIT') }, inputs: '[[1], [2]]', options: { workers: 2 } });
    assert.equal(report.target.name, 'outer');
    assert.equal(report.target.line, lineOf(TARGETS, 'export function outer'));
    assert.deepEqual(results, [11, 21]);
  });

  it('a generator is refused by cursor and by name, saying why and what to do', async () => {
    const why = /countUp is a generator \(function\*\), which cannot run as a task: return an array \(or a Promise\) instead\./;
    await rejectsWithUserError(engine.run({ file: TARGETS, target: { offset: offsetOf('yield i') }, inputs: '[[3]]' }), why);
    await rejectsWithUserError(engine.run({ file: TARGETS, target: { name: 'countUp' }, inputs: '[[3]]' }), why);
  });

  it('a name that does not exist lists the runnable names', async () => {
    await rejectsWithUserError(engine.run({ file: TARGETS, target: { name: 'nope' }, inputs: '[[1]]' }), /^targets\.ts: no runnable target named "nope"\. Runnable targets in this file: outer\.$/);
  });
});

describe('faults: inputs', () => {
  const cases: [string, string, RegExp][] = [
    ['invalid JSON', '[[1], [2]', /^inputs are neither JSON \(Expected ',' or ']' after array element in JSON at position 9\) nor a JavaScript expression \(Unexpected end of input\)/],
    ['an expression that throws', '(() => { throw new RangeError("no inputs today") })()', /^the inputs expression threw RangeError: no inputs today/],
    ['not an array', '{"n": 1}', /^inputs must be an array of argument lists, .*; got an object$/],
    ['an element of the wrong shape', '[[1], 2, [3]]', /^inputs\[1\] is a number but inputs\[0\] is an array: give every task its arguments as an array \(\[\[1, 2\], \[3, 4\]\]\), or give one argument per task/],
    ['an element that cannot reach a worker', '[[1], [() => 2]]', /^inputs\[1\]\[0\] is a function, which cannot be sent to a worker; use plain data/],
    ['zero tasks', '[]', /^no inputs: give at least one argument list/],
  ];
  for (const [label, inputs, pattern] of cases) {
    it(`${label} is refused with what to fix, before any worker starts`, async () => {
      const fresh = new Engine({ distDir: DIST, cacheDir, idleTimeoutMs: 30_000 });
      const children = childPids().length;
      try {
        const error = await rejectsWithUserError(fresh.run({ file: MISBEHAVE, target: { name: 'tiny' }, inputs, options: { backend: 'processes', workers: 2 } }), pattern);
        // Each message shows the shape inputs should have, or the plain data that may be sent.
        assert.match(error.message, /e\.g\. \[\[1(, 2)?\], \[(3, 4|2)\]\]|\(\[\[1, 2\], \[3, 4\]\]\)|use plain data/);
        assert.equal(childPids().length, children, 'no worker process was started');
      } finally {
        await fresh.dispose();
      }
    });
  }
});

/** One run holds every kind of misbehaving task but the endless one, between well-behaved ones, on two workers. */
const MISBEHAVIOURS = ['ok', 'error', 'string', 'undefined', 'reject', 'function', 'symbol', 'exit', 'allocate', 'ok', 'ok'];

for (const backend of BACKENDS) {
  describe(`faults: tasks that misbehave (${backend})`, () => {
    let outcome: RunOutcome;
    let tasks: TaskRecord[];
    const task = (how: string) => tasks[MISBEHAVIOURS.indexOf(how)];

    before(async () => {
      // No task timeout here: on a busy machine a replaced worker's start could outlast a short one.
      outcome = await engine.run({
        file: MISBEHAVE,
        target: { name: 'misbehave' },
        inputs: MISBEHAVIOURS.map((how, i) => [i, how]),
        options: { backend, workers: 2, compareWithSerial: false, workerMemoryLimitMb: 64 },
      });
      tasks = byIndex(outcome.report.tasks);
    });

    it('the run completes; the well-behaved tasks keep their results, in input order', () => {
      assert.equal(outcome.report.status, 'completed');
      assert.deepEqual(outcome.results, [0, ...Array(8).fill(undefined), 9, 10]);
      assert.equal(outcome.report.summary.failedTasks, 8);
      assert.ok(!outcome.report.warnings.map((w) => w.message).some((warning) => /costs to dispatch|slower than the serial/.test(warning)), outcome.report.warnings.map((w) => w.message).join('\n'));
    });

    it("throws an Error: its name, message and the user's file and line", () => {
      assert.deepEqual([task('error').status, task('error').error?.name, task('error').error?.message], ['error', 'RangeError', 'task 1 refuses']);
      assert.deepEqual(task('error').error?.location && [task('error').error?.location?.file, task('error').error?.location?.line], [MISBEHAVE, lineOf(MISBEHAVE, 'throw new RangeError')]);
    });

    it('throws a string or undefined: says what was thrown and to throw an Error instead', () => {
      assert.deepEqual([task('string').error?.name, task('string').error?.message], ['non-Error', 'A string was thrown: "a plain string, not an Error"']);
      assert.equal(task('undefined').error?.message, 'undefined was thrown (throw an Error to get a message and a stack trace)');
    });

    it("rejects: the rejection's error with its line", () => {
      assert.deepEqual([task('reject').error?.name, task('reject').error?.message], ['TypeError', 'task 4 rejected']);
      assert.equal(task('reject').error?.location?.line, lineOf(MISBEHAVE, 'Promise.reject(new TypeError'));
    });

    it("returns a function or a Symbol: names the part that can't be sent back and what to return", () => {
      assert.equal(task('function').error?.name, 'DataCloneError');
      assert.match(task('function').error!.message, /^Task 5 returned a value that can't be sent back from the worker: the result\.callback is a function\. Return plain data/);
      assert.match(task('symbol').error!.message, /^Task 6 returned a value that can't be sent back from the worker: the result\.tag is a Symbol\. Return plain data/);
    });

    it('calls process.exit(): only its worker ends, and the message asks whether it exited', () => {
      assert.equal(task('exit').error?.name, 'WorkerExit');
      assert.match(
        task('exit').error!.message,
        /exited with code 3 while running the task \(did it call process\.exit\(\)\?\); the worker was replaced and the other tasks ran on\. Return a value or throw an Error instead of exiting/,
      );
    });

    it('allocates without bound: the worker memory limit stops it with an out-of-memory message', () => {
      assert.equal(task('allocate').error?.name, 'OutOfMemory');
      assert.match(task('allocate').error!.message, /ran out of memory \(the worker memory limit is 64 MB; raise workerMemoryLimitMb if the task needs more\)/);
    });

    it('the host and the engine carry on: the next run on the same pools works', async () => {
      await assertNextRunWorks(backend);
    });

    it('never returns: the timeout stops only that worker, names the task and its worker, while the others finish', async () => {
      const { report, results } = await engine.run({
        file: MISBEHAVE,
        target: { name: 'misbehave' },
        inputs: ['ok', 'hang', 'ok', 'ok', 'ok'].map((how, i) => [i, how]),
        options: { backend, workers: 2, compareWithSerial: false, taskTimeoutSeconds: 2 },
      });
      assert.deepEqual(results, [0, undefined, 2, 3, 4]);
      const [, hung, ...others] = byIndex(report.tasks);
      assert.equal(hung.status, 'timeout');
      assert.match(hung.error!.message, /^Task 1 did not finish within the 2 s task timeout \(an endless loop, or it needs longer\?\); its worker was stopped and replaced/);
      assert.ok(hung.lane >= 0 && hung.pid > 0 && (backend === 'processes' ? hung.pid !== process.pid : hung.threadId > 0), 'the report says which worker ran it');
      assert.ok(
        others.every((other) => other.endUs! < hung.endUs!),
        'the other worker finished the last tasks while this one hung',
      );
      assert.ok(report.warnings.map((w) => w.message).includes('1 task run hit the 2 s timeout; their workers were stopped and replaced.'), report.warnings.map((w) => w.message).join('\n'));
      await assertNextRunWorks(backend);
    });
  });

  describe(`faults: errors outside the task's own call (${backend})`, () => {
    it('throws from a timer after returning: results kept, the worker survives, the error shows in the next task on that worker and in a warning', async () => {
      const { report, results } = await engine.run({ file: MISBEHAVE, target: { name: 'throwsLater' }, inputs: '[[0], [1], [2], [3], [4], [5]]', options: { backend, workers: 2, compareWithSerial: false } });
      assert.equal(report.status, 'completed');
      assert.deepEqual(results, [0, 1, 2, 3, 4, 5]);
      const carriers = report.tasks.filter((record) => record.logs.some((line) => /uncaught exception outside any task: Error: late failure of task \d/.test(line.text)));
      assert.ok(carriers.length > 0, JSON.stringify(report.tasks.map((record) => record.logs)));
      for (const carrier of carriers) {
        const origin = Number(/after task (\d+) returned/.exec(carrier.logs[0].text)?.[1]);
        const thrower = report.tasks.find((record) => record.index === origin)!;
        assert.equal(`${carrier.pid}/${carrier.threadId}`, `${thrower.pid}/${thrower.threadId}`, 'the same worker ran on after the error');
        assert.ok(carrier.logs.some((line) => line.text.includes(`late failure of task ${origin}`)));
      }
      assert.ok(
        report.warnings.map((w) => w.message).some((warning) => /^Code a task left running \(a timer or callback\) threw after the task had returned: Error: late failure of task \d\. The worker kept going and every result was kept/.test(warning)),
        report.warnings.map((w) => w.message).join('\n'),
      );
    });

    it('leaves an unhandled rejection: that task fails saying so, the worker and the other tasks carry on', async () => {
      const inputs = [0, 1, 2, 3, 4, 5].map((i) => [i, i === 1]);
      const { report, results } = await engine.run({ file: MISBEHAVE, target: { name: 'leavesRejection' }, inputs, options: { backend, workers: 2, compareWithSerial: false } });
      assert.equal(report.status, 'completed');
      assert.deepEqual(results, [0, undefined, 2, 3, 4, 5]);
      const failed = report.tasks.find((record) => record.index === 1)!;
      assert.equal(failed.error?.message, 'A promise rejection nobody handled ended the task (await the promise or add .catch()): nobody handles this rejection of task 1');
      const worker = `${failed.pid}/${failed.threadId}`;
      assert.ok(
        report.tasks.some((record) => record.status === 'ok' && `${record.pid}/${record.threadId}` === worker && record.startUs! > failed.endUs!),
        'the same worker ran a later task',
      );
    });
  });

  describe(`faults: output (${backend})`, () => {
    it('prints 1 MB of logs: cut at the 64 KiB per-task cap, marked as cut, with a warning; other tasks keep all their lines', async () => {
      const { report, results } = await engine.run({ file: MISBEHAVE, target: { name: 'chatty' }, inputs: '[[0, 1024], [1, 1]]', options: { backend, workers: 2, compareWithSerial: false } });
      assert.deepEqual(results, [0, 1]);
      const [loud, quiet] = byIndex(report.tasks);
      assert.equal(loud.logsTruncated, true);
      assert.equal(
        loud.logs.reduce((sum, line) => sum + line.text.length, 0),
        64 * 1024,
      );
      assert.equal(quiet.logsTruncated, undefined);
      assert.equal(quiet.logs.length, 11);
      assert.ok(report.warnings.map((w) => w.message).includes('Task 0 printed more than 64 KiB of console output; the rest was cut at that per-task limit. Print less, or write large output to a file.'), report.warnings.map((w) => w.message).join('\n'));
    });
  });

  describe(`faults: cancel (${backend})`, () => {
    it('every worker stops within a second, finished tasks are kept, the rest are cancelled, and a second run right after works', async () => {
      const beats = path.join(scratch, `heartbeat-${backend}.txt`);
      const controller = new AbortController();
      let abortedAt = 0;
      let finished = 0;
      const inputs = [
        [0, beats, 100],
        [1, beats, 100],
        ...[2, 3, 4, 5].map((i) => [i, beats, 3000]),
      ];
      const { report, results } = await engine.run(
        { file: MISBEHAVE, target: { name: 'heartbeat' }, inputs, options: { backend, workers: 2, compareWithSerial: false } },
        {
          signal: controller.signal,
          onEvent: (event) => {
            if (event.type !== 'task-finished' || ++finished !== 2) return;
            // Tasks 2 and 3 have just started their three seconds of heartbeats.
            setTimeout(() => {
              abortedAt = Date.now();
              controller.abort();
            }, 300);
          },
        },
      );
      const settledMs = Date.now() - abortedAt;
      await new Promise((resolve) => setTimeout(resolve, 1200));
      const lastBeat = Math.max(
        ...readFileSync(beats, 'utf8')
          .trim()
          .split('\n')
          .map((line) => Number(line.split(' ')[1])),
      );
      assert.ok(settledMs < 1000, `the run ended ${settledMs} ms after cancel`);
      assert.ok(lastBeat - abortedAt < 1000, `a worker kept running ${lastBeat - abortedAt} ms after cancel`);
      assert.equal(report.status, 'cancelled');
      assert.deepEqual(results.slice(0, 2), [0, 1], 'finished results are kept');
      const tasks = byIndex(report.tasks);
      assert.deepEqual(
        tasks.map((record) => record.status),
        ['ok', 'ok', 'cancelled', 'cancelled', 'cancelled', 'cancelled'],
      );
      assert.deepEqual(
        tasks.slice(2).map((record) => record.error?.message),
        ['The run was cancelled while this task was running.', 'The run was cancelled while this task was running.', 'The run was cancelled before this task started.', 'The run was cancelled before this task started.'],
      );
      if (backend === 'processes') {
        const goneMs = await msUntilGone(
          tasks.slice(2, 4).map((record) => record.pid),
          abortedAt,
          1000,
        );
        assert.ok(goneMs !== undefined, 'the worker processes running tasks 2 and 3 were gone within a second of cancel');
      }
      await assertNextRunWorks(backend);
    });
  });
}
