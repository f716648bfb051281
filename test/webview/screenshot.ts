// Screenshots the panel page (exported and live) in light, dark and high contrast themes into test-results/ for a human to look at.
// Run: node --import tsx test/webview/screenshot.ts
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { DARK_THEME, HIGH_CONTRAST_THEME, LIGHT_THEME, installSampleReports, launchChromium, openExportedPage, openPanelPage, repoRoot, type ThemeVariables } from './pageHarness';
import { makeAccountReport, makeDemoReport, makeSampleReport } from './sampleReport';

const outDir = path.join(repoRoot, 'test-results');

async function main(): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const browser = await launchChromium();
  const written: string[] = [];
  try {
    const report = makeDemoReport();
    let file: string;
    const themes: [string, ThemeVariables][] = [
      ['light', LIGHT_THEME],
      ['dark', DARK_THEME],
      ['high-contrast', HIGH_CONTRAST_THEME],
    ];
    for (const [name, theme] of themes) {
      const { page, dialogs } = await openExportedPage(browser, report, { theme, width: 1200, height: 900 });
      const file = path.join(outDir, `webview-${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      written.push(file);
      if (dialogs.length) throw new Error(`a dialog opened: ${dialogs.join(', ')}`);
      await page.close();
    }

    // The account, the interval and the machine around each phase, in every theme; the account section on its own too.
    for (const [name, theme] of themes) {
      const accountPanel = await openPanelPage(browser, { theme, width: 1100, height: 1000 });
      await accountPanel.send({ type: 'report', report: makeAccountReport({ sweep: true, sweepCores: 2 }) });
      let accountFile = path.join(outDir, `webview-account-${name}.png`);
      await accountPanel.page.screenshot({ path: accountFile, fullPage: true });
      written.push(accountFile);
      accountFile = path.join(outDir, `webview-account-section-${name}.png`);
      await accountPanel.page.locator('[data-testid=account]').screenshot({ path: accountFile });
      written.push(accountFile);
      if (accountPanel.errors.length) console.error(`page errors (${name}):\n${accountPanel.errors.join('\n')}`);
      await accountPanel.page.close();
    }
    const gainPanel = await openPanelPage(browser, { theme: DARK_THEME, width: 900, height: 700 });
    await gainPanel.send({ type: 'report', report: makeAccountReport({ parallelCpuFactor: 0.85, measured: 'schedstat' }) });
    file = path.join(outDir, 'webview-account-gain-dark.png');
    await gainPanel.page.locator('[data-testid=account]').screenshot({ path: file });
    written.push(file);
    const unmeasured = await openPanelPage(browser, { theme: LIGHT_THEME, width: 900, height: 1000 });
    await unmeasured.send({ type: 'report', report: makeAccountReport({ measured: 'unavailable', repeats: 1, estimate: true }) });
    file = path.join(outDir, 'webview-account-unmeasured-light.png');
    await unmeasured.page.screenshot({ path: file, fullPage: true });
    written.push(file);

    // The panel as VS Code shows it, with a tooltip open on a failed bar and an expanded row.
    const panel = await openPanelPage(browser, { theme: DARK_THEME, width: 1000, height: 900 });
    await panel.send({ type: 'report', report });
    await panel.page.locator('[data-testid=task-row][data-phase=parallel][data-index="0"]').press('Enter');
    await panel.page.locator('[data-testid=timeline-canvas]').focus();
    for (let i = 0; i < 4; i++) await panel.page.keyboard.press('ArrowDown');
    await panel.settle();
    file = path.join(outDir, 'webview-panel-dark-tooltip.png');
    await panel.page.screenshot({ path: file, fullPage: true });
    written.push(file);

    // A narrow live run: two workers busy, some tasks finished.
    const live = await openPanelPage(browser, { theme: LIGHT_THEME, width: 700, height: 800 });
    const big = makeSampleReport({ tasks: 12, workers: 4, failIndex: 7 });
    const parallel = big.tasks.filter((t) => t.phase === 'parallel');
    const serial = big.tasks.filter((t) => t.phase === 'serial');
    await live.send({ type: 'events', events: [{ type: 'run-started', report: { ...big, status: 'running', tasks: [], phases: [], sweep: undefined, summary: { ...big.summary, serialMs: undefined, speedup: undefined } } }] });
    await live.send({ type: 'events', events: [...serial.map((task) => ({ type: 'task-finished' as const, task })), { type: 'phase-finished', phase: big.phases[0] }] });
    await live.send({ type: 'events', events: [{ type: 'phase-started', phase: 'parallel', repeat: 0, workers: 4, totalTasks: 12, warmup: false }, ...parallel.slice(0, 6).map((task) => ({ type: 'task-finished' as const, task }))] });
    await live.send({
      type: 'events',
      events: parallel.slice(6, 9).map((t) => ({ type: 'task-started' as const, phase: t.phase, repeat: 0, index: t.index, lane: t.lane, pid: t.pid, threadId: t.threadId, startUs: t.startUs as number })),
    });
    file = path.join(outDir, 'webview-panel-live-narrow.png');
    await live.page.screenshot({ path: file, fullPage: true });
    written.push(file);

    // Scale: 10,000 tasks per phase on 8 workers, then zoomed in twice.
    const big10k = await openPanelPage(browser, { theme: DARK_THEME, width: 1200, height: 900 });
    await installSampleReports(big10k.page);
    await big10k.page.evaluate(() => {
      const samples = (window as unknown as { sampleReports: typeof import('./sampleReport') }).sampleReports;
      window.postMessage({ type: 'report', report: samples.makeSampleReport({ tasks: 10_000, workers: 8, repeats: 2, durationMs: (i) => 0.5 + (i % 7) * 0.3, failIndex: 4321 }) }, '*');
    });
    await big10k.settle();
    file = path.join(outDir, 'webview-10k-dark.png');
    await big10k.page.screenshot({ path: file });
    written.push(file);
    for (let i = 0; i < 6; i++) await big10k.page.locator('[data-testid=zoom-in]').click();
    await big10k.settle();
    file = path.join(outDir, 'webview-10k-zoomed-dark.png');
    await big10k.page.locator('.timeline').screenshot({ path: file });
    written.push(file);

    const empty = await openPanelPage(browser, { theme: DARK_THEME, width: 800, height: 400 });
    file = path.join(outDir, 'webview-empty-dark.png');
    await empty.page.screenshot({ path: file });
    written.push(file);
    const problems = [...panel.errors, ...live.errors, ...big10k.errors, ...empty.errors];
    if (problems.length) console.error('page errors:\n' + problems.join('\n'));
  } finally {
    await browser.close();
  }
  console.log(written.join('\n'));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
