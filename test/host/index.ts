// Entry the extension host loads (extensionTestsPath): runs the *.test.js files beside it with mocha and writes a JSON summary.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export interface HostTestResult {
  title: string;
  state: 'passed' | 'failed';
  durationMs?: number;
  message?: string;
}

export interface HostSuiteSummary {
  files: string[];
  passed: number;
  failed: number;
  tests: HostTestResult[];
}

/** Files that run first and last: activation must be checked before any run, cleanup after all of them. */
const FIRST = ['activation'];
const LAST = ['cleanup'];
/** Needs a workspace opened without trust: run.ts starts a second window for it. */
const SEPARATE = ['untrusted'];

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  const files = selectFiles(__dirname, process.env.PARALLEL_RUNNER_HOST_TESTS);
  for (const file of files) mocha.addFile(path.join(__dirname, file));
  const summary: HostSuiteSummary = { files, passed: 0, failed: 0, tests: [] };
  const summaryFile = process.env.PARALLEL_RUNNER_TEST_SUMMARY ?? path.join(__dirname, 'host-summary.json');
  const write = () => fs.writeFileSync(summaryFile, JSON.stringify(summary, null, 2));
  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        write();
        if (failures > 0) reject(new Error(`${failures} in-host tests failed`));
        else if (summary.passed === 0) reject(new Error('no in-host test ran'));
        else resolve();
      });
      runner.on('pass', (test) => {
        summary.passed++;
        summary.tests.push({ title: test.fullTitle(), state: 'passed', durationMs: test.duration });
      });
      runner.on('fail', (test, error: Error) => {
        summary.failed++;
        summary.tests.push({ title: test.fullTitle(), state: 'failed', durationMs: test.duration, message: error?.stack ?? String(error) });
      });
    } catch (error) {
      summary.failed++;
      summary.tests.push({ title: 'loading the in-host tests', state: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      write();
      reject(error);
    }
  });
}

/** `only` is a comma-separated list of test names (`run,panel`); without it, every file but the SEPARATE ones. */
export function selectFiles(dir: string, only: string | undefined): string[] {
  const names = fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.test.js'))
    .map((file) => file.replace(/\.test\.js$/, ''))
    .sort();
  const wanted = only ? only.split(',').map((name) => name.trim()).filter(Boolean) : names.filter((name) => !SEPARATE.includes(name));
  const rank = (name: string) => (FIRST.includes(name) ? 0 : LAST.includes(name) ? 2 : 1);
  return names
    .filter((name) => wanted.includes(name))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .map((name) => `${name}.test.js`);
}
