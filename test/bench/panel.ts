// Comparison 5, the panel: the built page in headless Chromium drawing a 10,000-task report, then 1,000 live task updates.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { log, REPETITIONS, runComparison, WARMUP_ROUNDS } from './child';
import { generateReport, type ReportShape, type TimedMessage } from './panelData';
import { installPageBench, type PageBench } from './panelPage';
import type { SectionResult, TargetCheck } from './results';
import { fmt, fmtSample, rotation, summarize } from './stats';
import { loadPanelAssets, toHtml } from '../../src/core/export/html';
import { renderPanelHtml } from '../../src/shared/panelHtml';

const CHROMIUM = process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ORIGIN = 'https://panel.bench.invalid';
/** RunPanel's EVENT_BATCH_MS: the host posts live events at most this often. */
const HOST_BATCH_MS = 80;
/** The page counts as done when nothing of its own has run for this long. */
const QUIET_MS = 300;
const REPORT_10K: ReportShape = { inputs: 10_000, workers: 2, withSerial: false, taskUs: 900 };
const REPORT_10K_SERIAL: ReportShape = { ...REPORT_10K, withSerial: true };
const LIVE_STEADY = { tasks: 1000, workers: 2, taskUs: 4000 };
const LIVE_BURST = { tasks: 1000, workers: 2, taskUs: 40 };

interface Measurement {
  ms: number;
  facts: Record<string, number>;
}

interface Variant {
  key: string;
  label: string;
  run(browser: Browser): Promise<Measurement>;
}

/** What the generator bundle puts on window: panelData.ts, built for the browser. */
interface PageGenerator {
  generateReport: typeof generateReport;
  liveMessages: (tasks: number, workers: number, taskUs: number, batchMs: number) => TimedMessage[];
}

declare const window: Window & { __bench: PageBench; __benchData: unknown; __benchGen: PageGenerator };

function debug(message: string): void {
  if (process.env.BENCH_DEBUG) log(message);
}

/**
 * panelData.ts as a browser script, so big reports are generated inside the page: shipping 10,000 tasks through the
 * DevTools protocol for every measurement costs seconds and measures nothing about the panel.
 */
async function generatorScript(): Promise<string> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    stdin: {
      contents: "import { generateReport, liveMessages } from './panelData'; (window as any).__benchGen = { generateReport, liveMessages };",
      resolveDir: path.resolve('test/bench'),
      loader: 'ts',
    },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

async function openPage(browser: Browser, files: Record<string, { body: string; type: string }>, pathName: string, fakeVsCode: boolean, generator: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();
  await page.route(`${ORIGIN}/**`, (route) => {
    const file = files[new URL(route.request().url()).pathname];
    return file ? route.fulfill({ status: 200, contentType: file.type, body: file.body }) : route.fulfill({ status: 404, body: '' });
  });
  // Init scripts run before the page's own script and are not subject to its CSP.
  await page.addInitScript(`(${installPageBench.toString()})(${JSON.stringify(fakeVsCode)});\n${generator}`);
  page.on('pageerror', (error) => log(`page error: ${error.message}`));
  page.on('crash', () => log('page crashed'));
  await page.goto(`${ORIGIN}${pathName}`, { waitUntil: 'load', timeout: 60_000 });
  return page;
}

/** Waits until the page has done rAF work after `sinceMs` (and after the last host post), then none for QUIET_MS. */
async function whenQuiet(page: Page, sinceMs: number): Promise<PageBench> {
  return page.evaluate(
    ({ quietMs, since }) =>
      new Promise<PageBench>((resolve) => {
        const check = () => {
          const b = window.__bench;
          const after = Math.max(since, b.lastPostAt ?? 0);
          if (b.pending === 0 && b.lastPageFrameEnd > after && b.settledAt > b.lastPageFrameEnd && performance.now() - b.lastPageFrameEnd > quietMs) {
            resolve({ ...b, frames: b.frames.filter((t) => t >= since - 100) });
          } else setTimeout(check, 50);
        };
        check();
      }),
    { quietMs: QUIET_MS, since: sinceMs },
  );
}

async function domFacts(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => ({
    'table rows in the DOM': document.querySelectorAll('[data-testid="task-row"]').length,
    lanes: document.querySelectorAll('[data-testid="lane"]').length,
    'canvas px wide': (document.querySelector('[data-testid="timeline-canvas"]') as HTMLCanvasElement | null)?.width ?? 0,
  }));
}

async function main(): Promise<SectionResult> {
  const notes: string[] = [];
  const assets = await loadPanelAssets(path.resolve('dist'), path.resolve('media'));
  let playwright: typeof import('playwright-core') | undefined;
  try {
    playwright = await import('playwright-core');
  } catch (error) {
    notes.push(`playwright-core could not be loaded: ${(error as Error).message}`);
  }
  if (!fs.existsSync(CHROMIUM)) notes.push(`${CHROMIUM} does not exist: the panel was NOT measured.`);
  if (!playwright || !fs.existsSync(CHROMIUM)) {
    return {
      id: 'panel',
      title: '5. The panel',
      method: [],
      tables: [],
      notes,
      raw: {},
      targets: [{ what: 'panel', anchor: '(none)', target: '10,000 tasks ≤ 500 ms; no frame over 50 ms', measured: notes.join(' '), met: undefined }],
    };
  }

  const generator = await generatorScript();
  const nonce = crypto.randomBytes(16).toString('base64');
  const panelFiles = {
    '/panel.html': { body: renderPanelHtml({ cspSource: ORIGIN, nonce, scriptUri: `${ORIGIN}/webview.js`, styleUri: `${ORIGIN}/panel.css` }), type: 'text/html' },
    '/webview.js': { body: assets.script, type: 'text/javascript' },
    '/panel.css': { body: assets.style, type: 'text/css' },
  };
  const exportHtml = toHtml(generateReport(REPORT_10K), assets);
  const exportFiles = { '/export.html': { body: exportHtml, type: 'text/html' } };

  const panelReady = async (browser: Browser): Promise<Page> => {
    const page = await openPage(browser, panelFiles, '/panel.html', true, generator);
    await page.waitForFunction(() => window.__bench.posted.some((m) => (m as { type?: string }).type === 'ready'));
    return page;
  };

  const reportVariant = (key: string, label: string, shape: ReportShape): Variant => ({
    key,
    label,
    async run(browser) {
      const page = await panelReady(browser);
      const t0 = await page.evaluate((s) => {
        window.__benchData = window.__benchGen.generateReport(s);
        const start = performance.now();
        window.__bench.lastPostAt = start;
        window.postMessage({ type: 'report', report: window.__benchData }, '*');
        return start;
      }, shape);
      const bench = await whenQuiet(page, t0);
      const facts = await domFacts(page);
      facts['longest frame ms (LoAF)'] = Math.max(0, ...bench.loaf.filter((e) => e.start + e.duration > t0).map((e) => e.duration));
      await page.context().close();
      return { ms: bench.settledAt - t0, facts };
    },
  });

  const liveVariant = (key: string, label: string, live: typeof LIVE_STEADY): Variant => ({
    key,
    label,
    async run(browser) {
      const page = await panelReady(browser);
      const { t0, count } = await page.evaluate(
        ({ spec, batchMs }) => {
          const list = window.__benchGen.liveMessages(spec.tasks, spec.workers, spec.taskUs, batchMs);
          const start = performance.now();
          window.__bench.lastPostAt = Infinity; // not quiet until the last message is out
          // Post each message at its time, as the host's flush timer would.
          list.forEach((item, i) =>
            setTimeout(() => {
              window.postMessage(item.message, '*');
              if (i === list.length - 1) window.__bench.lastPostAt = performance.now();
            }, item.atMs),
          );
          return { t0: start, count: list.length };
        },
        { spec: live, batchMs: HOST_BATCH_MS },
      );
      const bench = await whenQuiet(page, t0);
      const frames = bench.frames.filter((t) => t >= t0 && t <= bench.settledAt);
      let maxGap = 0;
      for (let i = 1; i < frames.length; i++) maxGap = Math.max(maxGap, frames[i] - frames[i - 1]);
      const loaf = bench.loaf.filter((e) => e.start + e.duration > t0);
      const facts = await domFacts(page);
      facts['frames over 50 ms'] = frames.slice(1).filter((t, i) => t - frames[i] > 50).length;
      facts['longest frame ms (LoAF)'] = Math.max(0, ...loaf.map((e) => e.duration));
      facts['messages posted'] = count;
      facts['state saves'] = bench.stateSaves;
      await page.context().close();
      return { ms: maxGap, facts };
    },
  });

  const variants: Variant[] = [
    reportVariant('panel-10k', 'panel: one report message with 10,000 tasks (parallel only) → drawn', REPORT_10K),
    reportVariant('panel-10k-serial', 'panel: 10,000 inputs with the serial phase too (20,000 task records) → drawn', REPORT_10K_SERIAL),
    {
      key: 'export-10k',
      label: 'standalone HTML export, 10,000 tasks: document received → drawn',
      async run(browser) {
        const page = await openPage(browser, exportFiles, '/export.html', false, '');
        const bench = await whenQuiet(page, 0);
        const nav = await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).responseEnd);
        const facts = await domFacts(page);
        facts['navigation start → drawn ms'] = bench.settledAt;
        facts['HTML kB'] = exportHtml.length / 1024;
        await page.context().close();
        return { ms: bench.settledAt - nav, facts };
      },
    },
    liveVariant('live-steady', `live: 1,000 tasks of ~4 ms on 2 lanes, events posted every ${HOST_BATCH_MS} ms`, LIVE_STEADY),
    liveVariant('live-burst', `live: 1,000 tiny tasks, all finishing within the first ${HOST_BATCH_MS} ms batch`, LIVE_BURST),
  ];

  const browser = await playwright.chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  browser.on('disconnected', () => log('chromium disconnected'));
  const runs = new Map<string, Measurement[]>(variants.map((v) => [v.key, []]));
  try {
    for (let round = 0; round < WARMUP_ROUNDS + REPETITIONS; round++) {
      const warm = round < WARMUP_ROUNDS;
      for (const variant of rotation(variants, round)) {
        const started = performance.now();
        const m = await variant.run(browser);
        debug(`${variant.key}: ${m.ms.toFixed(1)} ms measured, ${(performance.now() - started).toFixed(0)} ms spent`);
        if (!warm) runs.get(variant.key)?.push(m);
      }
      log(`panel ${warm ? 'warm-up' : `repetition ${round - WARMUP_ROUNDS + 1}/${REPETITIONS}`} done`);
    }
  } finally {
    await browser.close();
  }

  const sample = (key: string) => summarize((runs.get(key) ?? []).map((m) => m.ms));
  const factCell = (key: string) => {
    const all = runs.get(key) ?? [];
    const names = Object.keys(all[0]?.facts ?? {});
    return names.map((n) => `${n} ${fmt(summarize(all.map((m) => m.facts[n])).median, 0)}`).join('; ');
  };
  const renderRows = variants.filter((v) => !v.key.startsWith('live')).map((v) => [v.label, fmtSample(sample(v.key), 0), factCell(v.key)]);
  const liveRows = variants.filter((v) => v.key.startsWith('live')).map((v) => [v.label, fmtSample(sample(v.key), 1), factCell(v.key)]);

  const render = sample('panel-10k');
  const liveWorst = Math.max(sample('live-steady').median, sample('live-burst').median);
  const targets: TargetCheck[] = [
    {
      what: 'panel, 10,000 tasks drawn',
      anchor: '(none)',
      target: '≤ 500 ms',
      measured: `${fmt(render.median, 0)} ms (report message in the panel); with the serial phase too ${fmt(sample('panel-10k-serial').median, 0)} ms; HTML export ${fmt(sample('export-10k').median, 0)} ms`,
      met: render.median <= 500,
    },
    {
      what: 'panel, 1,000 live updates',
      anchor: '(none)',
      target: 'no frame over 50 ms',
      measured: `longest frame gap ${fmt(sample('live-steady').median, 1)} ms steady, ${fmt(sample('live-burst').median, 1)} ms burst (median over runs of each run's longest)`,
      met: liveWorst <= 50,
    },
  ];
  return {
    id: 'panel',
    title: '5. The panel: 10,000-task report and 1,000 live updates in headless Chromium',
    method: [
      `The built page (dist/webview.js, media/panel.css) in ${CHROMIUM} (headless; ${CHROMIUM_ARGS.join(' ')}) through playwright-core, 1200×800, a fresh browser context per measurement.`,
      'The panel page is renderPanelHtml with acquireVsCodeApi provided (setState JSON-serializes like VS Code); the host is imitated with window.postMessage of the same ToWebviewMessage objects RunPanel sends. Reports are generated inside the page before the clock starts.',
      '"Drawn" = the start of the first frame after the page\'s last requestAnimationFrame work (render, then canvas draw): the result is on screen. Timed in the page with performance.now() from just before postMessage.',
      `Live updates replay a generated run: 'clear', then the events of each ${HOST_BATCH_MS} ms window in one 'events' message (RunPanel's EVENT_BATCH_MS), then the final 'report'. Frame gaps come from a rAF loop, long frames from the long-animation-frame observer.`,
    ],
    tables: [
      { caption: 'time to draw (ms)', columns: ['variant', 'ms', 'checked (medians)'], rows: renderRows },
      { caption: 'longest gap between frames while updates arrive (ms)', columns: ['variant', 'longest frame gap', 'checked (medians)'], rows: liveRows },
    ],
    targets,
    notes,
    raw: Object.fromEntries(runs),
  };
}

runComparison(main);
