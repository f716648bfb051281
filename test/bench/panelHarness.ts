// Headless Chromium plumbing for the panel benchmark and its profiler: serve the built page, instrument it, wait for quiet.
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { log } from './child';
import type { generateReport, ReportShape, TimedMessage } from './panelData';
import { installPageBench, type PageBench } from './panelPage';
import { loadPanelAssets, toHtml } from '../../src/core/export/html';
import { renderPanelHtml } from '../../src/shared/panelHtml';

export const CHROMIUM = process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ORIGIN = 'https://panel.bench.invalid';
/** RunPanel's EVENT_BATCH_MS: the host posts live events at most this often. */
export const HOST_BATCH_MS = 80;
/** The page counts as done when nothing of its own has run for this long. */
const QUIET_MS = 300;

export const REPORT_10K: ReportShape = { inputs: 10_000, workers: 2, withSerial: false, taskUs: 900 };
export const REPORT_10K_SERIAL: ReportShape = { ...REPORT_10K, withSerial: true };
export interface LiveSpec {
  tasks: number;
  workers: number;
  taskUs: number;
}
export const LIVE_STEADY: LiveSpec = { tasks: 1000, workers: 2, taskUs: 4000 };
export const LIVE_BURST: LiveSpec = { tasks: 1000, workers: 2, taskUs: 40 };

/** What the generator bundle puts on window: panelData.ts, built for the browser. */
interface PageGenerator {
  generateReport: typeof generateReport;
  liveMessages: (tasks: number, workers: number, taskUs: number, batchMs: number) => TimedMessage[];
}

declare const window: Window & { __bench: PageBench; __benchData: unknown; __benchGen: PageGenerator };

type Files = Record<string, { body: string; type: string }>;

export interface PanelSite {
  /** renderPanelHtml + dist/webview.js + media/panel.css, as VS Code serves them. */
  panelFiles: Files;
  /** toHtml() of a 10,000-task report: the offline export. */
  exportFiles: Files;
  exportBytes: number;
  generator: string;
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

export async function buildSite(exportReport: Parameters<typeof toHtml>[0]): Promise<PanelSite> {
  const assets = await loadPanelAssets(path.resolve('dist'), path.resolve('media'));
  const nonce = crypto.randomBytes(16).toString('base64');
  const exportHtml = toHtml(exportReport, assets);
  return {
    panelFiles: {
      '/panel.html': { body: renderPanelHtml({ cspSource: ORIGIN, nonce, scriptUri: `${ORIGIN}/webview.js`, styleUri: `${ORIGIN}/panel.css` }), type: 'text/html' },
      '/webview.js': { body: assets.script, type: 'text/javascript' },
      '/panel.css': { body: assets.style, type: 'text/css' },
    },
    exportFiles: { '/export.html': { body: exportHtml, type: 'text/html' } },
    exportBytes: exportHtml.length,
    generator: await generatorScript(),
  };
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  browser.on('disconnected', () => log('chromium disconnected'));
  return browser;
}

async function openPage(browser: Browser, files: Files, pathName: string, fakeVsCode: boolean, generator: string): Promise<Page> {
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

/** The panel page as VS Code shows it, after it said 'ready'. */
export async function openPanel(browser: Browser, site: PanelSite): Promise<Page> {
  const page = await openPage(browser, site.panelFiles, '/panel.html', true, site.generator);
  await page.waitForFunction(() => window.__bench.posted.some((m) => (m as { type?: string }).type === 'ready'));
  return page;
}

/** The standalone export, loaded as a browser opens the file (no VS Code API). */
export function openExport(browser: Browser, site: PanelSite): Promise<Page> {
  return openPage(browser, site.exportFiles, '/export.html', false, '');
}

/** Waits until the page has done rAF work after `sinceMs` (and after the last host post), then none for QUIET_MS. */
export async function whenQuiet(page: Page, sinceMs: number): Promise<PageBench> {
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

/** Generates a report in the page, then posts it as the host would; returns the page time just before posting. */
export function postGeneratedReport(page: Page, shape: ReportShape): Promise<number> {
  return page.evaluate((s) => {
    window.__benchData = window.__benchGen.generateReport(s);
    const start = performance.now();
    window.__bench.lastPostAt = start;
    window.postMessage({ type: 'report', report: window.__benchData }, '*');
    return start;
  }, shape);
}

/** Generates a live run in the page and posts its messages at their times, as the host's flush timer would. */
export function postLiveRun(page: Page, live: LiveSpec): Promise<{ t0: number; count: number }> {
  return page.evaluate(
    ({ spec, batchMs }) => {
      const list = window.__benchGen.liveMessages(spec.tasks, spec.workers, spec.taskUs, batchMs);
      const start = performance.now();
      window.__bench.lastPostAt = Infinity; // not quiet until the last message is out
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
}

export async function domFacts(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => ({
    'table rows in the DOM': document.querySelectorAll('[data-testid="task-row"]').length,
    lanes: document.querySelectorAll('[data-testid="lane"]').length,
    'canvas px wide': (document.querySelector('[data-testid="timeline-canvas"]') as HTMLCanvasElement | null)?.width ?? 0,
  }));
}
