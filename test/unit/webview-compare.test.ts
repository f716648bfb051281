// The panel page's comparison and history sections in headless chromium: side by side, verdicts, history actions, HTML export.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { compareReports } from '../../src/core/compare';
import { entryOf } from '../../src/core/history';
import { makeComparableReport } from '../compare/reports';
import { DARK_THEME, launchChromium, openExportedPage, openPanelPage, repoRoot } from '../webview/pageHarness';

let browser: Browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

const baseline = makeComparableReport({ taskMs: 50, seed: 101, cpuMs: 48 });
const slower = makeComparableReport({ taskMs: 100, seed: 102, cpuMs: 96 });
const comparison = compareReports(baseline, slower);

describe('panel page: comparison and history', () => {
  it('shows the run against its baseline side by side, the slowdown marked significant, and only beside that run', async () => {
    const panel = await openPanelPage(browser, { theme: DARK_THEME, width: 1200, height: 1400 });
    await panel.send({ type: 'report', report: slower });
    await panel.send({ type: 'comparison', comparison });
    const section = panel.page.locator('[data-testid=comparison]');
    assert.equal(await section.isVisible(), true);
    assert.match((await section.locator('h2').textContent()) ?? '', /Against the baseline/);
    const wall = panel.page.locator('[data-testid=compare-row-parallel-wall]');
    assert.equal(await wall.getAttribute('data-verdict'), 'worse');
    assert.match((await wall.textContent()) ?? '', /^Parallel wall\d+ ms\d+ ms–\d+ ms · n\u00a06\d+ ms\d+ ms–\d+ ms · n\u00a06\+\d+ % \[\+\d+ %, \+\d+ %\]slower, significant \(p < 0\.001\)$/);
    assert.match((await panel.page.locator('[data-testid=comparison-verdict]').textContent()) ?? '', /^Slower than the baseline, significantly: /);
    assert.equal(await panel.page.locator('[data-testid=verdict-speedup]').getAttribute('data-verdict'), 'not-significant');
    assert.match((await panel.page.locator('[data-testid=verdict-speedup]').textContent()) ?? '', /^not significant \(p = /);
    assert.ok((await panel.page.locator('[data-testid^=compare-row-segment]').count()) >= 3, 'the account segments are compared');
    await panel.page.screenshot({ path: path.join(repoRoot, 'test-results', 'webview-comparison-dark.png'), fullPage: true });
    // Beside an editor the panel is narrow: the table still fits without scrolling sideways.
    await panel.page.setViewportSize({ width: 480, height: 1400 });
    await panel.settle();
    const scroll = await section.locator('.table-scroll').evaluate((node) => ({ client: node.clientWidth, scroll: node.scrollWidth }));
    assert.ok(scroll.scroll <= scroll.client + 1, `the comparison table overflows a 480 px panel: ${JSON.stringify(scroll)}`);
    await section.screenshot({ path: path.join(repoRoot, 'test-results', 'webview-comparison-narrow.png') });
    // Another run shown: the comparison about the first one goes away.
    await panel.send({ type: 'report', report: baseline });
    assert.equal(await section.isVisible(), false);
    assert.deepEqual(panel.errors, []);
    await panel.page.close();
  });

  it('states differences other than the code at the top', async () => {
    const other = makeComparableReport({ taskMs: 100, seed: 103, workers: 3, backend: 'processes' });
    const panel = await openPanelPage(browser);
    await panel.send({ type: 'report', report: other });
    await panel.send({ type: 'comparison', comparison: compareReports(baseline, other), picked: true });
    const differences = panel.page.locator('[data-testid=comparison-differences] li');
    assert.deepEqual(await differences.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-kind'))), ['workers', 'backend']);
    assert.match((await panel.page.locator('[data-testid=comparison] h2').textContent()) ?? '', /Compared with an earlier run/);
    await panel.page.close();
  });

  it('lists the history with speedup ± interval and status; Set as Baseline, Open and Compare selected post to the host', async () => {
    const panel = await openPanelPage(browser);
    await panel.send({ type: 'report', report: slower });
    const entries = [entryOf(baseline, 'a.json', 1000), { ...entryOf(slower, 'b.json', 1000), vsBaseline: { baselineId: baseline.id, parallelChangePct: 98, parallelVerdict: 'worse' as const, speedupChangePct: -1, speedupVerdict: 'not-significant' as const, mismatched: false } }];
    await panel.send({ type: 'history', functionName: 'crunch', entries, shownId: slower.id });
    const rows = panel.page.locator('[data-testid=history-row]');
    assert.equal(await rows.count(), 2);
    assert.equal(await rows.first().getAttribute('data-run-id'), slower.id, 'newest first');
    assert.match((await rows.first().textContent()) ?? '', /threads · 2 workersvs baseline: parallel wall \+98 % \(significant\) · speedup −1\.0 % \(not significant\)\d\.\d\d× ± \d\.\d\d\d\.\d\d–\d\.\d\d · n\u00a06completed/);
    await panel.page.locator('[data-testid=set-baseline]').click();
    await rows.nth(1).locator('[data-testid=history-open]').click();
    assert.equal(await panel.page.locator('[data-testid=compare-selected]').isDisabled(), true);
    await rows.nth(0).locator('[data-testid=history-select]').check();
    await rows.nth(1).locator('[data-testid=history-select]').check();
    await panel.page.locator('[data-testid=compare-selected]').click();
    const posted = (await panel.posted()).filter((message) => message.type !== 'ready');
    assert.deepEqual(posted, [
      { type: 'set-baseline', runId: slower.id },
      { type: 'open-run', runId: baseline.id },
      { type: 'compare-runs', baselineId: baseline.id, currentId: slower.id },
    ]);
    await panel.page.setViewportSize({ width: 480, height: 900 });
    await panel.settle();
    const rowHeight = await rows.first().evaluate((node) => node.getBoundingClientRect().height);
    assert.ok(rowHeight < 140, `a history row is ${rowHeight} px tall in a 480 px panel`);
    const scroll = await panel.page.locator('[data-testid=history] .table-scroll').evaluate((node) => ({ client: node.clientWidth, scroll: node.scrollWidth }));
    assert.ok(scroll.scroll <= scroll.client + 1, `the history table overflows a 480 px panel: ${JSON.stringify(scroll)}`);
    await panel.page.locator('[data-testid=history]').screenshot({ path: path.join(repoRoot, 'test-results', 'webview-history-narrow.png') });
    // Once it is the baseline the button says so and is off.
    await panel.send({ type: 'history', functionName: 'crunch', entries, shownId: slower.id, baselineId: slower.id });
    assert.equal(await panel.page.locator('[data-testid=set-baseline]').isDisabled(), true);
    assert.equal(await rows.first().locator('[data-testid=history-baseline]').count(), 1);
    await panel.page.close();
  });

  it('an HTML export carries the comparison side by side, with no history (nobody to ask)', async () => {
    const { page, errors } = await openExportedPage(browser, { ...slower, comparison });
    assert.equal(await page.locator('[data-testid=comparison]').isVisible(), true);
    assert.equal(await page.locator('[data-testid=compare-row-parallel-wall]').getAttribute('data-verdict'), 'worse');
    assert.equal(await page.locator('[data-testid=history]').isVisible(), false);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
