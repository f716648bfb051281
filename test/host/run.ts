// Runs the in-host suite in a real code-server window (after `npm run build`): the main tests, then the untrusted-folder tests.
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

const WINDOWS: Window[] = [
  { name: 'trusted folder' },
  { name: 'untrusted folder', tests: 'untrusted', workspaceTrust: true },
];

async function main(): Promise<number> {
  const testsPath = path.join(repoRoot, 'out', 'test', 'host', 'index.js');
  if (!fs.existsSync(testsPath) || !fs.existsSync(path.join(repoRoot, 'dist', 'extension.js'))) {
    console.error('host: build first (npm run build): out/test/host/index.js or dist/extension.js is missing');
    console.log('host: 0 passed, 1 failed');
    return 1;
  }
  let passed = 0;
  let failed = 0;
  for (const window of WINDOWS) {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-host-'));
    const workspace = path.join(scratch, 'workspace');
    fs.cpSync(path.join(repoRoot, 'test', 'fixtures', 'host-workspace'), workspace, { recursive: true });
    const summaryFile = path.join(scratch, 'summary.json');
    const started = Date.now();
    console.log(`\n== in-host suite: ${window.name} ==`);
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
      console.log(`${window.name}: the window did not start: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
      failed += 1;
      continue;
    }
    const summary = readSummary(result.summary);
    if (!summary) {
      console.log(`no summary written (exit code ${result.exitCode}); extension host console:`);
      console.log(result.consoleLines.slice(-60).join('\n'));
      failed += 1;
      continue;
    }
    for (const test of summary.tests) {
      const time = test.durationMs !== undefined ? ` (${test.durationMs} ms)` : '';
      console.log(`${test.state === 'passed' ? '  ✓' : '  ✗'} ${test.title}${time}`);
      if (test.message) console.log(indent(test.message));
    }
    for (const line of result.consoleLines) {
      const at = line.indexOf('[note] ');
      if (at >= 0) console.log(`  note: ${line.slice(at + 7).replace(/\s*%c.*$/, '')}`);
    }
    console.log(`${window.name}: ${summary.passed} passed, ${summary.failed} failed in ${((Date.now() - started) / 1000).toFixed(1)} s (exit code ${result.exitCode})`);
    passed += summary.passed;
    failed += summary.failed;
    if (result.exitCode !== 0 && summary.failed === 0) {
      console.log(`the window exited with ${result.exitCode} although no test failed; last console lines:\n${result.consoleLines.slice(-30).join('\n')}`);
      failed += 1;
    }
    if (summary.passed + summary.failed === 0) failed += 1;
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
