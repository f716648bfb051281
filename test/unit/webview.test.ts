// The panel page in headless chromium: lanes, task rows, speedup, sorting, live events, hostile strings, export and scale.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { loadPanelAssets } from '../../src/core/export/html';
import type { RunEvent } from '../../src/shared/events';
import { jsonForScriptElement, renderPanelHtml, renderStandaloneHtml } from '../../src/shared/panelHtml';
import type { PhaseRun, RunAccount, RunReport, TaskRecord } from '../../src/shared/report';
import { DARK_THEME, LIGHT_THEME, applyTheme, installSampleReports, launchChromium, openExportedPage, openPanelPage, panelAssets, repoRoot } from '../webview/pageHarness';
import { HOSTILE_ARGS, HOSTILE_ERROR, HOSTILE_LOG, HOSTILE_RESULT, makeAccountReport, makeDemoReport, makeSampleReport } from '../webview/sampleReport';

let browser: Browser;

before(async () => {
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

function parseMs(text: string): number {
  const match = /^(-?[\d.]+)\s*(ms|s)$/.exec(text.trim());
  return match ? Number(match[1]) * (match[2] === 's' ? 1000 : 1) : Number.NaN;
}

async function text(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).first().textContent()) ?? '').trim();
}

async function lanes(page: Page): Promise<{ phase: string; pid: number; threadId: number; text: string }[]> {
  return page.locator('[data-testid=lane]').evaluateAll((nodes) =>
    nodes.map((node) => ({ phase: node.getAttribute('data-phase') ?? '', pid: Number(node.getAttribute('data-pid')), threadId: Number(node.getAttribute('data-thread-id')), text: node.textContent ?? '' })),
  );
}

async function rows(page: Page): Promise<{ phase: string; index: number; status: string; start: string; end: string; duration: string; result: string }[]> {
  return page.locator('[data-testid=task-row]').evaluateAll((nodes) =>
    nodes.map((row) => {
      const col = (name: string): string => (row.querySelector(`[data-col=${name}]`)?.textContent ?? '').trim();
      return { phase: row.getAttribute('data-phase') ?? '', index: Number(row.getAttribute('data-index')), status: row.getAttribute('data-status') ?? '', start: col('start'), end: col('end'), duration: col('duration'), result: col('result') };
    }),
  );
}

/** How many canvas pixels have the colour the legend shows for `status`: bars a user would see. */
async function barPixels(page: Page, status: 'ok' | 'error' | 'running'): Promise<number> {
  return page.evaluate((name) => {
    const swatch = document.querySelector(`.legend .status-${name}`) as HTMLElement;
    const [r, g, b] = (getComputedStyle(swatch).backgroundColor.match(/\d+/g) ?? []).map(Number);
    const canvas = document.querySelector('[data-testid=timeline-canvas]') as HTMLCanvasElement;
    const data = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, canvas.width, canvas.height).data;
    let count = 0;
    for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i] - r) <= 2 && Math.abs(data[i + 1] - g) <= 2 && Math.abs(data[i + 2] - b) <= 2) count++;
    return count;
  }, status);
}

function started(task: TaskRecord): RunEvent {
  return { type: 'task-started', phase: task.phase, repeat: task.repeat, index: task.index, lane: task.lane, pid: task.pid, threadId: task.threadId, startUs: task.startUs as number };
}

function runningCopy(report: RunReport): RunReport {
  return { ...report, status: 'running', tasks: [], phases: [], sweep: undefined, summary: { ...report.summary, serialMs: undefined, speedup: undefined, efficiency: undefined, speedupEstimate: undefined, account: undefined } };
}

describe('panel HTML', () => {
  it('the webview page loads script and style from the webview origin under a nonce CSP without unsafe-inline', () => {
    const html = renderPanelHtml({ cspSource: 'https://file+.vscode-resource.test', nonce: 'abc123', scriptUri: 'https://x.test/dist/webview.js', styleUri: 'https://x.test/media/panel.css' });
    assert.match(html, /content="default-src 'none'; img-src https:\/\/file\+\.vscode-resource\.test data:; style-src https:\/\/file\+\.vscode-resource\.test; script-src 'nonce-abc123'; font-src https:\/\/file\+\.vscode-resource\.test"/);
    assert.match(html, /<script nonce="abc123" src="https:\/\/x\.test\/dist\/webview\.js"><\/script>/);
    assert.doesNotMatch(html, /unsafe-inline/);
  });

  it('the export embeds the report so that no user string can close its <script> element', async () => {
    const report = makeDemoReport();
    const assets = await panelAssets();
    const html = renderStandaloneHtml({ ...assets, report, nonce: 'n0nce' });
    assert.equal(html.match(/<script\b/gi)?.length, 2, 'exactly the data element and the page script');
    assert.equal(html.match(/<\/script>/gi)?.length, 2);
    const embedded = /<script type="application\/json" id="report-data">([^]*?)<\/script>/.exec(html)?.[1] ?? '';
    assert.doesNotMatch(embedded, /[<>&\u2028\u2029]/);
    assert.deepEqual(JSON.parse(embedded), JSON.parse(JSON.stringify(report)));
    assert.equal(jsonForScriptElement('</script>\u2028'), '"\\u003c/script\\u003e\\u2028"');
    assert.match(html, /script-src 'nonce-n0nce'/);
    assert.doesNotMatch(html, /unsafe-inline|sourceMappingURL/);
  });

  it('loadPanelAssets says to build when the page bundle is missing', async () => {
    await assert.rejects(loadPanelAssets(path.join(repoRoot, 'no-such-dist'), path.join(repoRoot, 'media')), /webview\.js is missing \(run `npm run build`\)/);
  });
});

describe('panel page', () => {
  it('before any report it shows the empty state and tells the host it is ready', async () => {
    const panel = await openPanelPage(browser);
    assert.equal(await text(panel.page, '[data-testid=empty-state] .empty-title'), 'Run a function to see lanes here');
    assert.deepEqual(await panel.posted(), [{ type: 'ready' }]);
    assert.equal(await panel.page.locator('[data-testid=lane]').count(), 0);
    await panel.page.close();
  });

  it('a report shows a lane per worker with PID and thread, a row per task with start and end, and the speedup', async () => {
    const report = makeDemoReport();
    const panel = await openPanelPage(browser);
    await panel.send({ type: 'report', report });
    const page = panel.page;

    const shown = await lanes(page);
    assert.deepEqual(
      shown.map((lane) => [lane.phase, lane.pid, lane.threadId]),
      [
        ['serial', 48213, 0],
        ['parallel', 48213, 1],
        ['parallel', 48213, 2],
      ],
    );
    for (const lane of shown) assert.ok(lane.text.includes(`PID ${lane.pid} · thread ${lane.threadId}`), lane.text);

    const table = await rows(page);
    assert.equal(table.length, 10);
    for (const row of table) {
      const record = report.tasks.find((t) => t.phase === row.phase && t.index === row.index) as TaskRecord;
      const originUs = (report.phases.find((p) => p.phase === row.phase) as RunReport['phases'][number]).startUs;
      assert.ok(Math.abs(parseMs(row.start) - ((record.startUs as number) - originUs) / 1000) < 0.051, `${row.phase} ${row.index} start ${row.start}`);
      assert.ok(parseMs(row.end) > parseMs(row.start), `${row.phase} ${row.index} ends after it starts`);
      assert.equal(row.status, record.status);
    }
    assert.equal(table.filter((row) => row.status === 'error').length, 2, 'the failed task in both phases');

    const expectedSpeedup = (report.summary.serialMs as number) / report.summary.parallelMs;
    assert.equal(await text(page, '[data-testid=speedup]'), `${expectedSpeedup.toFixed(2)}×`);
    assert.equal(parseMs(await text(page, '[data-testid=serial-time]')), Number((report.summary.serialMs as number).toFixed(1)));
    assert.equal(parseMs(await text(page, '[data-testid=parallel-time]')), Number(report.summary.parallelMs.toFixed(1)));
    const ideal = report.summary.idealParallelMs as number;
    assert.ok(ideal > 0, 'the sample report has an ideal parallel time');
    assert.match(
      await page.locator('[data-testid=parallel-time] ~ .card-note').first().innerText(),
      new RegExp(`^${Math.round((ideal / report.summary.parallelMs) * 100)} % of the ideal ${ideal.toFixed(1)} ms$`),
    );
    assert.equal(await text(page, '[data-testid=workers]'), '2');
    assert.equal(await text(page, '[data-testid=backend]'), 'threads');
    assert.equal(await text(page, '[data-testid=run-status]'), 'completed');
    assert.match(await text(page, '[data-testid=efficiency]'), /^\d+ %$/);
    assert.equal(await page.locator('[data-testid=warnings] li').count(), 2);

    assert.equal(await text(page, '[data-testid=amdahl-fraction]'), 'serial fraction 4.2 %');
    assert.equal(await page.locator('[data-testid=sweep-chart] circle.sweep-point').count(), 6);

    assert.ok((await barPixels(page, 'ok')) > 500, 'blue bars for the tasks that succeeded');
    assert.ok((await barPixels(page, 'error')) > 100, 'red bars for the failed task');
    assert.deepEqual(panel.errors, []);
    await page.close();
  });

  it('hostile strings from user code show literally and never run, in the panel and its tooltip', async () => {
    const panel = await openPanelPage(browser);
    await panel.send({ type: 'report', report: makeDemoReport() });
    const page = panel.page;
    const results = (await rows(page)).filter((row) => row.index === 0).map((row) => row.result);
    assert.deepEqual(results, [HOSTILE_RESULT, HOSTILE_RESULT]);
    assert.ok((await text(page, '[data-testid=task-row][data-index="3"] [data-col=result]')).startsWith(`RangeError: ${HOSTILE_ERROR}`));
    assert.ok((await text(page, '[data-testid=warnings]')).includes(HOSTILE_RESULT));

    await page.locator('[data-testid=task-row][data-phase=parallel][data-index="0"]').press('Enter');
    assert.ok((await text(page, '[data-testid=task-logs]')).includes(HOSTILE_LOG));

    // Keyboard into the timeline: the tooltip of task 1 shows its hostile arguments as text.
    await page.locator('[data-testid=timeline-canvas]').focus();
    await page.keyboard.press('ArrowRight');
    assert.ok((await text(page, '[data-testid=tooltip]')).includes(HOSTILE_ARGS));

    const injected = await page.evaluate(() => document.querySelectorAll('#app img, #app b, #app svg[onload], #app script').length);
    assert.equal(injected, 0, 'no element was created from user text');
    await page.waitForTimeout(100);
    assert.deepEqual(panel.dialogs, [], 'no script from user text ran');
    assert.deepEqual(panel.errors, []);
    await page.close();
  });

  it('the exported HTML file (built dist/webview.js + media/panel.css) shows the same lanes, rows and speedup offline, without host buttons', async () => {
    const report = makeDemoReport();
    const assets = await loadPanelAssets(path.join(repoRoot, 'dist'), path.join(repoRoot, 'media'));
    const exported = await openExportedPage(browser, report, { assets });
    const page = exported.page;
    assert.equal((await lanes(page)).length, 3);
    assert.equal((await rows(page)).length, 10);
    assert.equal(await text(page, '[data-testid=speedup]'), `${((report.summary.serialMs as number) / report.summary.parallelMs).toFixed(2)}×`);
    assert.equal(await text(page, '[data-testid=task-row][data-phase=serial][data-index="0"] [data-col=result]'), HOSTILE_RESULT);
    assert.equal(await page.locator('[data-testid=rerun], [data-testid=cancel], [data-testid^=export-]').count(), 0);
    assert.equal(await text(page, '[data-testid=amdahl-fraction]'), 'serial fraction 4.2 %');
    await page.waitForTimeout(100);
    assert.deepEqual(exported.dialogs, []);
    assert.deepEqual(exported.errors, [], 'no CSP violation or page error');
    await page.close();
  });

  it('sorting: headers are buttons; clicking or Enter/Space sorts and sets aria-sort', async () => {
    const panel = await openPanelPage(browser);
    await panel.send({ type: 'report', report: makeSampleReport({ tasks: 8, workers: 3 }) });
    const page = panel.page;
    const durations = async (): Promise<number[]> => (await rows(page)).map((row) => parseMs(row.duration));

    await page.locator('th[data-col=duration] button').click();
    const ascending = await durations();
    assert.deepEqual(ascending, [...ascending].sort((a, b) => a - b));
    assert.equal(await page.locator('th[data-col=duration]').getAttribute('aria-sort'), 'ascending');

    await page.locator('th[data-col=duration] button').focus();
    await page.keyboard.press('Enter');
    const descending = await durations();
    assert.deepEqual(descending, [...ascending].reverse().sort((a, b) => b - a));
    assert.equal(await page.locator('th[data-col=duration]').getAttribute('aria-sort'), 'descending');

    // Tab moves from one sortable header to the next; Space sorts by it.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.closest('th')?.getAttribute('data-col')), 'cpu');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Space');
    assert.equal(await page.locator('th[data-col=end]').getAttribute('aria-sort'), 'ascending');
    assert.equal(await page.locator('th[data-col=duration]').getAttribute('aria-sort'), null);
    const ends = (await rows(page)).map((row) => parseMs(row.end));
    // End times are relative to each phase's start, so sorting interleaves serial and parallel rows.
    assert.deepEqual(ends, [...ends].sort((a, b) => a - b));
    await page.close();
  });

  it('Enter on a row shows its console lines; the error link asks the host to open file:line', async () => {
    const panel = await openPanelPage(browser);
    await panel.send({ type: 'report', report: makeDemoReport() });
    const page = panel.page;
    const row = page.locator('[data-testid=task-row][data-phase=serial][data-index="2"]');
    await row.focus();
    await page.keyboard.press('Enter');
    assert.equal(await row.getAttribute('aria-expanded'), 'true');
    assert.equal(await text(page, '[data-testid=task-logs]'), 'Child process: 48213 - Task: 3');
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('[data-testid=task-logs]').count(), 0, 'Enter again collapses the row');

    const link = page.locator('[data-testid=task-row][data-phase=parallel] [data-testid=error-location]');
    assert.equal(await link.textContent(), 'tasks.ts:14');
    await link.click();
    const posted = await panel.posted();
    assert.deepEqual(posted[posted.length - 1], { type: 'open-location', file: '/home/dev/project/src/tasks.ts', line: 14, column: 11 });
    await page.close();
  });

  it('Cancel shows only while running; Re-run and every export post their message to the host', async () => {
    const report = makeDemoReport();
    const panel = await openPanelPage(browser);
    const page = panel.page;
    await panel.send({ type: 'events', events: [{ type: 'run-started', report: runningCopy(report) }] });
    assert.equal(await text(page, '[data-testid=run-status]'), 'running');
    await page.locator('[data-testid=cancel]').click();
    assert.deepEqual((await panel.posted()).slice(-1), [{ type: 'cancel' }]);

    await panel.send({ type: 'report', report });
    assert.equal(await page.locator('[data-testid=cancel]').isVisible(), false);
    await page.locator('[data-testid=rerun]').click();
    for (const format of ['json', 'csv', 'trace', 'html']) await page.locator(`[data-testid=export-${format}]`).click();
    assert.deepEqual((await panel.posted()).slice(-5), [
      { type: 'rerun' },
      { type: 'export', format: 'json' },
      { type: 'export', format: 'csv' },
      { type: 'export', format: 'trace' },
      { type: 'export', format: 'html' },
    ]);
    await page.close();
  });

  it('during live events the Cancel button stays the same element, a click posts cancel, and the header keeps its height', async () => {
    const report = makeSampleReport({ tasks: 40, workers: 2, withSerial: false });
    const panel = await openPanelPage(browser, { width: 900 });
    const page = panel.page;
    await panel.send({ type: 'events', events: [{ type: 'run-started', report: runningCopy(report) }, { type: 'phase-started', phase: 'parallel', repeat: 0, workers: 2, totalTasks: 40, warmup: false }] });
    const headerHeight = (): Promise<number> => page.locator('.run-header').evaluate((node) => node.getBoundingClientRect().height);
    const runningHeight = await headerHeight();
    await page.evaluate(() => {
      (window as unknown as { cancelAtStart: Element | null }).cancelAtStart = document.querySelector('[data-testid=cancel]');
    });
    for (let i = 0; i < report.tasks.length; i += 4) {
      const batch = report.tasks.slice(i, i + 4);
      await panel.send({ type: 'events', events: [...batch.map(started), ...batch.map((task): RunEvent => ({ type: 'task-finished', task }))] });
    }
    assert.equal(await text(page, '[data-testid=tasks]'), '40 / 40', 'the summary text followed the events');
    assert.equal(await page.evaluate(() => (window as unknown as { cancelAtStart: Element | null }).cancelAtStart === document.querySelector('[data-testid=cancel]')), true, 'the same Cancel element');
    assert.equal((await lanes(page)).filter((lane) => /busy/.test(lane.text)).length, 0, 'no busy share before the phase ends');
    await page.evaluate(() => (window as unknown as { cancelAtStart: HTMLElement }).cancelAtStart.click());
    assert.deepEqual((await panel.posted()).slice(-1), [{ type: 'cancel' }]);

    await panel.send({ type: 'report', report });
    assert.equal(await headerHeight(), runningHeight, 'the action row does not wrap differently while running');
    assert.ok((await lanes(page)).every((lane) => /\b[1-9]\d* % busy/.test(lane.text)), 'a busy share on every lane once the phase ended');
    await page.close();
  });

  it('a new report shows the task table scrolled back to its left edge', async () => {
    const panel = await openPanelPage(browser, { width: 500 });
    const page = panel.page;
    await panel.send({ type: 'report', report: makeSampleReport({ tasks: 4, workers: 2 }) });
    const scrolled = await page.locator('.table-scroll').evaluate((node) => {
      node.scrollLeft = 200;
      return node.scrollLeft;
    });
    assert.ok(scrolled > 0, 'the table is wider than a 500 px panel');
    await panel.send({ type: 'report', report: makeDemoReport() });
    assert.equal(await page.locator('.table-scroll').evaluate((node) => node.scrollLeft), 0);
    await page.close();
  });

  it('live events add lanes, bars and rows as tasks start and finish', async () => {
    const report = makeSampleReport({ tasks: 4, workers: 2, withSerial: false });
    const tasks = report.tasks;
    const panel = await openPanelPage(browser);
    const page = panel.page;
    await panel.send({ type: 'events', events: [{ type: 'run-started', report: runningCopy(report) }] });
    assert.equal(await page.locator('[data-testid=lane]').count(), 0);
    assert.equal(await page.locator('[data-testid=task-row]').count(), 0);

    await panel.send({ type: 'events', events: [{ type: 'phase-started', phase: 'parallel', repeat: 0, workers: 2, totalTasks: 4, warmup: false }, started(tasks[0]), started(tasks[1])] });
    assert.deepEqual((await lanes(page)).map((lane) => `${lane.phase} ${lane.pid} ${lane.threadId}`), ['parallel 48213 1', 'parallel 48213 2']);
    assert.deepEqual((await rows(page)).map((row) => `${row.index} ${row.status}`), ['0 running', '1 running']);
    assert.ok((await barPixels(page, 'running')) > 100, 'running bars are drawn');
    assert.equal(await text(page, '[data-testid=tasks]'), '0 / 4');

    await panel.send({ type: 'events', events: [{ type: 'task-finished', task: tasks[0] }, { type: 'task-finished', task: tasks[1] }, started(tasks[2])] });
    assert.deepEqual((await rows(page)).map((row) => `${row.index} ${row.status}`), ['0 ok', '1 ok', '2 running']);
    assert.ok((await barPixels(page, 'ok')) > 100, 'finished bars turn the ok colour');
    const row0 = (await rows(page))[0];
    assert.ok(parseMs(row0.end) > parseMs(row0.start));

    await panel.send({ type: 'events', events: [{ type: 'task-finished', task: tasks[2] }, { type: 'task-finished', task: tasks[3] }, { type: 'phase-finished', phase: report.phases[0] }, { type: 'run-finished', report }] });
    assert.equal(await text(page, '[data-testid=run-status]'), 'completed');
    assert.equal((await rows(page)).filter((row) => row.status === 'ok').length, 4);
    assert.deepEqual(panel.errors, []);
    await page.close();
  });

  it('pairs: every pair is a table row; the timeline shows the latest pair, earlier ones picked from a list; cards show the spread', async () => {
    const panel = await openPanelPage(browser);
    await panel.send({ type: 'report', report: makeSampleReport({ tasks: 4, workers: 2, repeats: 3 }) });
    const page = panel.page;
    const repeatsShown = await page.locator('[data-testid=task-row]').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-repeat')));
    assert.equal(repeatsShown.length, 24);
    assert.deepEqual([...new Set(repeatsShown)], ['0', '1', '2']);
    const groups = (): Promise<string[]> => page.locator('[data-testid=lane-group]').allTextContents();
    assert.deepEqual(await groups(), ['Serial run · pair 3', 'Parallel run · 2 workers · pair 3']);
    assert.deepEqual(await page.locator('[data-testid=repeat-select] option').allTextContents(), ['pair 1 of 3', 'pair 2 of 3', 'pair 3 of 3']);
    assert.equal(await page.locator('[data-testid=repeat-select]').inputValue(), '2');
    await page.locator('[data-testid=repeat-select]').selectOption('0');
    await panel.settle();
    assert.deepEqual(await groups(), ['Serial run · pair 1', 'Parallel run · 2 workers · pair 1']);
    assert.equal(await page.locator('[data-testid=lane]').count(), 3);
    const serialNotes = await page.locator('[data-testid=serial-time] ~ .card-note').allTextContents();
    assert.equal(serialNotes.length, 2);
    assert.match(serialNotes[0], /^± \d+\.\d+ ms \(n = 3\)$/);
    assert.match(serialNotes[1], /^\d+\.\d ms – \d+\.\d ms$/);
    await page.close();
  });

  it('hovering a bar shows its task in a tooltip', async () => {
    const panel = await openPanelPage(browser);
    await panel.send({ type: 'report', report: makeDemoReport() });
    const page = panel.page;
    const lane = (await page.locator('[data-testid=lane][data-phase=parallel][data-thread-id="1"]').boundingBox()) as { y: number; height: number };
    const canvas = (await page.locator('[data-testid=timeline-canvas]').boundingBox()) as { x: number; width: number };
    // Parallel task 0 starts at the left edge of thread 1's lane.
    await page.mouse.move(canvas.x + 30, lane.y + lane.height / 2);
    await panel.settle();
    assert.equal(await page.locator('[data-testid=tooltip]').isVisible(), true);
    assert.match(await text(page, '[data-testid=tooltip] .tooltip-title'), /^Task 0 · parallel · ok$/);
    await page.mouse.move(canvas.x + canvas.width - 5, lane.y - 200);
    assert.equal(await page.locator('[data-testid=tooltip]').isVisible(), false);
    await page.close();
  });

  it('a big report sent in task slices shows every task, as one report message would', async () => {
    const report = makeDemoReport();
    const panel = await openPanelPage(browser);
    // A send cut short (the page reloaded) and the same report sent again from the start: no task twice.
    await panel.send({ type: 'report-tasks', reportId: report.id, from: 0, tasks: report.tasks.slice(0, 4) });
    await panel.send({ type: 'report-tasks', reportId: report.id, from: 0, tasks: report.tasks.slice(0, 4) });
    await panel.send({ type: 'report-tasks', reportId: report.id, from: 4, tasks: report.tasks.slice(4) });
    await panel.send({ type: 'report', report: { ...report, tasks: [] }, tasksInParts: true });
    const shown = await rows(panel.page);
    assert.equal(shown.length, report.tasks.length);
    assert.deepEqual(new Set(shown.map((row) => `${row.phase}:${row.index}`)), new Set(report.tasks.map((task) => `${task.phase}:${task.index}`)));
    assert.equal(await text(panel.page, '[data-testid=speedup]'), `${((report.summary.serialMs as number) / report.summary.parallelMs).toFixed(2)}×`);
    await panel.page.close();
  });

  it('a reloaded panel restores the last report from webview state before the host answers', async () => {
    const report = makeDemoReport();
    const first = await openPanelPage(browser);
    await first.send({ type: 'report', report });
    // The page saves its state when idle (within a second), not in the frame that draws the report.
    await first.page.waitForFunction((id) => (window as unknown as { __state?: { report?: { id?: string } } }).__state?.report?.id === id, report.id, { timeout: 5_000 });
    const state = await first.state();
    assert.equal(state?.report?.id, report.id);
    await first.page.close();

    const reloaded = await openPanelPage(browser, { initialState: state });
    assert.equal((await rows(reloaded.page)).length, 10);
    assert.equal(await text(reloaded.page, '[data-testid=speedup]'), `${((report.summary.serialMs as number) / report.summary.parallelMs).toFixed(2)}×`);
    await reloaded.page.close();
  });

  it('theme colours reach the canvas: dark background in a dark theme, white after switching to light', async () => {
    const panel = await openPanelPage(browser, { theme: DARK_THEME });
    await panel.send({ type: 'report', report: makeDemoReport() });
    const corner = (): Promise<number[]> =>
      panel.page.evaluate(() => {
        const canvas = document.querySelector('[data-testid=timeline-canvas]') as HTMLCanvasElement;
        return [...(canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(1, 1, 1, 1).data];
      });
    assert.deepEqual(await corner(), [31, 31, 31, 255]);
    await applyTheme(panel.page, LIGHT_THEME);
    assert.deepEqual(await corner(), [255, 255, 255, 255]);
    await panel.page.close();
  });

  it('zoom and pan: buttons and Ctrl+wheel widen the timeline, dragging scrolls it, Fit shows the whole run again', async () => {
    const panel = await openPanelPage(browser);
    await panel.send({ type: 'report', report: makeDemoReport() });
    const page = panel.page;
    const overflow = (): Promise<number> => page.evaluate(() => {
      const scroller = document.querySelector('.timeline-scroller') as HTMLElement;
      return scroller.scrollWidth - scroller.clientWidth;
    });
    assert.equal(await overflow(), 0);
    await page.locator('[data-testid=zoom-in]').click();
    await page.locator('[data-testid=zoom-in]').click();
    assert.ok((await overflow()) > 500, 'zoomed in 2.25×');
    // Dragging the chart to the left pans later times into view.
    const scrollLeft = (): Promise<number> => page.evaluate(() => (document.querySelector('.timeline-scroller') as HTMLElement).scrollLeft);
    const chart = (await page.locator('[data-testid=timeline-canvas]').boundingBox()) as { x: number; y: number; width: number; height: number };
    const before = await scrollLeft();
    await page.mouse.move(chart.x + chart.width / 2, chart.y + 12);
    await page.mouse.down();
    await page.mouse.move(chart.x + chart.width / 2 - 150, chart.y + 12, { steps: 5 });
    await page.mouse.up();
    assert.ok((await scrollLeft()) >= before + 140, `drag panned from ${before} to ${await scrollLeft()}`);
    await page.locator('[data-testid=zoom-fit]').click();
    assert.equal(await overflow(), 0);

    const box = (await page.locator('[data-testid=timeline-canvas]').boundingBox()) as { x: number; y: number; width: number; height: number };
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, -200);
    await page.keyboard.up('Control');
    await panel.settle();
    assert.ok((await overflow()) > 0, 'Ctrl+wheel zoomed in');
    await page.close();
  });

  it('10,000 tasks per phase render, with 200 rows per table page (time printed, not asserted)', async () => {
    const panel = await openPanelPage(browser);
    const page = panel.page;
    await installSampleReports(page);
    const elapsedMs = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const samples = (window as unknown as { sampleReports: typeof import('../webview/sampleReport') }).sampleReports;
          const report = samples.makeSampleReport({ tasks: 10_000, workers: 8, durationMs: (i) => 0.5 + (i % 7) * 0.3, failIndex: 4321 });
          const started = performance.now();
          window.postMessage({ type: 'report', report }, '*');
          // The page renders in the next frame and the table in the one after; the third callback runs once both are done.
          requestAnimationFrame(() => requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - started))));
        }),
    );
    console.log(`# 20,000 task records (10,000 per phase, 8 workers) rendered in ${elapsedMs.toFixed(0)} ms`);
    assert.equal(await page.locator('[data-testid=task-row]').count(), 200);
    assert.match(await text(page, '.pager-status'), /Rows 1–200 of 20,000/);
    assert.equal((await lanes(page)).length, 9);
    assert.ok((await barPixels(page, 'ok')) > 1000);

    const sortMs = await page.evaluate(() => {
      const started = performance.now();
      (document.querySelector('th[data-col=duration] button') as HTMLButtonElement).click();
      return performance.now() - started;
    });
    console.log(`# sorting 20,000 rows by duration took ${sortMs.toFixed(0)} ms`);
    const firstDurations = (await rows(page)).slice(0, 5).map((row) => parseMs(row.duration));
    assert.deepEqual(firstDurations, [...firstDurations].sort((a, b) => a - b));
    await page.locator('[data-testid=page-next]').click();
    assert.match(await text(page, '.pager-status'), /Rows 201–400 of 20,000/);
    await page.close();
  });

  it('1,000 live updates arrive in batches and every task ends up in the table (longest frame printed)', async () => {
    const report = makeSampleReport({ tasks: 500, workers: 4, withSerial: false, durationMs: () => 2 });
    const panel = await openPanelPage(browser);
    const page = panel.page;
    await panel.send({ type: 'events', events: [{ type: 'run-started', report: runningCopy(report) }] });
    const events: RunEvent[] = [];
    for (const task of report.tasks) events.push(started(task), { type: 'task-finished', task });
    const timing = await page.evaluate(
      (all) =>
        new Promise<{ longestTaskMs: number; longestFrameGapMs: number }>((resolve) => {
          let longestTaskMs = 0;
          let longestFrameGapMs = 0;
          const observer = new PerformanceObserver((list) => {
            for (const entry of list.getEntries()) longestTaskMs = Math.max(longestTaskMs, entry.duration);
          });
          observer.observe({ type: 'longtask' });
          let previous = performance.now();
          let framesAfterLastPost = 0;
          let next = 0;
          const onFrame = (now: number): void => {
            longestFrameGapMs = Math.max(longestFrameGapMs, now - previous);
            previous = now;
            if (next < all.length || ++framesAfterLastPost < 10) requestAnimationFrame(onFrame);
            else {
              observer.disconnect();
              resolve({ longestTaskMs, longestFrameGapMs });
            }
          };
          requestAnimationFrame(onFrame);
          // 100 messages of 10 events each, one every few ms, as the host batches a busy run's events.
          const post = (): void => {
            window.postMessage({ type: 'events', events: all.slice(next, next + 10) }, '*');
            next += 10;
            if (next < all.length) setTimeout(post, 5);
          };
          post();
        }),
      events,
    );
    console.log(`# 1,000 live events: longest main-thread task ${timing.longestTaskMs.toFixed(0)} ms (0 = none over 50 ms), longest gap between frames ${timing.longestFrameGapMs.toFixed(0)} ms`);
    await panel.settle();
    assert.equal(await page.locator('[data-testid=task-row][data-status=ok]').count(), 200, 'first table page is full of finished tasks');
    assert.match(await text(page, '.pager-status'), /of 500/);
    await page.close();
  });
  it('the task table is a treegrid to assistive technology: named by its caption, with rows, column headers and cells', async () => {
    const panel = await openPanelPage(browser);
    await panel.send({ type: 'report', report: makeDemoReport() });
    const page = panel.page;
    assert.equal(await page.getByRole('treegrid', { name: 'Tasks: 10' }).count(), 1);
    const table = page.getByRole('treegrid', { name: 'Tasks: 10' });
    assert.equal(await table.getByRole('columnheader').count(), 13);
    assert.equal(await table.getByRole('row').count(), 11, 'a header row and a row per task');
    assert.equal(await table.getByRole('row').nth(1).getByRole('gridcell').count(), 13);
    // The columns line up: every row's cells start where their header does (rows on screen: off screen they skip layout).
    await page.locator('.task-table').scrollIntoViewIfNeeded();
    await panel.settle();
    const misaligned = await page.evaluate(() => {
      const heads = [...document.querySelectorAll('.task-table thead th')].map((th) => th.getBoundingClientRect().left);
      return [...document.querySelectorAll('[data-testid=task-row]')].flatMap((row) =>
        [...row.children].flatMap((td, i) => (Math.abs(td.getBoundingClientRect().left - heads[i]) > 0.5 ? [`${row.getAttribute('data-key')} ${td.getAttribute('data-col')}`] : [])),
      );
    });
    assert.deepEqual(misaligned, []);
    await page.close();
  });

  it('a live run of 1,000 queued tasks fills the whole first table page within a few frames; the pager keeps its buttons', async () => {
    const report = makeSampleReport({ tasks: 1000, workers: 2, withSerial: false, durationMs: () => 1 });
    const panel = await openPanelPage(browser);
    const page = panel.page;
    const queued: RunEvent[] = report.tasks.map((task) => ({ type: 'task-queued', phase: task.phase, repeat: task.repeat, index: task.index, queuedUs: task.queuedUs }));
    await panel.send({ type: 'events', events: [{ type: 'run-started', report: runningCopy(report) }, { type: 'phase-started', phase: 'parallel', repeat: 0, workers: 2, totalTasks: 1000, warmup: false }, ...queued] });
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 300)));
    assert.equal(await page.locator('[data-testid=task-row][data-status=queued]').count(), 200);
    assert.match(await text(page, '.pager-status'), /Rows 1–200 of 1,000/);
    await page.evaluate(() => {
      (window as unknown as { nextAtStart: Element | null }).nextAtStart = document.querySelector('[data-testid=page-next]');
    });
    await panel.send({ type: 'events', events: report.tasks.slice(0, 300).flatMap((task) => [started(task), { type: 'task-finished', task } as RunEvent]) });
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 300)));
    assert.equal(await page.locator('[data-testid=task-row][data-status=ok]').count(), 200);
    assert.equal(await page.evaluate(() => (window as unknown as { nextAtStart: Element | null }).nextAtStart === document.querySelector('[data-testid=page-next]')), true, 'the same Next element');
    await page.locator('[data-testid=page-next]').click();
    assert.match(await text(page, '.pager-status'), /Rows 201–400 of 1,000/);
    assert.deepEqual(panel.errors, []);
    await page.close();
  });
});

/** The account's bar and table as drawn: each segment's width in px, and each table row's figures as read. */
async function accountShown(page: Page): Promise<{
  barWidth: number;
  barLabel: string;
  segments: { key: string; ms: number; width: number; left: number; label: string; fit: string; text: string }[];
  idealLeft: number;
  rows: { key: string; time: string; share: string }[];
  total: { time: string; share: string };
  caption: string;
}> {
  return page.evaluate(() => {
    const bar = document.querySelector('[data-testid=account-bar]') as HTMLElement;
    const box = bar.getBoundingClientRect();
    const inner = box.left + bar.clientLeft;
    const segments = [...bar.querySelectorAll<HTMLElement>('[data-testid=account-segment]')].map((node) => {
      const rect = node.getBoundingClientRect();
      const fit = node.getAttribute('data-fit') ?? '';
      const shown = node.querySelector(fit === 'full' ? '.account-label-full' : '.account-label-short');
      return { key: node.getAttribute('data-key') ?? '', ms: Number(node.getAttribute('data-ms')), width: rect.width, left: rect.left - inner, label: node.getAttribute('aria-label') ?? '', fit, text: fit === 'none' ? '' : (shown?.textContent ?? '') };
    });
    const ideal = (document.querySelector('[data-testid=account-ideal]') as HTMLElement).getBoundingClientRect();
    const cell = (row: Element, col: string): string => (row.querySelector(`[data-col=${col}]`)?.textContent ?? '').trim();
    const rows = [...document.querySelectorAll('[data-testid=account-row]')].map((row) => ({ key: row.getAttribute('data-key') ?? '', time: cell(row, 'ms'), share: cell(row, 'share') }));
    const totalRow = document.querySelector('[data-testid=account-total]') as Element;
    return {
      barWidth: bar.clientWidth,
      barLabel: bar.getAttribute('aria-label') ?? '',
      segments,
      // The marker is 2 px wide and centred on its position.
      idealLeft: ideal.left + ideal.width / 2 - inner,
      rows,
      total: { time: cell(totalRow, 'ms'), share: cell(totalRow, 'share') },
      caption: (document.querySelector('[data-testid=account-caption]')?.textContent ?? '').trim(),
    };
  });
}

function parallelPhase(report: RunReport, repeat: number): PhaseRun {
  return report.phases.find((phase) => phase.phase === 'parallel' && phase.repeat === repeat) as PhaseRun;
}

/** `−14 %` / `3.8 %` / `<0.1 %` → -14 / 3.8 / 0.05 (a share under 0.1 % counts as half of that) */
function parsePercent(text: string): number {
  const value = text.replace('−', '-').replace(/\s*%$/, '');
  if (value.includes('<')) return value.startsWith('-') ? -0.05 : 0.05;
  return Number(value);
}

describe('the account, the interval and the CPU figures (issue 11)', () => {
  it('the account is one bar from 0 to the parallel wall: segment widths follow their ms, the terms add up to P, the ideal is marked, the advice is under it', async () => {
    const report = makeAccountReport();
    const account = report.summary.account as RunAccount;
    assert.equal(account.parallelRepeat, 4, 'the summary carries the latest pair’s account');
    const panel = await openPanelPage(browser, { width: 1200 });
    await panel.send({ type: 'report', report });
    const page = panel.page;
    const shown = await accountShown(page);
    assert.equal(shown.caption, 'pair 5 of 5 · 2 workers');

    // Every term above zero is drawn, in the account's order, none of zero width; zero terms are left out.
    const drawn = account.segments.filter((segment) => segment.ms >= 0.01);
    assert.deepEqual(shown.segments.map((segment) => segment.key), drawn.map((segment) => segment.key));
    assert.ok(!shown.segments.some((segment) => segment.key === 'unmatched'), 'the zero "unmatched" term is not drawn');
    assert.ok(account.segments.some((segment) => segment.key === 'unmatched' && segment.ms === 0));
    let expectedLeft = 0;
    for (const segment of shown.segments) {
      const expected = (segment.ms / account.parallelMs) * shown.barWidth;
      assert.ok(Math.abs(segment.width - expected) < 1, `${segment.key}: ${segment.width.toFixed(1)} px for ${segment.ms} ms of ${account.parallelMs} ms (expected ${expected.toFixed(1)} px)`);
      assert.ok(Math.abs(segment.left - expectedLeft) < 1.5, `${segment.key} starts where the one before it ends`);
      expectedLeft += expected;
    }
    assert.ok(Math.abs(expectedLeft - shown.barWidth) < 1.5, 'the segments fill the bar: it ends at the parallel wall time');
    assert.ok(Math.abs(shown.idealLeft - (account.idealMs / account.parallelMs) * shown.barWidth) < 1.5, `ideal marker at ${shown.idealLeft.toFixed(1)} px`);
    assert.equal(await text(page, '.account-axis-ideal'), `ideal ${account.idealMs.toFixed(1)} ms`);

    // The labels a person reads: the table's ms and shares add up to P and 100 %, and each segment names its numbers.
    assert.deepEqual(shown.rows.map((row) => row.key), drawn.map((segment) => segment.key));
    const sumMs = shown.rows.reduce((sum, row) => sum + parseMs(row.time), 0);
    assert.ok(Math.abs(sumMs - parseMs(shown.total.time)) <= 0.05 * shown.rows.length + Math.abs(account.residualMs), `terms add up to ${sumMs} ms, the wall reads ${shown.total.time}`);
    assert.equal(parseMs(shown.total.time), Number(account.parallelMs.toFixed(1)));
    const sumShare = shown.rows.reduce((sum, row) => sum + parsePercent(row.share), 0);
    assert.ok(Math.abs(sumShare - 100) <= 0.5 * shown.rows.length, `shares add up to ${sumShare} %`);
    const contention = account.segments.find((segment) => segment.key === 'contention') as { ms: number };
    const contentionShown = shown.segments.find((segment) => segment.key === 'contention');
    assert.equal(contentionShown?.label, `Contention: ${contention.ms.toFixed(1)} ms, ${Math.round((contention.ms / account.parallelMs) * 100)} % of the parallel wall time`);
    const work = shown.segments.find((segment) => segment.key === 'work');
    assert.equal(work?.fit, 'full', 'the widest segment has room for its whole label');
    assert.match(work?.text ?? '', /^Work \d+\.\d ms · \d+ %$/);
    assert.match(shown.barLabel, /^Parallel wall time \d+\.\d ms on 2 workers; Work: /);

    assert.equal(await page.locator('[data-testid=account-advice]').getAttribute('data-key'), 'contention');
    assert.ok((await text(page, '[data-testid=account-advice]')).endsWith(account.largestLoss?.advice ?? '?'));
    assert.equal(await page.locator('[data-testid=account-unavailable]').count(), 0);
    assert.equal(await page.locator('[data-testid=account-gain]').count(), 0);
    assert.deepEqual(panel.errors, []);
    await page.close();
  });

  it('the account follows the pair picked for the timeline', async () => {
    const report = makeAccountReport();
    const panel = await openPanelPage(browser);
    await panel.send({ type: 'report', report });
    const page = panel.page;
    const wallOf = async (): Promise<number> => parseMs((await accountShown(page)).total.time);
    assert.equal(await page.locator('[data-testid=repeat-select]').inputValue(), '4');
    assert.equal(await page.locator('[data-testid=repeat-select] option:checked').textContent(), 'pair 5 of 5');
    assert.equal(await wallOf(), Number(parallelPhase(report, 4).wallMs.toFixed(1)));
    assert.equal(await text(page, '[data-testid=run-status] ~ .card-note'), '5 pairs');

    await page.locator('[data-testid=repeat-select]').selectOption('1');
    await panel.settle();
    const second = parallelPhase(report, 1).account as RunAccount;
    assert.notEqual(second.parallelMs.toFixed(1), parallelPhase(report, 4).wallMs.toFixed(1), 'the sample pairs differ');
    const shown = await accountShown(page);
    assert.equal(shown.caption, 'pair 2 of 5 · 2 workers');
    assert.equal(parseMs(shown.total.time), Number(second.parallelMs.toFixed(1)));
    for (const row of shown.rows) {
      const segment = second.segments.find((candidate) => candidate.key === row.key) as { ms: number };
      assert.equal(row.time, `${segment.ms >= 100 ? segment.ms.toFixed(1) : segment.ms >= 1 ? segment.ms.toFixed(2) : segment.ms.toFixed(3)} ms`, row.key);
    }
    assert.deepEqual(await page.locator('[data-testid=lane-group]').allTextContents().then((texts) => texts.map((t) => t.split('other')[0])), ['Serial run · pair 2', 'Parallel run · 2 workers · pair 2']);
    await page.close();
  });

  it('the speedup card shows the median with its interval and n; one pair says why; an imprecise interval says the budget ran out; efficiency carries n', async () => {
    const panel = await openPanelPage(browser);
    const page = panel.page;
    const notes = (testId: string): Promise<string[]> => page.locator(`[data-testid=${testId}] ~ .card-note`).allTextContents();

    await panel.send({ type: 'report', report: makeAccountReport({ estimate: { median: 1.62, low: 1.58, high: 1.66, n: 5 } }) });
    assert.equal(await text(page, '[data-testid=speedup]'), '1.62× ± 0.04');
    assert.equal(await text(page, '[data-testid=speedup-ci]'), '95 % CI · 5 pairs');
    assert.equal(await page.locator('[data-testid=speedup]').getAttribute('data-value'), '1.62');
    assert.equal(await text(page, '[data-testid=efficiency]'), '81 % ± 2 %');
    assert.ok((await notes('efficiency')).includes('speedup ÷ workers · 5 pairs'));
    assert.match((await page.locator('.card-hero').getAttribute('title')) ?? '', /95 % confidence interval 1\.58× – 1\.66×/);
    assert.equal(await page.locator('[data-testid=speedup-imprecise]').count(), 0);

    // Clearly asymmetric: both sides are given, so no end is put where it is not.
    await panel.send({ type: 'report', report: { ...makeAccountReport({ estimate: { median: 1.5, low: 1.3, high: 1.76, n: 4, stoppedBy: 'budget' } }), id: 'wide' } });
    assert.equal(await text(page, '[data-testid=speedup]'), '1.50× +0.26 / −0.20');
    assert.equal(await text(page, '[data-testid=speedup-imprecise]'), 'wider than ± 5 %: the 10 s time budget ran out');
    assert.equal(await text(page, '[data-testid=speedup-ci]'), '95 % CI · 4 pairs');
    // Slightly asymmetric: one ± with the wider side.
    await panel.send({ type: 'report', report: { ...makeAccountReport({ estimate: { median: 2, low: 1.9, high: 2.11, n: 6, stoppedBy: 'repeats' } }), id: 'repeats' } });
    assert.equal(await text(page, '[data-testid=speedup]'), '2.00× ± 0.11');
    assert.equal(await text(page, '[data-testid=speedup-imprecise]'), 'wider than ± 5 %: only the 6 pairs asked for ran');

    await panel.send({ type: 'report', report: { ...makeAccountReport({ repeats: 1, estimate: { median: 2.01, low: 2.01, high: 2.01, n: 1, method: 'single', stoppedBy: 'long-tasks' } }), id: 'single' } });
    assert.equal(await text(page, '[data-testid=speedup]'), '2.01×');
    assert.equal(await page.locator('[data-testid=speedup-interval]').isVisible(), false);
    assert.equal(await text(page, '[data-testid=speedup-ci]'), '1 pair: tasks too long to repeat within the time budget');
    assert.ok((await notes('efficiency')).includes('speedup ÷ workers · 1 pair'));

    await panel.send({ type: 'report', report: { ...makeAccountReport({ estimate: { excludedPairs: [0], n: 4 } }), id: 'warm' } });
    assert.ok((await notes('speedup')).includes('pair 1 left out (warm-up)'));
    assert.equal(await page.locator('[data-testid=repeat-select] option').first().textContent(), 'pair 1 of 5 · left out (warm-up)');

    // A report from before the estimate: the speedup as it always read, with no interval and no n invented.
    const old = makeDemoReport();
    await panel.send({ type: 'report', report: old });
    assert.equal(await text(page, '[data-testid=speedup]'), `${((old.summary.serialMs as number) / old.summary.parallelMs).toFixed(2)}×`);
    assert.equal(await page.locator('[data-testid=speedup-ci]').count(), 0);
    assert.equal(await page.locator('[data-testid=account]').isVisible(), false, 'no account section for a report without one');
    await page.close();
  });

  it('task table and hover: CPU, Wait and Blocked in ms; "—" with "not measured on this platform" where there is no figure, never 0', async () => {
    const report = makeAccountReport();
    // A tiny task that shared its chunk's reading has no figures of its own, on a platform that measures the rest.
    const tiny = report.tasks.find((t) => t.phase === 'parallel' && t.repeat === 4 && t.index === 5) as TaskRecord;
    delete tiny.cpuMs;
    delete tiny.waitMs;
    const panel = await openPanelPage(browser);
    await panel.send({ type: 'report', report });
    const page = panel.page;
    const cells = (selector: string): Promise<{ cpu: string; wait: string; blocked: string; duration: string; title: string | null }> =>
      page.locator(selector).evaluate((row) => {
        const col = (name: string): string => (row.querySelector(`[data-col=${name}]`)?.textContent ?? '').trim();
        return { cpu: col('cpu'), wait: col('wait'), blocked: col('blocked'), duration: col('duration'), title: row.querySelector('[data-col=cpu]')?.getAttribute('title') ?? null };
      });
    const task = report.tasks.find((t) => t.phase === 'parallel' && t.repeat === 4 && t.index === 2) as TaskRecord;
    const row = await cells('[data-testid=task-row][data-phase=parallel][data-repeat="4"][data-index="2"]');
    assert.equal(parseMs(row.cpu), Number((task.cpuMs as number).toFixed(1)));
    assert.equal(parseMs(row.wait), Number((task.waitMs as number).toFixed(2)));
    const blocked = (task.durationMs as number) - (task.cpuMs as number) - (task.waitMs as number);
    assert.ok(blocked > 1, 'the sample task is blocked for a while');
    assert.ok(Math.abs(parseMs(row.blocked) - blocked) < 0.06, `blocked reads ${row.blocked}, wall − CPU − wait is ${blocked}`);
    assert.ok(Math.abs(parseMs(row.cpu) + parseMs(row.wait) + parseMs(row.blocked) - parseMs(row.duration)) < 0.2, 'CPU + wait + blocked = duration');

    const tinyRow = await cells('[data-testid=task-row][data-phase=parallel][data-repeat="4"][data-index="5"]');
    assert.deepEqual([tinyRow.cpu, tinyRow.wait, tinyRow.blocked, tinyRow.title], ['—', '—', '—', 'not measured for this task: it came right after a task under 0.1 ms on its worker, and tasks that small are not timed on the CPU clock']);

    // Sorting by CPU orders by the figure (the task without one last).
    await page.locator('th[data-col=cpu] button').click();
    const cpus = (await page.locator('[data-testid=task-row] [data-col=cpu]').allTextContents()).map(parseMs);
    assert.ok(Number.isNaN(cpus[cpus.length - 1]));
    const measuredCpus = cpus.slice(0, -1);
    assert.deepEqual(measuredCpus, [...measuredCpus].sort((a, b) => a - b));

    // The hover lists the same three figures.
    await page.locator('th[data-col=task] button').click();
    await page.locator('[data-testid=timeline-canvas]').focus();
    const tooltip = await text(page, '[data-testid=tooltip]');
    assert.match(tooltip, /cpu\s*\d+\.\d+ ms/);
    assert.match(tooltip, /cpu wait\s*\d+\.\d+ ms/);
    assert.match(tooltip, /blocked\s*\d+\.\d+ ms/);
    await page.close();

    // A platform without the figures: a dash with the reason on hover, in every row and the tooltip.
    const unmeasured = await openPanelPage(browser);
    await unmeasured.send({ type: 'report', report: makeAccountReport({ measured: 'unavailable' }) });
    const upage = unmeasured.page;
    const figures = await upage.locator('[data-testid=task-row] :is([data-col=cpu], [data-col=wait], [data-col=blocked])').evaluateAll((nodes) =>
      nodes.map((node) => ({ text: (node.textContent ?? '').trim(), title: node.getAttribute('title'), label: node.getAttribute('aria-label') })),
    );
    assert.ok(figures.length >= 3 * 60);
    for (const figure of figures) assert.deepEqual(figure, { text: '—', title: 'not measured on this platform', label: 'not measured on this platform' });
    await upage.locator('[data-testid=timeline-canvas]').focus();
    const utip = await text(upage, '[data-testid=tooltip]');
    assert.match(utip, /cpu\s*— \(not measured on this platform\)/);
    assert.doesNotMatch(utip, /\b0 ms/);
    await upage.close();
  });

  it('each phase shows other programs’ CPU beside it (warning colour from 0.25 cores), or says it was not measured on this platform', async () => {
    const panel = await openPanelPage(browser);
    await panel.send({ type: 'report', report: makeAccountReport() });
    const page = panel.page;
    const machine = (): Promise<{ text: string; busy: boolean; cores: string | null }[]> =>
      page.locator('[data-testid=phase-other-cpu]').evaluateAll((nodes) => nodes.map((node) => ({ text: (node.textContent ?? '').trim(), busy: node.classList.contains('machine-busy'), cores: node.getAttribute('data-cores') })));
    assert.deepEqual(await machine(), [
      { text: 'other programs 0.03 · this run 0.97 cores', busy: false, cores: '0.03' },
      { text: 'other programs 0.03 · this run 1.90 cores', busy: false, cores: '0.03' },
    ]);
    await page.locator('[data-testid=repeat-select]').selectOption('0');
    await panel.settle();
    const first = await machine();
    assert.deepEqual(first[0], { text: 'other programs 0.41 · this run 0.97 cores', busy: true, cores: '0.41' });
    const busyColor = await page.locator('.machine-busy').evaluate((node) => getComputedStyle(node).color);
    const quietColor = await page.locator('[data-testid=phase-other-cpu]:not(.machine-busy)').evaluate((node) => getComputedStyle(node).color);
    assert.notEqual(busyColor, quietColor);

    // A phase shorter than 400 ms reads /proc/stat's 10 ms ticks too coarsely: approximate, and not called busy.
    await panel.send({ type: 'report', report: { ...makeSampleReport({ tasks: 4, workers: 2, measured: 'schedstat', durationMs: () => 20, otherCpuCores: () => 0.6 }), id: 'short' } });
    assert.deepEqual(await machine(), [
      { text: 'other programs ~0.60 · this run ~0.97 cores', busy: false, cores: '0.6' },
      { text: 'other programs ~0.60 · this run ~1.90 cores', busy: false, cores: '0.6' },
    ]);
    assert.match((await page.locator('[data-testid=phase-other-cpu]').first().getAttribute('title')) ?? '', /shorter than 400 ms/);

    await panel.send({ type: 'report', report: { ...makeAccountReport({ measured: 'unavailable' }), id: 'unmeasured' } });
    assert.deepEqual((await machine()).map((line) => line.text), ['other programs: not measured on this platform', 'other programs: not measured on this platform']);

    await panel.send({ type: 'report', report: makeDemoReport() });
    assert.equal(await page.locator('[data-testid=phase-other-cpu]').count(), 0, 'a report from before the figures shows no machine line');
    await page.close();
  });

  it('terms that could not be computed are listed with the reason; the slowdown stays one term', async () => {
    const report = makeAccountReport({ measured: 'unavailable' });
    const account = report.summary.account as RunAccount;
    const panel = await openPanelPage(browser);
    await panel.send({ type: 'report', report });
    const page = panel.page;
    assert.deepEqual(await page.locator('[data-testid=account-unavailable] li').allTextContents(), account.unavailable);
    const keys = (await accountShown(page)).rows.map((row) => row.key);
    assert.ok(keys.includes('slowdown') && !keys.includes('contention') && !keys.includes('cpu-wait') && !keys.includes('blocked'), keys.join(','));
    await page.close();
  });

  it('without a serial run the account marks no ideal and says which terms it cannot compute', async () => {
    const report = makeSampleReport({ tasks: 6, workers: 2, withSerial: false, measured: 'schedstat', startupMs: 20 });
    const parallel = report.phases[0];
    const busy = report.tasks.reduce((sum, task) => sum + (task.durationMs ?? 0), 0) / 2;
    const startup = 19.96;
    const account: RunAccount = {
      workers: 2,
      serialRepeat: -1,
      parallelRepeat: 0,
      parallelMs: parallel.wallMs,
      idealMs: 0,
      segments: [
        { key: 'work', ms: 0 },
        { key: 'unmatched', ms: busy },
        { key: 'startup', ms: startup },
        { key: 'dispatch', ms: 0.1 },
        { key: 'imbalance', ms: parallel.wallMs - busy - startup - 0.1 },
      ],
      residualMs: 0,
      unavailable: ['work, contention, waiting for a CPU and blocked: there is no serial run to compare each task with (compareWithSerial is off).'],
      largestLoss: { key: 'imbalance', ms: parallel.wallMs - busy - startup - 0.1, advice: 'Some workers finished early.' },
    };
    parallel.account = account;
    report.summary.account = account;
    const panel = await openPanelPage(browser);
    await panel.send({ type: 'report', report });
    const page = panel.page;
    assert.equal(await page.locator('[data-testid=account-bar]').isVisible(), true);
    assert.equal(await page.locator('[data-testid=account-ideal]').count(), 0, 'no ideal marker');
    assert.equal(await page.locator('.account-axis-ideal').count(), 0);
    assert.match((await page.locator('[data-testid=account-bar]').getAttribute('aria-label')) ?? '', /no ideal without a serial run$/);
    assert.deepEqual(await page.locator('[data-testid=account-unavailable] li').allTextContents(), account.unavailable);
    assert.equal(await text(page, '[data-testid=account-row][data-key=unmatched] .account-meaning'), 'the tasks’ time ÷ 2 workers, with no serial run to compare it with');
    assert.deepEqual(await page.locator('[data-testid=account-segment]').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-key'))), ['unmatched', 'startup', 'dispatch', 'imbalance']);
    await page.close();
  });

  it('a term below zero (tasks faster in parallel) shows as a gain beside the bar, never as a negative width; the wall is marked on the bar', async () => {
    const report = makeAccountReport({ parallelCpuFactor: 0.85 });
    const account = report.summary.account as RunAccount;
    const gain = account.segments.find((segment) => segment.key === 'contention') as { ms: number };
    assert.ok(gain.ms < -1, 'the sample’s contention is a gain');
    const panel = await openPanelPage(browser);
    await panel.send({ type: 'report', report });
    const page = panel.page;
    const shown = await accountShown(page);
    assert.ok(!shown.segments.some((segment) => segment.key === 'contention'), 'the gain is not drawn in the bar');
    const positive = account.segments.filter((segment) => segment.ms >= 0.01).reduce((sum, segment) => sum + segment.ms, 0);
    for (const segment of shown.segments) {
      assert.ok(segment.width > 0);
      assert.ok(Math.abs(segment.width - (segment.ms / positive) * shown.barWidth) < 1, `${segment.key} drawn to the losses' sum`);
    }
    const wall = await page.locator('[data-testid=account-wall]').evaluate((node) => {
      const bar = (node.parentElement as HTMLElement).getBoundingClientRect();
      const rect = node.getBoundingClientRect();
      return (rect.left + rect.width / 2 - bar.left) / bar.width;
    });
    assert.ok(Math.abs(wall - account.parallelMs / positive) < 0.01, `the wall marker sits at ${wall}`);
    const gainText = `−${Math.abs(gain.ms).toFixed(2)} ms`;
    assert.equal(await text(page, '[data-testid=account-gain]'), `${gainText} gain: contention ${gainText} (the same tasks used less CPU in parallel than alone)`);
    const row = shown.rows.find((candidate) => candidate.key === 'contention');
    assert.equal(row?.time, `−${Math.abs(gain.ms).toFixed(2)} ms`);
    assert.ok(parsePercent(row?.share ?? '') < 0);
    await page.close();
  });

  it('an account arriving with a live run’s parallel phase shows at once; the pair still running says its account follows', async () => {
    const report = makeAccountReport({ repeats: 2 });
    const panel = await openPanelPage(browser);
    const page = panel.page;
    const finished = (phase: PhaseRun): RunEvent[] => [
      ...report.tasks.filter((task) => task.phase === phase.phase && task.repeat === phase.repeat).map((task): RunEvent => ({ type: 'task-finished', task })),
      { type: 'phase-finished', phase },
    ];
    await panel.send({ type: 'events', events: [{ type: 'run-started', report: runningCopy(report) }, ...finished(report.phases[0]), ...finished(report.phases[1])] });
    assert.equal(await page.locator('[data-testid=account-bar]').isVisible(), true);
    assert.equal(parseMs((await accountShown(page)).total.time), Number(report.phases[1].wallMs.toFixed(1)));
    await panel.send({ type: 'events', events: [...finished(report.phases[2]), { type: 'phase-started', phase: 'parallel', repeat: 1, workers: 2, totalTasks: 6, warmup: false }] });
    assert.equal(await text(page, '[data-testid=account-missing]'), 'This pair is still running: its account follows when it ends.');
    assert.equal(await text(page, '[data-testid=run-status] ~ .card-note'), 'pair 2 of 2');
    assert.deepEqual(await page.locator('[data-testid=lane-group]').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-phase') + ' ' + node.getAttribute('data-repeat'))), ['serial 1', 'parallel 1'], 'the timeline follows the latest pair, never pairing it with the last one’s parallel run');
    await panel.send({ type: 'events', events: [{ type: 'run-started', report: { ...runningCopy(report), id: 'auto', options: { ...report.options, repeats: 0, measureSeconds: 10 } } }, ...finished(report.phases[0])] });
    assert.equal(await text(page, '[data-testid=run-status] ~ .card-note'), 'pair 1 · until ± 5 % or 10 s');
    await page.close();
  });

  it('a sweep’s runs (one serial run, a parallel run per worker count) are picked as runs, each beside the one serial run', async () => {
    const report = makeSampleReport({ tasks: 4, workers: 2, repeats: 3 });
    report.phases = report.phases.filter((phase) => phase.phase === 'parallel' || phase.repeat === 0);
    report.tasks = report.tasks.filter((task) => task.phase === 'parallel' || task.repeat === 0);
    report.phases.filter((phase) => phase.phase === 'parallel').forEach((phase, i) => (phase.workers = [1, 2, 4][i]));
    const panel = await openPanelPage(browser);
    await panel.send({ type: 'report', report });
    const page = panel.page;
    assert.deepEqual(await page.locator('[data-testid=repeat-select] option').allTextContents(), ['run 1 of 3 · 1 worker', 'run 2 of 3 · 2 workers', 'run 3 of 3 · 4 workers']);
    const groups = (): Promise<string[]> => page.locator('[data-testid=lane-group]').evaluateAll((nodes) => nodes.map((node) => `${node.getAttribute('data-phase')} ${node.getAttribute('data-repeat')}`));
    assert.deepEqual(await groups(), ['serial 0', 'parallel 2']);
    await page.locator('[data-testid=repeat-select]').selectOption('1');
    await panel.settle();
    assert.deepEqual(await groups(), ['serial 0', 'parallel 1']);
    await page.close();
  });

  it('the sweep chart draws Amdahl with the core limit and a core-count line', async () => {
    const report = makeAccountReport({ sweep: true, sweepCores: 2 });
    const sweep = report.sweep as NonNullable<RunReport['sweep']>;
    const panel = await openPanelPage(browser);
    await panel.send({ type: 'report', report });
    const page = panel.page;
    assert.equal(await page.locator('[data-testid=sweep-cores]').getAttribute('data-cores'), '2');
    assert.equal(await text(page, '.sweep-cores-label'), '2 cores');
    const f = sweep.amdahlSerialFraction;
    const limited = 1 / (f + (1 - f) / 2);
    const amdahl = await page.locator('.sweep-table tbody tr').evaluateAll((rows) => rows.map((row) => [(row.querySelector('th')?.textContent ?? '').trim(), (row.lastElementChild?.textContent ?? '').trim()]));
    for (const [workers, value] of amdahl) {
      const n = Number(workers);
      assert.equal(value, `${(1 / (f + (1 - f) / Math.min(n, 2))).toFixed(2)}×`, `Amdahl at ${n} workers`);
    }
    assert.match(await text(page, '[data-testid=amdahl-best]'), new RegExp(`best possible speedup ≈ ${limited.toFixed(2)}× on 2 cores`));
    await page.close();
  });

  it('warnings keep their code on each item; the HTML export shows the same account and interval', async () => {
    const report = makeAccountReport({ estimate: { median: 1.62, low: 1.58, high: 1.66, n: 5 } });
    report.warnings = [
      { code: 'contention', message: 'Parallel tasks used 1.25× the CPU of the same tasks alone.' },
      { code: 'machine-busy', message: 'Other programs used 0.41 cores during the first serial run.', phase: 'serial', repeat: 0 },
    ];
    const exported = await openExportedPage(browser, report);
    const page = exported.page;
    assert.deepEqual(await page.locator('[data-testid=warnings] li').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-code'))), ['contention', 'machine-busy']);
    assert.equal(await text(page, '[data-testid=speedup]'), '1.62× ± 0.04');
    assert.equal(await page.locator('[data-testid=account-segment]').count(), (report.summary.account as RunAccount).segments.filter((segment) => segment.ms >= 0.01).length);
    assert.deepEqual(exported.errors, []);
    await page.close();
  });
});
