// A Python function run from the real editor: the packaged extension in code-server (no Python extension there, so
// python3 on PATH runs), a .py file's context menu and CodeLens, both of Python's pools, the GIL named in the panel.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import {browseWorkbench, closeWorkbench, type CodeServer, installVsix, repoRoot, startCodeServer } from '../harness/codeServer';
import { ensureVsix } from './vsix';
import { answerInputBox, clickCodeLens, clickInLine, contextMenu, editUserSettings, focusFirstEditorGroup, panelFrame, quickOpen, runCommand, until } from './workbench';
import { cardText, lanes, parseMs, runFingerprint, taskRows, waitForNewRun } from './panel';

const RESULTS = path.join(repoRoot, 'test-results');
const SAMPLE = path.join(repoRoot, 'media', 'sample', 'seed_workloads.py');
const WORKERS = 3;

describe('A Python function run from code-server through the UI', { timeout: 10 * 60_000 }, () => {
  let server: CodeServer | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let panel: FrameLocator;
  let workspace: string | undefined;
  let extensionsDir: string | undefined;
  let sampleFile: string;

  /** The Backend card's notes, checked against the interpreter they name: its version is what that executable reports. */
  async function interpreterNotes(): Promise<{ pool: string; executable: string }> {
    const notes = (await panel.locator('[data-testid=backend] ~ .card-note').allTextContents()).map((text) => text.trim());
    assert.equal(notes.length, 2, JSON.stringify(notes));
    const [pool, executable] = notes;
    assert.ok(path.isAbsolute(executable) && fs.existsSync(executable), `the interpreter note names an executable: ${executable}`);
    const version = execFileSync(executable, ['-c', 'import sys; print(sys.version.split()[0])'], { encoding: 'utf8' }).trim();
    assert.ok(pool.startsWith(`Python ${version} · `), `"${pool}" gives the version ${executable} reports (${version})`);
    return { pool, executable };
  }

  async function step<T>(name: string, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      const slug = name.replace(/[^\w]+/g, '-').toLowerCase();
      await page?.screenshot({ path: path.join(RESULTS, `ui-python-failure-${slug}.png`) }).catch(() => undefined);
      if (server) fs.writeFileSync(path.join(RESULTS, `ui-python-failure-${slug}.code-server.log`), server.log());
      throw error;
    }
  }

  async function runAndWait(target: string, launch: () => Promise<void>, inputs: string): Promise<string> {
    const previous = await runFingerprint(panel);
    await launch();
    await answerInputBox(page, inputs);
    return waitForNewRun(panel, previous, target, /^completed$/, 180_000);
  }

  async function screenshot(name: string): Promise<void> {
    await focusFirstEditorGroup(page);
    await runCommand(page, 'Notifications: Clear All Notifications');
    await page.waitForTimeout(800);
    const panelTab = page.locator('.tab', { hasText: 'Parallel Runner' }).first();
    await panelTab.dblclick();
    await page.waitForTimeout(1_500);
    await page.screenshot({ path: path.join(RESULTS, `ui-python-${name}.png`) });
    await panelTab.dblclick();
    await page.waitForTimeout(500);
    await focusFirstEditorGroup(page);
  }

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    for (const old of fs.readdirSync(RESULTS).filter((name) => name.startsWith('ui-python-'))) fs.rmSync(path.join(RESULTS, old), { recursive: true, force: true });
    const vsix = ensureVsix();
    extensionsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-e2e-py-extensions-'));
    installVsix(vsix, extensionsDir);
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-e2e-py-workspace-'));
    sampleFile = path.join(workspace, 'seed_workloads.py');
    fs.copyFileSync(SAMPLE, sampleFile);
    server = await startCodeServer({
      workspace,
      extensionsDir,
      settings: {
        'workbench.colorTheme': 'Default Dark Modern',
        'parallelRunner.workers': WORKERS,
        'parallelRunner.backend': 'processes',
        'parallelRunner.compareWithSerial': true,
        'parallelRunner.repeats': 1,
        'editor.minimap.enabled': false,
      },
    });
    ({ context, page } = await browseWorkbench(server, 'python-ui'));
    panel = panelFrame(page);
  });

  after(async () => {
    await closeWorkbench({ server, context, logFile: path.join(RESULTS, 'ui-python-code-server.log'), scratch: [workspace, extensionsDir] });
  });

  test('context menu on long_time_task (processes): a lane and PID per worker, every task timed, the tutorial’s times, the interpreter named', () =>
    step('processes', async () => {
      await quickOpen(page, 'seed_workloads.py');
      // The lenses come once Python's ast has listed the targets; they shift the lines, so wait for them before clicking.
      await until('CodeLens on the .py file', async () => (await page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Run in pool' }).count()) > 0, 60_000);
      await clickInLine(page, sampleFile, 'time.sleep(i / 10)');
      await runAndWait('long_time_task', () => contextMenu(page, sampleFile, 'time.sleep(i / 10)', 'Run Function in Worker Pool'), '[[1], [2], [3]]');
      const parallelLanes = (await lanes(panel)).filter((lane) => lane.phase === 'parallel');
      assert.equal(parallelLanes.length, WORKERS, JSON.stringify(parallelLanes));
      assert.equal(new Set(parallelLanes.map((lane) => lane.pid)).size, WORKERS, `a PID per worker process: ${JSON.stringify(parallelLanes)}`);
      const rows = await taskRows(panel);
      for (const phase of ['serial', 'parallel']) {
        const phaseRows = rows.filter((row) => row.phase === phase).sort((a, b) => a.index - b.index);
        assert.deepEqual(phaseRows.map((row) => row.index), [0, 1, 2], `${phase} rows`);
        for (const row of phaseRows) {
          assert.equal(row.status, 'ok');
          assert.ok(parseMs(row.end) > parseMs(row.start), `${phase} task ${row.index}: ${row.start} → ${row.end}`);
          assert.ok(parseMs(row.duration) >= (row.index + 1) * 100 - 5, `${phase} task ${row.index} took ${row.duration}`);
          assert.equal(row.result, String(row.index + 1));
        }
      }
      // Serial ≈ the sum of the sleeps (0.6 s), parallel ≈ the longest (0.3 s).
      const serialMs = parseMs(await cardText(panel, 'serial-time'));
      const parallelMs = parseMs(await cardText(panel, 'parallel-time'));
      assert.ok(serialMs >= 600 && parallelMs >= 300 && parallelMs < serialMs * 0.8, `serial ${serialMs} ms, parallel ${parallelMs} ms`);
      assert.equal(await cardText(panel, 'backend'), 'processes');
      // No Python extension in code-server and no setting: python3 on the extension host's PATH ran.
      const { pool } = await interpreterNotes();
      assert.match(pool, /^Python 3\.\d+\.\d+ · multiprocessing Pool \(spawn\)$/);
      await screenshot('processes');
    }));

  test('CodeLens above MyProcess (a multiprocessing.Process subclass) runs MyProcess(v).run() per task', () =>
    step('codelens', async () => {
      await runAndWait('MyProcess', () => clickCodeLens(page, sampleFile, 'class MyProcess(Process):', 'Run in pool'), '[[2], [10], [20]]');
      const rows = (await taskRows(panel)).filter((row) => row.phase === 'parallel').sort((a, b) => a.index - b.index);
      assert.deepEqual(rows.map((row) => row.result), ['(3, 4)', '(11, 12)', '(21, 22)']);
    }));

  test('threads on CPU-bound count_primes: one PID, a native thread id per worker, and the GIL named as the cause', () =>
    step('threads', async () => {
      await editUserSettings(page, server!.userDataDir, { 'parallelRunner.backend': 'threads', 'parallelRunner.workers': 2 });
      await clickInLine(page, sampleFile, 'for d in range(2, int(n ** 0.5) + 1):');
      await runAndWait('count_primes', () => runCommand(page, 'Parallel Runner: Run Function in Worker Pool'), '[[80000], [80000], [80000], [80000]]');
      const parallelLanes = (await lanes(panel)).filter((lane) => lane.phase === 'parallel');
      assert.equal(new Set(parallelLanes.map((lane) => lane.pid)).size, 1, JSON.stringify(parallelLanes));
      assert.equal(new Set(parallelLanes.map((lane) => lane.threadId)).size, 2, JSON.stringify(parallelLanes));
      const warnings = await panel.locator('[data-testid=warnings] li').allTextContents();
      assert.ok(
        warnings.some((warning) => /^Python's GIL: .*use the processes backend/.test(warning)),
        `the panel's warnings: ${JSON.stringify(warnings)}`,
      );
      assert.match((await interpreterNotes()).pool, /^Python 3\.\d+\.\d+ · ThreadPoolExecutor · with the GIL$/);
      await screenshot('threads-gil');
      await editUserSettings(page, server!.userDataDir, { 'parallelRunner.backend': 'processes', 'parallelRunner.workers': WORKERS });
    }));
});
