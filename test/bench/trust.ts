// Comparison 6, a speedup you can trust: the CLI's printed speedup (its median over repeated pairs) against the same
// tasks timed from outside, as the ratio of separate 1-worker and N-worker processes on raw worker threads, interleaved.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { log, REPETITIONS, runComparison } from './child';
import type { SectionResult, TargetCheck } from './results';
import { fmt, summarize } from './stats';
import { COMPUTE_STEPS, LOCK_ROUNDS, LOCK_STEPS, TRUST_TASKS, type TrustWorkload } from './trustWorkload';

const ROOT = process.cwd();
const CLI = path.join(ROOT, 'dist', 'cli.js');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'engine', 'contention.ts');
const PROBE = path.join(ROOT, 'out', 'bench', 'trustProbe.js');
const WORKERS = Math.min(2, os.availableParallelism());
const CLI_RUNS = 3;
const TARGET = 0.03;

const INPUTS: Record<TrustWorkload, { fn: string; inputs: string }> = {
  compute: { fn: 'compute', inputs: `Array.from({ length: ${TRUST_TASKS} }, () => [${COMPUTE_STEPS}])` },
  locked: { fn: 'lockedWork', inputs: `(() => { const lock = new SharedArrayBuffer(4); return Array.from({ length: ${TRUST_TASKS} }, () => [lock, ${LOCK_ROUNDS}, ${LOCK_STEPS}]); })()` },
};

function outsideWall(workload: TrustWorkload, workers: number): number {
  const result = spawnSync(process.execPath, [PROBE, workload, String(workers)], { encoding: 'utf8' });
  const ms = Number(result.stdout.trim());
  if (result.status !== 0 || !Number.isFinite(ms)) throw new Error(`trustProbe ${workload} ${workers} failed: ${result.stderr}`);
  return ms;
}

function printedSpeedup(workload: TrustWorkload): { speedup: number; line: string; largestLoss?: string } {
  const { fn, inputs } = INPUTS[workload];
  const json = path.join(os.tmpdir(), `trust-${process.pid}-${workload}.json`);
  const result = spawnSync(process.execPath, [CLI, FIXTURE, '--fn', fn, '--inputs', inputs, '--workers', String(WORKERS), '--json', json], { encoding: 'utf8', cwd: ROOT });
  const line = result.stdout.split('\n').find((text) => text.startsWith('serial ')) ?? '';
  const match = / · speedup ([\d.]+)×/.exec(line);
  if (!match) throw new Error(`no speedup printed for ${workload}: ${result.stdout.slice(-2000)} ${result.stderr}`);
  const report = JSON.parse(readFileSync(json, 'utf8')) as { summary: { account?: { largestLoss?: { key: string } } } };
  return { speedup: Number(match[1]), line, largestLoss: report.summary.account?.largestLoss?.key };
}

async function main(): Promise<SectionResult> {
  const rows: string[][] = [];
  const targets: TargetCheck[] = [];
  const notes: string[] = [];
  const raw: Record<string, unknown> = {};
  for (const workload of ['compute', 'locked'] as const) {
    // Outside: separate processes, 1 worker and N workers interleaved, so drift hits both alike.
    const one: number[] = [];
    const many: number[] = [];
    for (let rep = 0; rep < REPETITIONS; rep++) {
      one.push(outsideWall(workload, 1));
      many.push(outsideWall(workload, WORKERS));
    }
    const outside = summarize(one).median / summarize(many).median;
    const printed = Array.from({ length: CLI_RUNS }, () => printedSpeedup(workload));
    const printedMedian = summarize(printed.map((run) => run.speedup)).median;
    const difference = printedMedian / outside - 1;
    log(`trust ${workload}: printed ${printed.map((run) => run.speedup).join(', ')}, outside ${fmt(outside, 3)}`);
    raw[workload] = { one, many, printed };
    rows.push([
      workload === 'compute' ? 'pure CPU (fixed work)' : 'contended (shared spin lock)',
      printed.map((run) => `${run.speedup.toFixed(2)}×`).join(', '),
      `${printedMedian.toFixed(2)}×`,
      `${outside.toFixed(2)}× (${fmt(summarize(one).median, 0)} / ${fmt(summarize(many).median, 0)} ms)`,
      `${(difference * 100).toFixed(1)} %`,
      printed.map((run) => run.largestLoss ?? '—').join(', '),
    ]);
    targets.push({
      what: `printed speedup against outside, ${workload === 'compute' ? 'pure CPU' : 'contended'}`,
      anchor: `outside ${outside.toFixed(2)}×`,
      target: `within ${TARGET * 100} %`,
      measured: `${printedMedian.toFixed(2)}× (${(difference * 100).toFixed(1)} %)`,
      met: Math.abs(difference) <= TARGET,
    });
  }
  notes.push(
    `The CLI ran with its defaults (pairs repeated until a ±5 % interval or the 10 s budget) on ${WORKERS} worker threads, ${CLI_RUNS} times per workload; the outside ratio is median(1-worker wall) ÷ median(${WORKERS}-worker wall) over ${REPETITIONS} interleaved pairs of processes, each timing its tasks on raw worker_threads after its threads answered a first message.`,
  );
  return {
    id: 'trust',
    title: 'Trust: the printed speedup against an outside measurement',
    method: [
      `${TRUST_TASKS} tasks of each workload from test/fixtures/engine/contention.ts: compute (${COMPUTE_STEPS.toLocaleString('en')} square roots, no lock) and lockedWork (${LOCK_ROUNDS} rounds of ${LOCK_STEPS.toLocaleString('en')} steps under a spin lock all tasks share).`,
    ],
    tables: [{ caption: 'Printed speedup (CLI, 3 runs) against the outside ratio', columns: ['workload', 'printed', 'median printed', 'outside (1 ÷ N workers)', 'difference', 'largest loss named'], rows }],
    targets,
    notes,
    raw,
  };
}

runComparison(main);
