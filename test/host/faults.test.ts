// The fault catalogue (test/FAULTS.md) through the commands: what the user is told, and that the host, the panel and finished results survive.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as vscode from 'vscode';
import type { RunOutcome } from '../../src/core/api';
import type { BackendKind, RunReport, TaskRecord } from '../../src/shared/report';
import { validateInputsText } from '../../src/vscode/inputsPrompt';
import { readRunSettings } from '../../src/vscode/settings';
import { ensureTrusted } from '../../src/vscode/trust';
import { activateExtension, note, runCommand, updateSetting, waitFor } from './support';

interface ShownError {
  message: string;
  actions: string[];
}

/** Error notifications the extension showed, captured instead of shown (the extension and this suite share one `vscode` API object). */
const shownErrors: ShownError[] = [];
let realShowErrorMessage: typeof vscode.window.showErrorMessage | undefined;

function captureErrorMessages(): void {
  realShowErrorMessage = vscode.window.showErrorMessage;
  (vscode.window as { showErrorMessage: unknown }).showErrorMessage = (message: string, ...actions: unknown[]) => {
    shownErrors.push({ message, actions: actions.filter((action): action is string => typeof action === 'string') });
    return Promise.resolve(undefined);
  };
}

function releaseErrorMessages(): void {
  if (realShowErrorMessage) (vscode.window as { showErrorMessage: unknown }).showErrorMessage = realShowErrorMessage;
}

/** The one error notification the last command showed. */
function lastError(): ShownError {
  assert.equal(shownErrors.length, 1, `expected one error notification, got ${JSON.stringify(shownErrors)}`);
  return shownErrors[0];
}

let fixturesDir: vscode.Uri;
const fixture = (name: string) => vscode.Uri.joinPath(fixturesDir, name);
const byIndex = (tasks: TaskRecord[]) => [...tasks].sort((a, b) => a.index - b.index);

function threadCount(): number {
  return fs.readdirSync('/proc/self/task').length;
}

/** Live process-pool workers started by this extension host. */
function workerProcesses(): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== process.pid || fields[0] === 'Z') continue;
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('processWorker')) pids.push(Number(entry));
    } catch {
      // It ended while we looked.
    }
  }
  return pids;
}

/** The longest the host's event loop went without running a 20 ms timer. */
function watchEventLoop(): { stop(): number } {
  let last = Date.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = Date.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 20);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(longest, Date.now() - last);
    },
  };
}

/** The last report (also a cancelled one, which the command does not return), read back through the JSON export. */
async function lastReport(): Promise<RunReport> {
  const file = path.join(os.tmpdir(), `pr-faults-${process.pid}-${Date.now()}.json`);
  const written = await vscode.commands.executeCommand<vscode.Uri | undefined>('parallelRunner.exportReport', { format: 'json', uri: file });
  assert.ok(written, 'the last report could not be exported');
  try {
    return JSON.parse(fs.readFileSync(written.fsPath, 'utf8')) as RunReport;
  } finally {
    fs.rmSync(written.fsPath, { force: true });
  }
}

async function assertNextRunWorks(backend: BackendKind = 'threads'): Promise<void> {
  const outcome = await runCommand('parallelRunner.run', { uri: fixture('misbehave.ts'), name: 'tiny', inputs: '[[1], [2], [3]]', options: { backend, workers: 2, compareWithSerial: false } });
  assert.ok(outcome, 'the run after the fault returned nothing');
  assert.deepEqual(outcome.results, [2, 4, 6]);
}

describe('faults', function () {
  this.timeout(90_000);

  before(async () => {
    const { extension } = await activateExtension();
    fixturesDir = vscode.Uri.joinPath(extension.extensionUri, 'test', 'fixtures', 'faults');
    captureErrorMessages();
  });

  after(() => releaseErrorMessages());

  beforeEach(() => {
    shownErrors.length = 0;
  });

  describe('source', () => {
    it('a syntax error: nothing runs; the notification says file:line:column and offers Open', async () => {
      const outcome = await runCommand('parallelRunner.run', { uri: fixture('syntaxError.ts'), name: 'broken', inputs: '[[1]]' });
      assert.equal(outcome, undefined);
      const shown = lastError();
      assert.match(shown.message, /^Parallel Runner: .*syntaxError\.ts:4:29: Unexpected token, expected ","$/);
      assert.deepEqual(shown.actions, ['Open']);
    });

    it('a type error alone: it runs, and the report says once that types are not checked', async () => {
      const outcome = await runCommand('parallelRunner.run', { uri: fixture('typeErrorOnly.ts'), name: 'addOne', inputs: '[[1], [2]]', options: { workers: 2 } });
      assert.ok(outcome);
      assert.deepEqual(outcome.results, [14, 15]);
      assert.equal(outcome.report.warnings.map((w) => w.message).filter((warning) => /^Types in typeErrorOnly\.ts are not checked/.test(warning)).length, 1, outcome.report.warnings.map((w) => w.message).join('\n'));
      assert.deepEqual(shownErrors, []);
    });

    it('an unresolved import: nothing runs; the notification names the import and the fix, with Open', async () => {
      const outcome = await runCommand('parallelRunner.run', { uri: fixture('unresolvedImport.ts'), name: 'mixes', inputs: '[[1]]' });
      assert.equal(outcome, undefined);
      const shown = lastError();
      assert.match(shown.message, /unresolvedImport\.ts:2:25: cannot resolve import "no-such-package-anywhere" from .*: run `npm install` if "no-such-package-anywhere" is a package, or check the name$/);
      assert.deepEqual(shown.actions, ['Open']);
    });

    it("a top-level throw: the run fails with the error and its line; the report comes back", async () => {
      const outcome = await runCommand('parallelRunner.run', { uri: fixture('topLevelThrow.ts'), name: 'neverRuns', inputs: '[[1], [2]]', options: { workers: 2 } });
      assert.ok(outcome, 'a failed run still returns its report');
      assert.equal(outcome.report.status, 'failed');
      const shown = lastError();
      assert.match(
        shown.message,
        /^Parallel Runner: neverRuns failed: Loading the module failed: its top-level code threw Error: configuration missing: set PARALLEL_RUNNER_FIXTURE \(at topLevelThrow\.ts:6:7\)\. No task could run: fix the module's top-level code and run again\.$/,
      );
      assert.deepEqual(shown.actions, ['Open', 'Show Output'], 'Open jumps to the throwing line');
      await assertNextRunWorks();
    });

    it('a top level that never returns, with a task timeout: the run fails quickly, saying the top level did not finish', async () => {
      const outcome = await runCommand('parallelRunner.run', {
        uri: fixture('topLevelLoop.ts'),
        name: 'neverReached',
        inputs: '[[1], [2], [3], [4]]',
        options: { workers: 2, compareWithSerial: false, taskTimeoutSeconds: 0.5 },
      });
      assert.ok(outcome);
      assert.equal(outcome.report.status, 'failed');
      assert.match(lastError().message, /^Parallel Runner: neverReached failed: Loading the module failed: its top-level code did not finish within the 0\.5 s task timeout, so no task could start/);
      await assertNextRunWorks();
    });

    it('a top level that never returns, without a timeout: Cancel stops it within a second; the report says the top level did not finish', async () => {
      const { api } = await activateExtension();
      const running = runCommand('parallelRunner.run', { uri: fixture('topLevelLoop.ts'), name: 'neverReached', inputs: '[[1], [2]]', options: { workers: 2, compareWithSerial: false } });
      await waitFor('the run to start', () => api.isRunning());
      // Long enough that the workers have spent over a second in the module's top level, before or in the phase.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const cancelledAt = Date.now();
      assert.equal(await vscode.commands.executeCommand('parallelRunner.cancel'), true);
      assert.equal(await running, undefined);
      assert.ok(Date.now() - cancelledAt < 1000, `the command returned ${Date.now() - cancelledAt} ms after Cancel`);
      assert.equal(api.isRunning(), false);
      const report = await lastReport();
      assert.equal(report.status, 'cancelled');
      assert.match(byIndex(report.tasks)[0].error?.message ?? '', /^The run was cancelled while the worker was still loading the module: its top-level code had run for [\d.]+ s without finishing/);
      assert.ok(report.warnings.map((w) => w.message).some((warning) => warning.startsWith('The top-level code of topLevelLoop.ts had not finished')), report.warnings.map((w) => w.message).join('\n'));
      assert.deepEqual(shownErrors, [], 'a cancel is not an error');
      await assertNextRunWorks();
    });
  });

  describe('target', () => {
    async function runAtCursor(text: string): Promise<RunOutcome | undefined> {
      const document = await vscode.workspace.openTextDocument(fixture('targets.ts'));
      const editor = await vscode.window.showTextDocument(document);
      const position = document.positionAt(document.getText().indexOf(text));
      editor.selection = new vscode.Selection(position, position);
      return runCommand('parallelRunner.run', { inputs: '[[1], [2]]', options: { workers: 2 } });
    }

    after(async () => {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    });

    it('the cursor outside any function: nothing runs; the notification says what can run and lists the names', async () => {
      assert.equal(await runAtCursor('const LIMIT'), undefined);
      assert.match(lastError().message, /^Parallel Runner: targets\.ts:2:1: the cursor is not inside a runnable top-level target\. Put it in .* Runnable targets in this file: outer\.$/);
    });

    it('the cursor in a nested function: the top-level function around it runs', async () => {
      const outcome = await runAtCursor('k * LIMIT');
      assert.ok(outcome);
      assert.equal(outcome.report.target.name, 'outer');
      assert.deepEqual(outcome.results, [11, 21]);
    });

    it('a generator: refused, saying why and what to do', async () => {
      assert.equal(await runAtCursor('yield i'), undefined);
      assert.match(lastError().message, /countUp is a generator \(function\*\), which cannot run as a task: return an array \(or a Promise\) instead\./);
    });

    it("a name that doesn't exist: refused, listing the runnable names", async () => {
      assert.equal(await runCommand('parallelRunner.run', { uri: fixture('targets.ts'), name: 'nope', inputs: '[[1]]' }), undefined);
      assert.equal(lastError().message, 'Parallel Runner: targets.ts: no runnable target named "nope". Runnable targets in this file: outer.');
    });
  });

  describe('inputs', () => {
    const cases: [string, string, RegExp][] = [
      ['invalid JSON', '[[1], [2]', /^Parallel Runner: inputs are neither JSON \(.*\) nor a JavaScript expression \(.*\); e\.g\. \[\[1, 2\], \[3, 4\]\]/],
      ['an expression that throws', '(() => { throw new RangeError("no inputs today") })()', /^Parallel Runner: the inputs expression threw RangeError: no inputs today; e\.g\./],
      ['not an array', '{"n": 1}', /^Parallel Runner: inputs must be an array of argument lists, e\.g\. .*; got an object$/],
      ['an element of the wrong shape', '[[1], 2, [3]]', /^Parallel Runner: inputs\[1\] is a number but inputs\[0\] is an array: give every task its arguments as an array/],
      ['zero tasks', '[]', /^Parallel Runner: no inputs: give at least one argument list, e\.g\. \[\[1\], \[2\]\]$/],
    ];
    for (const [label, inputs, pattern] of cases) {
      it(`${label}: nothing runs; the notification says what to fix`, async () => {
        assert.equal(await runCommand('parallelRunner.run', { uri: fixture('misbehave.ts'), name: 'tiny', inputs }), undefined);
        assert.match(lastError().message, pattern);
      });
    }

    it('100,000 tasks: they run, the host stays responsive and the panel receives the report', async () => {
      const { api } = await activateExtension();
      // Built here rather than typed as an expression: evaluating that has a 1 s budget, which a shared machine can exceed.
      // Built before the watch starts: the stall measured is the extension's, not this test's.
      const inputs = Array.from({ length: 100_000 }, (_, i) => [i]);
      const watch = watchEventLoop();
      const started = Date.now();
      const outcome = await runCommand('parallelRunner.run', {
        uri: fixture('misbehave.ts'),
        name: 'tiny',
        inputs,
        options: { backend: 'threads', workers: 2, compareWithSerial: false },
      });
      const stallMs = watch.stop();
      const elapsedMs = Date.now() - started;
      assert.ok(outcome, JSON.stringify(shownErrors));
      assert.equal(outcome.report.summary.tasks, 100_000);
      assert.ok(
        outcome.results.every((value, i) => value === i * 2),
        'every result, in input order',
      );
      const state = await waitFor('the panel to receive the report', () => {
        const handshake = api.panelHandshake();
        return handshake?.deliveredReportId === outcome.report.id && handshake;
      }, 60_000);
      note(`100,000 tasks: ${elapsedMs} ms, host event loop stalled at most ${stallMs} ms, ${state.eventMessages} event messages to the panel (largest ${state.largestEventMessage} events)`);
      // Under a second on a quiet machine; the bound leaves room for a machine shared with other suites.
      assert.ok(stallMs < 3000, `the host stalled for ${stallMs} ms of a ${elapsedMs} ms run`);
      assert.ok(state.eventMessages < 1000, `live events reached the page in ${state.eventMessages} messages`);
      assert.ok(state.largestEventMessage <= 5_000, `one message carried ${state.largestEventMessage} events: a backlog must not go in one piece`);
    });
  });

  for (const backend of ['threads', 'processes'] as const) {
    describe(`tasks that misbehave (${backend})`, () => {
      const kinds = ['ok', 'error', 'string', 'undefined', 'reject', 'function', 'symbol', 'exit', 'allocate', 'ok', 'ok'];

      it('every kind fails alone, the notification names the first with its line, and the host carries on', async () => {
        const outcome = await runCommand('parallelRunner.run', {
          uri: fixture('misbehave.ts'),
          name: 'misbehave',
          inputs: kinds.map((how, i) => [i, how]),
          options: { backend, workers: 2, compareWithSerial: false, workerMemoryLimitMb: 64 },
        });
        assert.ok(outcome);
        assert.equal(outcome.report.status, 'completed');
        assert.deepEqual(outcome.results, [0, ...Array(8).fill(undefined), 9, 10]);
        const tasks = byIndex(outcome.report.tasks);
        assert.deepEqual(
          tasks.map((task) => task.error?.name ?? task.status),
          ['ok', 'RangeError', 'non-Error', 'non-Error', 'TypeError', 'DataCloneError', 'DataCloneError', 'WorkerExit', 'OutOfMemory', 'ok', 'ok'],
        );
        const shown = lastError();
        assert.match(shown.message, /^misbehave failed for 8 of 11 inputs\. Task 1: RangeError: task 1 refuses \(misbehave\.ts:\d+\)$/);
        assert.deepEqual(shown.actions, ['Open', 'Show Output']);
        if (backend === 'threads') assert.ok(tasks.filter((task) => task.lane >= 0).every((task) => task.pid === process.pid), 'the threads ran in this host, which outlived process.exit and the out-of-memory thread');
        await assertNextRunWorks(backend);
      });

      it('a task that never returns: the timeout stops only its worker; the notification says which task timed out', async () => {
        const outcome = await runCommand('parallelRunner.run', {
          uri: fixture('misbehave.ts'),
          name: 'misbehave',
          inputs: ['ok', 'hang', 'ok', 'ok', 'ok'].map((how, i) => [i, how]),
          options: { backend, workers: 2, compareWithSerial: false, taskTimeoutSeconds: 2 },
        });
        assert.ok(outcome);
        assert.deepEqual(outcome.results, [0, undefined, 2, 3, 4]);
        assert.match(byIndex(outcome.report.tasks)[1].error?.message ?? '', /^Task 1 did not finish within the 2 s task timeout/);
        const shown = lastError();
        assert.equal(shown.message, 'misbehave failed for 1 of 5 inputs. Task 1: timed out after 2 s');
        assert.deepEqual(shown.actions, ['Show Output']);
        await assertNextRunWorks(backend);
      });
    });
  }

  describe('errors outside the task, big results and output', () => {
    it('a timer throws after its task returned: every result is kept and a warning points at the error', async () => {
      const outcome = await runCommand('parallelRunner.run', { uri: fixture('misbehave.ts'), name: 'throwsLater', inputs: '[[0], [1], [2], [3], [4], [5]]', options: { workers: 2, compareWithSerial: false } });
      assert.ok(outcome);
      assert.deepEqual(outcome.results, [0, 1, 2, 3, 4, 5]);
      assert.ok(outcome.report.warnings.map((w) => w.message).some((warning) => /^Code a task left running \(a timer or callback\) threw after the task had returned: Error: late failure of task \d/.test(warning)), outcome.report.warnings.map((w) => w.message).join('\n'));
      assert.deepEqual(shownErrors, [], 'no task failed');
    });

    it('an unhandled rejection fails only its task, saying so', async () => {
      const outcome = await runCommand('parallelRunner.run', {
        uri: fixture('misbehave.ts'),
        name: 'leavesRejection',
        inputs: [0, 1, 2, 3].map((i) => [i, i === 1]),
        options: { workers: 2, compareWithSerial: false },
      });
      assert.ok(outcome);
      assert.deepEqual(outcome.results, [0, undefined, 2, 3]);
      assert.match(lastError().message, /^leavesRejection failed for 1 of 4 inputs\. Task 1: Error: A promise rejection nobody handled ended the task \(await the promise or add \.catch\(\)\): nobody handles this rejection of task 1/);
    });

    it('a 100 MB result arrives whole; the report the panel receives keeps a short preview', async () => {
      const { api } = await activateExtension();
      const outcome = await runCommand('parallelRunner.run', { uri: fixture('misbehave.ts'), name: 'bigResult', inputs: '[[0, 100], [1, 1]]', options: { workers: 2, compareWithSerial: false } });
      assert.ok(outcome);
      assert.equal((outcome.results[0] as string).length, 100 * 2 ** 20);
      assert.ok((byIndex(outcome.report.tasks)[0].resultPreview ?? '').length <= 2000);
      await waitFor('the panel to receive the report', () => api.panelHandshake()?.deliveredReportId === outcome.report.id, 30_000);
    });

    it('1 MB of logs is cut at the per-task cap, and the report says so', async () => {
      const outcome = await runCommand('parallelRunner.run', { uri: fixture('misbehave.ts'), name: 'chatty', inputs: '[[0, 1024], [1, 1]]', options: { workers: 2, compareWithSerial: false } });
      assert.ok(outcome);
      assert.deepEqual(outcome.results, [0, 1]);
      assert.equal(byIndex(outcome.report.tasks)[0].logsTruncated, true);
      assert.ok(outcome.report.warnings.map((w) => w.message).includes('Task 0 printed more than 64 KiB of console output; the rest was cut at that per-task limit. Print less, or write large output to a file.'), outcome.report.warnings.map((w) => w.message).join('\n'));
    });
  });

  for (const backend of ['threads', 'processes'] as const) {
    describe(`cancel (${backend})`, () => {
      it('Cancel during a run: every worker stops within a second, finished tasks are kept, the rest cancelled; the next run works', async () => {
        const { api } = await activateExtension();
        const beats = path.join(os.tmpdir(), `pr-faults-beats-${backend}-${process.pid}.txt`);
        fs.rmSync(beats, { force: true });
        const inputs = [
          [0, beats, 100],
          [1, beats, 100],
          ...[2, 3, 4, 5].map((i) => [i, beats, 3000]),
        ];
        const running = runCommand('parallelRunner.run', { uri: fixture('misbehave.ts'), name: 'heartbeat', inputs, options: { backend, workers: 2, compareWithSerial: false } });
        await waitFor('the run to start', () => api.isRunning());
        // Tasks 0 and 1 write a few beats and finish; tasks 2 and 3 then beat for three seconds.
        await waitFor('tasks 2 and 3 to beat', () => fs.existsSync(beats) && /^[23] /m.test(fs.readFileSync(beats, 'utf8')), 20_000);
        await new Promise((resolve) => setTimeout(resolve, 300));
        const cancelledAt = Date.now();
        assert.equal(await vscode.commands.executeCommand('parallelRunner.cancel'), true);
        assert.equal(await running, undefined);
        const returnedMs = Date.now() - cancelledAt;
        await new Promise((resolve) => setTimeout(resolve, 1200));
        const lastBeat = Math.max(...fs.readFileSync(beats, 'utf8').trim().split('\n').map((line) => Number(line.split(' ')[1])));
        fs.rmSync(beats, { force: true });
        assert.ok(returnedMs < 1000, `the command returned ${returnedMs} ms after Cancel`);
        assert.ok(lastBeat - cancelledAt < 1000, `a worker kept running ${lastBeat - cancelledAt} ms after Cancel`);
        const report = await lastReport();
        assert.equal(report.status, 'cancelled');
        assert.deepEqual(
          byIndex(report.tasks).map((task) => task.status),
          ['ok', 'ok', 'cancelled', 'cancelled', 'cancelled', 'cancelled'],
        );
        assert.ok(byIndex(report.tasks).slice(0, 2).every((task) => task.resultPreview !== undefined), 'finished results are in the report');
        await assertNextRunWorks(backend);
      });
    });
  }

  describe('no leaks', () => {
    setFlagsFromString('--expose-gc');
    const collectGarbage = runInNewContext('gc') as () => void;
    const heapMb = () => {
      collectGarbage();
      collectGarbage();
      return process.memoryUsage().heapUsed / 2 ** 20;
    };

    for (const backend of ['threads', 'processes'] as const) {
      it(`100 runs in a row (${backend}): the host's threads, child processes and memory come back to their baseline`, async function () {
        this.timeout(180_000);
        const { api } = await activateExtension();
        const args = (i: number) => ({ uri: fixture('misbehave.ts'), name: 'tiny', inputs: [[i], [i + 1]], options: { backend, workers: 2, compareWithSerial: false } });
        assert.ok(await runCommand('parallelRunner.run', args(0)));
        await api.disposeEngine();
        await waitFor('no worker processes', () => workerProcesses().length === 0);
        await new Promise((resolve) => setTimeout(resolve, 500));
        const baseline = { threads: threadCount(), heapMb: heapMb() };
        const started = Date.now();
        for (let i = 0; i < 100; i++) {
          const outcome = await vscode.commands.executeCommand<RunOutcome | undefined>('parallelRunner.run', args(i));
          assert.deepEqual(outcome?.results, [i * 2, (i + 1) * 2], `run ${i}`);
        }
        const warm = { threads: threadCount(), children: workerProcesses().length, heapMb: heapMb() };
        await api.disposeEngine();
        await waitFor('every worker process to exit', () => workerProcesses().length === 0);
        const threads = await waitFor('the worker threads to exit', () => threadCount() <= baseline.threads && threadCount(), 10_000).catch(() => threadCount());
        const endHeapMb = heapMb();
        note(
          `${backend}: 100 runs in ${Date.now() - started} ms; threads ${baseline.threads} → ${warm.threads} → ${threads}; ` +
            `worker processes ${warm.children} → ${workerProcesses().length}; heap ${baseline.heapMb.toFixed(1)} → ${warm.heapMb.toFixed(1)} → ${endHeapMb.toFixed(1)} MB`,
        );
        assert.ok(threads <= baseline.threads, `${threads} threads after dispose, ${baseline.threads} before the runs`);
        assert.ok(endHeapMb - baseline.heapMb < 16, `the host's heap grew by ${(endHeapMb - baseline.heapMb).toFixed(1)} MB over 100 runs`);
      });
    }
  });

  describe('hostile output', () => {
    it('a file name, results and logs carrying HTML: the panel gets the report and the HTML export holds no live markup', async () => {
      const { api } = await activateExtension();
      const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-faults-hostile-'));
      const file = path.join(folder, '<img src=x onerror=alert(5)>.ts');
      fs.copyFileSync(fixture('hostile.ts').fsPath, file);
      try {
        const outcome = await runCommand('parallelRunner.run', { uri: vscode.Uri.file(file), name: 'render', inputs: [[0, '<script>alert(2)</script>'], [1, 'plain'], [2, 'x']], options: { workers: 2 } });
        assert.ok(outcome);
        assert.deepEqual((outcome.results[0] as { html: string }).html, '<img src=x onerror=alert(1)><script>alert(2)</script>');
        await waitFor('the panel to receive the report', () => api.panelHandshake()?.deliveredReportId === outcome.report.id, 20_000);
        const exported = await vscode.commands.executeCommand<vscode.Uri>('parallelRunner.exportReport', { format: 'html', uri: path.join(folder, 'report.html') });
        const html = fs.readFileSync(exported.fsPath, 'utf8');
        assert.equal(html.match(/<script\b/gi)?.length, 2, 'only the data element and the page script');
        for (const markup of ['<img src=x', '<svg onload', '<b onmouseover', '<script>alert']) assert.ok(!html.includes(markup), `${markup} appears as markup in the export`);
        assert.ok(html.includes('\\u003cimg src=x onerror=alert(5)\\u003e.ts'), 'the file name is in the data, escaped');
        assert.match(lastError().message, /^render failed for 1 of 3 inputs\. Task 2: Error: <svg onload=alert\(4\)> \(<img src=x onerror=alert\(5\)>\.ts:5\)$/);
      } finally {
        fs.rmSync(folder, { recursive: true, force: true });
      }
    });
  });

  describe('round 2', () => {
    it('settings are held to their schema: a repository asking for 100,000 workers or a 2,200,000 s timeout gets the maximum', async () => {
      try {
        await updateSetting('workers', 100_000);
        await updateSetting('taskTimeoutSeconds', 2_200_000);
        await updateSetting('workerMemoryLimitMb', 4);
        await updateSetting('maxResultPreviewChars', 1.5);
        const { options, maxPreviewChars } = readRunSettings();
        assert.equal(options.workers, 256);
        assert.equal(options.taskTimeoutSeconds, 2147483);
        assert.equal(options.workerMemoryLimitMb, 16);
        assert.equal(maxPreviewChars, 40);
      } finally {
        for (const key of ['workers', 'taskTimeoutSeconds', 'workerMemoryLimitMb', 'maxResultPreviewChars']) await updateSetting(key, undefined);
      }
    });

    it("the inputs box's check of a getter that never returns comes back with the reason, as typed and on Enter, and the host carries on", () => {
      const looping = 'Object.defineProperty([[1]], 0, { get() { for (;;); } })';
      // As typed: the box checks with a 150 ms budget on every keystroke.
      let started = Date.now();
      const typed = validateInputsText(looping, 'f', 150);
      let took = Date.now() - started;
      assert.equal(typed.severity, vscode.InputBoxValidationSeverity.Error);
      assert.match(typed.message, /checking the value of the inputs expression took longer than 150 ms/);
      assert.ok(took < 1000, `a keystroke's check held the extension host ${took} ms`);
      // On Enter (and when the box opens): the full 1 s limit, for evaluating and again for checking.
      started = Date.now();
      const entered = validateInputsText(looping, 'f');
      took = Date.now() - started;
      assert.match(entered.message, /checking the value of the inputs expression took longer than 1 s/);
      assert.ok(took < 3000, `the check on Enter held the extension host ${took} ms`);
    });
  });

  describe('trust', () => {
    it('in an untrusted workspace nothing runs, and the notification says how to trust it (the untrusted window proves the commands refuse)', () => {
      assert.equal(ensureTrusted(false), false);
      const shown = lastError();
      assert.match(shown.message, /needs a trusted workspace\. Trust the folder \(Workspaces: Manage Workspace Trust\), then run again\.$/);
      assert.deepEqual(shown.actions, ['Manage Workspace Trust']);
    });
  });
});
