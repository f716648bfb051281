// The CLI's baseline comparison and CI gate, run as CI runs it: --save-baseline, then --baseline --fail-if-slower on real pools.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { parseReportJson } from '../../src/core/export';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const WORKLOAD = path.join(ROOT, 'test', 'fixtures', 'compare', 'gate.ts');
const scratch = mkdtempSync(path.join(tmpdir(), 'parallel-runner-gate-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** The exit status --fail-if-slower documents (README, --help). */
const EXIT_SLOWER = 3;
/**
 * Four ~25 ms CPU tasks on 2 workers, 8 interleaved pairs after a warm-up: ~5 s a run on a loaded 2-core machine. The
 * unchanged run passes because significance needs both p < 0.05 and non-overlapping intervals, and on a busy machine the
 * tasks' CPU time (which load does not stretch) must back a wall change; twice the work fails on the walls, or on a busy
 * machine (whose load swings walls 2x between runs here) on the CPU time, which doubles.
 */
const RUN_ARGS = ['--fn', 'crunch', '--inputs', '[[5e6],[5e6],[5e6],[5e6]]', '--workers', '2', '--runs', '8', '--warmup', '1'];

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI did not exit within 120 s\n${stdout}\n${stderr}`));
    }, 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The workload at a fixed path, doing `rounds` times the work: the same file and function, so only the code differs. */
function writeWorkload(file: string, rounds: number): void {
  writeFileSync(file, readFileSync(WORKLOAD, 'utf8').replace('const ROUNDS = 1;', `const ROUNDS = ${rounds};`));
}

describe('parallel-runner --baseline / --fail-if-slower', () => {
  it('rejects --fail-if-slower without a baseline, a bad percentage and a baseline that is not a report', async () => {
    const file = path.join(scratch, 'usage.ts');
    copyFileSync(WORKLOAD, file);
    const alone = await runCli([file, ...RUN_ARGS, '--fail-if-slower', '10']);
    assert.equal(alone.code, 2);
    assert.match(alone.stderr, /--fail-if-slower needs --baseline FILE/);
    const notJson = path.join(scratch, 'not-a-report.json');
    writeFileSync(notJson, '{"hello": 1}');
    const badPct = await runCli([file, ...RUN_ARGS, '--baseline', notJson, '--fail-if-slower', 'ten']);
    assert.equal(badPct.code, 2);
    assert.match(badPct.stderr, /--fail-if-slower must be a percentage ≥ 0, such as 10, not "ten"/);
    const bad = await runCli([file, ...RUN_ARGS, '--baseline', notJson]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /the baseline .*not-a-report\.json is not a report: .*schemaVersion.*--save-baseline FILE/);
    const missing = await runCli([file, ...RUN_ARGS, '--baseline', path.join(scratch, 'nope.json')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read the baseline .*nope\.json: ENOENT/);
  });

  it('exits 0 on the unchanged function run again and 3 once it does twice the work', { timeout: 300_000 }, async () => {
    const file = path.join(scratch, 'gate.ts');
    const baseline = path.join(scratch, 'baseline.json');
    writeWorkload(file, 1);
    const first = await runCli([file, ...RUN_ARGS, '--save-baseline', baseline]);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.match(first.stdout, /Saved the baseline: /);
    const saved = parseReportJson(readFileSync(baseline, 'utf8'));
    assert.equal(saved.comparison, undefined, 'a baseline is the run alone');
    assert.ok(saved.host.osRelease && saved.host.totalMemoryMb, 'the machine is recorded');

    const same = await runCli([file, ...RUN_ARGS, '--baseline', baseline, '--fail-if-slower', '10', '--json', path.join(scratch, 'same.json')]);
    assert.equal(same.code, 0, `the unchanged function tripped the gate:\n${same.stdout}`);
    assert.match(same.stdout, /Compared with the baseline .*baseline\.json/);
    assert.match(same.stdout, /Not slower than the baseline by more than 10 % with significance\./);
    const sameReport = parseReportJson(readFileSync(path.join(scratch, 'same.json'), 'utf8'));
    assert.equal(sameReport.comparison?.baseline.id, saved.id, 'the JSON export carries the comparison with both run ids');
    assert.equal(sameReport.comparison?.current.id, sameReport.id);
    assert.ok(sameReport.comparison.metrics.some((metric) => metric.key === 'parallel-wall' && metric.delta !== undefined));

    writeWorkload(file, 2);
    const slower = await runCli([file, ...RUN_ARGS, '--baseline', baseline, '--fail-if-slower', '10']);
    assert.equal(slower.code, EXIT_SLOWER, `twice the work passed the gate:\n${slower.stdout}`);
    // On a quiet machine the walls show it; on a busy one (this machine, most of the time) the tasks' CPU time does.
    assert.match(slower.stdout, /SLOWER: (Parallel wall|Speedup|Per-task CPU) is \d+\.\d % worse than the baseline \(more than 10 %, significant: p [<=] [\d.]+\)/);
    assert.match(slower.stdout, /Per-task CPU .* · slower, significant \(p /);
    assert.match(slower.stdout, /Exit status 3: slower than the baseline by more than 10 %\./);
  });
});
