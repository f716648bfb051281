// Comparison 4, cold start: "run" → first task start for a ~200-line TS file with an import, each cold run in a fresh process.
import * as path from 'node:path';
import { log, REPETITIONS, runComparison, WARMUP_ROUNDS } from './child';
import type { ProbeResult } from './coldStartProbe';
import { runProbe } from './probeProcess';
import type { SectionResult, TargetCheck } from './results';
import { fmt, fmtSample, rotation, summarize, type Sample } from './stats';

const MODES = ['engine-threads', 'engine-processes', 'engine-threads-prewarmed', 'anchor'] as const;
type Mode = (typeof MODES)[number];
const LABELS: Record<Mode, string> = {
  'engine-threads': 'engine, threads, 2 workers',
  'engine-processes': 'engine, processes, 2 workers',
  'engine-threads-prewarmed': 'engine, threads, after prewarm() (the extension while the user types)',
  anchor: 'anchor: import esbuild + bundle + import piscina + new Piscina, first task',
};

function probe(mode: Mode): Promise<ProbeResult> {
  return runProbe(path.join(__dirname, 'coldStartProbe.js'), mode);
}

async function main(): Promise<SectionResult> {
  const notes: string[] = [];
  let modes: Mode[] = [...MODES];
  try {
    await probe('engine-threads');
  } catch (error) {
    notes.push(`Engine not measured: ${(error as Error).message}`);
    modes = ['anchor'];
  }
  const results = new Map<Mode, ProbeResult[]>(modes.map((m) => [m, []]));
  for (let round = 0; round < WARMUP_ROUNDS + REPETITIONS; round++) {
    const warm = round < WARMUP_ROUNDS;
    for (const mode of rotation(modes, round)) {
      const r = await probe(mode);
      if (!warm) results.get(mode)?.push(r);
    }
    log(`coldStart ${warm ? 'warm-up' : `repetition ${round - WARMUP_ROUNDS + 1}/${REPETITIONS}`} done`);
  }

  const cold = (mode: Mode): Sample => summarize((results.get(mode) ?? []).map((r) => r.firstTaskMs));
  const warmRun = (mode: Mode): Sample => summarize((results.get(mode) ?? []).map((r) => r.warmFirstTaskMs[r.warmFirstTaskMs.length - 1]));
  const rows = modes.map((m) => [LABELS[m], fmtSample(cold(m), 1), fmtSample(warmRun(m), 2)]);
  const pieceRows: string[][] = [];
  for (const m of modes) {
    const names = [...new Set((results.get(m) ?? []).flatMap((r) => Object.keys(r.pieces)))];
    const cells = names
      .map((name) => ({ name, s: summarize((results.get(m) ?? []).map((r) => r.pieces[name]).filter((v) => v !== undefined)) }))
      .sort((a, b) => a.s.median - b.s.median)
      .map(({ name, s }) => `${name} ${fmt(s.median, 1)}`);
    pieceRows.push([LABELS[m], cells.join(' → ')]);
  }

  const targets: TargetCheck[] = [];
  const anchor = `raw esbuild bundle + piscina pool ${fmt(cold('anchor').median, 0)} ms cold, ${fmt(warmRun('anchor').median, 2)} ms warm`;
  if (modes.includes('engine-threads')) {
    targets.push({
      what: 'run → first task, cold',
      anchor,
      target: '≤ 150 ms',
      measured: `threads ${fmt(cold('engine-threads').median, 0)} ms, processes ${fmt(cold('engine-processes').median, 0)} ms; after prewarm ${fmt(cold('engine-threads-prewarmed').median, 1)} ms`,
      met: cold('engine-threads').median <= 150,
    });
    targets.push({
      what: 'run → first task, warm (bundle cached, pool warm)',
      anchor,
      target: '≤ 10 ms',
      measured: `threads ${fmt(warmRun('engine-threads').median, 2)} ms, processes ${fmt(warmRun('engine-processes').median, 2)} ms`,
      met: warmRun('engine-threads').median <= 10,
    });
  } else {
    targets.push({ what: 'run → first task', anchor, target: '≤ 150 ms cold, ≤ 10 ms warm', measured: 'engine not available', met: undefined });
  }

  return {
    id: 'coldStart',
    title: '4. Cold start: "run" → first task start, ~200-line TS file with an import',
    method: [
      'Every cold run is a fresh `node` process with the engine code loaded but nothing lazy (esbuild, piscina) yet, and an empty bundle cache, as in an extension host that has not run anything.',
      "The clock starts just before `engine.run()` and stops at the first task's own start time (process.hrtime, shared by all threads and processes).",
      'Warm = the fourth run on the same engine in the same process: bundle cached, pool warm.',
    ],
    tables: [
      { caption: 'run → first task start (ms)', columns: ['variant', 'cold', 'warm'], rows },
      { caption: 'where the cold time goes: medians of ms after "run" at which each milestone was first seen', columns: ['variant', 'milestones'], rows: pieceRows },
    ],
    targets,
    notes,
    raw: Object.fromEntries(results),
  };
}

runComparison(main);
