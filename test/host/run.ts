// Runs the in-host suite in real code-server windows (after `npm run build`): the main tests and, alongside, the untrusted-folder tests.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot, runHostSuite } from '../harness/codeServer';
import type { HostSuiteSummary } from './index';

interface Window {
  name: string;
  /** Comma-separated test names for index.ts; undefined runs all but the untrusted ones. */
  tests?: string;
  workspaceTrust?: boolean;
}

/** The untrusted window only checks refusals (no timings), so it starts alongside the main one and costs no wall time. */
const WINDOWS: Window[] = [
  { name: 'trusted folder' },
  { name: 'untrusted folder', tests: 'untrusted', workspaceTrust: true },
];

interface WindowOutcome {
  lines: string[];
  passed: number;
  failed: number;
}

async function runWindow(window: Window, testsPath: string): Promise<WindowOutcome> {
  const lines: string[] = [`\n== in-host suite: ${window.name} ==`];
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-host-'));
  const workspace = path.join(scratch, 'workspace');
  fs.cpSync(path.join(repoRoot, 'test', 'fixtures', 'host-workspace'), workspace, { recursive: true });
  const summaryFile = path.join(scratch, 'summary.json');
  const started = Date.now();
  let result;
  try {
    result = await runHostSuite({
      extensionPath: repoRoot,
      testsPath,
      workspace,
      summaryFile,
      workspaceTrust: window.workspaceTrust,
      env: window.tests ? { PARALLEL_RUNNER_HOST_TESTS: window.tests } : {},
      timeoutMs: 300_000,
    });
  } catch (error) {
    lines.push(`${window.name}: the window did not start: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    return { lines, passed: 0, failed: 1 };
  }
  const summary = readSummary(result.summary);
  if (!summary) {
    lines.push(`no summary written (exit code ${result.exitCode}); extension host console:`, ...result.consoleLines.slice(-60));
    return { lines, passed: 0, failed: 1 };
  }
  for (const test of summary.tests) {
    const time = test.durationMs !== undefined ? ` (${test.durationMs} ms)` : '';
    lines.push(`${test.state === 'passed' ? '  ✓' : '  ✗'} ${test.title}${time}`);
    if (test.message) lines.push(indent(test.message));
  }
  for (const line of result.consoleLines) {
    const at = line.indexOf('[note] ');
    if (at >= 0) lines.push(`  note: ${line.slice(at + 7).replace(/\s*%c.*$/, '')}`);
  }
  lines.push(`${window.name}: ${summary.passed} passed, ${summary.failed} failed in ${((Date.now() - started) / 1000).toFixed(1)} s (exit code ${result.exitCode})`);
  let failed = summary.failed;
  if (result.exitCode !== 0 && summary.failed === 0) {
    lines.push(`the window exited with ${result.exitCode} although no test failed; last console lines:`, ...result.consoleLines.slice(-30));
    failed += 1;
  }
  if (summary.passed + summary.failed === 0) failed += 1;
  return { lines, passed: summary.passed, failed };
}

async function main(): Promise<number> {
  const testsPath = path.join(repoRoot, 'out', 'test', 'host', 'index.js');
  if (!fs.existsSync(testsPath) || !fs.existsSync(path.join(repoRoot, 'dist', 'extension.js'))) {
    console.error('host: build first (npm run build): out/test/host/index.js or dist/extension.js is missing');
    console.log('host: 0 passed, 1 failed');
    return 1;
  }
  const outcomes = await Promise.all(WINDOWS.map((window) => runWindow(window, testsPath)));
  let passed = 0;
  let failed = 0;
  for (const outcome of outcomes) {
    console.log(outcome.lines.join('\n'));
    passed += outcome.passed;
    failed += outcome.failed;
  }
  console.log(`host: ${passed} passed, ${failed} failed`);
  return failed > 0 || passed === 0 ? 1 : 0;
}

function readSummary(text: string): HostSuiteSummary | undefined {
  try {
    return JSON.parse(text) as HostSuiteSummary;
  } catch {
    return undefined;
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .slice(0, 12)
    .map((line) => `      ${line}`)
    .join('\n');
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    console.log('host: 0 passed, 1 failed');
    process.exit(1);
  },
);
