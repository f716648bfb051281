// The packaged extension installed into a real code-server and used through the UI like a person: menus, palette, CodeLens, panel.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import {browseWorkbench, closeWorkbench, type CodeServer, installVsix, repoRoot, startCodeServer } from '../harness/codeServer';
import { ensureVsix } from './vsix';
import { answerInputBox, answerSaveDialog, clickCodeLens, focusFirstEditorGroup, clickInLine, contextMenu, panelFrame, quickOpen, runCommand, until, editUserSettings } from './workbench';
import { accountView, cardText, lanes, parseMs, runFingerprint, taskRows, waitForNewRun, waitForStatus } from './panel';

const RESULTS = path.join(repoRoot, 'test-results');
const FIXTURE = path.join(repoRoot, 'test', 'fixtures', 'e2e-workspace');
const SAMPLE = path.join(repoRoot, 'media', 'sample', 'seed-workloads.ts');
const README_SCREENSHOT = path.join(repoRoot, 'media', 'screenshots', 'panel.png');
const ACCOUNT_SCREENSHOT = path.join(repoRoot, 'media', 'screenshots', 'account.png');
const RUN_COMMAND = 'Parallel Runner: Run Function in Worker Pool';

/** Whether a process runs: it exists and is not a zombie (this machine's init may never reap one). */
function processRuns(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
const WORKERS = 3;

describe('Parallel Runner installed from its .vsix into code-server, used through the UI', { timeout: 12 * 60_000 }, () => {
  const suiteStart = Date.now();
  let server: CodeServer | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let panel: FrameLocator;
  let workspace: string | undefined;
  let extensionsDir: string | undefined;
  let seedFile: string;

  /** Runs one person-sized step; on failure keeps a screenshot, the code-server log and the extension host logs in test-results/. */
  async function step<T>(name: string, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      const slug = name.replace(/[^\w]+/g, '-').toLowerCase();
      await page?.screenshot({ path: path.join(RESULTS, `ui-failure-${slug}.png`) }).catch(() => undefined);
      if (server) {
        fs.writeFileSync(path.join(RESULTS, `ui-failure-${slug}.code-server.log`), server.log());
        const logs = path.join(server.userDataDir, 'logs');
        if (fs.existsSync(logs)) fs.cpSync(logs, path.join(RESULTS, `ui-failure-${slug}-logs`), { recursive: true });
      }
      throw error;
    }
  }

  /** Starts a run with the palette or a menu (`launch`), answers the inputs box, and waits for the panel to show the new run. */
  async function runAndWait(target: string, launch: () => Promise<void>, inputs: string, statuses = /^completed$/): Promise<string> {
    const previous = await runFingerprint(panel);
    await launch();
    const prompt = await answerInputBox(page, inputs);
    const status = await waitForNewRun(panel, previous, target, statuses);
    return `${status} (inputs box said: ${prompt})`;
  }

  /**
   * test-results/ui-panel-<theme>.png (editor and panel side by side) and ui-panel-<theme>-wide.png (the panel's group
   * expanded by a double-click on its tab, as a person widens it), with notifications cleared first.
   */
  async function screenshots(theme: string, whileWide?: () => Promise<void>): Promise<void> {
    await focusFirstEditorGroup(page);
    await runCommand(page, 'Notifications: Clear All Notifications');
    await page.waitForTimeout(800); // let the timeline canvas finish its last frame
    await page.screenshot({ path: path.join(RESULTS, `ui-panel-${theme}.png`) });
    const panelTab = page.locator('.tab', { hasText: 'Parallel Runner' }).first();
    await panelTab.dblclick();
    await page.waitForTimeout(1_500);
    await page.screenshot({ path: path.join(RESULTS, `ui-panel-${theme}-wide.png`) });
    await whileWide?.();
    await panelTab.dblclick();
    await page.waitForTimeout(500);
    await focusFirstEditorGroup(page);
  }

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    for (const old of fs.readdirSync(RESULTS).filter((name) => name.startsWith('ui-'))) fs.rmSync(path.join(RESULTS, old), { recursive: true, force: true });
    const vsix = ensureVsix();
    extensionsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-e2e-extensions-'));
    installVsix(vsix, extensionsDir);
    const installed = fs.readdirSync(extensionsDir).filter((name) => name.startsWith('parallel-runner.parallel-runner-'));
    assert.equal(installed.length, 1, `installing the .vsix left ${JSON.stringify(fs.readdirSync(extensionsDir))} in the extensions folder`);

    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-e2e-workspace-'));
    fs.cpSync(FIXTURE, workspace, { recursive: true });
    seedFile = path.join(workspace, 'seed-workloads.ts');
    fs.copyFileSync(SAMPLE, seedFile);
    // The sample imports node: modules; point TypeScript at this repo's @types/node so the editor shows no false errors.
    const compilerOptions = { target: 'ES2022', module: 'Node16', strict: true, types: ['node'], typeRoots: [path.join(repoRoot, 'node_modules', '@types')] };
    fs.writeFileSync(path.join(workspace, 'tsconfig.json'), JSON.stringify({ compilerOptions }, null, 2));

    server = await startCodeServer({
      workspace,
      extensionsDir,
      settings: {
        'workbench.colorTheme': 'Default Dark Modern',
        'parallelRunner.workers': WORKERS,
        'parallelRunner.backend': 'threads',
        'parallelRunner.compareWithSerial': true,
        // One pair per run: these tests read one pair's lanes, rows and trace. The measured pairs (the default, 0 =
        // auto) have their own test below.
        'parallelRunner.repeats': 1,
        'editor.minimap.enabled': false,
      },
    });
    ({ context, page } = await browseWorkbench(server, 'ui'));
    panel = panelFrame(page);
  });

  after(async () => {
    await closeWorkbench({ server, context, logFile: path.join(RESULTS, 'ui-code-server.log'), scratch: [workspace, extensionsDir] });
    console.log(`UI suite: ${((Date.now() - suiteStart) / 1000).toFixed(1)} s`);
  });

  test('context menu on longTimeTask: one lane per worker with its PID and thread, every task timed in both phases, speedup above 1', () =>
    step('context menu run', async () => {
      await quickOpen(page, 'seed-workloads.ts');
      await clickInLine(page, seedFile, 'await sleep(i * 100);');
      const status = await runAndWait('longTimeTask', () => contextMenu(page, seedFile, 'await sleep(i * 100);', 'Run Function in Worker Pool'), '[[1],[2],[3],[4],[5]]');
      assert.match(status, /^completed/);

      const parallelLanes = (await lanes(panel)).filter((lane) => lane.phase === 'parallel');
      assert.equal(parallelLanes.length, WORKERS, `expected ${WORKERS} parallel lanes, saw ${JSON.stringify(parallelLanes)}`);
      for (const lane of parallelLanes) {
        assert.ok(lane.pid > 0 && Number.isInteger(lane.threadId), `lane without a PID/thread: ${JSON.stringify(lane)}`);
        assert.ok(lane.text.includes(`PID ${lane.pid} · thread ${lane.threadId}`), `lane label reads "${lane.text}"`);
      }
      assert.equal(new Set(parallelLanes.map((lane) => lane.threadId)).size, WORKERS, 'worker threads must have distinct thread IDs');
      assert.equal(new Set(parallelLanes.map((lane) => lane.pid)).size, 1, 'worker threads share one PID');

      const rows = await taskRows(panel);
      for (const phase of ['serial', 'parallel']) {
        const phaseRows = rows.filter((row) => row.phase === phase).sort((a, b) => a.index - b.index);
        assert.deepEqual(phaseRows.map((row) => row.index), [0, 1, 2, 3, 4], `${phase} rows`);
        for (const row of phaseRows) {
          assert.equal(row.status, 'ok', `${phase} task ${row.index}: ${JSON.stringify(row)}`);
          const start = parseMs(row.start);
          const end = parseMs(row.end);
          assert.ok(Number.isFinite(start) && Number.isFinite(end) && end > start, `${phase} task ${row.index} has start ${row.start} and end ${row.end}`);
          // longTimeTask(i) sleeps i × 100 ms
          assert.ok(parseMs(row.duration) >= (row.index + 1) * 100 - 5, `${phase} task ${row.index} took ${row.duration}`);
          assert.equal(row.result, String(row.index + 1));
        }
      }
      const speedupText = await cardText(panel, 'speedup');
      const speedup = Number.parseFloat(speedupText);
      assert.match(speedupText, /^\d+\.\d\d×$/);
      assert.ok(speedup > 1, `speedup reads ${speedupText}`);
      assert.ok(parseMs(await cardText(panel, 'serial-time')) > parseMs(await cardText(panel, 'parallel-time')), 'serial time must exceed parallel time');
      // The least time these tasks allow on 3 workers: the longer of the longest serial task and their total ÷ 3, from
      // the serial durations the table shows (a busy machine stretches the sleeps, so the figures come from the run).
      const idealNote = ((await panel.locator('[data-testid=parallel-time] ~ .card-note').last().textContent()) ?? '').trim();
      const ideal = idealNote.match(/^(\d+) % of the ideal (\d+\.\d) ms$/);
      const serialDurations = rows.filter((row) => row.phase === 'serial').map((row) => parseMs(row.duration));
      const expectedIdeal = Math.max(Math.max(...serialDurations), serialDurations.reduce((sum, ms) => sum + ms, 0) / WORKERS);
      assert.ok(ideal && Number(ideal[2]) >= 500 && Math.abs(Number(ideal[2]) - expectedIdeal) <= 0.3, `the Parallel time card says "${idealNote}", the serial rows give ${expectedIdeal.toFixed(1)} ms`);
      const parallelMs = parseMs(await cardText(panel, 'parallel-time'));
      // From the rounded figures on the cards: within a point of the share the engine computed from exact ones.
      assert.ok(Math.abs(Number(ideal[1]) - (Number(ideal[2]) / parallelMs) * 100) <= 1, `${idealNote} of ${parallelMs} ms`);
      assert.ok(Number(ideal[1]) <= 100, idealNote);
      assert.equal(await cardText(panel, 'workers'), String(WORKERS));
      assert.equal(await cardText(panel, 'backend'), 'threads');
      // Tasks 4 and 5 wait for the first free workers: the panel says what longest first would take. In input order 3
      // workers need at least 700 ms (100 + 400 on one, 200 + 500 on another), longest first at least 500 ms; a busy
      // machine stretches the sleeps, so only these floors and the order of the two are fixed.
      const warnings = await panel.locator('[data-testid=warnings] li').allTextContents();
      const inputOrder = ((await panel.locator('[data-testid=warnings] li[data-code=input-order]').textContent({ timeout: 5_000 })) ?? '').trim();
      const times = /^Input order costs time: in this order 3 workers need at least ~(\d+) ms, longest first ~(\d+) ms\./.exec(inputOrder);
      assert.ok(times && Number(times[1]) >= 700 && Number(times[2]) >= 500 && Number(times[2]) < Number(times[1]), `the panel's warnings: ${JSON.stringify(warnings)}`);

      await screenshots('dark');
    }));

  test('Export a Chrome trace from the panel: the file parses and holds an X event per task', () =>
    step('export trace', async () => {
      const target = path.join(workspace!, 'longTimeTask.trace.json');
      await panel.locator('[data-testid=export-trace]').click();
      await answerSaveDialog(page, target);
      await until('the trace file to be written', async () => fs.existsSync(target) && fs.statSync(target).size > 0, 20_000);
      const trace = JSON.parse(fs.readFileSync(target, 'utf8')) as { traceEvents: { ph: string; cat?: string; name: string; dur?: number; tid: number }[] };
      const taskEvents = trace.traceEvents.filter((event) => event.ph === 'X' && (event.cat === 'serial' || event.cat === 'parallel'));
      assert.equal(taskEvents.filter((event) => event.cat === 'serial').length, 5, 'serial task spans');
      assert.equal(taskEvents.filter((event) => event.cat === 'parallel').length, 5, 'parallel task spans');
      for (const event of taskEvents) {
        assert.match(event.name, /^longTimeTask\(/);
        assert.ok((event.dur ?? 0) >= 100_000 - 5_000, `${event.name} lasted ${event.dur} µs`);
      }
      const threadNames = trace.traceEvents.filter((event) => event.ph === 'M' && event.name === 'thread_name').map((event) => JSON.stringify(event));
      assert.ok(threadNames.some((name) => /PID \d+ · thread \d+/.test(name)), 'worker tracks are named with PID and thread');
    }));

  test('Command palette runs doSomething: results come back in input order', () =>
    step('palette run', async () => {
      await clickInLine(page, seedFile, 'const tenths = a + b;');
      await runAndWait('doSomething', () => runCommand(page, RUN_COMMAND), '[[1, 2], [1, 1], [0, 1]]');
      const rows = (await taskRows(panel)).filter((row) => row.phase === 'parallel').sort((a, b) => a.index - b.index);
      assert.deepEqual(
        rows.map((row) => row.result.replace(/^['"]|['"]$/g, '')),
        ['Done sleeping 3 tenths of a second', 'Done sleeping 2 tenths of a second', 'Done sleeping 1 tenths of a second'],
      );
    }));

  test('CodeLens "Run in pool" above MyProcess runs new MyProcess(v).run() per task', () =>
    step('codelens run', async () => {
      await runAndWait('MyProcess', () => clickCodeLens(page, seedFile, 'export class MyProcess', 'Run in pool'), '[[2], [10], [20]]');
      const rows = (await taskRows(panel)).filter((row) => row.phase === 'parallel').sort((a, b) => a.index - b.index);
      assert.equal(rows.length, 3);
      const numbers = rows.map((row) => (row.result.match(/\d+/g) ?? []).map(Number));
      assert.deepEqual(numbers, [[3, 4], [11, 12], [21, 22]], `results read ${JSON.stringify(rows.map((row) => row.result))}`);
    }));

  test('Measured pairs: the panel shows the speedup with its interval and n, and the account bar of the pair on the timeline adds up to its wall time', () =>
    step('measured pairs and the account', async () => {
      // Four pairs, asked for: how many the time budget allows (repeats 0, the default) depends on how busy this shared
      // machine is, and a single pair has no interval to read. The engine's own tests cover the budget.
      await editUserSettings(page, server!.userDataDir, { 'parallelRunner.repeats': 4, 'parallelRunner.workers': 2 });
      try {
        await quickOpen(page, 'seed-workloads.ts');
        await clickInLine(page, seedFile, 'let isPrime = true;');
        await runAndWait('countPrimes', () => runCommand(page, RUN_COMMAND), 'Array.from({ length: 6 }, () => [200000])');

        // The interval: `1.62× ± 0.04` (or `+0.31 / −0.12` when its sides differ) with `95 % CI · 4 pairs` under it.
        const speedupText = await cardText(panel, 'speedup');
        const interval = /^(\d+\.\d\d)× (± <?\d+\.\d\d|\+<?\d+\.\d\d \/ −<?\d+\.\d\d)$/.exec(speedupText);
        assert.ok(interval, `the speedup card reads "${speedupText}"`);
        assert.equal(Number(await panel.locator('[data-testid=speedup]').getAttribute('data-value')).toFixed(2), interval[1]);
        const ci = await cardText(panel, 'speedup-ci');
        const pairs = /^95 % CI · (\d+) pairs$/.exec(ci);
        assert.ok(pairs && Number(pairs[1]) >= 2, `the speedup card says "${ci}"`);
        const n = Number(pairs[1]);
        assert.match(await cardText(panel, 'efficiency'), /^\d+ % (± <?\d+ %|\+<?\d+ % \/ −<?\d+ %)$/);
        assert.ok((await panel.locator('[data-testid=efficiency] ~ .card-note').allTextContents()).includes(`speedup ÷ workers · ${n} pairs`));

        // Every pair is in the report: rows for each, a picker on the latest, pairs left out (warm-up) still listed.
        const options = await panel.locator('[data-testid=repeat-select] option').allTextContents();
        assert.equal(options.length, 4, `the pair picker lists ${JSON.stringify(options)}`);
        assert.equal(options.filter((option) => option.endsWith('left out (warm-up)')).length + n, 4, `n = ${n} and the pairs left out make the 4 pairs: ${JSON.stringify(options)}`);
        assert.equal(await panel.locator('[data-testid=repeat-select] option:checked').textContent(), options[options.length - 1]);
        assert.match(options[options.length - 1], /^pair 4 of 4( · left out \(warm-up\))?$/);
        const rows = await taskRows(panel);
        assert.equal(rows.length, options.length * 2 * 6, 'six serial and six parallel rows per pair');

        // The account of the latest pair: one bar whose segments are drawn to their ms and add up to the wall time.
        const account = await accountView(panel);
        assert.equal(account.caption, `pair ${options.length} of ${options.length} · 2 workers`);
        assert.equal(account.segments[0]?.key, 'work', `segments ${JSON.stringify(account.segments)}`);
        const wall = parseMs(account.total);
        assert.ok(wall > 0, `the account's wall time reads ${account.total}`);
        const scale = Math.max(wall, account.segments.reduce((sum, segment) => sum + segment.ms, 0));
        for (const segment of account.segments) {
          assert.ok(segment.ms > 0 && Math.abs(segment.width - (segment.ms / scale) * account.barWidth) < 1.5, `${segment.key}: ${segment.width} px for ${segment.ms} ms of ${scale} ms`);
        }
        const sum = account.rows.reduce((total, row) => total + parseMs(row.time), 0);
        assert.ok(Math.abs(sum - wall) <= wall * 0.01, `the terms read ${JSON.stringify(account.rows)}: ${sum} ms against the wall ${wall} ms`);
        const work = account.rows.find((row) => row.key === 'work');
        assert.ok(work && Math.abs(account.idealLeft - (parseMs(work.time) / scale) * account.barWidth) < 2, 'the ideal is marked where the work ends');
        assert.ok(account.advice.length > 20 && account.adviceKey && account.adviceKey !== 'work', `the advice reads "${account.advice}" (${account.adviceKey})`);
        // Linux gives per-thread figures: contention, waiting for a CPU and blocked are separate terms, never one slowdown.
        assert.ok(!account.rows.some((row) => row.key === 'slowdown'), JSON.stringify(account.rows));
        assert.equal(await panel.locator('[data-testid=account-unavailable]').count(), 0);

        // CPU, wait and blocked per task, in ms; and the machine around each phase.
        const latest = rows.filter((row) => row.repeat === options.length - 1 && row.status === 'ok');
        assert.equal(latest.length, 12);
        for (const row of latest) {
          const [cpu, wait, blocked, duration] = [row.cpu, row.wait, row.blocked, row.duration].map(parseMs);
          assert.ok(cpu > 0 && wait >= 0 && blocked >= 0, `${row.phase} task ${row.index}: cpu ${row.cpu}, wait ${row.wait}, blocked ${row.blocked}`);
          // Within one scheduler tick (4 ms at HZ=250): a running thread's schedstat counters move on ticks and switches.
          assert.ok(cpu + wait <= duration * 1.02 + 4.1, `${row.phase} task ${row.index}: cpu ${row.cpu} + wait ${row.wait} within its ${row.duration}`);
        }
        const machine = await panel.locator('[data-testid=phase-other-cpu]').allTextContents();
        assert.equal(machine.length, 2);
        for (const line of machine) assert.match(line.trim(), /^other programs ~?\d+\.\d\d · this run ~?\d+\.\d\d cores?$/);

        // A taller window for this picture, so the account under the cards is in it as well.
        await page.setViewportSize({ width: 1400, height: 1250 });
        try {
          // The account close-up as a widened panel shows it (the README's second picture), and as the split view does.
          await screenshots('dark-account', () => panel.locator('[data-testid=account]').screenshot({ path: path.join(RESULTS, 'ui-account-dark-wide.png') }).then(() => undefined));
        } finally {
          await page.setViewportSize({ width: 1400, height: 900 });
        }
        await panel.locator('[data-testid=account]').screenshot({ path: path.join(RESULTS, 'ui-account-dark.png') });
        if (process.env.UPDATE_SCREENSHOTS === '1') {
          fs.mkdirSync(path.dirname(README_SCREENSHOT), { recursive: true });
          fs.copyFileSync(path.join(RESULTS, 'ui-panel-dark-account-wide.png'), README_SCREENSHOT);
          fs.copyFileSync(path.join(RESULTS, 'ui-account-dark-wide.png'), ACCOUNT_SCREENSHOT);
        }

        // An earlier pair: the timeline and the account follow it.
        await panel.locator('[data-testid=repeat-select]').selectOption('0');
        await until('the account of pair 1', async () => (await accountView(panel)).caption.startsWith(`pair 1 of ${options.length}`) || (await panel.locator('[data-testid=account-missing]').count()) > 0, 10_000);
        assert.deepEqual(await panel.locator('[data-testid=lane-group]').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-repeat'))), ['0', '0']);

        // The same panel in the high contrast and light themes.
        for (const [theme, css] of [
          ['Default High Contrast', 'hc-black'],
          ['Default Light Modern', 'vs'],
        ] as const) {
          await editUserSettings(page, server!.userDataDir, { 'workbench.colorTheme': theme });
          await until(`the workbench to switch to ${theme}`, async () => (await page.locator(`.monaco-workbench.${css}`).count()) > 0, 15_000);
          await page.waitForTimeout(800);
          await panel.locator('[data-testid=account]').screenshot({ path: path.join(RESULTS, `ui-account-${css}.png`) });
          await page.screenshot({ path: path.join(RESULTS, `ui-panel-account-${css}.png`) });
        }
      } finally {
        await editUserSettings(page, server!.userDataDir, { 'parallelRunner.repeats': 1, 'parallelRunner.workers': WORKERS, 'workbench.colorTheme': 'Default Dark Modern' });
        await until('the workbench to switch back to the dark theme', async () => (await page.locator('.monaco-workbench.vs-dark').count()) > 0, 15_000);
      }
    }));

  test('Setting parallelRunner.backend to processes gives every worker its own PID', () =>
    step('processes backend', async () => {
      await editUserSettings(page, server!.userDataDir, { 'parallelRunner.backend': 'processes' });
      await clickInLine(page, seedFile, 'await sleep(i * 100);');
      await runAndWait('longTimeTask', () => runCommand(page, RUN_COMMAND), '[[1],[2],[3],[4],[5],[6]]');
      assert.equal(await cardText(panel, 'backend'), 'processes');
      const parallelLanes = (await lanes(panel)).filter((lane) => lane.phase === 'parallel');
      assert.equal(parallelLanes.length, WORKERS);
      const pids = new Set(parallelLanes.map((lane) => lane.pid));
      assert.equal(pids.size, WORKERS, `process workers must have distinct PIDs, saw ${JSON.stringify(parallelLanes)}`);
      const rows = (await taskRows(panel)).filter((row) => row.phase === 'parallel');
      assert.ok(rows.every((row) => pids.has(Number(row.pid))), 'every parallel task ran in one of the lanes’ processes');
      await editUserSettings(page, server!.userDataDir, { 'parallelRunner.backend': 'threads' });
    }));

  test("An error in user code shows the message and the user's file:line", () =>
    step('user error', async () => {
      const file = path.join(workspace!, 'priceOrder.ts');
      await quickOpen(page, 'priceOrder.ts');
      await clickInLine(page, file, 'const unitPrice = 2.5;');
      await runAndWait('priceOrder', () => runCommand(page, RUN_COMMAND), '[[1], [0], [2]]', /^(completed|failed)$/);
      const rows = await taskRows(panel);
      const failing = rows.filter((row) => row.index === 1);
      assert.ok(failing.length >= 1 && failing.every((row) => row.status === 'error'), `task 1 rows: ${JSON.stringify(failing)}`);
      assert.ok(failing.every((row) => row.result.includes('RangeError: quantity must be positive, got 0')), failing[0]?.result);
      assert.ok(rows.filter((row) => row.index !== 1).every((row) => row.status === 'ok'), 'the other tasks succeed');
      const locations = await panel.locator('[data-testid=error-location]').allTextContents();
      assert.ok(locations.length >= 1 && locations.every((text) => text.trim() === 'priceOrder.ts:7'), `error locations read ${JSON.stringify(locations)}`);
      // Clicking the location opens the user's file at the line that threw.
      await panel.locator('[data-testid=error-location]').first().click();
      await until('the editor to show priceOrder.ts at line 7', async () => /Ln 7\b/.test((await page.locator('.statusbar').textContent()) ?? ''), 15_000);
    }));

  test('Cancel keeps the finished tasks and marks the rest cancelled', () =>
    step('cancel', async () => {
      const TASKS = 60; // 60 × 400 ms on one worker: long enough to cancel in the middle even on a busy machine
      await editUserSettings(page, server!.userDataDir, { 'parallelRunner.workers': 1, 'parallelRunner.compareWithSerial': false });
      try {
        await quickOpen(page, 'seed-workloads.ts');
        await clickInLine(page, seedFile, 'await sleep(i * 100);');
        const previous = await runFingerprint(panel);
        await runCommand(page, RUN_COMMAND);
        await answerInputBox(page, `Array.from({ length: ${TASKS} }, () => [4])`);
        await until('a new run of longTimeTask with two finished tasks', async () => {
          if ((await runFingerprint(panel)) === previous) return false;
          return (await panel.locator('[data-testid=task-row][data-status=ok]').count()) >= 2;
        }, 60_000);
        // A person clicks the panel's Cancel button; should the click not land, the palette's Cancel Run does the same job.
        const cancel = panel.locator('[data-testid=cancel]');
        try {
          await cancel.click({ timeout: 10_000, force: true }); // force: the panel rebuilds this button several times a second during a run
        } catch (error) {
          console.error(`[ui] the panel's Cancel button could not be clicked (${(error as Error).message.split('\n')[0]}); using the palette`);
          await focusFirstEditorGroup(page);
          await runCommand(page, 'Parallel Runner: Cancel Run');
        }
        await waitForStatus(panel, /^cancelled$/, 30_000);
        const rows = await taskRows(panel);
        assert.equal(rows.length, TASKS, `all ${TASKS} tasks stay listed`);
        const finished = rows.filter((row) => row.status === 'ok');
        const cancelled = rows.filter((row) => row.status === 'cancelled');
        assert.ok(finished.length >= 2 && finished.length < TASKS, `${finished.length} tasks finished`);
        assert.equal(finished.length + cancelled.length, TASKS, `statuses: ${JSON.stringify(rows.map((row) => row.status))}`);
        for (const row of finished) assert.ok(parseMs(row.end) > parseMs(row.start), `finished task ${row.index} keeps its start and end`);
        await page.waitForTimeout(1_000);
        assert.equal((await taskRows(panel)).filter((row) => row.status === 'ok').length, finished.length, 'nothing finishes after the cancel');
      } finally {
        await editUserSettings(page, server!.userDataDir, { 'parallelRunner.workers': WORKERS, 'parallelRunner.compareWithSerial': true });
      }
    }));

  test('The panel reads in a light theme too', () =>
    step('light theme', async () => {
      await editUserSettings(page, server!.userDataDir, { 'workbench.colorTheme': 'Default Light Modern' });
      await until('the workbench to switch to the light theme', async () => (await page.locator('.monaco-workbench.vs').count()) > 0, 15_000);
      await clickInLine(page, seedFile, 'await sleep(i * 100);');
      await runAndWait('longTimeTask', () => runCommand(page, RUN_COMMAND), '[[1],[2],[3],[4],[5]]');
      await screenshots('light');
      // Theme colours reach the page through --vscode-* variables: text turns dark on the light background.
      const color = await panel.locator('[data-testid=speedup]').evaluate((node) => getComputedStyle(node).color);
      const channels = (color.match(/\d+/g) ?? []).slice(0, 3).map(Number);
      assert.ok(channels.length === 3 && channels.every((c) => c < 128), `the speedup text in the light theme is ${color}`);
    }));

  test("The panel's Re-run button runs the same function again (warm pool, dark theme: the README screenshot)", () =>
    step('rerun', async () => {
      await editUserSettings(page, server!.userDataDir, { 'workbench.colorTheme': 'Default Dark Modern' });
      await until('the workbench to switch to the dark theme', async () => (await page.locator('.monaco-workbench.vs-dark').count()) > 0, 15_000);
      const previous = await runFingerprint(panel);
      await panel.locator('[data-testid=rerun]').click();
      await waitForNewRun(panel, previous, 'longTimeTask', /^completed$/);
      const rows = await taskRows(panel);
      assert.deepEqual(rows.filter((row) => row.phase === 'parallel').map((row) => row.result).sort(), ['1', '2', '3', '4', '5'], 'the same inputs ran again');
      assert.ok(Number.parseFloat(await cardText(panel, 'speedup')) > 1);
      // The README picture comes from the measured-pairs test above (interval and account on screen).
      await screenshots('dark-rerun');
    }));

  test('After Developer: Reload Window the panel comes back with the same run (serializer, saved state) and the old host’s worker processes are gone', () =>
    step('reload window', async () => {
      // A run on the processes backend first: its worker processes must not outlive the extension host they belong to.
      await editUserSettings(page, server!.userDataDir, { 'parallelRunner.backend': 'processes' });
      await clickInLine(page, seedFile, 'const tenths = a + b;');
      await runAndWait('doSomething', () => runCommand(page, RUN_COMMAND), '[[1, 2], [1, 1], [0, 1]]');
      const lanesBefore = (await lanes(panel)).filter((lane) => lane.phase === 'parallel');
      const workerPids = lanesBefore.map((lane) => lane.pid);
      assert.ok(workerPids.length > 0 && workerPids.every(processRuns), `the worker processes ${workerPids.join(', ')} run before the reload`);
      const before = await runFingerprint(panel);
      const speedup = await cardText(panel, 'speedup');
      assert.ok(before.length > 0, 'a run is on the panel before the reload');
      // A mark on the old workbench page: gone once the window really reloaded.
      await page.evaluate(() => Object.assign(window, { beforeReloadMark: true }));
      await runCommand(page, 'Developer: Reload Window');
      await until('the window to reload', async () => page.evaluate(() => !('beforeReloadMark' in window)).catch(() => false), 60_000);
      await page.waitForSelector('.monaco-workbench', { timeout: 120_000 });
      await until(
        'the restored panel to show the run it showed before the reload',
        async () => (await runFingerprint(panel).catch(() => '')) === before,
        120_000,
      );
      assert.equal(await cardText(panel, 'speedup'), speedup, 'the restored panel shows the same speedup');
      assert.deepEqual((await lanes(panel)).filter((lane) => lane.phase === 'parallel'), lanesBefore, 'the same lanes after the reload');
      await until('the old extension host’s worker processes to be gone', async () => !workerPids.some(processRuns), 15_000);
    }));
});
