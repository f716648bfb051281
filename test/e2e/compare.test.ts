// Baselines, comparison, history and the last-run CodeLens, in the packaged extension in code-server, used through the UI.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import {browseWorkbench, closeWorkbench, type CodeServer, installVsix, repoRoot, startCodeServer } from '../harness/codeServer';
import { ensureVsix } from './vsix';
import { answerInputBox, clickCodeLens, clickInLine, focusFirstEditorGroup, panelFrame, quickOpen, revealLine, runCommand, until } from './workbench';
import { runFingerprint, waitForNewRun } from './panel';

const RESULTS = path.join(repoRoot, 'test-results');
const RUN_COMMAND = 'Parallel Runner: Run Function in Worker Pool';
/** Four CPU-bound tasks of ~75 ms (once the function does twice the work, ~150 ms). */
const INPUTS = '[[5e6],[5e6],[5e6],[5e6]]';
const WORKLOAD = `// A CPU-bound function for the comparison test.
const ROUNDS = 1;

export function crunch(n: number): number {
  let x = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < n; i++) x = (x * 31 + i) % 1_000_003;
  }
  return x;
}
`;

describe('Comparing runs in code-server: baseline, comparison, history, CodeLens', { timeout: 10 * 60_000 }, () => {
  let server: CodeServer | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let panel: FrameLocator;
  let workspace: string | undefined;
  let extensionsDir: string | undefined;
  let file: string;
  let firstRunId = '';
  let secondRunId = '';

  async function step<T>(name: string, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      const slug = name.replace(/[^\w]+/g, '-').toLowerCase();
      await page?.screenshot({ path: path.join(RESULTS, `compare-failure-${slug}.png`) }).catch(() => undefined);
      if (server) fs.writeFileSync(path.join(RESULTS, `compare-failure-${slug}.code-server.log`), server.log());
      throw error;
    }
  }

  async function shot(name: string): Promise<void> {
    await runCommand(page, 'Notifications: Clear All Notifications');
    await page.waitForTimeout(600);
    await page.screenshot({ path: path.join(RESULTS, `compare-${name}.png`) });
  }

  /** The run the panel's history marks as shown. */
  async function shownRunId(): Promise<string> {
    return (await panel.locator('[data-testid=history-row][aria-current=true]').getAttribute('data-run-id', { timeout: 10_000 })) ?? '';
  }

  /** The text of the CodeLens line right above `crunch`'s declaration. */
  async function lensLine(): Promise<string> {
    const line = await revealLine(page, file, 'export function crunch');
    const lineBox = await line.boundingBox();
    const lenses = page.locator('.monaco-editor .codelens-decoration');
    for (let i = 0; i < (await lenses.count()); i++) {
      const box = await lenses.nth(i).boundingBox();
      // Monaco separates the links with non-breaking spaces.
      if (box && lineBox && lineBox.y - box.y > 0 && lineBox.y - box.y < 3 * lineBox.height) return ((await lenses.nth(i).textContent()) ?? '').replace(/\s+/g, ' ');
    }
    return '';
  }

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    for (const old of fs.readdirSync(RESULTS).filter((name) => name.startsWith('compare-'))) fs.rmSync(path.join(RESULTS, old), { recursive: true, force: true });
    const vsix = ensureVsix();
    extensionsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-compare-extensions-'));
    installVsix(vsix, extensionsDir);
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-compare-workspace-'));
    file = path.join(workspace, 'crunch.ts');
    fs.writeFileSync(file, WORKLOAD);
    fs.writeFileSync(path.join(workspace, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'Node16', strict: true } }, null, 2));
    server = await startCodeServer({
      workspace,
      extensionsDir,
      settings: {
        'workbench.colorTheme': 'Default Dark Modern',
        'parallelRunner.workers': 2,
        'parallelRunner.backend': 'threads',
        'parallelRunner.compareWithSerial': true,
        // Six pairs after a warm-up: enough for a 2x change to stand far outside the noise of a busy 2-core machine.
        'parallelRunner.repeats': 6,
        'parallelRunner.warmupRuns': 1,
        'editor.minimap.enabled': false,
      },
    });
    ({ context, page } = await browseWorkbench(server, 'compare'));
    panel = panelFrame(page);
  });

  after(async () => {
    await closeWorkbench({ server, context, logFile: path.join(RESULTS, 'compare-code-server.log'), scratch: [workspace, extensionsDir] });
  });

  test('run crunch, then Set as Baseline in the panel', () =>
    step('baseline', async () => {
      await quickOpen(page, 'crunch.ts');
      await clickInLine(page, file, 'let x = 0;');
      const previous = await runFingerprint(panel);
      await runCommand(page, RUN_COMMAND);
      await answerInputBox(page, INPUTS);
      await waitForNewRun(panel, previous, 'crunch', /^completed$/, 180_000);
      await until('the history to list the run', async () => (await panel.locator('[data-testid=history-row]').count()) === 1, 30_000);
      firstRunId = await shownRunId();
      assert.ok(firstRunId, 'the history marks the shown run');
      await panel.locator('[data-testid=set-baseline]').click();
      await until('the run to be marked the baseline', async () => (await panel.locator('[data-testid=history-baseline]').count()) === 1, 20_000);
      assert.equal(await panel.locator('[data-testid=set-baseline]').isDisabled(), true, 'the shown run is the baseline now');
      assert.equal(await panel.locator('[data-testid=comparison]').isVisible(), false, 'a baseline is not compared with itself');
    }));

  test('twice the work, run from the CodeLens: the panel marks the slowdown significant', () =>
    step('slower', async () => {
      // Edit as a person does: ROUNDS 1 → 2, save.
      await focusFirstEditorGroup(page);
      await clickInLine(page, file, 'const ROUNDS = 1;');
      await page.keyboard.press('End');
      await page.keyboard.press('Backspace');
      await page.keyboard.press('Backspace');
      await page.keyboard.type('2;');
      await page.keyboard.press('Control+S');
      await until('crunch.ts to be saved with twice the work', async () => fs.readFileSync(file, 'utf8').includes('const ROUNDS = 2;'), 15_000);
      const previous = await runFingerprint(panel);
      await clickCodeLens(page, file, 'export function crunch', 'Run in pool');
      await answerInputBox(page, INPUTS);
      await waitForNewRun(panel, previous, 'crunch', /^completed$/, 180_000);
      const comparison = panel.locator('[data-testid=comparison]');
      await until('the comparison with the baseline', async () => comparison.isVisible(), 30_000);
      secondRunId = await shownRunId();
      assert.notEqual(secondRunId, firstRunId);
      assert.match((await comparison.locator('h2').textContent()) ?? '', /Against the baseline/);
      // The headline: slower, significantly, naming the figures that show it.
      const verdict = panel.locator('[data-testid=comparison-verdict]');
      assert.equal(await verdict.getAttribute('data-kind'), 'slower', `the verdict reads: ${await verdict.textContent()}`);
      assert.match((await verdict.textContent()) ?? '', /^Slower than the baseline, significantly: .*\+\d+ %/);
      const table = (await panel.locator('[data-testid=comparison-table]').textContent()) ?? '';
      // Twice the work is twice the CPU time per task (Linux schedstat): load cannot fake that, so it is always significant here.
      const cpu = panel.locator('[data-testid=compare-row-task-cpu]');
      assert.equal(await cpu.count(), 1, `a per-task CPU row on Linux: ${table}`);
      assert.equal(await cpu.getAttribute('data-verdict'), 'worse', `per-task CPU row: ${await cpu.textContent()}`);
      assert.match((await cpu.textContent()) ?? '', /\+(9\d|1[01]\d) % \[\+\d+ %, \+\d+ %\].*slower, significant \(p [<=] /);
      // The walls grow too: on a quiet machine significantly; on a busy one (other programs' load swings walls by 2x here) the
      // panel states the load and may not be able to tell, but it never calls twice the work faster.
      const wall = panel.locator('[data-testid=compare-row-parallel-wall]');
      const wallText = (await wall.textContent()) ?? '';
      const busy = (await panel.locator('[data-testid=comparison-differences] li[data-kind=load]').count()) > 0;
      const wallVerdict = await wall.getAttribute('data-verdict');
      assert.ok(wallVerdict === 'worse' || (busy && wallVerdict === 'not-significant'), `parallel wall verdict ${wallVerdict} on a ${busy ? 'busy' : 'quiet'} machine: ${wallText}`);
      console.log(`[compare] parallel wall: ${wallText} (${busy ? 'busy' : 'quiet'} machine)`);
      // The speedup itself barely moves: whatever its verdict, it is stated with its significance, never a bare percentage.
      assert.match((await panel.locator('[data-testid=verdict-speedup]').textContent()) ?? '', /significant|untestable/);
      await panel.locator('[data-testid=comparison]').scrollIntoViewIfNeeded();
      await shot('panel-comparison');
    }));

  test('the CodeLens shows the new speedup ± interval and the change against the baseline; clicking it opens that run', () =>
    step('codelens', async () => {
      await focusFirstEditorGroup(page);
      const text = await until(
        'the CodeLens to show the last run against the baseline',
        async () => {
          const line = await lensLine();
          return /vs baseline/.test(line) ? line : undefined;
        },
        30_000,
      );
      await runCommand(page, 'View: Toggle Maximize Editor Group');
      await page.waitForTimeout(800);
      await page.screenshot({ path: path.join(RESULTS, 'compare-codelens.png'), clip: { x: 0, y: 0, width: 1400, height: 360 } });
      await runCommand(page, 'View: Toggle Maximize Editor Group');
      assert.match(text, /Run in pool \| \d+\.\d\d× ± \d+\.\d+ on 2 workers, (just now|\d+ min ago) · vs baseline: slower \(per-task CPU \+\d+ %, significant\) · parallel wall [+−][\d.]+ % \((not )?significant\)( · speedup [+−][\d.]+ % \(significant\))?( \| |$)/);
      // Open the first run from the history, then the CodeLens brings back the latest.
      await panel.locator(`[data-testid=history-row][data-run-id="${firstRunId}"] [data-testid=history-open]`).click();
      await until('the first run to be shown', async () => (await shownRunId()) === firstRunId, 30_000);
      await focusFirstEditorGroup(page);
      await clickCodeLens(page, file, 'export function crunch', '× ±');
      await until('the CodeLens to open the latest run', async () => (await shownRunId()) === secondRunId, 30_000);
    }));

  test('the history lists both runs and reopens the first in full', () =>
    step('history', async () => {
      const rows = panel.locator('[data-testid=history-row]');
      assert.equal(await rows.count(), 2);
      assert.deepEqual(await rows.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-run-id'))), [secondRunId, firstRunId], 'newest first');
      const texts = await rows.allTextContents();
      for (const row of texts) assert.match(row, /threads · 2 workers(vs baseline: .*\))?\d+\.\d\d× (± \d+\.\d+\d+\.\d\d–\d+\.\d\d · n\s\d+|\(1 pair\))completed/);
      assert.match(texts[0], /slower \(.*, significant\) · parallel wall [+−][\d.]+ % \((not )?significant\)/);
      await panel.locator(`[data-testid=history-row][data-run-id="${firstRunId}"] [data-testid=history-open]`).click();
      await until('the first run to be shown in full', async () => (await shownRunId()) === firstRunId, 30_000);
      assert.equal(await panel.locator('[data-testid=comparison]').isVisible(), false, 'the baseline is shown alone');
      assert.ok((await panel.locator('[data-testid=task-row]').count()) >= 8, 'its tasks are listed');
      await panel.locator('[data-testid=history]').scrollIntoViewIfNeeded();
      await shot('history-first-run');
      // Two runs ticked in the history: the later one shown against the earlier, the same way.
      await panel.locator(`[data-testid=history-row][data-run-id="${firstRunId}"] [data-testid=history-select]`).check();
      await panel.locator(`[data-testid=history-row][data-run-id="${secondRunId}"] [data-testid=history-select]`).check();
      await panel.locator('[data-testid=compare-selected]').click();
      await until('the picked comparison', async () => (await shownRunId()) === secondRunId && (await panel.locator('[data-testid=comparison]').isVisible()), 30_000);
      assert.match((await panel.locator('[data-testid=comparison] h2').textContent()) ?? '', /Compared with an earlier run/);
      assert.equal(await panel.locator('[data-testid=comparison-verdict]').getAttribute('data-kind'), 'slower');
    }));

  test('after Developer: Reload Window the history and the baseline are still there', () =>
    step('reload', async () => {
      await page.evaluate(() => Object.assign(window, { beforeReloadMark: true }));
      await runCommand(page, 'Developer: Reload Window');
      await until('the window to reload', async () => page.evaluate(() => !('beforeReloadMark' in window)).catch(() => false), 60_000);
      await page.waitForSelector('.monaco-workbench', { timeout: 120_000 });
      await until('the restored panel to list both runs', async () => (await panel.locator('[data-testid=history-row]').count().catch(() => 0)) === 2, 120_000);
      assert.equal(await panel.locator(`[data-testid=history-row][data-run-id="${firstRunId}"] [data-testid=history-baseline]`).count(), 1);
    }));
});
