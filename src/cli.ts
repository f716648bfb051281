// The command-line face: run a function from a file over inputs on a worker pool and print lanes, results and speedup.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { inspect, parseArgs } from 'node:util';
import { version as toolVersion } from '../package.json';
import { UserError, type RunOutcome, type RunRequest } from './core/api';
import { Engine } from './core/engine';
import { compareReports, comparisonText, slowdownGate, type GateResult } from './core/compare';
import { loadPanelAssets, parseReportJson, toChromeTrace, toCsv, toHtml, toJson } from './core/export';
import { withMachineInfo } from './core/machineInfo';
import {
  accountLines,
  formatDuration,
  formatSpeedup,
  formatTable,
  lastPhaseRun,
  oneLine,
  phaseRunTasks,
  phaseTasks,
  summaryLine,
  taskLogLines,
  taskTable,
} from './core/format';
import type { RunEvent } from './shared/events';
import type { BackendKind, RunOptions, RunPhase, RunReport } from './shared/report';

const USAGE = `Usage:
  parallel-runner FILE --fn NAME --inputs JSON_OR_EXPR [options]
  parallel-runner demo

Runs NAME from FILE once per argument list in the inputs, serially and on a pool of workers,
then prints one line per task (PID, thread ID, start, end, duration), the captured console
lines, the results in input order and the speedup.

Arguments:
  FILE                     a .ts/.js file (TypeScript runs as is)
  -f, --fn NAME            function, class with run() (new C(...args).run()), Class.staticMethod or default
  -i, --inputs INPUTS      a JSON array of argument lists, e.g. '[[1, 2], [3, 4]]', a JS expression
                           that builds one, e.g. 'Array.from({ length: 5 }, (_, i) => [i, i + 1])',
                           or @FILE to read either from a file

Options:
  -w, --workers N          pool size (default: the number of CPU cores)
  -b, --backend KIND       threads (worker threads, one PID) or processes (child processes, one PID each)
      --runs N             run exactly N serial/parallel pairs (default: repeat pairs until the
                           speedup's 95 % interval is within ±5 % or the budget is spent)
      --budget SECONDS     time for repeating pairs (default 10); a pair longer than a third of it runs once
      --warmup N           unrecorded runs first, to warm up the JIT and the pool (default 0)
      --no-serial          skip the serial run (no speedup then)
      --timeout SECONDS    fail a task that runs longer (default: no limit)
      --sweep 1,2,4        run the parallel phase with each of these worker counts and fit Amdahl's law
      --json FILE          save the whole report as JSON
      --csv FILE           save one row per task as CSV
      --trace FILE         save a Chrome trace (open in ui.perfetto.dev or chrome://tracing)
      --html FILE          save the panel (timeline, lanes, task table) as one offline HTML page
      --baseline FILE      compare with a saved report (--json or --save-baseline output): each figure
                           with its change and whether it is significant (Welch's t-test over the pairs)
      --fail-if-slower PCT with --baseline: exit 3 when the parallel wall or the speedup is worse by more
                           than PCT percent and the change is significant (use --runs 5 or more)
      --save-baseline FILE save this run's report as the baseline for a later --baseline
  -h, --help               show this help
  -v, --version            show the version

Exit status: 0 when every task succeeded, 1 on an error or a failed task, 2 on bad usage,
3 when --fail-if-slower found the run significantly slower than the baseline, 130 when interrupted.`;

/** Exit status of a run that --fail-if-slower found significantly slower than its baseline. */
export const EXIT_SLOWER_THAN_BASELINE = 3;

/** Bad command-line usage: exit code 2 and a pointer to --help. */
class UsageError extends Error {}

/** Where the demo and its sample live relative to this bundle (dist/cli.js -> media/sample). */
const MEDIA_DIR = path.join(__dirname, '..', 'media');
const SAMPLE_FILE = path.join(MEDIA_DIR, 'sample', 'seed-workloads.ts');

interface CliOptions {
  request: RunRequest;
  exports: { json?: string; csv?: string; trace?: string; html?: string };
  /** --baseline: the saved report, read and checked before the run so a bad file fails at once. */
  baseline?: { file: string; report: RunReport };
  failIfSlowerPct?: number;
  saveBaseline?: string;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv);
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`parallel-runner ${toolVersion}\n`);
    return 0;
  }
  if (positionals[0] === 'demo') {
    if (positionals.length > 1) throw new UsageError('demo takes no further arguments');
    return runDemo();
  }
  const options = await cliOptions(values, positionals);
  const engine = new Engine({ distDir: __dirname });
  try {
    // Workers boot while Babel and esbuild load and bundle, as in the editor while the user types the inputs; the run then
    // finds the bundle and the pools warm. (A run alone starts workers only once the target is found and the inputs parse.)
    await engine.prewarm(options.request);
    const outcome = await runWithProgress(engine, options.request);
    await withMachineInfo(outcome.report);
    printOutcome(outcome);
    const gate = compareWithBaseline(outcome.report, options);
    await writeExports(outcome.report, options.exports);
    if (options.saveBaseline) await saveBaseline(outcome.report, options.saveBaseline);
    const code = exitCodeFor(outcome.report);
    return code === 0 && gate?.failed ? EXIT_SLOWER_THAN_BASELINE : code;
  } finally {
    // Child processes are killed at once; worker threads end with this process, so their teardown (~30 ms for five) is not awaited.
    void engine.dispose().catch(() => undefined);
  }
}

function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        fn: { type: 'string', short: 'f' },
        inputs: { type: 'string', short: 'i' },
        workers: { type: 'string', short: 'w' },
        backend: { type: 'string', short: 'b' },
        runs: { type: 'string' },
        budget: { type: 'string' },
        warmup: { type: 'string' },
        'no-serial': { type: 'boolean' },
        timeout: { type: 'string' },
        sweep: { type: 'string' },
        json: { type: 'string' },
        csv: { type: 'string' },
        trace: { type: 'string' },
        html: { type: 'string' },
        baseline: { type: 'string' },
        'fail-if-slower': { type: 'string' },
        'save-baseline': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    // parseArgs explains unknown options and missing values well; only its error class is wrong for us.
    throw new UsageError((error as Error).message);
  }
}

type ParsedValues = ReturnType<typeof parseCommandLine>['values'];

async function cliOptions(values: ParsedValues, positionals: string[]): Promise<CliOptions> {
  if (positionals.length === 0) throw new UsageError('missing FILE');
  if (positionals.length > 1) throw new UsageError(`expected one FILE, got ${positionals.length}: ${positionals.join(' ')}`);
  if (!values.fn) throw new UsageError('missing --fn NAME (the function, class or Class.method to run)');
  if (values.inputs === undefined) throw new UsageError("missing --inputs (for example --inputs '[[1], [2], [3]]')");
  const file = path.resolve(positionals[0]);
  try {
    await fs.access(file);
  } catch {
    throw new UserError(`cannot read ${positionals[0]}: no such file`);
  }
  // A plain run repeats pairs until the speedup's interval is tight (or the budget is spent); --runs asks for a number.
  const options: Partial<RunOptions> = { repeats: 0 };
  if (values.workers !== undefined) options.workers = integerOption('--workers', values.workers, 1);
  if (values.backend !== undefined) {
    if (values.backend !== 'threads' && values.backend !== 'processes') {
      throw new UsageError(`--backend must be threads or processes, not "${values.backend}"`);
    }
    options.backend = values.backend satisfies BackendKind;
  }
  if (values.runs !== undefined) options.repeats = integerOption('--runs', values.runs, 1);
  if (values.budget !== undefined) {
    const seconds = Number(values.budget);
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) throw new UsageError(`--budget must be a number of seconds above 0 and at most 3600, not "${values.budget}"`);
    options.measureSeconds = seconds;
  }
  if (values.warmup !== undefined) options.warmupRuns = integerOption('--warmup', values.warmup, 0);
  if (values['no-serial']) options.compareWithSerial = false;
  if (values.timeout !== undefined) {
    const seconds = Number(values.timeout);
    if (!Number.isFinite(seconds) || seconds < 0) throw new UsageError(`--timeout must be a number of seconds ≥ 0, not "${values.timeout}"`);
    options.taskTimeoutSeconds = seconds;
  }
  const request: RunRequest = { file, target: { name: values.fn }, inputs: await inputsText(values.inputs), options };
  if (values.sweep !== undefined) {
    request.sweepWorkers = values.sweep.split(',').map((part) => integerOption('--sweep', part.trim(), 1));
  }
  const result: CliOptions = { request, exports: { json: values.json, csv: values.csv, trace: values.trace, html: values.html } };
  if (values['fail-if-slower'] !== undefined) {
    if (values.baseline === undefined) throw new UsageError('--fail-if-slower needs --baseline FILE (the report to compare with)');
    const pct = Number(values['fail-if-slower'].replace(/%$/, ''));
    if (!Number.isFinite(pct) || pct < 0) throw new UsageError(`--fail-if-slower must be a percentage ≥ 0, such as 10, not "${values['fail-if-slower']}"`);
    result.failIfSlowerPct = pct;
  }
  if (values.baseline !== undefined) result.baseline = { file: values.baseline, report: await readBaseline(values.baseline) };
  if (values['save-baseline'] !== undefined) result.saveBaseline = values['save-baseline'];
  return result;
}

async function readBaseline(file: string): Promise<RunReport> {
  let text: string;
  try {
    text = await fs.readFile(path.resolve(file), 'utf8');
  } catch (error) {
    throw new UserError(`cannot read the baseline ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return parseReportJson(text);
  } catch (error) {
    throw new UserError(`the baseline ${file} is not a report: ${(error as Error).message} (save one with --save-baseline FILE or --json FILE)`);
  }
}

/** Prints the comparison, attaches it to the report for the exports, and applies --fail-if-slower. */
function compareWithBaseline(report: RunReport, options: CliOptions): GateResult | undefined {
  if (!options.baseline) return undefined;
  const comparison = compareReports(options.baseline.report, report);
  report.comparison = comparison;
  const out = ['', ...comparisonText(comparison, `baseline ${options.baseline.file}`)];
  let gate: GateResult | undefined;
  if (options.failIfSlowerPct !== undefined) {
    gate = slowdownGate(comparison, options.failIfSlowerPct);
    for (const note of gate.notes) out.push(`note: ${note}`);
    if (gate.failed) out.push(...gate.reasons.map((reason) => `SLOWER: ${reason}`), `Exit status ${EXIT_SLOWER_THAN_BASELINE}: slower than the baseline by more than ${options.failIfSlowerPct} %.`);
    else out.push(`Not slower than the baseline by more than ${options.failIfSlowerPct} % with significance.`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return gate;
}

async function saveBaseline(report: RunReport, file: string): Promise<void> {
  // A baseline is the run alone: the comparison it was part of belongs to this run, not to the next one's baseline.
  const { comparison: _comparison, ...alone } = report;
  try {
    await fs.writeFile(path.resolve(file), toJson(alone));
  } catch (error) {
    throw new UserError(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  process.stdout.write(`Saved the baseline: ${file}\n`);
}

function integerOption(name: string, text: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new UsageError(`${name} must be a whole number ≥ ${min}, not "${text}"`);
  return value;
}

/** `@file` reads the inputs from a file; anything else is the inputs text itself (JSON or a JS expression). */
async function inputsText(value: string): Promise<string> {
  if (!value.startsWith('@')) return value;
  try {
    return await fs.readFile(path.resolve(value.slice(1)), 'utf8');
  } catch {
    throw new UserError(`cannot read the inputs file ${value.slice(1)}`);
  }
}

/**
 * Runs with Ctrl+C wired to cancellation (a second Ctrl+C quits at once) and, on a terminal, a progress line
 * once the run has taken longer than a second.
 */
async function runWithProgress(engine: Engine, request: RunRequest): Promise<RunOutcome> {
  const controller = new AbortController();
  let interrupts = 0;
  const onInterrupt = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write('\nparallel-runner: cancelling (Ctrl+C again to quit at once)…\n');
    controller.abort();
  };
  process.on('SIGINT', onInterrupt);
  const progress = new ProgressLine();
  try {
    return await engine.run(request, { signal: controller.signal, onEvent: (event) => progress.update(event) });
  } finally {
    progress.clear();
    process.off('SIGINT', onInterrupt);
  }
}

/** One self-rewriting stderr line (`parallel run · 3/5 tasks · 1.2 s`), only on a terminal and only after a second. */
class ProgressLine {
  private readonly startedAt = Date.now();
  private readonly timer: NodeJS.Timeout | undefined;
  private label = 'preparing (bundling, starting workers)';
  private done = 0;
  private total = 0;
  private shown = false;

  constructor() {
    // Redrawn on a timer too, so the clock moves while a long task runs.
    if (process.stderr.isTTY) this.timer = setInterval(() => this.draw(), 200).unref();
  }

  update(event: RunEvent): void {
    if (event.type === 'phase-started') {
      this.label = `${event.warmup ? 'warm-up ' : ''}${event.phase} run${event.repeat > 0 ? ` ${event.repeat + 1}` : ''}${event.phase === 'parallel' ? ` · ${event.workers} workers` : ''}`;
      this.done = 0;
      this.total = event.totalTasks;
    } else if (event.type === 'task-finished') {
      this.done++;
    }
  }

  private draw(): void {
    const elapsed = Date.now() - this.startedAt;
    if (elapsed < 1000) return;
    this.shown = true;
    const tasks = this.total > 0 ? ` · ${this.done}/${this.total} tasks` : '';
    process.stderr.write(`\r\x1b[2K${this.label}${tasks} · ${formatDuration(elapsed)}`);
  }

  clear(): void {
    clearInterval(this.timer);
    if (this.shown) process.stderr.write('\r\x1b[2K');
  }
}

function printOutcome({ report, results }: RunOutcome, heading?: string): void {
  const out: string[] = [];
  const target = report.target;
  const where = `${path.relative(process.cwd(), target.file) || target.file}:${target.line}`;
  const workers = workersLabel(report.options.workers, report.options.backend);
  out.push(heading ?? `${target.name} · ${where} · ${plural(report.summary.tasks, 'task')} · ${workers} · host PID ${report.host.pid}`);
  for (const phase of ['serial', 'parallel'] as RunPhase[]) {
    const run = lastPhaseRun(report, phase);
    const tasks = run ? phaseRunTasks(report, run) : phaseTasks(report, phase, 0);
    if (!run && tasks.length === 0) continue;
    const repeats = report.phases.filter((p) => p.phase === phase && p.workers === run?.workers).length;
    const title =
      phase === 'serial'
        ? 'Serial run (one after another on one worker)'
        : `Parallel run (${workersLabel(run?.workers ?? report.options.workers, report.options.backend)})`;
    out.push('', `${title}${repeats > 1 ? ` · repeat ${(run?.repeat ?? 0) + 1} of ${repeats}` : ''}${run ? ` · ${formatDuration(run.wallMs)}` : ''}`);
    out.push(...taskTable(report, phase, run).map((line) => `  ${line}`));
    const logs = taskLogLines(tasks);
    if (logs.length > 0) out.push('', '  Console output:', ...logs.map((line) => `  ${line}`));
  }
  const shownParallel = lastPhaseRun(report, 'parallel');
  const lastParallel = shownParallel ? phaseRunTasks(report, shownParallel) : phaseTasks(report, 'parallel', 0);
  const failed = lastParallel.filter((task) => task.error && task.status !== 'cancelled');
  if (failed.length > 0) {
    out.push('', 'Failed tasks:');
    for (const task of failed) {
      const at = task.error?.location ? ` (${task.error.location.file}:${task.error.location.line}:${task.error.location.column})` : '';
      out.push(`  task ${task.index} (${oneLine(task.argsPreview, 40)}): ${task.status} · ${task.error?.name}: ${oneLine(task.error?.message ?? '', 200)}${at}`);
    }
  }
  if (report.status === 'cancelled' && !lastParallel.some((task) => task.status === 'ok')) {
    out.push('', 'Cancelled before any parallel task finished.');
  } else if (results.length > 0) {
    // A failed or cancelled task leaves a hole in the results; show what happened there instead of `<1 empty item>`.
    const byIndex = new Map(lastParallel.map((task) => [task.index, task]));
    const shown = Array.from(results, (value, index) => {
      const task = byIndex.get(index);
      if (!task) return new FailedResult('not run');
      return task.status === 'ok' ? value : new FailedResult(task.status, task.error?.name);
    });
    out.push('', 'Results (in input order, as starmap returns them):');
    out.push(inspect(shown, { depth: 4, maxArrayLength: 100, breakLength: 100, colors: process.stdout.isTTY === true }));
  }
  if (report.sweep) {
    out.push('', 'Worker sweep:');
    const rows = report.sweep.points.map((point) => [String(point.workers), formatDuration(point.parallelMs), formatSpeedup(point.speedup)]);
    out.push(...formatTable(['workers', 'parallel', 'speedup'], rows, [true, true, true]).map((line) => `  ${line}`));
    const fraction = report.sweep.amdahlSerialFraction;
    const ceiling = fraction > 0 ? `, so no more than ${formatSpeedup(1 / fraction)} on any number of workers` : '';
    out.push(`  Amdahl's law fit: ${(fraction * 100).toFixed(1)}% of the work is serial${ceiling}`);
  }
  const account = report.summary.account;
  if (account) out.push('', ...accountLines(account, report.phases.filter((run) => run.phase === 'parallel' && run.workers === report.summary.workers).length));
  for (const note of report.measurement?.notes ?? []) out.push(`note: ${note}`);
  for (const warning of report.warnings) out.push(`note: ${warning.message}`);
  out.push('', summaryLine(report));
  process.stdout.write(`${out.join('\n')}\n`);
}

/** Stands in for a failed task's result in the printed list: `<error: RangeError>`, `<timeout>`. */
class FailedResult {
  constructor(
    private readonly status: string,
    private readonly errorName?: string,
  ) {}

  [inspect.custom](): string {
    return this.status === 'error' && this.errorName ? `<error: ${this.errorName}>` : `<${this.status}>`;
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** `5 worker threads`, `1 child process`. */
function workersLabel(workers: number, backend: BackendKind): string {
  return backend === 'processes' ? `${workers} child process${workers === 1 ? '' : 'es'}` : plural(workers, 'worker thread');
}

async function writeExports(report: RunReport, exports: CliOptions['exports']): Promise<void> {
  const writes: [string | undefined, () => string | Promise<string>, string][] = [
    [exports.json, () => toJson(report), 'JSON report'],
    [exports.csv, () => toCsv(report), 'CSV'],
    [exports.trace, () => JSON.stringify(toChromeTrace(report)), 'Chrome trace (open in ui.perfetto.dev)'],
    [exports.html, async () => toHtml(report, await loadPanelAssets(__dirname, MEDIA_DIR)), 'HTML report'],
  ];
  for (const [file, render, what] of writes) {
    if (!file) continue;
    const text = await render();
    try {
      await fs.writeFile(path.resolve(file), text);
    } catch (error) {
      throw new UserError(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    process.stdout.write(`Saved ${what}: ${file}\n`);
  }
}

function exitCodeFor(report: RunReport): number {
  if (report.status === 'cancelled') return 130;
  if (report.status === 'failed' || report.summary.failedTasks > 0) return 1;
  return 0;
}

/**
 * The tutorial's starmap example on both backends: `Pool(5).starmap(do_something, [(i, i + 1) for i in range(5)])`,
 * with tenths of a second for seconds. Threads show one PID and five thread IDs; processes show five PIDs.
 */
async function runDemo(): Promise<number> {
  const inputs = 'Array.from({ length: 5 }, (_, i) => [i, i + 1])';
  process.stdout.write(
    [
      'Parallel Runner demo: the multiprocessing tutorial\'s starmap example, in TypeScript.',
      `  Python:  Pool(5).starmap_async(do_something, [(i, i + 1) for i in range(5)]).get()`,
      `  Here:    doSomething from ${path.relative(process.cwd(), SAMPLE_FILE)} over ${inputs}`,
      '  Each task sleeps (a + b) tenths of a second, so serially 2.5 s and in parallel about 0.9 s (its longest task).',
      '',
    ].join('\n'),
  );
  const engine = new Engine({ distDir: __dirname });
  let code = 0;
  try {
    const backends: [BackendKind, string][] = [
      ['threads', 'worker threads: one process, so one PID and a thread ID per worker'],
      ['processes', 'child processes: a PID per worker, as Python\'s Pool shows'],
    ];
    for (const [index, [backend, explanation]] of backends.entries()) {
      const request: RunRequest = {
        file: SAMPLE_FILE,
        target: { name: 'doSomething' },
        inputs,
        options: { backend, workers: 5, compareWithSerial: true, repeats: 0, warmupRuns: 0 },
      };
      const outcome = await runWithProgress(engine, request);
      printOutcome(outcome, `=== ${index + 1}/2 · ${explanation} ===`);
      process.stdout.write(`${laneSummary(outcome.report)}\n\n`);
      code = Math.max(code, exitCodeFor(outcome.report));
      if (outcome.report.status === 'cancelled') break;
    }
  } finally {
    await engine.dispose();
  }
  return code;
}

/** `parallel lanes: PID 4242 · thread IDs 1, 2, 3, 4, 5` — the line that shows threads vs processes at a glance. */
function laneSummary(report: RunReport): string {
  const run = lastPhaseRun(report, 'parallel');
  const tasks = run ? phaseRunTasks(report, run).filter((task) => task.lane >= 0) : [];
  const pids = [...new Set(tasks.map((task) => task.pid))];
  const threads = [...new Set(tasks.map((task) => task.threadId))];
  return pids.length === 1
    ? `parallel lanes: 1 PID (${pids[0]}) · ${threads.length} thread IDs (${threads.join(', ')})`
    : `parallel lanes: ${pids.length} PIDs (${pids.join(', ')})`;
}

/** One line, whatever the message: multi-line compiler output is folded so scripts can grep for it. */
function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const location = error instanceof UserError ? error.location : undefined;
  const at = location ? `${location.file}:${location.line}:${location.column}` : '';
  return oneLine(at && !message.includes(at) ? `${at}: ${message}` : message, 1000);
}

main(process.argv.slice(2)).then(
  (code) => finish(code),
  (error: unknown) => {
    const usage = error instanceof UsageError;
    process.stderr.write(`parallel-runner: ${errorLine(error)}${usage ? ' (see parallel-runner --help)' : ''}\n`);
    if (process.env.PARALLEL_RUNNER_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    finish(usage ? 2 : 1);
  },
);

/** Leaves with `code` once output is flushed; a pool that fails to wind down cannot keep the command hanging. */
function finish(code: number): void {
  process.exitCode = code;
  // Once stdout and stderr are flushed there is nothing left to wait for: exit rather than idle through the pools' teardown.
  // After an immediate: by then dispose() has sent its kills to child processes (a few microtasks after it was called).
  setImmediate(() => process.stdout.write('', () => process.stderr.write('', () => process.exit(code))));
  setTimeout(() => process.exit(code), 2000).unref();
}
