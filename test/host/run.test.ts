// Real runs through the commands with arguments: threads and processes, benchmark, sweep, cancel, errors, settings, untitled editors.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunReport } from '../../src/shared/report';
import { activateExtension, runCommand, sampleUri, updateSetting, workspaceFile } from './support';

function parallelLanes(report: RunReport) {
  const phase = report.phases.filter((p) => p.phase === 'parallel').at(-1);
  assert.ok(phase, 'the report has no parallel phase');
  return phase.lanes.filter((lane) => lane.tasks > 0);
}

describe('runs', function () {
  this.timeout(60_000);

  before(async () => {
    await activateExtension();
  });

  it('runs longTimeTask on worker threads: lanes share the host PID, distinct thread IDs, speedup > 1.3', async () => {
    const outcome = await runCommand('parallelRunner.run', {
      uri: await sampleUri(),
      name: 'longTimeTask',
      inputs: [[1], [2], [3], [4]],
      options: { backend: 'threads', workers: 4 },
    });
    assert.ok(outcome, 'the run returned nothing');
    const { report, results } = outcome;
    assert.equal(report.status, 'completed');
    assert.deepEqual(results, [1, 2, 3, 4]);
    const lanes = parallelLanes(report);
    assert.ok(lanes.length >= 2, `only ${lanes.length} lane(s) ran tasks`);
    assert.equal(new Set(lanes.map((lane) => lane.pid)).size, 1, 'threads should share one PID');
    assert.equal(lanes[0].pid, process.pid, 'worker threads live in the extension host process');
    assert.equal(new Set(lanes.map((lane) => lane.threadId)).size, lanes.length, 'each lane is its own thread');
    assert.ok((report.summary.speedup ?? 0) > 1.3, `speedup ${report.summary.speedup}`);
    // A plain run from the extension repeats serial/parallel pairs (setting repeats 0): the speedup is their median, with n.
    const estimate = report.summary.speedupEstimate;
    assert.ok(estimate, 'a plain run reports the speedup with its interval');
    const pairs = report.phases.filter((run) => run.phase === 'parallel').length;
    assert.ok(pairs >= 1 && estimate.n + estimate.excludedPairs.length === pairs, `${pairs} pairs, estimate over ${estimate.n}`);
    assert.equal(report.summary.speedup, estimate.median);
    const serial = report.tasks.filter((task) => task.phase === 'serial');
    assert.equal(serial.length, 4 * pairs);
    const account = report.summary.account;
    assert.ok(account, 'the run carries the account of its latest pair');
    const sum = account.segments.reduce((total, segment) => total + segment.ms, 0);
    assert.ok(Math.abs(sum - account.parallelMs) <= account.parallelMs * 0.01, `terms ${sum} ms, wall ${account.parallelMs} ms`);
    if (process.platform === 'linux') assert.ok(report.tasks.every((task) => task.cpuMs !== undefined && task.waitMs !== undefined), 'every task has CPU and wait figures');
    assert.ok(report.tasks.every((task) => task.logs.some((log) => /Task: \d/.test(log.text))), 'console lines were captured');
  });

  it('runs on child processes: one PID per worker, none of them the host', async () => {
    const outcome = await runCommand('parallelRunner.run', {
      uri: await sampleUri(),
      name: 'longTimeTask',
      inputs: [[2], [2]],
      options: { backend: 'processes', workers: 2, compareWithSerial: false },
    });
    assert.ok(outcome);
    const lanes = parallelLanes(outcome.report);
    assert.equal(lanes.length, 2);
    assert.equal(new Set(lanes.map((lane) => lane.pid)).size, 2, 'each process lane has its own PID');
    assert.ok(lanes.every((lane) => lane.pid !== process.pid));
    assert.equal(outcome.report.summary.serialMs, undefined, 'compareWithSerial: false ran a serial phase');
  });

  it('applies a settings change to the next run', async () => {
    try {
      await settingsApplyToNextRun();
    } finally {
      await updateSetting('workers', undefined);
      await updateSetting('compareWithSerial', undefined);
    }
  });

  async function settingsApplyToNextRun() {
    await updateSetting('workers', 1);
    await updateSetting('compareWithSerial', false);
    const outcome = await runCommand('parallelRunner.run', { uri: workspaceFile('workloads.ts'), name: 'nap', inputs: '[[1], [2]]' });
    assert.ok(outcome);
    assert.equal(outcome.report.options.workers, 1);
    assert.equal(outcome.report.options.compareWithSerial, false);
    assert.equal(outcome.report.tasks.filter((task) => task.phase === 'serial').length, 0);
    assert.deepEqual(outcome.results, [2, 4], 'the local import ./lib/math resolved');

    await updateSetting('workers', 2);
    await updateSetting('compareWithSerial', true);
    const next = await runCommand('parallelRunner.run', { uri: workspaceFile('workloads.ts'), name: 'nap', inputs: '[[1], [2]]' });
    assert.ok(next);
    assert.equal(next.report.options.workers, 2);
    const pairs = next.report.phases.filter((run) => run.phase === 'serial').length;
    assert.ok(pairs >= 1);
    assert.equal(next.report.tasks.filter((task) => task.phase === 'serial').length, 2 * pairs);
  }

  it('benchmarks with repeats: the speedup is a spread over the repeats', async () => {
    const outcome = await runCommand('parallelRunner.benchmark', {
      uri: await sampleUri(),
      name: 'longTimeTask',
      inputs: [[1], [1]],
      options: { workers: 2, repeats: 3, warmupRuns: 1 },
    });
    assert.ok(outcome);
    const spread = outcome.report.summary.speedupSpread;
    assert.ok(spread, 'no speedup spread');
    assert.equal(spread.n, 3);
    assert.ok(spread.min <= spread.mean && spread.mean <= spread.max);
    assert.equal(outcome.report.phases.filter((p) => p.phase === 'parallel').length, 3, 'warm-ups are not recorded');
  });

  it('sweeps worker counts and fits Amdahl', async () => {
    const outcome = await runCommand('parallelRunner.sweep', {
      uri: await sampleUri(),
      name: 'longTimeTask',
      inputs: [[1], [1], [1], [1]],
      sweepWorkers: [1, 2, 4],
    });
    assert.ok(outcome);
    const sweep = outcome.report.sweep;
    assert.ok(sweep, 'no sweep in the report');
    assert.deepEqual(sweep.points.map((p) => p.workers), [1, 2, 4]);
    assert.ok(sweep.points[2].speedup > sweep.points[0].speedup, 'four workers were not faster than one');
    assert.ok(sweep.amdahlSerialFraction >= 0 && sweep.amdahlSerialFraction <= 1);
  });

  it('reports an error in user code with the file and line of the throw', async () => {
    const file = workspaceFile('workloads.ts');
    const outcome = await runCommand('parallelRunner.run', { uri: file, name: 'failsAboveOne', inputs: '[[1], [2], [3]]', options: { workers: 2 } });
    assert.ok(outcome, 'a run with failing tasks still returns its report');
    const failed = outcome.report.tasks.filter((task) => task.status === 'error');
    assert.equal(failed.length, 4, 'inputs 2 and 3 fail in the serial and the parallel phase');
    const error = failed[0].error;
    assert.ok(error);
    assert.equal(error.name, 'RangeError');
    assert.match(error.message, /n is too big/);
    assert.equal(error.location?.file, file.fsPath);
    assert.equal(error.location?.line, 12);
    assert.deepEqual(outcome.results.slice(0, 1), [1]);
  });

  it('refuses an unknown target without throwing (the user sees what to fix)', async () => {
    const outcome = await runCommand('parallelRunner.run', { uri: await sampleUri(), name: 'noSuchFunction', inputs: [[1]] });
    assert.equal(outcome, undefined);
  });

  it('cancels a run under way', async () => {
    const started = Date.now();
    const running = runCommand('parallelRunner.run', {
      uri: await sampleUri(),
      name: 'longTimeTask',
      inputs: [[20], [20], [20], [20]],
      options: { workers: 2, compareWithSerial: false },
    });
    const { api } = await activateExtension();
    const deadline = Date.now() + 10_000;
    while (!api.isRunning() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await vscode.commands.executeCommand('parallelRunner.cancel'), true);
    const outcome = await running;
    assert.equal(outcome, undefined);
    assert.ok(Date.now() - started < 3500, `cancel took ${Date.now() - started} ms; the tasks alone take 4 s`);
    assert.equal(api.isRunning(), false);
  });

  it('re-runs the last run with the same target and inputs', async () => {
    const first = await runCommand('parallelRunner.run', { uri: workspaceFile('workloads.ts'), name: 'nap', inputs: '[[1], [3]]', options: { workers: 2 } });
    assert.ok(first);
    const again = await vscode.commands.executeCommand<typeof first>('parallelRunner.rerunLast');
    assert.ok(again);
    assert.notEqual(again.report.id, first.report.id);
    assert.equal(again.report.target.name, 'nap');
    assert.deepEqual(again.results, [2, 6]);
  });

  it('runs the unsaved text of an untitled editor, resolving imports from the workspace folder', async () => {
    const document = await vscode.workspace.openTextDocument({
      language: 'typescript',
      content: "import { double } from './lib/math';\nexport function quadruple(n: number): number {\n  return double(double(n));\n}\n",
    });
    await vscode.window.showTextDocument(document);
    const outcome = await runCommand('parallelRunner.run', { uri: document.uri, name: 'quadruple', inputs: '[[1], [2]]', options: { workers: 2 } });
    assert.ok(outcome);
    assert.deepEqual(outcome.results, [4, 8]);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('takes the target from the cursor in the active editor', async () => {
    const document = await vscode.workspace.openTextDocument(workspaceFile('workloads.ts'));
    const editor = await vscode.window.showTextDocument(document);
    const inside = document.positionAt(document.getText().indexOf('return double(n)'));
    editor.selection = new vscode.Selection(inside, inside);
    const outcome = await runCommand('parallelRunner.run', { inputs: '[[5]]', options: { workers: 1 } });
    assert.ok(outcome);
    assert.equal(outcome.report.target.name, 'nap');
    assert.deepEqual(outcome.results, [10]);
  });

  it('exports the last report as JSON, CSV, Chrome trace and standalone HTML', async () => {
    const outcome = await runCommand('parallelRunner.run', { uri: workspaceFile('workloads.ts'), name: 'nap', inputs: '[[1], [2]]', options: { workers: 2 } });
    assert.ok(outcome);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-export-'));
    const written = async (format: string, name: string) => {
      const uri = await vscode.commands.executeCommand<vscode.Uri>('parallelRunner.exportReport', { format, uri: path.join(dir, name) });
      assert.ok(uri, `${format} export wrote nothing`);
      return fs.readFileSync(uri.fsPath, 'utf8');
    };
    assert.equal(JSON.parse(await written('json', 'r.json')).id, outcome.report.id);
    const csv = (await written('csv', 'r.csv')).trim().split(/\r?\n/);
    assert.equal(csv.length, 1 + outcome.report.tasks.length, 'one CSV row per task plus the header');
    assert.ok(Array.isArray(JSON.parse(await written('trace', 'r.trace.json')).traceEvents));
    const html = await written('html', 'r.html');
    assert.match(html, /<html/);
    assert.ok(html.includes(outcome.report.id), 'the standalone page carries the report');
  });
});
