// Keyboard only, in a real code-server with the packaged extension: open the sample, run, walk the timeline's lanes and the
// table's rows, open a task's output. No mouse event is sent (page.mouse and locator clicks are never used here).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import {browseWorkbench, closeWorkbench, type CodeServer, installVsix, repoRoot, startCodeServer } from '../harness/codeServer';
import { ensureVsix } from './vsix';
import { QUICK_INPUT, panelFrame, until } from './workbench';
import { waitForStatus } from './panel';

const RESULTS = path.join(repoRoot, 'test-results');
const SAMPLE = path.join(repoRoot, 'media', 'sample', 'seed-workloads.ts');

describe('the panel by keyboard alone, in code-server', { timeout: 8 * 60_000 }, () => {
  let server: CodeServer | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let panel: FrameLocator;
  let workspace: string | undefined;
  let extensionsDir: string | undefined;

  /** Types into the quick input that `key` opens and presses Enter once the first row holds `row` (no mouse fallback). */
  async function quickInput(key: string, text: string, row: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await page.keyboard.press(key);
        const widget = page.locator(QUICK_INPUT);
        await widget.waitFor({ state: 'visible', timeout: 10_000 });
        await page.keyboard.type(text);
        await widget.locator('.monaco-list-row.focused', { hasText: row }).first().waitFor({ timeout: 15_000 });
        await page.keyboard.press('Enter');
        await widget.waitFor({ state: 'hidden', timeout: 10_000 });
        return;
      } catch (error) {
        if (attempt >= 3) throw error;
        await page.keyboard.press('Escape');
        await page.waitForTimeout(500);
      }
    }
  }

  /** Where the keyboard focus is inside the panel page: its data-testid, or its tag. */
  function focusedInPanel(): Promise<string> {
    return panel
      .locator(':root')
      .evaluate(() => {
        const active = document.activeElement;
        return active?.getAttribute('data-testid') ?? active?.tagName.toLowerCase() ?? '';
      })
      .catch(() => '');
  }

  async function announced(): Promise<string> {
    return ((await panel.locator('.timeline [aria-live]').first().textContent()) ?? '').trim();
  }

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    const vsix = ensureVsix();
    extensionsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-keyboard-extensions-'));
    installVsix(vsix, extensionsDir);
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-keyboard-'));
    fs.copyFileSync(SAMPLE, path.join(workspace, 'seed-workloads.ts'));
    server = await startCodeServer({
      workspace,
      extensionsDir,
      settings: { 'workbench.colorTheme': 'Default High Contrast', 'parallelRunner.workers': 2, 'parallelRunner.repeats': 1, 'editor.minimap.enabled': false },
    });
    ({ context, page } = await browseWorkbench(server, 'keyboard'));
    panel = panelFrame(page);
  });

  after(async () => {
    await closeWorkbench({ server, context, logFile: path.join(RESULTS, 'keyboard-code-server.log'), scratch: [workspace, extensionsDir] });
  });

  test('run from the palette, Tab into the panel, arrows across lanes and rows, Enter opens a task and shows its output', async () => {
    try {
      await quickInput('Control+P', 'seed-workloads.ts', 'seed-workloads.ts');
      await page.locator('.monaco-editor .view-lines').first().waitFor();
      const line = fs.readFileSync(SAMPLE, 'utf8').split('\n').findIndex((text) => text.includes('await sleep(i * 100);')) + 1;
      await quickInput('Control+G', `${line}`, `${line}`);
      await quickInput('F1', 'Parallel Runner: Run Function in Worker Pool', 'Run Function in Worker Pool');
      const box = page.locator(`${QUICK_INPUT} .quick-input-box input`);
      await box.waitFor({ state: 'visible' });
      await page.keyboard.type('[[1], [2], [3]]');
      await page.keyboard.press('Enter');
      await waitForStatus(panel, /^completed$/, 120_000);

      // The panel opened beside the editor without taking focus: move to its group with the keyboard, then Tab into the page.
      await page.keyboard.press('Control+2');
      let presses = 0;
      await until('Tab to reach the timeline', async () => {
        if ((await focusedInPanel()) === 'timeline-canvas') return true;
        await page.keyboard.press('Tab');
        return ++presses > 60 ? Promise.reject(new Error(`60 Tabs never reached the timeline (focus on ${await focusedInPanel()})`)) : false;
      }, 60_000, 50);
      // The serial lane comes first and holds every task: Home, then Right along it, then Down to a worker's lane.
      await page.keyboard.press('Home');
      const first = await announced();
      await page.keyboard.press('ArrowRight');
      const second = await announced();
      await page.keyboard.press('ArrowDown');
      const third = await announced();
      assert.match(first, /^Task 0, serial, ok, start /, `after Home the timeline announced "${first}"`);
      assert.match(second, /^Task 1, serial, ok, start /, `ArrowRight did not move along the lane: "${second}"`);
      assert.match(third, /^Task \d+, parallel, ok, start /, `ArrowDown did not move to a worker's lane: "${third}"`);
      await page.screenshot({ path: path.join(RESULTS, 'keyboard-timeline.png') });

      await until('Tab to reach the task table', async () => {
        if ((await focusedInPanel()) === 'task-row') return true;
        await page.keyboard.press('Tab');
        return ++presses > 120 ? Promise.reject(new Error(`Tab never reached the task table (focus on ${await focusedInPanel()})`)) : false;
      }, 60_000, 50);
      for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      const detail = panel.locator('[data-testid=task-detail]');
      await detail.first().waitFor({ timeout: 10_000 });
      const output = (await detail.first().textContent()) ?? '';
      assert.match(output, /Child process: \d+ · thread \d+ - Task: \d/, `the opened task shows "${output.slice(0, 200)}"`);
      assert.equal(await panel.locator(':root').evaluate(() => document.activeElement?.getAttribute('aria-expanded')), 'true');
      await page.keyboard.press('ArrowLeft');
      await until('ArrowLeft to close the task', async () => (await detail.count()) === 0, 10_000);
      await page.screenshot({ path: path.join(RESULTS, 'keyboard-table-high-contrast.png') });
    } catch (error) {
      await page.screenshot({ path: path.join(RESULTS, 'keyboard-failure.png') }).catch(() => undefined);
      throw error;
    }
  });
});
