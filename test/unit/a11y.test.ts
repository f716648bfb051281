// Accessibility of the panel page in real Chromium: axe-core in light, dark and high contrast themes, names for screen readers, keyboard use.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DARK_THEME, HIGH_CONTRAST_THEME, LIGHT_THEME, launchChromium, openPanelPage, repoRoot, runAxe, type AxeFinding, type PanelPage, type ThemeVariables } from '../webview/pageHarness';
import { makeAccountReport, makeDemoReport, makeSampleReport } from '../webview/sampleReport';

const RESULTS = path.join(repoRoot, 'test-results');
const THEMES: [string, ThemeVariables][] = [
  ['light', LIGHT_THEME],
  ['dark', DARK_THEME],
  ['high-contrast', HIGH_CONTRAST_THEME],
];

let browser: Browser;

before(async () => {
  browser = await launchChromium();
  fs.mkdirSync(RESULTS, { recursive: true });
});

after(async () => {
  await browser?.close();
});

function serious(findings: AxeFinding[]): AxeFinding[] {
  return findings.filter((finding) => finding.impact === 'serious' || finding.impact === 'critical');
}

function describeFindings(findings: AxeFinding[]): string {
  return findings.map((f) => `${f.impact} ${f.id}: ${f.help}\n    ${f.targets.join('\n    ')}`).join('\n');
}

/** The panel with the demo report (a failed task, hostile strings, a sweep), one row open, the timeline focused on a bar. */
async function busyPanel(theme: ThemeVariables): Promise<PanelPage> {
  const panel = await openPanelPage(browser, { theme, width: 1100, height: 900 });
  await panel.send({ type: 'report', report: makeDemoReport() });
  await panel.page.locator('[data-testid=task-row][data-phase=parallel][data-index="3"]').press('Enter');
  await panel.page.locator('[data-testid=timeline-canvas]').focus();
  await panel.page.keyboard.press('ArrowDown');
  await panel.settle();
  return panel;
}

async function accessibleName(page: Page, selector: string): Promise<string> {
  const snapshot = await page.locator(selector).first().ariaSnapshot();
  return snapshot;
}

describe('panel accessibility', () => {
  for (const [name, theme] of THEMES) {
    it(`axe-core finds no serious or critical violation in the ${name} theme (report, open row, focused bar, sweep chart)`, async () => {
      const panel = await busyPanel(theme);
      const findings = await runAxe(panel.page);
      await panel.page.screenshot({ path: path.join(RESULTS, `a11y-panel-${name}.png`), fullPage: true });
      assert.deepEqual(serious(findings).map((f) => f.id), [], `axe-core in ${name}:\n${describeFindings(serious(findings))}`);
      if (findings.length) console.log(`[a11y] ${name}: minor or moderate findings:\n${describeFindings(findings)}`);
      await panel.page.close();
    });

    it(`axe-core finds no serious or critical violation in the ${name} theme with the account bar, intervals and CPU/Wait/Blocked columns`, async () => {
      const panel = await openPanelPage(browser, { theme, width: 1100, height: 900 });
      await panel.send({ type: 'report', report: makeAccountReport() });
      await panel.page.locator('[data-testid=account-bar]').first().waitFor();
      const findings = await runAxe(panel.page);
      await panel.page.screenshot({ path: path.join(RESULTS, `a11y-account-${name}.png`), fullPage: true });
      assert.deepEqual(serious(findings).map((f) => f.id), [], `axe-core in ${name}:\n${describeFindings(serious(findings))}`);
      await panel.page.close();
    });
  }

  it('axe-core finds no serious or critical violation while a run is live (running bars, status, progress)', async () => {
    const panel = await openPanelPage(browser, { theme: DARK_THEME, width: 900, height: 800 });
    const report = makeSampleReport({ tasks: 8, workers: 3 });
    await panel.send({ type: 'events', events: [{ type: 'run-started', report: { ...report, status: 'running', tasks: [], phases: [], sweep: undefined, summary: { ...report.summary, serialMs: undefined, speedup: undefined } } }] });
    const serial = report.tasks.filter((t) => t.phase === 'serial');
    await panel.send({ type: 'events', events: serial.slice(0, 3).map((task) => ({ type: 'task-finished' as const, task })) });
    const findings = serious(await runAxe(panel.page));
    assert.deepEqual(findings.map((f) => f.id), [], describeFindings(findings));
    await panel.page.close();
  });

  it('gives screen readers a name for each summary card (label and value), the lanes and the timeline', async () => {
    const panel = await busyPanel(LIGHT_THEME);
    const page = panel.page;
    const report = makeDemoReport();
    const speedup = ((report.summary.serialMs as number) / report.summary.parallelMs).toFixed(2);
    assert.match(await accessibleName(page, '.card-hero'), new RegExp(`group "Speedup ${speedup.replace('.', '\\.')}×"`));
    assert.match(await accessibleName(page, '.card:has([data-testid=workers])'), /group "Workers 2"/);
    const lanes = await page.locator('[data-testid=lane][data-phase=parallel]').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('aria-label') ?? ''));
    assert.equal(lanes.length, 2);
    for (const [i, label] of lanes.entries()) assert.match(label, new RegExp(`^Worker ${i + 1} of 2: PID \\d+, thread \\d+`), `lane ${i}: "${label}"`);
    assert.match((await page.locator('[data-testid=timeline-canvas]').getAttribute('aria-label')) ?? '', /^Timeline: \d+ tasks on \d+ lanes/);
    await page.close();
    // The account bar: named as a whole, and each segment by its term, time and share.
    const account = await openPanelPage(browser, { theme: LIGHT_THEME });
    await account.send({ type: 'report', report: makeAccountReport() });
    const barName = (await account.page.locator('[data-testid=account-bar]').first().getAttribute('aria-label')) ?? '';
    assert.match(barName, /\d/, `the account bar is named "${barName}"`);
    const segmentNames = await account.page.locator('[data-testid=account-bar] [role=img]').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('aria-label') ?? ''));
    assert.ok(segmentNames.length >= 2 && segmentNames.every((n) => /\d/.test(n) && /[a-z]{3,}/i.test(n)), `segments: ${JSON.stringify(segmentNames)}`);
    await account.page.close();
  });

  it('works by keyboard alone: Tab reaches the timeline and the table, arrows move through lanes and rows, Enter opens a task', async () => {
    const panel = await openPanelPage(browser, { theme: HIGH_CONTRAST_THEME, width: 1100, height: 900 });
    const page = panel.page;
    await panel.send({ type: 'report', report: makeDemoReport() });
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName ?? '');
    const announced = () => page.locator('.timeline .visually-hidden[aria-live]').first().textContent();
    let presses = 0;
    while ((await focused()) !== 'timeline-canvas' && presses++ < 40) await page.keyboard.press('Tab');
    assert.equal(await focused(), 'timeline-canvas', 'Tab never reached the timeline');
    await page.keyboard.press('ArrowRight');
    const first = await announced();
    await page.keyboard.press('ArrowDown');
    const below = await announced();
    assert.notEqual(below, first, 'ArrowDown did not move to another lane');
    assert.match(below ?? '', /^Task \d+, (serial|parallel), /);
    while ((await focused()) !== 'task-row' && presses++ < 80) await page.keyboard.press('Tab');
    assert.equal(await focused(), 'task-row', 'Tab never reached the task table');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await panel.settle();
    const open = page.locator('[data-testid=task-detail]');
    assert.equal(await open.count(), 1, 'Enter did not open the task');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-expanded')), 'true');
    await page.screenshot({ path: path.join(RESULTS, 'a11y-keyboard-high-contrast.png'), fullPage: true });
    await page.close();
  });
});
