// Python targets in the real extension host: CodeLens on a .py file, runs from the cursor and by name on both of Python's
// pools, the interpreter chosen without the Python extension (setting, then python3 on PATH), and a clear missing-interpreter error.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as vscode from 'vscode';
import type { RunReport, TaskRecord } from '../../src/shared/report';
import { activateExtension, runCommand, updateSetting, waitFor, workspaceFile } from './support';

const FILE = () => workspaceFile('python_workloads.py');

function parallelTasks(report: RunReport): TaskRecord[] {
  return report.tasks.filter((task) => task.phase === 'parallel').sort((a, b) => a.index - b.index);
}

/** sys.executable of python3 on this extension host's PATH: what runs when nothing else is chosen. */
function pathPython(): string {
  return execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
}

interface ShownError {
  message: string;
  actions: string[];
}

describe('Python', () => {
  before(async () => {
    await activateExtension();
    assert.equal(vscode.extensions.getExtension('ms-python.python'), undefined, 'this suite checks the fallback without the Python extension');
  });

  after(async () => {
    await updateSetting('pythonPath', undefined);
  });

  it('CodeLens: Run in pool · Compare · Sweep above each def and the Process subclass of a .py file', async () => {
    const document = await vscode.workspace.openTextDocument(FILE());
    assert.equal(document.languageId, 'python');
    const lenses = await waitFor('CodeLens on the .py file', async () => {
      const found = ((await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri, 100)) ?? []).filter((lens) =>
        lens.command?.command.startsWith('parallelRunner.'),
      );
      return found.length > 0 && found;
    });
    const names = [...new Set(lenses.map((lens) => (lens.command?.arguments?.[0] as { name: string }).name))];
    assert.deepEqual(names, ['nap', 'count_primes', 'Doubler']);
    const napLine = document.getText().split('\n').findIndex((line) => line.startsWith('def nap('));
    assert.deepEqual(
      lenses.filter((lens) => lens.range.start.line === napLine).map((lens) => lens.command?.title),
      ['$(play) Run in pool', 'Compare', 'Sweep'],
    );
  });

  it('runs the def at the cursor on processes: a PID per worker, output per task, the interpreter in the report', async () => {
    const document = await vscode.workspace.openTextDocument(FILE());
    const editor = await vscode.window.showTextDocument(document);
    const at = document.positionAt(document.getText().indexOf('time.sleep(i / 10)'));
    editor.selection = new vscode.Selection(at, at);
    const outcome = await runCommand('parallelRunner.run', { inputs: '[[3], [2], [1]]', options: { backend: 'processes', workers: 3, compareWithSerial: true, repeats: 1 } });
    assert.ok(outcome, 'the run produced a report');
    const { report, results } = outcome;
    assert.equal(report.target.name, 'nap');
    assert.equal(report.status, 'completed');
    assert.deepEqual(results, [3, 2, 1]);
    const tasks = parallelTasks(report);
    assert.equal(new Set(tasks.map((task) => task.pid)).size, 3, 'three worker processes');
    assert.ok(tasks.every((task) => task.pid !== process.pid && task.startUs !== undefined && task.endUs !== undefined));
    for (const task of tasks) assert.deepEqual(task.logs.map((line) => line.text), [`Child process: ${task.pid} - Task: ${task.argsPreview}`]);
    assert.equal(report.runtime?.language, 'python');
    assert.equal(report.runtime?.executable, pathPython(), 'without the Python extension or the setting, python3 on PATH runs');
    assert.equal(report.runtime?.startMethod, 'spawn');
    assert.ok(report.summary.speedup! > 1.3, `sleeps overlap on processes (${report.summary.speedup})`);
  });

  it('threads on CPU-bound Python: one PID, several native thread ids, and the GIL named as the cause', async () => {
    const outcome = await runCommand('parallelRunner.run', {
      uri: FILE().toString(),
      name: 'count_primes',
      inputs: '[[80000], [80000], [80000], [80000]]',
      options: { backend: 'threads', workers: 2, compareWithSerial: true, repeats: 1 },
    });
    assert.ok(outcome);
    const tasks = parallelTasks(outcome.report);
    assert.equal(new Set(tasks.map((task) => task.pid)).size, 1);
    assert.equal(new Set(tasks.map((task) => task.threadId)).size, 2);
    const figures = outcome.report.tasks.map((t) => `${t.phase[0]}${t.index}: ${t.durationMs?.toFixed(0)}/${t.cpuMs?.toFixed(0)}/${t.waitMs?.toFixed(0)}`).join(' ');
    assert.ok(
      outcome.report.warnings.some((warning) => warning.code === 'gil'),
      `a GIL warning; got ${outcome.report.warnings.map((w) => w.code).join(', ')}; duration/cpu/wait ${figures}`,
    );
  });

  it('the Process subclass runs with each task’s arguments; parallelRunner.pythonPath picks the interpreter', async () => {
    const chosen = pathPython();
    await updateSetting('pythonPath', chosen);
    const outcome = await runCommand('parallelRunner.run', { uri: FILE().toString(), name: 'Doubler', inputs: '[[2], [5]]', options: { backend: 'processes', workers: 2, compareWithSerial: false } });
    assert.ok(outcome);
    assert.deepEqual(outcome.results, [4, 10]);
    assert.equal(outcome.report.runtime?.executable, chosen);
  });

  it('a missing interpreter: one error naming the setting, with Open Settings; a TS run still works', async () => {
    const shown: ShownError[] = [];
    const real = vscode.window.showErrorMessage;
    (vscode.window as { showErrorMessage: unknown }).showErrorMessage = (message: string, ...actions: unknown[]) => {
      shown.push({ message, actions: actions.filter((action): action is string => typeof action === 'string') });
      return Promise.resolve(undefined);
    };
    try {
      await updateSetting('pythonPath', '/nonexistent/python3');
      const outcome = await runCommand('parallelRunner.run', { uri: FILE().toString(), name: 'nap', inputs: '[[1]]', options: { backend: 'processes', workers: 1 } });
      assert.equal(outcome, undefined);
      assert.equal(shown.length, 1, JSON.stringify(shown));
      assert.match(shown[0].message, /No Python interpreter could be started.*\/nonexistent\/python3.*was not found.*parallelRunner\.pythonPath/);
      assert.deepEqual(shown[0].actions, ['Open Settings']);
    } finally {
      (vscode.window as { showErrorMessage: unknown }).showErrorMessage = real;
      await updateSetting('pythonPath', undefined);
    }
    const ts = await runCommand('parallelRunner.run', { uri: workspaceFile('workloads.ts').toString(), name: 'nap', inputs: '[[1]]', options: { backend: 'threads', workers: 1 } });
    assert.equal(ts?.report.status, 'completed');
    assert.equal(ts?.report.runtime, undefined);
  });
});
