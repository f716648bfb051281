// Issue 14 (test/FAULTS.md, "Hostile code, round 2"): runs that hung, crashed after the work was done, exhausted the
// machine or left processes behind. Each case runs the real CLI (node dist/cli.js) in a child process, so a regression
// that hangs or crashes the host fails its test instead of the whole file, and every test checks the process tree: no
// worker and no process a task started is left once the CLI has exited.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { Engine } from '../../src/core/engine';
import { parseReportJson } from '../../src/core/export';
import type { RunReport } from '../../src/shared/report';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const HOSTILE = path.join(ROOT, 'test', 'fixtures', 'faults', 'hostile2.ts');
const scratch = mkdtempSync(path.join(tmpdir(), 'parallel-runner-round2-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Every process a CLI run starts inherits this variable with the run's own value: the process tree, found from /proc. */
const TAG_VARIABLE = 'PARALLEL_RUNNER_FAULT_TEST';

interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  pid: number;
  /** From spawn to exit, ms. */
  ms: number;
  /** Set when the CLI had to be killed after `timeoutMs`. */
  hung: boolean;
  tag: string;
}

interface CliOptions {
  timeoutMs?: number;
  onSpawn?: (pid: number) => void;
}

/** Runs the CLI; a run still going after `timeoutMs` is killed (with everything it started) and reported as hung. */
function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const tag = randomUUID();
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, [TAG_VARIABLE]: tag } });
    let stdout = '';
    let stderr = '';
    let hung = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      hung = true;
      for (const pid of taggedProcesses(tag)) killQuietly(pid);
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, pid: child.pid ?? 0, ms: Date.now() - started, hung, tag });
    });
    options.onSpawn?.(child.pid ?? 0);
  });
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}

function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Live processes carrying the run's tag: the CLI, its workers, and whatever their tasks started, detached or not. */
function taggedProcesses(tag: string): number[] {
  const needle = `${TAG_VARIABLE}=${tag}\0`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(needle) && isRunning(Number(entry))) found.push(Number(entry));
    } catch {
      // Another user's process, or it ended while we looked.
    }
  }
  return found;
}

function describeProcess(pid: number): string {
  try {
    return `${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')}`;
  } catch {
    return String(pid);
  }
}

/**
 * The process-tree check: within `graceMs` of the CLI's exit nothing it started is alive (except `allowed`, which the test
 * itself ends). What is left is killed, so one failure does not leave processes for the next test, and named.
 */
async function assertNothingLeft(run: CliRun, allowed: readonly number[] = [], graceMs = 2000): Promise<void> {
  const deadline = Date.now() + graceMs;
  let left = taggedProcesses(run.tag).filter((pid) => !allowed.includes(pid));
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = taggedProcesses(run.tag).filter((pid) => !allowed.includes(pid));
  }
  const named = left.map(describeProcess);
  for (const pid of left) killQuietly(pid);
  assert.deepEqual(named, [], `processes left running after the CLI exited (${run.code ?? run.signal})`);
}

function assertFinished(run: CliRun): void {
  assert.equal(run.hung, false, `the CLI hung (killed after its time limit)\nstdout:\n${run.stdout.slice(-3000)}\nstderr:\n${run.stderr.slice(-3000)}`);
}

function readReport(file: string): RunReport {
  return parseReportJson(readFileSync(file, 'utf8'));
}

function hostile(fn: string, inputs: string, ...options: string[]): string[] {
  return [HOSTILE, '--fn', fn, '--inputs', inputs, ...options];
}

const BACKENDS = ['threads', 'processes'] as const;

describe('faults round 2: hangs', () => {
  for (const backend of BACKENDS) {
    it(`1. a result nested 2,000 levels deep fails that task with a message naming the depth; no hang, no crash (${backend})`, async () => {
      const json = path.join(scratch, `deep-${backend}.json`);
      const run = await runCli(hostile('deep', '[[3], [2000], [4]]', '--backend', backend, '--workers', '2', '--no-serial', '--json', json), { timeoutMs: 20_000 });
      assertFinished(run);
      assert.equal(run.code, 1, run.stderr);
      const report = readReport(json);
      const bad = report.tasks.find((task) => task.index === 1);
      assert.equal(bad?.error?.code, 'clone');
      assert.match(bad?.error?.message ?? '', /nested more than 1,000 levels deep/);
      assert.deepEqual(
        report.tasks.filter((task) => task.index !== 1).map((task) => task.status),
        ['ok', 'ok'],
      );
      await assertNothingLeft(run);
    });

    it(`2. getters and Proxies that throw, returned or thrown, fail only their own task with what failed (${backend})`, async () => {
      for (const [fn, expected] of [
        ['getterThrows', /examining the result\.bad threw Error: getter refuses/],
        ['throwsHostile', /threw a value that could not be examined: reading it threw Error: no/],
        ['proxyResult', /the result is a Proxy/],
      ] as const) {
        const json = path.join(scratch, `${fn}-${backend}.json`);
        // 40 tasks on one worker: finished results of the same batch must survive the bad one.
        const inputs = JSON.stringify(Array.from({ length: 40 }, (_, i) => [i]));
        const run = await runCli(hostile(fn, inputs, '--backend', backend, '--workers', '1', '--no-serial', '--json', json), { timeoutMs: 20_000 });
        assertFinished(run);
        const report = readReport(json);
        const failed = report.tasks.filter((task) => task.status !== 'ok');
        assert.deepEqual(
          failed.map((task) => task.index),
          [1],
          `${fn}: ${JSON.stringify(failed.map((task) => task.error))}`,
        );
        assert.match(failed[0].error?.message ?? '', expected, fn);
        assert.equal(report.tasks.length, 40);
        await assertNothingLeft(run);
      }
    });
  }

  it('3. inputs whose getter never returns end with a message within the limit, and Ctrl+C works while it spins', async () => {
    const looping = 'Object.defineProperty([[1]], 0, { get() { for (;;); } })';
    const run = await runCli(hostile('tiny', looping, '--no-serial'), { timeoutMs: 20_000 });
    assertFinished(run);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /value of the inputs expression took longer than 5 s \(a getter or Proxy trap in it that never returns\?\)/);
    await assertNothingLeft(run);

    let cli = 0;
    const interrupted = runCli(hostile('tiny', looping, '--no-serial'), { timeoutMs: 20_000, onSpawn: (pid) => (cli = pid) });
    await new Promise((resolve) => setTimeout(resolve, 2500));
    process.kill(cli, 'SIGINT');
    const stopped = await interrupted;
    assertFinished(stopped);
    assert.ok(stopped.ms < 5000, `Ctrl+C while the getter spins: the CLI took ${stopped.ms} ms`);
    await assertNothingLeft(stopped);
  });

  it('3. the inputs box check of a looping getter returns within its short limit (previewInputs, in a child process)', async () => {
    // The extension runs this check on every keystroke in the host: it must come back, with the reason, in ~150 ms.
    const script = `
      const { previewInputs, countInputs } = require(${JSON.stringify(path.join(ROOT, 'src', 'core', 'inputs.ts'))});
      const started = Date.now();
      const results = [];
      for (const check of [() => previewInputs(process.argv[1], { timeoutMs: 150 }, 45), () => countInputs(process.argv[1], { timeoutMs: 150 })]) {
        try { check(); results.push('no error'); } catch (error) { results.push(error.message); }
      }
      console.log(JSON.stringify({ ms: Date.now() - started, results }));`;
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script, 'new Proxy([[1]], { get(t, k) { if (k === "0") for (;;); return Reflect.get(t, k); } })'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(killer);
    assert.equal(code, 0, 'the inputs check never returned');
    const { ms, results } = JSON.parse(out) as { ms: number; results: string[] };
    for (const message of results) assert.match(message, /checking the value of the inputs expression took longer than 150 ms/);
    assert.ok(ms < 2000, `two checks took ${ms} ms`);
  });

  it('4. --timeout beyond what a Node timer holds is refused with the range; the largest allowed one works', async () => {
    const refused = await runCli(hostile('tiny', '[[1]]', '--timeout', '2200000'));
    assertFinished(refused);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--timeout must be a number of seconds from 0 \(no limit\) to 2147483 \(about 24\.8 days\), not "2200000"/);
    const largest = await runCli(hostile('tiny', '[[1], [2]]', '--timeout', '2147483', '--no-serial'));
    assertFinished(largest);
    assert.equal(largest.code, 0, largest.stdout + largest.stderr);
    await assertNothingLeft(largest);
  });
});

describe('faults round 2: crashes', () => {
  it('5. 1,000,000 tiny tasks run end to end from the CLI: every task in the --json and --csv, a capped table on stdout', { timeout: 600_000 }, async () => {
    const inputs = path.join(scratch, 'million.json');
    writeFileSync(inputs, JSON.stringify(Array.from({ length: 1_000_000 }, (_, i) => i)));
    const json = path.join(scratch, 'million-report.json');
    const csv = path.join(scratch, 'million.csv');
    const run = await runCli(hostile('tiny', `@${inputs}`, '--no-serial', '--workers', '2', '--json', json, '--csv', csv), { timeoutMs: 540_000 });
    assertFinished(run);
    assert.equal(run.code, 0, run.stderr.slice(-2000));
    assert.match(run.stdout, /… and 999,000 more tasks/);
    const report = readReport(json);
    assert.equal(report.tasks.length, 1_000_000);
    let ok = 0;
    for (const task of report.tasks) if (task.status === 'ok') ok++;
    assert.equal(ok, 1_000_000);
    let rows = 0;
    const text = readFileSync(csv, 'utf8');
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) rows++;
    assert.equal(rows, 1_000_001, 'a header and a row per task in the CSV');
    await assertNothingLeft(run);
  });

  it('6. a task that closes fd 1 (threads): the report file is whole, stderr says what happened, no EBADF stack', async () => {
    const json = path.join(scratch, 'closed-stdout.json');
    const run = await runCli(hostile('closeStdout', '[[0], [1], [2]]', '--workers', '1', '--no-serial', '--json', json));
    assertFinished(run);
    assert.equal(run.code, 1);
    assert.doesNotMatch(run.stderr, /EBADF|at .*node:/);
    assert.match(run.stderr, /a task closed or replaced standard output \(fd 1\)/);
    assert.match(run.stderr, /Saved JSON report/);
    const report = readReport(json);
    assert.deepEqual(
      report.tasks.map((task) => task.status),
      ['ok', 'ok', 'ok'],
    );
    await assertNothingLeft(run);
  });

  it('7. a task that SIGKILLs its own process (threads): what finished before is in the --json; SIGTERM instead cancels like Ctrl+C', async () => {
    const json = path.join(scratch, 'killed.json');
    const marker = path.join(scratch, 'killed.marker');
    const killed = await runCli(hostile('killSelf', JSON.stringify([0, 1, 2].map((i) => [i, 'SIGKILL', marker, 1500])), '--workers', '2', '--runs', '1', '--json', json));
    assertFinished(killed);
    assert.equal(killed.signal, 'SIGKILL');
    const partial = readReport(json);
    assert.equal(partial.status, 'running');
    assert.ok(partial.phases.some((phase) => phase.phase === 'serial'), 'the serial phase is in the partial report');
    assert.deepEqual(
      partial.tasks.filter((task) => task.phase === 'serial').map((task) => task.status),
      ['ok', 'ok', 'ok'],
    );
    await assertNothingLeft(killed);

    const terminated = path.join(scratch, 'terminated.json');
    const termMarker = path.join(scratch, 'terminated.marker');
    const run = await runCli(hostile('killSelf', JSON.stringify([0, 1, 2].map((i) => [i, 'SIGTERM', termMarker, 300])), '--workers', '2', '--runs', '1', '--json', terminated));
    assertFinished(run);
    assert.equal(run.code, 143, run.stderr);
    assert.match(run.stderr, /SIGTERM received: cancelling/);
    const report = readReport(terminated);
    assert.equal(report.status, 'cancelled');
    assert.deepEqual(
      report.tasks.filter((task) => task.phase === 'parallel' && task.status === 'ok').map((task) => task.index),
      [0, 2],
    );
    await assertNothingLeft(run);
  });
});

describe('faults round 2: exhaustion and leftovers', () => {
  it('8. --workers 1000 for 2 tasks on processes starts 2 worker processes, not 1,000', async () => {
    let cli = 0;
    let most = 0;
    const running = runCli(hostile('spin', '[[1500], [1500]]', '--backend', 'processes', '--workers', '1000', '--no-serial'), {
      onSpawn: (pid) => (cli = pid),
    });
    const watch = (async () => {
      for (let i = 0; i < 40; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const children = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry) && parentOf(Number(entry)) === cli && commandLine(Number(entry)).includes('processWorker.js'));
        most = Math.max(most, children.length);
      }
    })();
    const run = await running;
    await watch;
    assertFinished(run);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(most >= 1 && most <= 2, `${most} worker processes at once`);
    await assertNothingLeft(run);
  });

  it('8. settings a repository could abuse have schema maximums and are not read from an untrusted workspace', () => {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      capabilities: { untrustedWorkspaces: { restrictedConfigurations?: string[] } };
      contributes: { configuration: { properties: Record<string, { minimum?: number; maximum?: number }> } };
    };
    const properties = manifest.contributes.configuration.properties;
    assert.equal(properties['parallelRunner.workers'].maximum, 256);
    assert.equal(properties['parallelRunner.taskTimeoutSeconds'].maximum, 2147483);
    assert.ok((properties['parallelRunner.workerMemoryLimitMb'].maximum ?? Infinity) < Infinity);
    assert.deepEqual(
      [...(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations ?? [])].sort(),
      ['parallelRunner.taskTimeoutSeconds', 'parallelRunner.workerMemoryLimitMb', 'parallelRunner.workers'],
    );
  });

  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    it(`9. ${signal} cancels like Ctrl+C: results kept, exit 128 + signal, busy worker processes gone within a second`, async () => {
      let cli = 0;
      const started = path.join(scratch, `started-${signal}`);
      writeFileSync(started, '');
      const inputs = JSON.stringify([30000, 30000, 5].map((ms) => [ms, started]));
      const running = runCli(hostile('spinNoted', inputs, '--backend', 'processes', '--workers', '3', '--no-serial'), { onSpawn: (pid) => (cli = pid) });
      // Wait until every task has started (and the short one has had time to finish).
      for (let i = 0; i < 300 && readFileSync(started, 'utf8').length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      await new Promise((resolve) => setTimeout(resolve, 500));
      const sentAt = Date.now();
      process.kill(cli, signal);
      const run = await running;
      assertFinished(run);
      assert.equal(run.code, signal === 'SIGTERM' ? 143 : 129, run.stderr);
      assert.ok(Date.now() - sentAt < 3000, `exit took ${Date.now() - sentAt} ms`);
      assert.match(run.stdout, /cancelled after 1 of 3 tasks/);
      await assertNothingLeft(run, [], 1000);
    });
  }

  it('10. processes a task starts, attached or detached, end with the run (processes); on threads they are named', async () => {
    const run = await runCli(hostile('spawnSleeps', '[[61], [62]]', '--backend', 'processes', '--workers', '2', '--no-serial'));
    assertFinished(run);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /left 2 processes running: PID \d+ \(sleep 61\), PID \d+ \(sleep 61\)/);
    await assertNothingLeft(run);

    const threads = await runCli(hostile('spawnSleeps', '[[63]]', '--backend', 'threads', '--workers', '1', '--no-serial'));
    assertFinished(threads);
    // Named twice: in the task's output and in the leftover-processes note.
    const pids = [...new Set([...threads.stdout.matchAll(/PID (\d+) \(sleep 63\)/g)].map((match) => Number(match[1])))];
    assert.equal(pids.length, 2, threads.stdout);
    assert.match(threads.stdout, /\nnote: Task 0 left 2 processes running: .*On the threads backend they are children of the host itself/);
    // On threads they are the CLI's own children: named, not ended. The test ends them.
    for (const pid of pids) killQuietly(pid);
    await assertNothingLeft(threads);
  });

  it('10. with the pool kept warm (as in the extension), what a task started on processes ends when the run ends', async () => {
    const engine = new Engine({ distDir: path.join(ROOT, 'dist'), cacheDir: path.join(scratch, 'engine-cache'), idleTimeoutMs: 60_000 });
    try {
      const { results } = await engine.run({ file: HOSTILE, target: { name: 'spawnSleeps' }, inputs: '[[64], [65]]', options: { backend: 'processes', workers: 2, compareWithSerial: false } });
      const pids = (results as number[][]).flat();
      assert.equal(pids.length, 4);
      const deadline = Date.now() + 2000;
      while (pids.some(isRunning) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      const alive = pids.filter(isRunning);
      for (const pid of alive) killQuietly(pid);
      assert.deepEqual(alive.map(describeProcess), [], 'sleeps still running after the run, with the pool warm');
    } finally {
      await engine.dispose();
    }
  });

  it('10. the report warns about processes a task left running (leftover-processes), saying on threads that they keep running', async () => {
    const engine = new Engine({ distDir: path.join(ROOT, 'dist'), cacheDir: path.join(scratch, 'engine-cache'), idleTimeoutMs: 60_000 });
    let pids: number[] = [];
    try {
      const { report, results } = await engine.run({ file: HOSTILE, target: { name: 'spawnSleeps' }, inputs: '[[66]]', options: { backend: 'threads', workers: 1, compareWithSerial: false } });
      pids = (results as number[][]).flat();
      const warning = report.warnings.find((w) => w.code === 'leftover-processes');
      assert.ok(warning, report.warnings.map((w) => w.code).join(', '));
      assert.match(warning.message, /^Task 0 left 2 processes running: PID \d+ \(sleep 66\), PID \d+ \(sleep 66\)\. On the threads backend they are children of the host itself/);
    } finally {
      for (const pid of pids) killQuietly(pid);
      await engine.dispose();
    }
  });

  it('11. --memory-limit holds Buffers too on processes: 300 MB of them fail that task as OutOfMemory', async () => {
    const json = path.join(scratch, 'buffers.json');
    const run = await runCli(hostile('bigBuffers', '[[300, 3000], [1, 10]]', '--backend', 'processes', '--workers', '2', '--no-serial', '--memory-limit', '64', '--json', json));
    assertFinished(run);
    const report = readReport(json);
    const [big, small] = report.tasks;
    assert.equal(big.error?.code, 'out-of-memory');
    assert.match(big.error?.message ?? '', /ran out of memory \(the worker memory limit is 64 MB.*resident memory reached \d+ MB/s);
    assert.equal(small.status, 'ok');
    await assertNothingLeft(run);
  });
});

describe('faults round 2: output', () => {
  it('12. terminal control sequences from tasks are printed escaped; the --json keeps the raw text', async () => {
    const json = path.join(scratch, 'escapes.json');
    const run = await runCli(hostile('escapes', '[[0], [1]]', '--workers', '2', '--no-serial', '--json', json));
    assertFinished(run);
    // The progress line's own `\r ESC[2K` aside, no ESC or BEL may reach the terminal.
    const controls = ['\x1b', '\x07'];
    for (const control of controls) assert.ok(!run.stdout.includes(control), `stdout holds ${JSON.stringify(control)}`);
    for (const control of controls) assert.ok(!run.stderr.split('\r\x1b[2K').join('').includes(control), `stderr holds ${JSON.stringify(control)}`);
    assert.match(run.stdout, /\\x1B\[31mred 0\\x1B\[0m\\x1B\[2J\\x1B\]0;pwned\\x07/);
    assert.match(run.stdout, /error: bad \\x1B\[2J/);
    const report = readReport(json);
    assert.ok(report.tasks[0].logs.some((line) => line.text.includes('\x1b[2J\x1b]0;pwned\x07')));
    await assertNothingLeft(run);
  });

  it("13. writes to fd 1 and fd 2 from a task on processes are kept in that task's output", async () => {
    const json = path.join(scratch, 'fd.json');
    const run = await runCli(hostile('fdWrite', '[[0], [1]]', '--backend', 'processes', '--workers', '1', '--no-serial', '--json', json));
    assertFinished(run);
    assert.equal(run.code, 0, run.stderr);
    const report = readReport(json);
    for (const task of report.tasks) {
      const texts = task.logs.map((line) => line.text);
      assert.ok(texts.includes(`[parallel-runner] written straight to fd 1: fd1 from task ${task.index}`), JSON.stringify(texts));
      assert.ok(texts.includes(`[parallel-runner] written straight to fd 2: fd2 from task ${task.index}`), JSON.stringify(texts));
    }
    await assertNothingLeft(run);
  });

  it('14. a SharedArrayBuffer on processes and an Error whose message getter throws say what they are; --workers -1 gets our message', async () => {
    const json = path.join(scratch, 'shared.json');
    const shared = await runCli(hostile('sharedBuffer', '[[0], [1]]', '--backend', 'processes', '--workers', '1', '--no-serial', '--json', json));
    assertFinished(shared);
    assert.match(readReport(json).tasks[1].error?.message ?? '', /the result is a SharedArrayBuffer, which can't be sent to another process/);
    await assertNothingLeft(shared);

    const messageJson = path.join(scratch, 'message.json');
    const thrown = await runCli(hostile('messageThrows', '[[0], [1]]', '--workers', '1', '--no-serial', '--json', messageJson));
    assertFinished(thrown);
    const error = readReport(messageJson).tasks[1].error;
    assert.equal(error?.name, 'TypeError');
    assert.match(error?.message ?? '', /its message could not be read: the message getter threw Error: message getter refuses/);
    await assertNothingLeft(thrown);

    const negative = await runCli(hostile('tiny', '[[1]]', '--workers', '-1'));
    assert.equal(negative.code, 2);
    assert.match(negative.stderr, /--workers must be a whole number ≥ 1, not "-1"/);
    assert.ok(!existsSync(path.join(ROOT, '-1')));
  });
});

function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}
