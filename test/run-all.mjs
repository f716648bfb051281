// `npm test`: builds, packages the .vsix, then runs the unit, in-host and UI suites in turn and prints one closing count.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const only = process.argv.slice(2); // e.g. `npm test -- unit host`
const want = (name) => only.length === 0 || only.includes(name);
let passed = 0;
let failed = 0;
const failures = [];

function sh(cmd, args, opts = {}) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  return r.status ?? 1;
}

function testFiles(dir) {
  const abs = path.join(root, dir);
  if (!fs.existsSync(abs)) return [];
  return fs.readdirSync(abs).filter((f) => f.endsWith('.test.ts')).sort().map((f) => path.join(dir, f));
}

/** Runs node's test runner with the spec reporter on screen and TAP in a file, and counts from the TAP summary. */
function nodeSuite(name, files) {
  if (files.length === 0) {
    console.error(`${name}: no test files found`);
    failed += 1;
    failures.push(`${name}: no test files`);
    return;
  }
  const tap = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pr-tap-')), `${name}.tap`);
  const code = sh(process.execPath, [
    '--import', 'tsx', '--test', '--test-concurrency=1',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...files,
  ]);
  const text = fs.existsSync(tap) ? fs.readFileSync(tap, 'utf8') : '';
  const count = (key) => Number((text.match(new RegExp(`^# ${key} (\\d+)$`, 'm')) ?? [])[1] ?? 0);
  const p = count('pass');
  const f = count('fail') + count('cancelled');
  passed += p;
  failed += f;
  if (code !== 0 && f === 0) {
    failed += 1;
    failures.push(`${name}: runner exited ${code}`);
  }
  if (p + f === 0) {
    failed += 1;
    failures.push(`${name}: no test ran`);
  }
  console.log(`${name}: ${p} passed, ${f} failed`);
}

if (sh('npm', ['run', 'package']) !== 0) {
  console.error('packaging the .vsix failed');
  process.exit(1);
}
// Development build (source maps, in-host test entries) over the production one the package step left in dist/.
if (sh(process.execPath, ['esbuild.mjs', '--tests']) !== 0) process.exit(1);

if (want('unit')) nodeSuite('unit', testFiles('test/unit'));

if (want('host')) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/host/run.ts'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  process.stdout.write(r.stdout ?? '');
  const m = /^host: (\d+) passed, (\d+) failed$/m.exec(r.stdout ?? '');
  if (m) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
  if (!m || r.status !== 0) {
    if (!m || Number(m[2]) === 0) failed += 1;
    failures.push(`host: exit ${r.status}`);
  }
}

if (want('e2e')) nodeSuite('e2e', testFiles('test/e2e'));

if (failures.length) console.log(`\nProblems: ${failures.join('; ')}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
