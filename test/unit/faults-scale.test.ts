// The fault catalogue (test/FAULTS.md) at scale: 100,000 tasks, a 100 MB result, and 100 runs in a row without leaks.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { pathToFileURL } from 'node:url';
import { runInNewContext } from 'node:vm';
import type { Browser } from 'playwright-core';
import type { RunOutcome } from '../../src/core/api';
import { Engine } from '../../src/core/engine';
import { toHtml } from '../../src/core/export/html';
import type { BackendKind } from '../../src/shared/report';
import { launchChromium, panelAssets } from '../webview/pageHarness';

const ROOT = path.resolve(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist');
const MISBEHAVE = path.join(ROOT, 'test', 'fixtures', 'faults', 'misbehave.ts');
const BACKENDS: BackendKind[] = ['threads', 'processes'];
const scratch = mkdtempSync(path.join(tmpdir(), 'parallel-runner-faults-scale-'));
const cacheDir = path.join(scratch, 'cache');

after(() => rmSync(scratch, { recursive: true, force: true }));

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

function threadCount(): number {
  return readdirSync('/proc/self/task').length;
}

/** Our live worker processes (esbuild's service is a child too, and stays; zombies not yet reaped count as gone). */
function childPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== process.pid || fields[0] === 'Z') continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('processWorker')) pids.push(Number(entry));
    } catch {
      // It ended while we looked.
    }
  }
  return pids;
}

function heapMb(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

async function waitFor(what: string, probe: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Records the longest stretch the event loop went without running a 20 ms timer: what a user of the host would feel. */
function watchEventLoop(): { stop(): number } {
  let last = Date.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = Date.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 20);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(longest, Date.now() - last);
    },
  };
}

describe('faults: 100,000 tasks', () => {
  const engine = new Engine({ distDir: DIST, cacheDir, idleTimeoutMs: 30_000 });
  let outcome: RunOutcome;
  let longestStallMs = 0;
  let elapsedMs = 0;
  let browser: Browser | undefined;

  before(async () => {
    const started = Date.now();
    const watch = watchEventLoop();
    // What the extension sends: no chunkSize, so the engine's default ('auto') chunks tasks this small.
    outcome = await engine.run({
      file: MISBEHAVE,
      target: { name: 'tiny' },
      // Built here rather than typed as an expression: evaluating that has a 1 s budget, which a shared machine can exceed.
      inputs: Array.from({ length: 100_000 }, (_, i) => [i]),
      options: { backend: 'threads', workers: 2, compareWithSerial: false },
    });
    longestStallMs = watch.stop();
    elapsedMs = Date.now() - started;
    console.log(`# 100,000 tasks on 2 threads: ${elapsedMs} ms; the event loop stalled at most ${longestStallMs} ms`);
  });

  after(async () => {
    await browser?.close();
    await engine.dispose();
  });

  it('runs every task, with every result in input order', () => {
    assert.equal(outcome.report.status, 'completed');
    assert.equal(outcome.results.length, 100_000);
    assert.ok(
      outcome.results.every((value, i) => value === i * 2),
      'results in input order',
    );
    assert.equal(outcome.report.tasks.length, 100_000);
    assert.equal(outcome.report.summary.failedTasks, 0);
  });

  it('keeps the host responsive: no event-loop stall a user would notice', () => {
    // Under a second on a quiet machine; the bound leaves room for a machine shared with other suites. A host that blocked
    // while dispatching would stall for the whole run.
    assert.ok(longestStallMs < 3000, `the event loop stalled for ${longestStallMs} ms of a ${elapsedMs} ms run`);
  });

  it('the HTML export of the report opens, pages the table and shows a lane per worker', async () => {
    browser = await launchChromium();
    const file = path.join(scratch, 'hundred-thousand.html');
    writeFileSync(file, toHtml(outcome.report, await panelAssets()));
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    const started = Date.now();
    // From disk: handing tens of megabytes through the automation protocol would take longer than rendering them.
    await page.goto(pathToFileURL(file).href);
    await page.locator('[data-testid=task-row]').first().waitFor();
    console.log(`# the 100,000-task HTML export (${(statSync(file).size / 2 ** 20).toFixed(0)} MB) showed its table in ${Date.now() - started} ms`);
    assert.equal(await page.locator('[data-testid=task-row]').count(), 200);
    assert.match((await page.locator('.pager-status').first().textContent()) ?? '', /Rows 1–200 of 100,000/);
    assert.equal(await page.locator('[data-testid=lane]').count(), 2, 'a lane per worker');
    assert.deepEqual(errors, []);
    await page.close();
  });
});

describe('faults: a 100 MB result', () => {
  const engine = new Engine({ distDir: DIST, cacheDir, idleTimeoutMs: 30_000 });
  after(() => engine.dispose());

  for (const backend of BACKENDS) {
    it(`arrives whole, while the report keeps a short preview (${backend})`, async () => {
      const watch = watchEventLoop();
      const { report, results } = await engine.run({ file: MISBEHAVE, target: { name: 'bigResult' }, inputs: '[[0, 100], [1, 1]]', options: { backend, workers: 2, compareWithSerial: false } });
      const longestStallMs = watch.stop();
      console.log(`# ${backend}: 100 MB result; the event loop stalled at most ${longestStallMs} ms`);
      assert.equal(report.status, 'completed');
      const [big, small] = results as string[];
      assert.equal(big.length, 100 * 2 ** 20);
      assert.ok(big.startsWith('0000') && big.endsWith('0000'));
      assert.equal(small.length, 2 ** 20);
      const preview = report.tasks.find((task) => task.index === 0)?.resultPreview ?? '';
      assert.ok(preview.startsWith("'0000") && preview.length <= 2000, `preview of ${preview.length} characters`);
      assert.ok(JSON.stringify(report).length < 100_000, 'the report stays small enough for the panel and exports');
    });
  }
});

describe('faults: no leaks over 100 runs', () => {
  for (const backend of BACKENDS) {
    it(`100 runs in a row leave threads, child processes and memory at their baseline (${backend})`, async () => {
      const engine = new Engine({ distDir: DIST, cacheDir, idleTimeoutMs: 30_000 });
      const run = (name: 'tiny' | 'misbehave', inputs: unknown[][], taskTimeoutSeconds = 0) =>
        engine.run({ file: MISBEHAVE, target: { name }, inputs, options: { backend, workers: 2, taskTimeoutSeconds } });
      try {
        // The baseline has the modules loaded (piscina, esbuild's service) but no pool running.
        await run('tiny', [[1], [2]]);
        await engine.dispose();
        await waitFor('the warm-up pools to close', () => childPids().length === 0);
        const baseline = { threads: threadCount(), heapMb: heapMb() };
        let warm: { threads: number; children: number } | undefined;
        const started = Date.now();
        for (let i = 0; i < 100; i++) {
          // Every tenth run times out a task, so its worker is stopped and replaced.
          const outcome = i % 10 === 9 ? await run('misbehave', [[0, 'ok'], [1, 'hang']], 0.3) : await run('tiny', [[i], [i + 1]]);
          assert.equal(outcome.report.status, 'completed', `run ${i}`);
          if (i === 0) warm = { threads: threadCount(), children: childPids().length };
        }
        const afterRuns = { threads: threadCount(), children: childPids().length, heapMb: heapMb() };
        console.log(
          `# ${backend}: 100 runs in ${Date.now() - started} ms; threads ${baseline.threads} → ${warm?.threads} warm → ${afterRuns.threads}; ` +
            `children ${warm?.children} warm → ${afterRuns.children}; heap ${baseline.heapMb.toFixed(1)} → ${afterRuns.heapMb.toFixed(1)} MB`,
        );
        assert.ok(afterRuns.threads <= warm!.threads + 1, `threads grew from ${warm!.threads} after one run to ${afterRuns.threads} after 100`);
        assert.ok(afterRuns.children <= warm!.children, `child processes grew from ${warm!.children} to ${afterRuns.children}`);

        await engine.dispose();
        await waitFor('every child process to exit', () => childPids().length === 0);
        await waitFor('every worker thread to exit', () => threadCount() <= baseline.threads);
        const endHeapMb = heapMb();
        console.log(`# ${backend}: after dispose: ${threadCount()} threads, ${childPids().length} children, heap ${endHeapMb.toFixed(1)} MB`);
        assert.ok(endHeapMb - baseline.heapMb < 8, `the heap grew by ${(endHeapMb - baseline.heapMb).toFixed(1)} MB over 100 runs`);
      } finally {
        await engine.dispose();
      }
    });
  }
});
