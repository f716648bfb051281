// The parallel-runner command, run as users run it: node dist/cli.js with real pools, files and exit codes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { parseReportJson } from '../../src/core/export';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const WORKLOADS = path.join(ROOT, 'test', 'fixtures', 'cli', 'workloads.ts');
const scratch = mkdtempSync(path.join(tmpdir(), 'parallel-runner-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], options: { onSpawn?: (child: ReturnType<typeof spawn>) => void; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI did not exit within ${options.timeoutMs ?? 30_000} ms\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    options.onSpawn?.(child);
  });
}

interface TaskRow {
  index: number;
  pid: number;
  threadId: number;
  status: string;
}

/** Rows of the task table printed under the section heading that starts with `heading`. */
function tableRows(stdout: string, heading: string): TaskRow[] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => line.startsWith(heading));
  assert.ok(start >= 0, `no "${heading}" section in:\n${stdout}`);
  const rows: TaskRow[] = [];
  for (const line of lines.slice(start + 2)) {
    // task, PID, thread, start, end, duration, then cpu, wait and blocked where the platform measures them, then status.
    const match = /^\s+(\d+)\s+(\d+)\s+(\d+)\s+[\d.]+\s+[\d.]+\s+[\d.]+(?:\s+[\d.—]+\s+[\d.—]+\s+[\d.—]+)?\s+([a-z]\S*)/.exec(line);
    if (!match) break;
    rows.push({ index: Number(match[1]), pid: Number(match[2]), threadId: Number(match[3]), status: match[4] });
  }
  return rows;
}

/** The one-line error contract: a single line on stderr, prefixed with the command's name. */
function assertOneErrorLine(result: CliResult, pattern: RegExp): void {
  const lines = result.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `expected one stderr line, got:\n${result.stderr}`);
  assert.match(lines[0], /^parallel-runner: /);
  assert.match(lines[0], pattern);
}

// Each test spawns its own CLI; two at a time keeps the suite short without crowding two cores.
describe('parallel-runner CLI', { concurrency: 2 }, () => {
  it('is built', () => assert.ok(existsSync(CLI), 'run `npm run build` first'));

  it('prints help and version', async () => {
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage:\n {2}parallel-runner FILE --fn NAME --inputs/);
    assert.match(help.stdout, /--backend KIND/);
    const version = await runCli(['--version']);
    assert.equal(version.code, 0);
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(version.stdout.trim(), `parallel-runner ${pkg.version}`);
  });

  it('exits 2 with one line on bad usage', async () => {
    const cases: [string[], RegExp][] = [
      [[WORKLOADS, '--fn', 'square', '--inputs', '[[1]]', '--frobnicate'], /Unknown option '--frobnicate'/],
      [[WORKLOADS, '--inputs', '[[1]]'], /missing --fn/],
      [[WORKLOADS, '--fn', 'square', '--inputs', '[[1]]', '--backend', 'gpu'], /--backend must be threads or processes/],
      [[WORKLOADS, '--fn', 'square', '--inputs', '[[1]]', '--workers', '0'], /--workers must be a whole number ≥ 1/],
      [[], /missing FILE/],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args)));
    results.forEach((result, i) => {
      assert.equal(result.code, 2, `${cases[i][0].join(' ')}\n${result.stderr}`);
      assertOneErrorLine(result, cases[i][1]);
      assert.equal(result.stdout, '');
    });
  });

  it('exits 1 with one clear line for a missing file, bad inputs or an unknown function', async () => {
    const [missing, badInputs, unknownFn] = await Promise.all([
      runCli(['no/such/file.ts', '--fn', 'square', '--inputs', '[[1]]']),
      runCli([WORKLOADS, '--fn', 'square', '--inputs', '[[1], [2]', '--no-serial']),
      runCli([WORKLOADS, '--fn', 'cube', '--inputs', '[[1]]', '--no-serial']),
    ]);
    assert.equal(missing.code, 1);
    assertOneErrorLine(missing, /no\/such\/file\.ts/);
    assert.equal(badInputs.code, 1, badInputs.stderr);
    assertOneErrorLine(badInputs, /input/i);
    assert.equal(unknownFn.code, 1, unknownFn.stderr);
    assertOneErrorLine(unknownFn, /cube/);
  });

  it('threads: one PID, several thread IDs, results in input order, console lines prefixed', async () => {
    const result = await runCli([WORKLOADS, '--fn', 'square', '--inputs', '[[1], [2], [3], [4]]', '--workers', '3', '--backend', 'threads']);
    assert.equal(result.code, 0, result.stderr);
    const parallel = tableRows(result.stdout, 'Parallel run');
    assert.deepEqual(parallel.map((row) => row.index), [0, 1, 2, 3]);
    assert.ok(parallel.every((row) => row.status === 'ok'));
    assert.equal(new Set(parallel.map((row) => row.pid)).size, 1, 'worker threads share one PID');
    assert.ok(new Set(parallel.map((row) => row.threadId)).size >= 2, 'tasks ran on several threads');
    const serial = tableRows(result.stdout, 'Serial run');
    assert.equal(serial.length, 4);
    assert.match(result.stdout, /\n\[ 1, 4, 9, 16 \]\n/);
    const row = parallel[2];
    assert.match(result.stdout, new RegExp(`\\[PID ${row.pid} · thread ${row.threadId} · task 2\\] square 3 on PID ${row.pid} thread ${row.threadId}`));
    // Repeated pairs: the speedup carries its interval and n, or says it is one pair.
    assert.match(result.stdout, /\nserial \S+ m?s.* · parallel \S+ m?s.* · speedup [\d.]+×(?: ± [\d.]+ \(95 % CI, \d+ pairs[^)]*\)| \(1 pair, no interval[^)]*\)) on 3 workers/);
  });

  it('processes: a PID per worker, and --json/--csv/--trace/--html files that parse', async () => {
    const json = path.join(scratch, 'report.json');
    const csv = path.join(scratch, 'tasks.csv');
    const trace = path.join(scratch, 'trace.json');
    const html = path.join(scratch, 'report.html');
    const result = await runCli([
      WORKLOADS, '--fn', 'square', '--inputs', 'Array.from({ length: 4 }, (_, i) => [i + 1])', '--workers', '2',
      '--backend', 'processes', '--json', json, '--csv', csv, '--trace', trace, '--html', html,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const parallel = tableRows(result.stdout, 'Parallel run');
    assert.equal(parallel.length, 4);
    assert.ok(new Set(parallel.map((row) => row.pid)).size >= 2, 'child processes have their own PIDs');
    assert.match(result.stdout, /\n\[ 1, 4, 9, 16 \]\n/);

    const report = parseReportJson(readFileSync(json, 'utf8'));
    assert.equal(report.options.backend, 'processes');
    // Every pair is in the report: 4 tasks per parallel phase, and each parallel phase has its account.
    const parallelPhases = report.phases.filter((run) => run.phase === 'parallel');
    assert.equal(report.summary.speedupEstimate?.n, parallelPhases.length - (report.summary.speedupEstimate?.excludedPairs.length ?? 0));
    assert.equal(report.tasks.filter((task) => task.phase === 'parallel').length, 4 * parallelPhases.length);
    assert.ok(parallelPhases.every((run) => run.account && Math.abs(run.account.segments.reduce((sum, s) => sum + s.ms, 0) - run.wallMs) < run.wallMs * 0.01));
    const csvLines = readFileSync(csv, 'utf8').trimEnd().split('\r\n');
    assert.equal(csvLines.length, 1 + report.tasks.length);
    assert.match(csvLines[0], /^phase,repeat,workers,index,lane,pid,threadId,queuedUs,startUs,endUs,durationMs,cpuMs,waitMs,blockedMs,/);
    if (process.platform === 'linux') {
      assert.equal(report.measurement?.taskCpu, 'schedstat');
      assert.ok(report.tasks.every((task) => task.cpuMs! >= 0 && task.waitMs! >= 0 && task.cpuMs! <= task.durationMs! + 1));
      assert.ok(csvLines.slice(1).every((line) => /^(serial|parallel),\d+,\d+,\d+,\d+,\d+,\d+,[\d.]+,[\d.]+,[\d.]+,[\d.]+,[\d.e-]+,[\d.e-]+,[\d.e-]+,/.test(line)), csvLines.join('\n'));
    }
    const traceEvents = (JSON.parse(readFileSync(trace, 'utf8')) as { traceEvents: { ph: string; cat?: string; pid: number; tid: number; ts?: number; dur?: number }[] }).traceEvents;
    const spans = traceEvents.filter((event) => event.ph === 'X' && (event.cat === 'parallel' || event.cat === 'serial'));
    assert.equal(spans.length, report.tasks.length);
    assert.ok(spans.every((event) => typeof event.ts === 'number' && typeof event.dur === 'number' && event.dur > 0));
    if (process.platform === 'linux') assert.ok(spans.every((event) => typeof (event as { args?: { cpuMs?: number } }).args?.cpuMs === 'number'), 'trace spans carry cpuMs');
    const page = readFileSync(html, 'utf8');
    assert.match(page, /^<!DOCTYPE html>/i);
    assert.ok(page.includes(report.id), 'the HTML page carries the report');
  });

  it('leaves no worker process behind once it has exited (processes backend)', async () => {
    // Forked workers inherit the environment: a marker in it finds them wherever they were reparented.
    const marker = `PARALLEL_RUNNER_CLI_TEST=${process.pid}-${Date.now()}`;
    const withMarker = () =>
      readdirSync('/proc')
        .filter((entry) => /^\d+$/.test(entry))
        .filter((pid) => {
          try {
            const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1];
            // A zombie has ended; only its parent's reaping is left.
            return state !== 'Z' && readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(marker);
          } catch {
            return false;
          }
        });
    const [name, value] = marker.split('=');
    const result = await runCli([WORKLOADS, '--fn', 'square', '--inputs', '[[1], [2], [3]]', '--workers', '3', '--backend', 'processes', '--no-serial'], { env: { ...process.env, [name]: value } });
    assert.equal(result.code, 0, result.stderr);
    const deadline = Date.now() + 2000;
    while (withMarker().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(withMarker(), [], 'every worker process ended with the command');
  });

  it('prints failed tasks with their error, still lists the other results, and exits 1', async () => {
    const result = await runCli([WORKLOADS, '--fn', 'failsOnTwo', '--inputs', '[[1], [2], [3]]', '--workers', '2', '--no-serial']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /Failed tasks:\n {2}task 1 \(2\): error · RangeError: two is not allowed \(got 2\)/);
    assert.match(result.stdout, /\[ 10, <error: RangeError>, 30 \]/);
    assert.match(result.stdout, /1 of 3 tasks failed/);
    assert.ok(!/Serial run/.test(result.stdout), '--no-serial skips the serial run');
  });

  it('Ctrl+C cancels the run and still prints the tasks that finished', async () => {
    const marker = path.join(scratch, 'finished.txt');
    const inputs = JSON.stringify(Array.from({ length: 12 }, (_, i) => [i, marker]));
    const result = await runCli([WORKLOADS, '--fn', 'slowTask', '--inputs', inputs, '--workers', '2', '--no-serial'], {
      onSpawn: (child) => {
        const poll = setInterval(() => {
          const done = existsSync(marker) ? readFileSync(marker, 'utf8').trim().split('\n').length : 0;
          if (done >= 2) {
            clearInterval(poll);
            child.kill('SIGINT');
          }
        }, 20);
        child.on('close', () => clearInterval(poll));
      },
    });
    assert.equal(result.code, 130, result.stderr);
    const rows = tableRows(result.stdout, 'Parallel run');
    const finished = rows.filter((row) => row.status === 'ok');
    assert.ok(finished.length >= 2 && finished.length < 12, `finished: ${finished.length}`);
    assert.match(result.stdout, new RegExp(`· cancelled after ${finished.length} of 12 tasks\n`));
    assert.ok(!/Failed tasks:/.test(result.stdout), 'tasks stopped by the cancel are not listed as failures');
  });

  it('demo runs the starmap example on both backends', async () => {
    const result = await runCli(['demo'], { timeoutMs: 60_000 });
    assert.equal(result.code, 0, result.stderr);
    // A pair of the demo takes ~3.4 s, over a third of the 10 s budget: one pair, said as such, never a bare number.
    const speedups = result.stdout.split('\n').filter((line) => /^serial .* · speedup [\d.]+× \(1 pair, no interval\) on 5 /.test(line));
    assert.equal(speedups.length, 2, result.stdout);
    assert.equal(result.stdout.split('\nWhere the parallel time went: ').length - 1, 2, 'each backend prints the account');
    if (process.platform === 'linux') assert.match(result.stdout, /duration ms {2}cpu ms {2}wait ms {2}blocked ms/);
    assert.match(result.stdout, /parallel lanes: 1 PID \(\d+\) · 5 thread IDs/);
    assert.match(result.stdout, /parallel lanes: 5 PIDs/);
    const results = "[\n  'Done sleeping 1 tenths of a second',";
    assert.equal(result.stdout.split(results).length - 1, 2, 'both backends print the results in input order');
  });
});
