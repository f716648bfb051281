// Comparison 5, the panel: the built page in headless Chromium drawing a 10,000-task report, then 1,000 live task updates.
import * as fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { log, REPETITIONS, runComparison, WARMUP_ROUNDS } from './child';
import { generateReport, type ReportShape } from './panelData';
import {
  buildSite,
  CHROMIUM,
  CHROMIUM_ARGS,
  domFacts,
  HOST_BATCH_MS,
  launchChromium,
  LIVE_BURST,
  LIVE_STEADY,
  openExport,
  openPanel,
  postGeneratedReport,
  postLiveRun,
  REPORT_10K,
  REPORT_10K_SERIAL,
  whenQuiet,
  type LiveSpec,
} from './panelHarness';
import type { SectionResult, TargetCheck } from './results';
import { fmt, fmtSample, rotation, summarize } from './stats';

interface Measurement {
  ms: number;
  facts: Record<string, number>;
}

interface Variant {
  key: string;
  label: string;
  run(browser: Browser): Promise<Measurement>;
}

function debug(message: string): void {
  if (process.env.BENCH_DEBUG) log(message);
}

async function main(): Promise<SectionResult> {
  const notes: string[] = [];
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

  const site = await buildSite(generateReport(REPORT_10K));

  const reportVariant = (key: string, label: string, shape: ReportShape): Variant => ({
    key,
    label,
    async run(browser) {
      const page = await openPanel(browser, site);
      const t0 = await postGeneratedReport(page, shape);
      const bench = await whenQuiet(page, t0);
      const facts = await domFacts(page);
      facts['longest frame ms (LoAF)'] = Math.max(0, ...bench.loaf.filter((e) => e.start + e.duration > t0).map((e) => e.duration));
      await page.context().close();
      return { ms: bench.settledAt - t0, facts };
    },
  });

  const liveVariant = (key: string, label: string, live: LiveSpec): Variant => ({
    key,
    label,
    async run(browser) {
      const page = await openPanel(browser, site);
      const { t0, count } = await postLiveRun(page, live);
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
        const page = await openExport(browser, site);
        const bench = await whenQuiet(page, 0);
        const nav = await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).responseEnd);
        const facts = await domFacts(page);
        facts['navigation start → drawn ms'] = bench.settledAt;
        facts['HTML kB'] = site.exportBytes / 1024;
        await page.context().close();
        return { ms: bench.settledAt - nav, facts };
      },
    },
    liveVariant('live-steady', `live: 1,000 tasks of ~4 ms on 2 lanes, events posted every ${HOST_BATCH_MS} ms`, LIVE_STEADY),
    liveVariant('live-burst', `live: 1,000 tiny tasks, all finishing within the first ${HOST_BATCH_MS} ms batch`, LIVE_BURST),
  ];

  const browser = await launchChromium();
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
