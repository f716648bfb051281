// `npm run bench`: builds each comparison, runs it as a plain Node child, and writes test/bench/RESULTS.md.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { busynessBetween, describeBusyness, snapshot, type Busyness } from './machine';
import type { ResultTable, SectionResult, TargetCheck } from './results';

const ROOT = path.resolve(__dirname, '../..');
const OUT_DIR = path.join(ROOT, 'out/bench');
const COMPARISONS = ['dispatch', 'cpuBound', 'sleep', 'coldStart', 'panel', 'trust', 'python'] as const;
type ComparisonId = (typeof COMPARISONS)[number];
/** A comparison that takes longer than this is stopped and reported as failed, so the bench always ends. */
const COMPARISON_TIMEOUT_MS = 4 * 60_000;

interface SectionOutcome {
  id: ComparisonId;
  result?: SectionResult;
  error?: string;
  busyness: Busyness;
}

async function bundleComparisons(ids: readonly ComparisonId[]): Promise<void> {
  const esbuild = await import('esbuild');
  const engineFile = path.join(ROOT, 'src/core/engine.ts');
  const engineMissing: import('esbuild').Plugin = {
    name: 'engine-missing',
    setup(build) {
      // Until src/core/engine.ts exists the peers can still be measured; engine rows then say why they are empty.
      build.onResolve({ filter: /core\/engine$/ }, () => (fs.existsSync(engineFile) ? undefined : { path: 'engine', namespace: 'missing' }));
      build.onLoad({ filter: /.*/, namespace: 'missing' }, () => ({
        contents: "export class Engine { constructor() { throw new Error('src/core/engine.ts does not exist yet'); } }",
        loader: 'ts',
      }));
    },
  };
  await esbuild.build({
    entryPoints: Object.fromEntries([...ids, ...(ids.includes('coldStart') ? ['coldStartProbe'] : []), ...(ids.includes('dispatch') ? ['workerPiece'] : []), ...(ids.includes('trust') ? ['trustProbe'] : [])].map((id) => [id, path.join(ROOT, 'test/bench', `${id}.ts`)])),
    outdir: OUT_DIR,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'linked',
    external: ['piscina', 'tinypool', 'workerpool', 'esbuild', '@babel/parser', 'playwright-core'],
    plugins: [engineMissing],
    logLevel: 'warning',
  });
}

function runComparison(id: ComparisonId): Promise<{ result?: SectionResult; error?: string }> {
  const outFile = path.join(OUT_DIR, `${id}.json`);
  fs.rmSync(outFile, { force: true });
  console.log(`\n== ${id}`);
  return new Promise((resolve) => {
    // Plain node: a tsx loader inherited by worker threads and forked children would distort every start-up time.
    const child = spawn(process.execPath, ['--enable-source-maps', path.join(OUT_DIR, `${id}.js`), outFile], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), COMPARISON_TIMEOUT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      let parsed: (SectionResult & { error?: string }) | undefined;
      try {
        parsed = JSON.parse(fs.readFileSync(outFile, 'utf8'));
      } catch {
        parsed = undefined;
      }
      if (parsed && !parsed.error && code === 0) resolve({ result: parsed });
      else resolve({ error: parsed?.error?.split('\n')[0] ?? `exited with ${signal ?? `code ${code}`}${signal === 'SIGKILL' ? ' (timed out)' : ''}` });
    });
  });
}

function table(t: ResultTable): string {
  const esc = (cell: string) => cell.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    `| ${t.columns.map(esc).join(' | ')} |`,
    `|${t.columns.map(() => '---').join('|')}|`,
    ...t.rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** The issue's targets table, in its order; a comparison that failed still leaves its rows, marked not measured. */
const ISSUE_ROWS: { id: ComparisonId; what: string; target: string }[] = [
  { id: 'dispatch', what: 'µs per tiny task', target: '≤ 1.3 × raw piscina with full per-task records; ≤ 5 µs per task chunked' },
  { id: 'cpuBound', what: 'CPU-bound efficiency, warm', target: '≥ 95 %' },
  { id: 'cpuBound', what: 'CPU-bound efficiency, pool start included, ~1 s batch', target: '≥ 92 %' },
  { id: 'sleep', what: 'sleep workload overhead', target: 'warm ≤ 5 ms; cold ≤ 60 ms pre-warmed, ≤ 150 ms from the CLI' },
  { id: 'coldStart', what: 'run → first task', target: '≤ 150 ms cold, ≤ 10 ms warm' },
  { id: 'panel', what: 'panel', target: '10,000 tasks drawn in ≤ 500 ms; 1,000 live updates without a frame over 50 ms' },
  { id: 'trust', what: 'printed speedup against outside', target: 'within 3 % (median of 3 CLI runs)' },
];

function verdict(met: boolean | undefined): string {
  return met === undefined ? 'not measured' : met ? 'met' : '**missed**';
}

function targetsTable(sections: SectionOutcome[]): ResultTable {
  const rows: string[][] = [];
  const seen = new Set<string>();
  for (const row of ISSUE_ROWS) {
    const section = sections.find((s) => s.id === row.id);
    const checks: TargetCheck[] = (section?.result?.targets ?? []).filter((t) => t.what.startsWith(row.what) && !seen.has(t.what));
    if (checks.length === 0) {
      rows.push([row.what, 'n/a', row.target, section?.error ? `comparison failed: ${section.error}` : 'not run', verdict(undefined)]);
      continue;
    }
    for (const t of checks) {
      seen.add(t.what);
      rows.push([t.what, t.anchor, t.target, t.measured, verdict(t.met)]);
    }
  }
  return { caption: 'Targets', columns: ['what', 'best anchor measured here', 'target', 'measured (engine)', 'target'], rows };
}

function versions(): string[] {
  const pkg = (name: string) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version as string;
    } catch {
      return 'missing';
    }
  };
  const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  const chromium = spawnSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' });
  return [
    `Node ${process.version}`,
    `piscina ${pkg('piscina')}, tinypool ${pkg('tinypool')}, workerpool ${pkg('workerpool')}, esbuild ${pkg('esbuild')}`,
    python.error ? 'python3: NOT FOUND (Python anchors not measured)' : (python.stdout || python.stderr).trim(),
    chromium.error ? 'chromium: NOT FOUND (panel not measured)' : chromium.stdout.trim().split('\n').pop() ?? 'chromium',
  ];
}

function renderMarkdown(sections: SectionOutcome[], whole: Busyness, totalSec: number, quiet: string, runAt: string): string {
  const cpu = os.cpus();
  const lines = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\` (test/bench/run.ts) on ${runAt}; the whole bench took ${totalSec.toFixed(0)} s. Do not edit by hand: run it again.`,
    '',
    `Machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.platform()} ${os.release()}. ${versions().join('; ')}.`,
    '',
    `Busyness over the whole run: ${describeBusyness(whole)}. Before starting, the bench ${quiet}.`,
    '',
    'Every number is the median over the repetitions with the range (min–max) in parentheses. Variants of one comparison run interleaved in one process, after a warm-up round.',
    '',
    '## Targets',
    '',
    table(targetsTable(sections)),
    '',
  ];
  // Hand-written from profiles and the piece measurements below; kept in its own file so a new run keeps it.
  const analysis = path.join(ROOT, 'test/bench/ANALYSIS.md');
  if (fs.existsSync(analysis)) lines.push(fs.readFileSync(analysis, 'utf8').trim(), '');
  for (const s of sections) {
    const r = s.result;
    lines.push(`## ${r?.title ?? s.id}`, '');
    if (!r) {
      lines.push(`The comparison failed: ${s.error}.`, '', `Busyness: ${describeBusyness(s.busyness)}.`, '');
      continue;
    }
    for (const m of r.method) lines.push(`- ${m}`);
    lines.push('');
    for (const t of r.tables) lines.push(`${t.caption}:`, '', table(t), '');
    for (const n of r.notes) lines.push(`- ${n}`);
    if (r.notes.length) lines.push('');
    lines.push(`Busyness during this comparison: ${describeBusyness(s.busyness)}.`, '');
  }
  return lines.join('\n');
}

/**
 * Other helpers' test runs share this machine: wait (a bounded time) for a quiet moment, so the numbers describe the
 * engine rather than the neighbours. How busy it still was is reported either way.
 */
async function waitForQuiet(maxWaitSec: number): Promise<string> {
  const started = performance.now();
  for (;;) {
    const before = snapshot();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const others = busynessBetween(before, snapshot()).otherCores;
    const waited = (performance.now() - started) / 1000;
    if (others < 0.3) return `waited ${waited.toFixed(0)} s for other processes to use under 0.3 cores (they used ${others.toFixed(2)})`;
    if (waited >= maxWaitSec) return `waited ${waited.toFixed(0)} s for a quiet machine and started anyway: other processes still used ${others.toFixed(2)} cores`;
    console.log(`other processes use ${others.toFixed(2)} cores; waiting for a quieter moment (${waited.toFixed(0)} of ${maxWaitSec} s)`);
  }
}

async function main(): Promise<void> {
  const requested = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = requested.filter((a) => !(COMPARISONS as readonly string[]).includes(a));
  if (unknown.length) {
    console.error(`unknown comparison ${unknown.join(', ')}; choose from ${COMPARISONS.join(', ')}`);
    process.exit(2);
  }
  if (process.argv.includes('--render-only')) {
    // Re-renders RESULTS.md from the last full run's numbers (after ANALYSIS.md changed), without measuring again.
    const saved = JSON.parse(fs.readFileSync(path.join(OUT_DIR, 'results.json'), 'utf8')) as { sections: SectionOutcome[]; whole: Busyness; totalSec: number; quiet: string; full: boolean; runAt: string };
    if (!saved.full) throw new Error('out/bench/results.json is from a partial run; run the whole bench first');
    fs.writeFileSync(path.join(ROOT, 'test/bench/RESULTS.md'), renderMarkdown(saved.sections, saved.whole, saved.totalSec, saved.quiet, saved.runAt));
    console.log('re-rendered test/bench/RESULTS.md');
    return;
  }
  const ids = requested.length ? (requested as ComparisonId[]) : [...COMPARISONS];
  if (!fs.existsSync(path.join(ROOT, 'dist/taskWorker.js'))) console.warn('dist/taskWorker.js is missing: run `npm run build` first (npm run bench does).');
  const quiet = await waitForQuiet(Number(process.env.BENCH_QUIET_WAIT_S ?? 60));
  console.log(quiet);
  const started = performance.now();
  const first = snapshot();
  fs.mkdirSync(OUT_DIR, { recursive: true });
  await bundleComparisons(ids);
  const sections: SectionOutcome[] = [];
  for (const id of ids) {
    const before = snapshot();
    const outcome = await runComparison(id);
    const busyness = busynessBetween(before, snapshot());
    sections.push({ id, ...outcome, busyness });
    if (outcome.error) console.error(`${id} failed: ${outcome.error}`);
  }
  const whole = busynessBetween(first, snapshot());
  const totalSec = (performance.now() - started) / 1000;
  const runAt = new Date().toISOString();
  const markdown = renderMarkdown(sections, whole, totalSec, quiet, runAt);
  // A partial run (`npm run bench -- panel`) must not overwrite the full results.
  const target = requested.length ? path.join(OUT_DIR, 'RESULTS.md') : path.join(ROOT, 'test/bench/RESULTS.md');
  fs.writeFileSync(target, markdown);
  fs.writeFileSync(path.join(OUT_DIR, 'results.json'), JSON.stringify({ sections, whole, totalSec, quiet, full: requested.length === 0, runAt }, null, 1));
  console.log(`\n${table(targetsTable(sections))}\n\nwrote ${path.relative(ROOT, target)} in ${totalSec.toFixed(0)} s`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
