// What `profile.ts panel` runs: the panel page in Chromium under the DevTools CPU profiler while it draws or takes updates.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateReport } from './panelData';
import { buildSite, launchChromium, LIVE_BURST, LIVE_STEADY, openPanel, postGeneratedReport, postLiveRun, REPORT_10K, REPORT_10K_SERIAL, whenQuiet } from './panelHarness';
import { summarizeProfile, type CpuProfile } from './profileSummary';

async function main(): Promise<void> {
  const scenario = process.argv[2] ?? 'report';
  const site = await buildSite(generateReport(REPORT_10K));
  const browser = await launchChromium();
  try {
    // One unprofiled pass first, so the profile shows steady-state code rather than first-compile costs.
    for (const profiled of [false, true]) {
      const page = await openPanel(browser, site);
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      if (profiled) await cdp.send('Profiler.start');
      let t0: number;
      if (scenario === 'report') t0 = await postGeneratedReport(page, REPORT_10K);
      else if (scenario === 'report-serial') t0 = await postGeneratedReport(page, REPORT_10K_SERIAL);
      else if (scenario === 'steady') t0 = (await postLiveRun(page, LIVE_STEADY)).t0;
      else if (scenario === 'burst') t0 = (await postLiveRun(page, LIVE_BURST)).t0;
      else throw new Error(`unknown scenario ${scenario}: report | report-serial | steady | burst`);
      const bench = await whenQuiet(page, t0);
      const longFrames = bench.loaf.filter((e) => e.start + e.duration > t0 && e.duration > 50).map((e) => `${e.duration.toFixed(0)} ms at +${(e.start - t0).toFixed(0)} (scripts ${e.script.toFixed(0)}, style+layout ${e.styleLayout.toFixed(0)})`);
      console.log(`${profiled ? 'profiled' : 'unprofiled'} ${scenario}: settled ${(bench.settledAt - t0).toFixed(0)} ms after posting; long frames: ${longFrames.join(', ') || 'none'}`);
      if (profiled) {
        const { profile } = (await cdp.send('Profiler.stop')) as { profile: CpuProfile };
        const file = path.resolve('out/bench/profiles', `panel-${scenario}-${Date.now()}.cpuprofile`);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, JSON.stringify(profile));
        console.log(file);
        console.log(summarizeProfile(profile, 30).join('\n'));
      }
      await page.context().close();
    }
  } finally {
    await browser.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
