// The fault catalogue (test/FAULTS.md), hostile output: a real run whose strings carry HTML and script, shown in headless chromium.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { Engine } from '../../src/core/engine';
import { toHtml } from '../../src/core/export/html';
import type { RunReport } from '../../src/shared/report';
import { launchChromium, openPanelPage, panelAssets } from '../webview/pageHarness';

const ROOT = path.resolve(__dirname, '..', '..');
const scratch = mkdtempSync(path.join(tmpdir(), 'parallel-runner-faults-hostile-'));
/** A file name a browser would read as markup, if it were ever inserted as HTML. */
const HOSTILE_FILE_NAME = '<img src=x onerror=alert(5)>.ts';
const ARGS = ['<script>alert(2)</script>', "<iframe srcdoc='<script>alert(7)</script>'>", '&lt;already escaped&gt;'];
/** Text each of these must show literally, as the user's code produced it. */
const LITERALS = {
  result: `<img src=x onerror=alert(1)>${ARGS[0]}`,
  log: '<b onmouseover=alert(3)>bold 0</b>',
  stderr: '</script><script>alert(6)</script>',
  error: 'Error: <svg onload=alert(4)>',
  file: `${HOSTILE_FILE_NAME}:2`,
};
/** Elements only user text could have made: the page itself draws with a canvas and plain text. */
const INJECTED = '#app img, #app script, #app iframe, #app b, #app svg[onload]';

let report: RunReport;
let browser: Browser;

before(async () => {
  const folder = path.join(scratch, 'project');
  mkdirSync(folder);
  const file = path.join(folder, HOSTILE_FILE_NAME);
  copyFileSync(path.join(ROOT, 'test', 'fixtures', 'faults', 'hostile.ts'), file);
  const engine = new Engine({ distDir: path.join(ROOT, 'dist'), cacheDir: path.join(scratch, 'cache') });
  try {
    ({ report } = await engine.run({ file, target: { name: 'render' }, inputs: ARGS.map((label, i) => [i, label]), options: { workers: 2 } }));
  } finally {
    await engine.dispose();
  }
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  rmSync(scratch, { recursive: true, force: true });
});

function watch(page: Page): { dialogs: string[]; errors: string[] } {
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return { dialogs, errors };
}

/** Opens every parallel task's detail row, then reads what a user sees. */
async function visibleText(page: Page): Promise<string> {
  for (const index of [0, 1, 2]) {
    await page.locator(`[data-testid=task-row][data-phase=parallel][data-index="${index}"]`).press('Enter');
  }
  // Rows are content-visibility: auto; the ones just scrolled into view are drawn in the next frame, as a person sees them.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  return page.locator('#app').innerText();
}

async function assertShownAsText(page: Page, seen: { dialogs: string[]; errors: string[] }): Promise<void> {
  const text = await visibleText(page);
  for (const [what, literal] of Object.entries(LITERALS)) assert.ok(text.includes(literal), `the ${what} ${literal} is not shown literally`);
  for (const arg of ARGS) assert.ok(text.includes(arg), `the argument ${arg} is not shown literally`);
  assert.equal(await page.locator(INJECTED).count(), 0, 'no element was made from user text');
  await page.waitForTimeout(200);
  assert.deepEqual(seen.dialogs, [], 'no script from user text ran');
  assert.deepEqual(seen.errors, [], 'no page error or CSP violation');
}

describe('faults: hostile output', () => {
  it('the run keeps the strings as the code produced them', () => {
    const parallel = report.tasks.filter((task) => task.phase === 'parallel').sort((a, b) => a.index - b.index);
    assert.equal(path.basename(report.target.file), HOSTILE_FILE_NAME);
    assert.equal(parallel[0].resultPreview, `{ html: '${LITERALS.result}' }`);
    assert.equal(parallel[2].error?.message, '<svg onload=alert(4)>');
    assert.equal(path.basename(parallel[2].error?.location?.file ?? ''), HOSTILE_FILE_NAME);
    assert.deepEqual(
      parallel[0].logs.map((line) => line.text),
      [LITERALS.log, LITERALS.stderr],
    );
  });

  it('render as text in the HTML export: results, arguments, console lines, errors and the file name; nothing runs', async () => {
    const html = toHtml(report, await panelAssets());
    const file = path.join(scratch, 'hostile.html');
    writeFileSync(file, html);
    assert.equal(html.match(/<script\b/gi)?.length, 2, 'only the data element and the page script');
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const seen = watch(page);
    await page.goto(pathToFileURL(file).href);
    await page.locator('[data-testid=task-row]').first().waitFor();
    await assertShownAsText(page, seen);
    await page.close();
  });

  it('render as text in the panel page too', async () => {
    const panel = await openPanelPage(browser, { width: 1400, height: 1000 });
    await panel.send({ type: 'report', report });
    await assertShownAsText(panel.page, panel);
    await panel.page.close();
  });
});
