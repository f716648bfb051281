// The engine where Linux's /proc and process groups are missing (macOS, Windows): real runs on both backends complete,
// and every figure those readers give is absent with a stated reason, never a zero. PARALLEL_RUNNER_AS_IF_NOT_LINUX=1
// (honoured by test builds only, src/shared/platformSupport.ts) makes a Linux machine look like Windows: no /proc, no groups.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { RunReport } from '../../src/shared/report';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const scratch = mkdtempSync(path.join(tmpdir(), 'parallel-runner-not-linux-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const file = path.join(scratch, 'spin.ts');
writeFileSync(file, 'export function spin(n: number): number {\n  let s = 0;\n  for (let i = 0; i < n * 200_000; i++) s += i % 7;\n  return s;\n}\n');
const expected = (n: number) => {
  let s = 0;
  for (let i = 0; i < n * 200_000; i++) s += i % 7;
  return s;
};

function run(backend: 'threads' | 'processes', asIfNotLinux: boolean, extra: string[] = [], inputs = '[[5],[6],[7],[8]]') {
  const json = path.join(scratch, `${backend}-${asIfNotLinux}-${extra.length}.json`);
  const env = { ...process.env, PARALLEL_RUNNER_AS_IF_NOT_LINUX: asIfNotLinux ? '1' : '' };
  const child = spawnSync(process.execPath, [CLI, file, '--fn', 'spin', '--inputs', inputs, '--workers', '2', '--backend', backend, '--runs', '2', '--json', json, ...extra], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.ok(child.status !== null, `the CLI did not exit: ${child.signal}\n${child.stdout}\n${child.stderr}`);
  return { code: child.status, stdout: child.stdout, stderr: child.stderr, report: JSON.parse(readFileSync(json, 'utf8')) as RunReport };
}

function assertNothingMeasured(report: RunReport, stdout: string): void {
  assert.equal(report.status, 'completed');
  for (const task of report.tasks) {
    assert.ok(!('cpuMs' in task) && !('waitMs' in task), `task ${task.index} (${task.phase}) has cpuMs/waitMs ${task.cpuMs}/${task.waitMs}, not absent`);
  }
  assert.equal(report.measurement?.taskCpu, 'unavailable');
  assert.equal(report.measurement?.taskWait, 'unavailable');
  assert.equal(report.measurement?.machineCpu, 'unavailable');
  const notes = report.measurement!.notes.join('\n');
  assert.match(notes, /Per-task CPU and wait .*not shown/);
  assert.match(notes, /Other programs' CPU .*not measured/);
  for (const phase of report.phases) {
    assert.ok(!('otherCpuCores' in phase) && !('ownCpuCores' in phase), `${phase.phase} ${phase.repeat} carries machine CPU figures`);
  }
  // The account adds up without the terms it cannot split, and names them.
  const account = report.summary.account;
  assert.ok(account, 'no account of the parallel time');
  assert.match(account.unavailable.join('\n'), /contention, waiting for a CPU and blocked for \d+ tasks: per-task CPU and wait were not measured on this platform/);
  // What the terminal shows: no CPU or wait column, the reasons as notes.
  assert.doesNotMatch(stdout, /cpu ms|wait ms/i);
  assert.match(stdout, /^note: Other programs' CPU during each phase .*not measured\./m);
  assert.match(stdout, /not computed: contention, waiting for a CPU and blocked/);
}

function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

describe('the engine without /proc and process groups', { skip: process.platform !== 'linux' && 'the readers are already unavailable here' }, () => {
  it('on Linux as it is, the same run measures per-task CPU and the machine (the control: the seam is what removes them)', () => {
    const { report } = run('threads', false);
    assert.equal(report.measurement?.taskCpu, 'schedstat');
    assert.equal(report.measurement?.machineCpu, 'proc-stat');
    assert.ok(report.tasks.some((task) => task.cpuMs !== undefined));
  });

  for (const backend of ['threads', 'processes'] as const) {
    it(`${backend}: the run completes with right results, and CPU, wait and other programs' CPU are absent with their reasons`, () => {
      const { code, stdout, stderr, report } = run(backend, true);
      assert.equal(code, 0, `${stdout}\n${stderr}`);
      assertNothingMeasured(report, stdout);
      assert.deepEqual(
        report.tasks.filter((task) => task.phase === 'parallel').map((task) => task.resultPreview),
        [5, 6, 7, 8, 5, 6, 7, 8].map((n) => String(expected(n))),
      );
    });
  }

  it('processes: a task past its timeout has its worker killed without a process group, the run goes on, and no worker outlives it', async () => {
    const { stdout, stderr, report } = run('processes', true, ['--timeout', '1'], '[[5],[100000],[6]]');
    assertNothingMeasured(report, stdout);
    for (const phase of ['serial', 'parallel'] as const) {
      const tasks = report.tasks.filter((task) => task.phase === phase);
      assert.ok(tasks.length >= 3, `${phase}: ${tasks.length} task records\n${stdout}\n${stderr}`);
      for (const task of tasks) assert.equal(task.status, task.index === 1 ? 'timeout' : 'ok', `${phase} task ${task.index}`);
    }
    assert.match(stdout, /hit the 1 s timeout; their workers were stopped and replaced/);
    const workers = [...new Set(report.tasks.map((task) => task.pid))];
    assert.ok(workers.length >= 3 && !workers.includes(report.host.pid), `worker PIDs ${workers.join(', ')} (host ${report.host.pid})`);
    // A killed worker busy in a 20 s loop is gone, not left spinning: within 5 s of the CLI's exit, none is left.
    const deadline = Date.now() + 5000;
    while (workers.some((pid) => !gone(pid)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(workers.filter((pid) => !gone(pid)).map((pid) => `${pid} ${execFileSync('ps', ['-o', 'stat=,args=', '-p', String(pid)], { encoding: 'utf8' }).trim()}`), []);
  });
});
