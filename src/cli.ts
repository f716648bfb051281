// The command-line face: run a function from a file over inputs on a worker pool and print lanes, results and speedup.
import { fstatSync, promises as fs } from 'node:fs';
import { availableParallelism, constants as osConstants } from 'node:os';
import * as path from 'node:path';
import { inspect, parseArgs } from 'node:util';
import { version as toolVersion } from '../package.json';
import { UserError, type RunOutcome, type RunRequest } from './core/api';
import { Engine } from './core/engine';
import { compareReports, comparisonText, slowdownGate, type GateResult } from './core/compare';
import { countInputs } from './core/inputs';
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
import type { RunComparison } from './shared/comparison';
import type { BackendKind, PythonRuntimeInfo, RunOptions, RunPhase, RunReport } from './shared/report';
import { MAX_TASK_TIMEOUT_SECONDS, MIN_MEMORY_LIMIT_MB } from './shared/limits';
import { pythonPoolLabel } from './shared/runtime';

const USAGE = `Usage:
  parallel-runner FILE --fn NAME --inputs JSON_OR_EXPR [options]
  parallel-runner demo

Runs NAME from FILE once per argument list in the inputs, serially and on a pool of workers,
then prints one line per task (PID, thread ID, start, end, duration), the captured console
lines, the results in input order and the speedup.

Arguments:
  FILE                     a .ts/.js file (TypeScript runs as is) or a .py file (run by Python)
  -f, --fn NAME            function, class with run() (new C(...args).run()), Class.staticMethod or default;
                           in a .py file: a def, a class with run() (a multiprocessing.Process subclass too)
                           or a @staticmethod/@classmethod as Class.method
  -i, --inputs INPUTS      a JSON array of argument lists, e.g. '[[1, 2], [3, 4]]', a JS expression
                           that builds one, e.g. 'Array.from({ length: 5 }, (_, i) => [i, i + 1])',
                           or @FILE to read either from a file

Options:
  -w, --workers N          pool size (default: the number of CPU cores)
  -b, --backend KIND       threads (worker threads, one PID) or processes (child processes, one PID each);
                           for .py: processes = multiprocessing Pool, threads = ThreadPoolExecutor
      --python PATH        .py files: the Python interpreter (default: python3 on PATH)
      --start-method NAME  .py files on processes: spawn (default), fork or forkserver
      --runs N             run exactly N serial/parallel pairs (default: repeat pairs until the
                           speedup's 95 % interval is within ±5 % or the budget is spent)
      --budget SECONDS     time for repeating pairs (default 10); a pair longer than a third of it runs once
      --warmup N           unrecorded runs first, to warm up the JIT and the pool (default 0)
      --no-serial          skip the serial run (no speedup then)
      --timeout SECONDS    fail a task that runs longer (default: no limit; at most 2147483, ~24.8 days)
      --memory-limit MB    stop a worker whose JS heap (and, on processes, whole memory) grows past MB
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

Report files (--json, --csv, --trace, --html) are written before anything is printed. A task's terminal control
sequences are printed escaped (\x1b…); the report files keep its raw text.

Exit status: 0 when every task succeeded, 1 on an error or a failed task, 2 on bad usage, 3 when --fail-if-slower
found the run significantly slower than the baseline, 128 + the signal's number when interrupted (130 for Ctrl+C,
143 for SIGTERM, 129 for SIGHUP).`;

/** Exit status of a run that --fail-if-slower found significantly slower than its baseline. */
export const EXIT_SLOWER_THAN_BASELINE = 3;

/** C0 and C1 control characters but newline and tab: ESC starts colour, clear-screen and window-title sequences, CR overwrites. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const TERMINAL_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/** A task's text as a terminal shows it literally: `\x1B[2J` instead of a cleared screen. The report files keep the raw text. */
export function escapeTerminal(text: string): string {
  return text.replace(TERMINAL_CONTROL, (char) => `\\x${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** What fd 1 was when the CLI started: a task on a worker thread shares the process, and can close it or open a file over it. */
const stdoutIdentity = descriptorIdentity(1);
let stdoutBroken = stdoutIdentity === undefined;
let stderrBroken = false;
// Without listeners a failed write (EBADF after a task closed fd 1, EIO after a hang-up) would throw from the event loop.
process.stdout.on('error', () => (stdoutBroken = true));
process.stderr.on('error', () => (stderrBroken = true));

function descriptorIdentity(fd: number): string | undefined {
  try {
    const stat = fstatSync(fd);
    return `${stat.dev}:${stat.ino}:${stat.rdev}`;
  } catch {
    return undefined;
  }
}

/** Whether fd 1 is still the standard output the CLI started with. */
function stdoutUsable(): boolean {
  if (!stdoutBroken && descriptorIdentity(1) !== stdoutIdentity) stdoutBroken = true;
  return !stdoutBroken;
}

function writeOut(text: string): boolean {
  if (!stdoutUsable()) return false;
  try {
    process.stdout.write(text);
    return true;
  } catch {
    stdoutBroken = true;
    return false;
  }
}

function writeErr(text: string): void {
  if (stderrBroken) return;
  try {
    process.stderr.write(text);
  } catch {
    stderrBroken = true;
  }
}

/** Says on stderr why nothing (or not everything) reached stdout. */
function reportBrokenStdout(savedFiles: boolean): void {
  writeErr(
    'parallel-runner: a task closed or replaced standard output (fd 1), so the results could not be printed. On the threads ' +
      "backend tasks run inside the CLI's own process and share its file descriptors; run with --backend processes to keep " +
      `them apart. ${savedFiles ? 'The report files listed above were written.' : 'Save the results with --json FILE.'}\n`,
  );
}

function describeError(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return 'an error that cannot be read';
  }
}

/**
 * The request to prewarm with: no more workers than the inputs make tasks, as the run itself starts (2 tasks with
 * --workers 1000 had the prewarm start 16 worker processes beside the run's 2). Inputs that don't parse are left for the
 * run to report.
 */
function prewarmRequest(request: RunRequest): RunRequest {
  let tasks: number;
  try {
    tasks = countInputs(request.inputs);
  } catch {
    return request;
  }
  const workers = request.options?.workers ?? availableParallelism();
  return { ...request, options: { ...request.options, workers: Math.max(1, Math.min(workers, tasks)) } };
}

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
    writeOut(`${USAGE}\n`);
    return 0;
  }
  if (values.version) {
    writeOut(`parallel-runner ${toolVersion}\n`);
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
    await engine.prewarm(prewarmRequest(options.request));
    const partial = options.exports.json ? new PartialReport(options.exports.json) : undefined;
    const outcome = await runWithProgress(engine, options.request, partial);
    await partial?.stop();
    await withMachineInfo(outcome.report);
    // Into the report before the files are written, so --json and --html carry the comparison.
    const comparison = options.baseline ? (outcome.report.comparison = compareReports(options.baseline.report, outcome.report)) : undefined;
    // Files first, each on its own: a task may have closed or taken over this process's stdout (threads share it), and a
    // failed print or one failed export must not cost the others.
    const written = await writeExports(outcome.report, options.exports);
    if (options.saveBaseline) await saveBaseline(outcome.report, options.saveBaseline, written);
    const printed = printOutcome(outcome);
    const gate = comparison && options.baseline ? printComparison(comparison, options.baseline.file, options.failIfSlowerPct, printed) : undefined;
    for (const line of written.saved) (printed ? writeOut : writeErr)(`${line}\n`);
    for (const line of written.failed) writeErr(`parallel-runner: ${line}\n`);
    if (!printed) reportBrokenStdout(written.saved.length > 0);
    const code = exitCodeFor(outcome.report);
    if (code === 0 && (!printed || written.failed.length > 0)) return 1;
    return code === 0 && gate?.failed ? EXIT_SLOWER_THAN_BASELINE : code;
  } finally {
    // Child processes are killed at once; worker threads end with this process, so their teardown (~30 ms for five) is not awaited.
    void engine.dispose().catch(() => undefined);
  }
}

/** Options that take a value, by short name: `-w -1` must reach our range check, not parseArgs' "ambiguous" error. */
const VALUE_OPTIONS = new Map([
  ['-f', '--fn'],
  ['-i', '--inputs'],
  ['-w', '--workers'],
  ['-b', '--backend'],
]);
const LONG_VALUE_OPTIONS = new Set(['--fn', '--inputs', '--workers', '--backend', '--runs', '--warmup', '--timeout', '--memory-limit', '--sweep', '--json', '--csv', '--trace', '--html']);

/** `--workers -1` as `--workers=-1`: a value that starts with a dash and a digit is a number, not an option. */
function joinNegativeValues(argv: string[]): string[] {
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = VALUE_OPTIONS.get(argv[i]) ?? (LONG_VALUE_OPTIONS.has(argv[i]) ? argv[i] : undefined);
    const next = argv[i + 1];
    if (name && next !== undefined && /^-[\d.]/.test(next)) {
      joined.push(`${name}=${next}`);
      i++;
    } else {
      joined.push(argv[i]);
    }
  }
  return joined;
}

function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({
      args: joinNegativeValues(argv),
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
        python: { type: 'string' },
        'start-method': { type: 'string' },
        timeout: { type: 'string' },
        'memory-limit': { type: 'string' },
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
    // Node runs a timer of more than 2^31-1 ms after 1 ms: every task would time out at once.
    if (values.timeout.trim() === '' || !Number.isFinite(seconds) || seconds < 0 || seconds > MAX_TASK_TIMEOUT_SECONDS) {
      throw new UsageError(`--timeout must be a number of seconds from 0 (no limit) to ${MAX_TASK_TIMEOUT_SECONDS} (about 24.8 days), not "${values.timeout}"`);
    }
    options.taskTimeoutSeconds = seconds;
  }
  if (values['memory-limit'] !== undefined) options.workerMemoryLimitMb = integerOption('--memory-limit', values['memory-limit'], MIN_MEMORY_LIMIT_MB);
  const request: RunRequest = { file, target: { name: values.fn }, inputs: await inputsText(values.inputs), options };
  if (values.python !== undefined) request.pythonPath = values.python;
  if (values['start-method'] !== undefined) {
    const method = values['start-method'];
    if (method !== 'spawn' && method !== 'fork' && method !== 'forkserver') throw new UsageError(`--start-method must be spawn, fork or forkserver, not "${method}"`);
    request.pythonStartMethod = method;
  }
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

/** Prints the comparison and applies --fail-if-slower (on stderr when a task took stdout over). */
function printComparison(comparison: RunComparison, baselineFile: string, failIfSlowerPct: number | undefined, printed: boolean): GateResult | undefined {
  const out = ['', ...comparisonText(comparison, `baseline ${baselineFile}`)];
  let gate: GateResult | undefined;
  if (failIfSlowerPct !== undefined) {
    gate = slowdownGate(comparison, failIfSlowerPct);
    for (const note of gate.notes) out.push(`note: ${note}`);
    if (gate.failed) out.push(...gate.reasons.map((reason) => `SLOWER: ${reason}`), `Exit status ${EXIT_SLOWER_THAN_BASELINE}: slower than the baseline by more than ${failIfSlowerPct} %.`);
    else out.push(`Not slower than the baseline by more than ${failIfSlowerPct} % with significance.`);
  }
  (printed ? writeOut : writeErr)(`${out.join('\n')}\n`);
  return gate;
}

/** --save-baseline: the run alone (the comparison it was part of belongs to this run, not to the next one's baseline). */
async function saveBaseline(report: RunReport, file: string, written: WrittenExports): Promise<void> {
  const { comparison: _comparison, ...alone } = report;
  try {
    await writeFileAtomically(file, toJson(alone));
    written.saved.push(`Saved the baseline: ${file}`);
  } catch (error) {
    written.failed.push(`cannot write the baseline ${file}: ${(error as NodeJS.ErrnoException).code ?? describeError(error)}`);
  }
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

/** Signals that end a run the way Ctrl+C does: the run is cancelled, what finished is printed and saved, workers are stopped. */
const CANCEL_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/** The signal that cancelled the run, for the exit status (128 + its number, as a shell reports a killed command). */
let cancelledBy: NodeJS.Signals | undefined;

function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (osConstants.signals[signal] ?? 2);
}

/**
 * Runs with Ctrl+C, SIGTERM and SIGHUP wired to cancellation (a second one quits at once; the process pool's exit hook
 * still kills its workers) and, on a terminal, a progress line once the run has taken longer than a second.
 */
async function runWithProgress(engine: Engine, request: RunRequest, partial?: PartialReport): Promise<RunOutcome> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (cancelledBy) process.exit(signalExitCode(signal));
    cancelledBy = signal;
    const again = signal === 'SIGINT' ? 'Ctrl+C again' : `${signal} again`;
    writeErr(`\nparallel-runner: ${signal === 'SIGINT' ? 'cancelling' : `${signal} received: cancelling`} (${again} to quit at once)…\n`);
    controller.abort();
  };
  for (const signal of CANCEL_SIGNALS) process.on(signal, onSignal);
  const progress = new ProgressLine();
  try {
    return await engine.run(request, {
      signal: controller.signal,
      onEvent: (event) => {
        progress.update(event);
        partial?.update(event);
      },
    });
  } finally {
    progress.clear();
    for (const signal of CANCEL_SIGNALS) process.off(signal, onSignal);
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
    writeErr(`\r\x1b[2K${this.label}${tasks} · ${formatDuration(elapsed)}`);
  }

  clear(): void {
    clearInterval(this.timer);
    if (this.shown) writeErr('\r\x1b[2K');
  }
}

/**
 * Prints the outcome; false when standard output is gone (a task closed or took over fd 1). Lines that carry a task's text
 * are printed with terminal control sequences escaped; a terminal would otherwise obey them (clear the screen, set a title).
 */
function printOutcome({ report, results }: RunOutcome, heading?: string): boolean {
  const out: string[] = [];
  /** Lines that util.inspect made: already escaped, and maybe coloured on purpose. */
  const inspected = new Set<number>();
  const target = report.target;
  const where = `${path.relative(process.cwd(), target.file) || target.file}:${target.line}`;
  const workers = workersLabel(report.options.workers, report.options.backend, report.runtime);
  out.push(heading ?? `${target.name} · ${where} · ${plural(report.summary.tasks, 'task')} · ${workers} · host PID ${report.host.pid}`);
  if (report.runtime) out.push(`${pythonPoolLabel(report.runtime, report.options.backend)} · ${report.runtime.executable}`);
  for (const phase of ['serial', 'parallel'] as RunPhase[]) {
    const run = lastPhaseRun(report, phase);
    const tasks = run ? phaseRunTasks(report, run) : phaseTasks(report, phase, 0);
    if (!run && tasks.length === 0) continue;
    const repeats = report.phases.filter((p) => p.phase === phase && p.workers === run?.workers).length;
    const title =
      phase === 'serial'
        ? 'Serial run (one after another on one worker)'
        : `Parallel run (${workersLabel(run?.workers ?? report.options.workers, report.options.backend, report.runtime)})`;
    out.push('', `${title}${repeats > 1 ? ` · repeat ${(run?.repeat ?? 0) + 1} of ${repeats}` : ''}${run ? ` · ${formatDuration(run.wallMs)}` : ''}`);
    // Loops, not push(...rows): spreading more than ~120,000 rows overflows the call stack.
    pushCapped(out, taskTable(report, phase, run), MAX_PRINTED_ROWS + 1, 'tasks');
    const logs = taskLogLines(tasks);
    if (logs.length > 0) {
      out.push('', '  Console output:');
      pushCapped(out, logs, MAX_PRINTED_ROWS, 'console lines');
    }
  }
  const shownParallel = lastPhaseRun(report, 'parallel');
  const lastParallel = shownParallel ? phaseRunTasks(report, shownParallel) : phaseTasks(report, 'parallel', 0);
  const failed = lastParallel.filter((task) => task.error && task.status !== 'cancelled');
  if (failed.length > 0) {
    out.push('', 'Failed tasks:');
    for (const task of failed.slice(0, MAX_PRINTED_ROWS)) {
      const at = task.error?.location ? ` (${task.error.location.file}:${task.error.location.line}:${task.error.location.column})` : '';
      out.push(`  task ${task.index} (${oneLine(task.argsPreview, 40)}): ${task.status} · ${task.error?.name}: ${oneLine(task.error?.message ?? '', 200)}${at}`);
    }
    if (failed.length > MAX_PRINTED_ROWS) out.push(`  … and ${(failed.length - MAX_PRINTED_ROWS).toLocaleString('en-US')} more failed tasks (every one is in --json and --csv)`);
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
    // util.inspect escapes control characters in strings itself, and adds colours of its own on a terminal.
    inspected.add(out.length);
    out.push(inspect(shown, { depth: 4, maxArrayLength: 100, breakLength: 100, colors: process.stdout.isTTY === true }));
  }
  if (report.sweep) {
    out.push('', 'Worker sweep:');
    const rows = report.sweep.points.map((point) => [String(point.workers), formatDuration(point.parallelMs), formatSpeedup(point.speedup)]);
    for (const line of formatTable(['workers', 'parallel', 'speedup'], rows, [true, true, true])) out.push(`  ${line}`);
    const fraction = report.sweep.amdahlSerialFraction;
    const ceiling = fraction > 0 ? `, so no more than ${formatSpeedup(1 / fraction)} on any number of workers` : '';
    out.push(`  Amdahl's law fit: ${(fraction * 100).toFixed(1)}% of the work is serial${ceiling}`);
  }
  const account = report.summary.account;
  if (account) out.push('', ...accountLines(account, report.phases.filter((run) => run.phase === 'parallel' && run.workers === report.summary.workers).length));
  for (const note of report.measurement?.notes ?? []) out.push(`note: ${note}`);
  for (const warning of report.warnings) out.push(`note: ${warning.message}`);
  out.push('', summaryLine(report));
  if (!stdoutUsable()) return false;
  for (let i = 0; i < out.length; i++) if (!inspected.has(i)) out[i] = escapeTerminal(out[i]);
  return writeOut(`${out.join('\n')}\n`);
}

/** Rows printed per table; a terminal is no place for a million rows, and the report files keep every one. */
const MAX_PRINTED_ROWS = 1000;

function pushCapped(out: string[], lines: string[], max: number, what: string): void {
  const shown = Math.min(lines.length, max);
  for (let i = 0; i < shown; i++) out.push(`  ${lines[i]}`);
  if (lines.length > max) out.push(`  … and ${(lines.length - max).toLocaleString('en-US')} more ${what} (every one is in --json and --csv)`);
}

/** Stands in for a failed task's result in the printed list: `<error: RangeError>`, `<timeout>`. */
class FailedResult {
  constructor(
    private readonly status: string,
    private readonly errorName?: string,
  ) {}

  [inspect.custom](): string {
    return this.status === 'error' && this.errorName ? `<error: ${escapeTerminal(this.errorName)}>` : `<${this.status}>`;
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** `5 worker threads`, `1 child process`. */
function workersLabel(workers: number, backend: BackendKind, runtime?: PythonRuntimeInfo): string {
  if (runtime) return backend === 'processes' ? `${workers} worker process${workers === 1 ? '' : 'es'}` : plural(workers, 'thread');
  return backend === 'processes' ? `${workers} child process${workers === 1 ? '' : 'es'}` : plural(workers, 'worker thread');
}

interface WrittenExports {
  /** `Saved JSON report: out.json`, one per file written. */
  saved: string[];
  /** `cannot write out.csv: EACCES`, one per file that failed. */
  failed: string[];
}

/** Writes every report file asked for, each on its own: one that fails to render or write does not stop the others. */
async function writeExports(report: RunReport, exports: CliOptions['exports']): Promise<WrittenExports> {
  const writes: [string | undefined, () => string | Promise<string>, string][] = [
    [exports.json, () => toJson(report), 'JSON report'],
    [exports.csv, () => toCsv(report), 'CSV'],
    [exports.trace, () => JSON.stringify(toChromeTrace(report)), 'Chrome trace (open in ui.perfetto.dev)'],
    [exports.html, async () => toHtml(report, await loadPanelAssets(__dirname, MEDIA_DIR)), 'HTML report'],
  ];
  const written: WrittenExports = { saved: [], failed: [] };
  for (const [file, render, what] of writes) {
    if (!file) continue;
    try {
      await writeFileAtomically(file, await render());
      written.saved.push(`Saved ${what}: ${file}`);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? describeError(error);
      written.failed.push(`cannot write ${file}: ${reason}`);
    }
  }
  return written;
}

/**
 * Writes next to the file and renames over it, so a run killed while writing leaves the previous file whole, never a
 * truncated one.
 */
async function writeFileAtomically(file: string, text: string): Promise<void> {
  const target = path.resolve(file);
  const temporary = `${target}.${process.pid}.tmp`;
  try {
    await fs.writeFile(temporary, text);
    await fs.rename(temporary, target);
  } catch (error) {
    await fs.rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
}

/**
 * The --json file kept up to date as phases finish: a run that is killed outright (a task on the threads backend can
 * SIGKILL the CLI's own process; nothing can prevent that) leaves the phases that finished before it on disk, with
 * status "running". Written a second after a phase ends, so a run that ends soon after writes only its final report.
 */
class PartialReport {
  private report: RunReport | undefined;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly file: string) {}

  update(event: RunEvent): void {
    if (event.type === 'run-started') {
      // The event carries the engine's own clone; the tasks and phases are added as they finish.
      this.report = { ...event.report, tasks: [], phases: [] };
    } else if (event.type === 'task-finished') {
      this.report?.tasks.push(event.task);
    } else if (event.type === 'phase-finished') {
      this.report?.phases.push(event.phase);
      if (!this.timer && !this.stopped) this.timer = setTimeout(() => this.save(), PARTIAL_REPORT_DELAY_MS).unref();
    }
  }

  private save(): void {
    this.timer = undefined;
    if (!this.report || this.stopped) return;
    const text = toJson(this.report);
    this.writing = this.writing.then(() => writeFileAtomically(this.file, text)).catch(() => undefined);
  }

  /** No more partial writes; resolves once one under way has finished, so the final report lands after it. */
  stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    return this.writing;
  }
}

const PARTIAL_REPORT_DELAY_MS = 1000;

function exitCodeFor(report: RunReport): number {
  if (report.status === 'cancelled') return signalExitCode(cancelledBy ?? 'SIGINT');
  if (report.status === 'failed' || report.summary.failedTasks > 0) return 1;
  return 0;
}

/**
 * The tutorial's starmap example on both backends: `Pool(5).starmap(do_something, [(i, i + 1) for i in range(5)])`,
 * with tenths of a second for seconds. Threads show one PID and five thread IDs; processes show five PIDs.
 */
async function runDemo(): Promise<number> {
  const inputs = 'Array.from({ length: 5 }, (_, i) => [i, i + 1])';
  writeOut(
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
      writeOut(`${laneSummary(outcome.report)}\n\n`);
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
  const message = describeError(error);
  const location = error instanceof UserError ? error.location : undefined;
  const at = location ? `${location.file}:${location.line}:${location.column}` : '';
  return oneLine(at && !message.includes(at) ? `${at}: ${message}` : message, 1000);
}

main(process.argv.slice(2)).then(
  (code) => finish(code),
  (error: unknown) => {
    const usage = error instanceof UsageError;
    writeErr(`parallel-runner: ${escapeTerminal(errorLine(error))}${usage ? ' (see parallel-runner --help)' : ''}\n`);
    if (process.env.PARALLEL_RUNNER_DEBUG && error instanceof Error) writeErr(`${error.stack}\n`);
    finish(usage ? 2 : 1);
  },
);

/** Leaves with `code` once output is flushed; a pool that fails to wind down cannot keep the command hanging. */
function finish(code: number): void {
  process.exitCode = code;
  // Once stdout and stderr are flushed there is nothing left to wait for: exit rather than idle through the pools' teardown.
  // After an immediate: by then dispose() has sent its kills to child processes (a few microtasks after it was called).
  // A stream that broke (a task closed fd 1) may never call back: skip it.
  const flush = (stream: NodeJS.WriteStream, broken: boolean, then: () => void) => (broken ? then() : stream.write('', then));
  setImmediate(() => flush(process.stdout, stdoutBroken, () => flush(process.stderr, stderrBroken, () => process.exit(code))));
  setTimeout(() => process.exit(code), 2000).unref();
}
