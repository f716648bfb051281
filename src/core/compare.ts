// Compares two run reports (baseline vs current) metric by metric with Welch's t-test over their repeated pairs; no vscode.
import * as l10n from '@vscode/l10n';
import type {
  ComparisonDifference,
  MetricComparison,
  MetricSide,
  RunComparison,
} from '../shared/comparison';
import type { AccountSegmentKey, HostInfo, PhaseRun, RunReport } from '../shared/report';
import { formatChange, formatP, formatSide, formatValue, lowerFirst, verdictText } from '../shared/comparisonFormat';
import { SEGMENT_ORDER } from './account';
import { BUSY_OTHER_CORES } from './run/summary';
import { mean, median } from './stats';

/** Two-sided level of every interval and test here. */
export const SIGNIFICANCE_LEVEL = 0.05;

/** How two runs are compared, as the comparison states it (made when used: the l10n bundle is read after this module loads). */
export function comparisonMethod(): string {
  return l10n.t(
    "Welch's t-test over the runs' repeated serial/parallel pairs (on log values for times and speedups): a change counts as significant when p < 0.05 and the two runs' 95 % intervals do not overlap.",
  );
}

/** Other programs using this many cores during a run make its wall times slower than its code (the engine's threshold). */
export const BUSY_MACHINE_CORES = BUSY_OTHER_CORES;

// ---- Student's t distribution -------------------------------------------------------------------------------------

/** ln Γ(x), Lanczos approximation (g = 7, n = 9), good to ~15 digits for x > 0. */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = c[0];
  for (let i = 1; i < 9; i++) sum += c[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Continued fraction for the incomplete beta function (modified Lentz). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(x, a, b)) / a : 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

/** P(T ≤ t) for Student's t with df degrees of freedom (df may be fractional, as Welch's is). */
export function studentTCdf(t: number, df: number): number {
  if (!Number.isFinite(t)) return t > 0 ? 1 : 0;
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t > 0 ? 1 - tail : tail;
}

/** The t with P(T ≤ t) = p, by bisection on the CDF (monotone; 100 halvings reach double precision). */
export function studentTQuantile(p: number, df: number): number {
  if (p === 0.5) return 0;
  let low = -1e6;
  let high = 1e6;
  for (let i = 0; i < 200 && high - low > 1e-12 * Math.max(1, Math.abs(high)); i++) {
    const middle = (low + high) / 2;
    if (studentTCdf(middle, df) < p) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

export interface WelchResult {
  /** mean(b) − mean(a) */
  difference: number;
  /** 95 % (1 − SIGNIFICANCE_LEVEL) interval of the difference. */
  low: number;
  high: number;
  t: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  /** Two-sided p-value. */
  p: number;
}

function sampleVariance(values: readonly number[]): number {
  const average = mean(values);
  return values.reduce((sum, value) => sum + (value - average) ** 2, 0) / (values.length - 1);
}

/** Welch's unequal-variance t-test of b against a; undefined when either side has fewer than 2 values. */
export function welchTest(a: readonly number[], b: readonly number[]): WelchResult | undefined {
  if (a.length < 2 || b.length < 2) return undefined;
  const va = sampleVariance(a) / a.length;
  const vb = sampleVariance(b) / b.length;
  const difference = mean(b) - mean(a);
  const se = Math.sqrt(va + vb);
  if (se === 0) {
    // No spread on either side: the difference is exact, so any difference is certain and none is nothing.
    return { difference, low: difference, high: difference, t: difference === 0 ? 0 : Math.sign(difference) * Infinity, df: a.length + b.length - 2, p: difference === 0 ? 1 : 0 };
  }
  const df = (va + vb) ** 2 / ((va * va) / (a.length - 1) + (vb * vb) / (b.length - 1));
  const t = difference / se;
  const p = Math.min(1, 2 * studentTCdf(-Math.abs(t), df));
  const margin = studentTQuantile(1 - SIGNIFICANCE_LEVEL / 2, df) * se;
  return { difference, low: difference - margin, high: difference + margin, t, df, p };
}

/** Mean with its 95 % t interval; a single value has no interval. */
export function meanInterval(values: readonly number[]): MetricSide {
  const n = values.length;
  const value = mean(values);
  if (n < 2) return { value, low: value, high: value, n };
  const margin = studentTQuantile(1 - SIGNIFICANCE_LEVEL / 2, n - 1) * Math.sqrt(sampleVariance(values) / n);
  return { value, low: value - margin, high: value + margin, n };
}

// ---- Samples from a report ----------------------------------------------------------------------------------------

/** The measured phases the summary uses (pairs it left out, warm-up or disturbed, excluded unless `all`). */
function completed(report: RunReport, phase: 'serial' | 'parallel', all = false): PhaseRun[] {
  const excluded = new Set(all ? [] : (report.summary.speedupEstimate?.excludedPairs ?? []));
  return report.phases.filter(
    (run) => run.phase === phase && run.status === 'completed' && run.wallMs > 0 && !excluded.has(run.repeat) && (phase === 'serial' || run.workers === report.summary.workers),
  );
}

/** Serial ÷ parallel wall of each pair with the same repeat number. */
export function pairSpeedups(report: RunReport): number[] {
  const serial = new Map(completed(report, 'serial').map((run) => [run.repeat, run.wallMs]));
  return completed(report, 'parallel').flatMap((run) => {
    const serialMs = serial.get(run.repeat);
    return serialMs !== undefined ? [serialMs / run.wallMs] : [];
  });
}

/** The median task duration of each measured phase: the serial ones when there are any (no pool effects), else the parallel ones. */
function phaseTaskMedians(report: RunReport): number[] {
  const serial = completed(report, 'serial');
  const phases = serial.length > 0 ? serial : completed(report, 'parallel');
  const durations = new Map<string, number[]>();
  for (const run of phases) durations.set(`${run.phase}:${run.repeat}`, []);
  for (const task of report.tasks) {
    if (task.status !== 'ok' || task.durationMs === undefined) continue;
    durations.get(`${task.phase}:${task.repeat}`)?.push(task.durationMs);
  }
  return [...durations.values()].filter((values) => values.length > 0).map((values) => median(values));
}

/** The median CPU time of each measured phase's tasks (serial phases when there are any): load barely moves it. */
function phaseTaskCpuMedians(report: RunReport): number[] {
  // Every pair counts here: other programs' load, which got pairs left out of the speedup, barely moves a task's CPU time.
  const serial = completed(report, 'serial', true);
  const phases = serial.length > 0 ? serial : completed(report, 'parallel', true);
  const cpu = new Map<string, number[]>();
  for (const run of phases) cpu.set(`${run.phase}:${run.repeat}`, []);
  for (const task of report.tasks) {
    if (task.status !== 'ok' || task.cpuMs === undefined) continue;
    cpu.get(`${task.phase}:${task.repeat}`)?.push(task.cpuMs);
  }
  return [...cpu.values()].filter((values) => values.length > 0).map((values) => median(values));
}

/** Other programs' CPU during each measured phase, cores. */
function otherCpuSamples(report: RunReport): number[] {
  return [...completed(report, 'serial'), ...completed(report, 'parallel')].flatMap((run) => (run.otherCpuCores !== undefined ? [run.otherCpuCores] : []));
}

/** Each segment's ms in every parallel phase that has an account, or the summary's one account. */
function segmentSamples(report: RunReport): Map<AccountSegmentKey, number[]> {
  const accounts = completed(report, 'parallel').flatMap((run) => (run.account ? [run.account] : []));
  if (accounts.length === 0 && report.summary.account) accounts.push(report.summary.account);
  const samples = new Map<AccountSegmentKey, number[]>();
  for (const account of accounts) {
    for (const segment of account.segments) {
      const values = samples.get(segment.key) ?? [];
      values.push(segment.ms);
      samples.set(segment.key, values);
    }
  }
  return samples;
}

/** A term's label in the comparison (made when used: the l10n bundle is read after this module loads). */
function segmentLabel(key: AccountSegmentKey): string {
  switch (key) {
    case 'work':
      return l10n.t('Work (serial time ÷ workers)');
    case 'contention':
      return l10n.t('Contention');
    case 'cpu-wait':
      return l10n.t('Waiting for a CPU');
    case 'blocked':
      return l10n.t('Blocked');
    case 'slowdown':
      return l10n.t('Slowdown in parallel');
    case 'unmatched':
      return l10n.t('Unmatched tasks');
    case 'startup':
      return l10n.t('Worker start-up');
    case 'dispatch':
      return l10n.t('Dispatch');
    case 'imbalance':
      return l10n.t('Imbalance');
  }
}

// ---- Comparing ----------------------------------------------------------------------------------------------------

interface MetricSpec {
  key: MetricComparison['key'];
  label: string;
  unit: MetricComparison['unit'];
  betterWhen: 'lower' | 'higher';
  /** Positive quantities are compared on a log scale, so the change is a ratio; segments can be 0 or negative. */
  logScale: boolean;
}

/** One metric's comparison from each run's samples; `shown` overrides the side figures (the speedup's own estimate). */
export function compareSamples(spec: MetricSpec, baseline: readonly number[], current: readonly number[], shown: { baseline?: MetricSide; current?: MetricSide } = {}): MetricComparison {
  const { key, label, unit, betterWhen } = spec;
  const base: MetricComparison = { key, label, unit, betterWhen, verdict: 'unavailable' };
  const usable = (values: readonly number[]) => values.filter((value) => Number.isFinite(value) && (!spec.logScale || value > 0));
  const a = usable(baseline);
  const b = usable(current);
  const side = (values: number[]): MetricSide | undefined => {
    if (values.length === 0) return undefined;
    if (!spec.logScale) return meanInterval(values);
    const logs = meanInterval(values.map(Math.log));
    return { value: Math.exp(logs.value), low: Math.exp(logs.low), high: Math.exp(logs.high), n: logs.n };
  };
  const baselineSide = shown.baseline ?? side(a);
  const currentSide = shown.current ?? side(b);
  if (baselineSide) base.baseline = baselineSide;
  if (currentSide) base.current = currentSide;
  if (!baselineSide || !currentSide) {
    const figure = label.toLowerCase();
    base.note =
      !baselineSide && !currentSide
        ? l10n.t('Neither run has a {0} figure.', figure)
        : !baselineSide
          ? l10n.t('The baseline has no {0} figure.', figure)
          : l10n.t('This run has no {0} figure.', figure);
    return base;
  }
  base.delta = currentSide.value - baselineSide.value;
  if (baselineSide.value !== 0) base.changePct = (currentSide.value / baselineSide.value - 1) * 100;
  const test = spec.logScale ? welchTest(a.map(Math.log), b.map(Math.log)) : welchTest(a, b);
  // On a log scale the change is the ratio of geometric means, the centre of its interval (the sides may show medians).
  if (test && spec.logScale) base.changePct = (Math.exp(test.difference) - 1) * 100;
  if (!test) {
    base.verdict = 'untestable';
    base.note =
      a.length < 2 && b.length < 2
        ? l10n.t('One sample in both runs: no spread to test the change against. Run with repeats (Benchmark) to tell noise from a change.')
        : a.length < 2
          ? l10n.t('One sample in the baseline: no spread to test the change against. Run with repeats (Benchmark) to tell noise from a change.')
          : l10n.t('One sample in this run: no spread to test the change against. Run with repeats (Benchmark) to tell noise from a change.');
    return base;
  }
  base.pValue = test.p;
  if (spec.logScale) {
    base.changeLowPct = (Math.exp(test.low) - 1) * 100;
    base.changeHighPct = (Math.exp(test.high) - 1) * 100;
  } else if (baselineSide.value !== 0) {
    base.changeLowPct = (test.low / Math.abs(baselineSide.value)) * 100;
    base.changeHighPct = (test.high / Math.abs(baselineSide.value)) * 100;
  }
  const overlap = currentSide.low <= baselineSide.high && baselineSide.low <= currentSide.high;
  if (test.p >= SIGNIFICANCE_LEVEL || overlap || test.difference === 0) {
    base.verdict = 'not-significant';
    return base;
  }
  const higher = test.difference > 0;
  base.verdict = higher === (betterWhen === 'higher') ? 'better' : 'worse';
  return base;
}

function speedupSide(report: RunReport): MetricSide | undefined {
  const estimate = report.summary.speedupEstimate;
  if (estimate && estimate.n > 0 && Number.isFinite(estimate.median)) return { value: estimate.median, low: estimate.low, high: estimate.high, n: estimate.n };
  return undefined;
}

/** Everything but the code that differs between the runs, in sentences; empty when they are comparable as they are. */
export function runDifferences(baseline: RunReport, current: RunReport): ComparisonDifference[] {
  const differences: ComparisonDifference[] = [];
  if (baseline.target.name !== current.target.name || baseline.target.file !== current.target.file) {
    differences.push({ kind: 'target', message: l10n.t('Different functions: {0} ({1}) vs {2} ({3}).', baseline.target.name, baseline.target.file, current.target.name, current.target.file) });
  }
  const baseInputs = inputsFingerprint(baseline);
  const currentInputs = inputsFingerprint(current);
  if (baseInputs.count !== currentInputs.count) {
    differences.push({ kind: 'inputs', message: l10n.t('Different inputs: {0} tasks in the baseline, {1} now.', baseInputs.count, currentInputs.count) });
  } else if (baseInputs.previews !== currentInputs.previews) {
    const at = baseInputs.list.findIndex((preview, index) => preview !== currentInputs.list[index]);
    differences.push({ kind: 'inputs', message: l10n.t('Different inputs: task {0} had {1} in the baseline, {2} now.', at, baseInputs.list[at] ?? '?', currentInputs.list[at] ?? '?') });
  }
  if (baseline.summary.workers !== current.summary.workers) {
    differences.push({ kind: 'workers', message: l10n.t('Different worker counts: {0} in the baseline, {1} now.', baseline.summary.workers, current.summary.workers) });
  }
  if (baseline.options.backend !== current.options.backend) {
    differences.push({ kind: 'backend', message: l10n.t('Different backends: {0} in the baseline, {1} now.', baseline.options.backend, current.options.backend) });
  }
  const machine = machineDifferences(baseline.host, current.host);
  if (machine.length > 0) differences.push({ kind: 'machine', message: l10n.t('Different machines: {0}.', machine.join('; ')) });
  if (baseline.options.compareWithSerial !== current.options.compareWithSerial) {
    differences.push({ kind: 'options', message: l10n.t('One run has a serial run and the other has none, so there is no speedup to compare.') });
  }
  return differences;
}

/** `CPU Intel Xeon (4 cores) vs AMD EPYC (2 cores)`, … for each machine field recorded in both reports that differs. */
export function machineDifferences(a: HostInfo, b: HostInfo): string[] {
  const fields: [string, string | number | undefined, string | number | undefined][] = [
    ['CPU', a.cpuModel, b.cpuModel],
    [l10n.t('cores'), a.cpuCount, b.cpuCount],
    ['OS', a.osRelease ?? a.platform, b.osRelease ?? b.platform],
    [l10n.t('architecture'), a.arch, b.arch],
    ['Node', a.nodeVersion, b.nodeVersion],
    ['Python', a.pythonVersion, b.pythonVersion],
  ];
  return fields.flatMap(([name, x, y]) => {
    if (x === undefined || y === undefined || x === y) return [];
    // OS: compare the release only when both have one (an older report records the platform alone).
    if (name === 'OS' && (a.osRelease === undefined) !== (b.osRelease === undefined) && a.platform === b.platform) return [];
    return [l10n.t('{0} {1} vs {2}', name, String(x), String(y))];
  });
}

function inputsFingerprint(report: RunReport): { count: number; previews: string; list: string[] } {
  const firstPhase = report.phases[0];
  const list: string[] = [];
  for (const task of report.tasks) {
    if (firstPhase && (task.phase !== firstPhase.phase || task.repeat !== firstPhase.repeat)) continue;
    list[task.index] = task.argsPreview;
  }
  return { count: report.summary.tasks, previews: list.join('\u0000'), list };
}

/** The current run against the baseline, metric by metric, with the differences other than the code stated first. */
export function compareReports(baseline: RunReport, current: RunReport): RunComparison {
  const metrics: MetricComparison[] = [];
  metrics.push(
    compareSamples({ key: 'speedup', label: l10n.t('Speedup'), unit: 'x', betterWhen: 'higher', logScale: true }, pairSpeedups(baseline), pairSpeedups(current), {
      baseline: speedupSide(baseline),
      current: speedupSide(current),
    }),
  );
  const walls = (report: RunReport, phase: 'serial' | 'parallel') => completed(report, phase).map((run) => run.wallMs);
  metrics.push(compareSamples({ key: 'serial-wall', label: l10n.t('Serial wall'), unit: 'ms', betterWhen: 'lower', logScale: true }, walls(baseline, 'serial'), walls(current, 'serial')));
  metrics.push(compareSamples({ key: 'parallel-wall', label: l10n.t('Parallel wall'), unit: 'ms', betterWhen: 'lower', logScale: true }, walls(baseline, 'parallel'), walls(current, 'parallel')));
  metrics.push(compareSamples({ key: 'task-median', label: l10n.t('Per-task median'), unit: 'ms', betterWhen: 'lower', logScale: true }, phaseTaskMedians(baseline), phaseTaskMedians(current)));
  const baseCpu = phaseTaskCpuMedians(baseline);
  const currentCpu = phaseTaskCpuMedians(current);
  if (baseCpu.length > 0 || currentCpu.length > 0) {
    metrics.push(compareSamples({ key: 'task-cpu', label: l10n.t('Per-task CPU'), unit: 'ms', betterWhen: 'lower', logScale: true }, baseCpu, currentCpu));
  }
  const baseLoad = otherCpuSamples(baseline);
  const currentLoad = otherCpuSamples(current);
  if (baseLoad.length > 0 || currentLoad.length > 0) {
    metrics.push(compareSamples({ key: 'machine-load', label: l10n.t("Other programs' CPU"), unit: 'cores', betterWhen: 'lower', logScale: false }, baseLoad, currentLoad));
  }
  const baseSegments = segmentSamples(baseline);
  const currentSegments = segmentSamples(current);
  for (const key of SEGMENT_ORDER) {
    // A term that is 0 in every pair of both runs (slowdown when CPU figures split it) has nothing to compare.
    if ([...(baseSegments.get(key) ?? []), ...(currentSegments.get(key) ?? [])].every((ms) => ms === 0)) continue;
    metrics.push(
      compareSamples({ key: `segment:${key}`, label: segmentLabel(key), unit: 'ms', betterWhen: 'lower', logScale: false }, baseSegments.get(key) ?? [], currentSegments.get(key) ?? []),
    );
  }
  const comparison: RunComparison = {
    baseline: { id: baseline.id, createdAt: baseline.createdAt, status: baseline.status },
    current: { id: current.id, createdAt: current.createdAt, status: current.status },
    differences: runDifferences(baseline, current),
    metrics,
    verdict: overallVerdict(metrics),
    method: comparisonMethod(),
  };
  if (baseLoad.length > 0 || currentLoad.length > 0) {
    comparison.otherCpuCores = {};
    if (baseLoad.length > 0) comparison.otherCpuCores.baseline = mean(baseLoad);
    if (currentLoad.length > 0) comparison.otherCpuCores.current = mean(currentLoad);
    const busy = busyText(comparison.otherCpuCores, current.host.cpuCount);
    if (busy) comparison.differences.push({ kind: 'load', message: busy });
  }
  return comparison;
}

/** The figures that say whether the code got slower: the times and the speedup (not the account's terms or the load). */
const HEADLINE_KEYS = ['speedup', 'parallel-wall', 'serial-wall', 'task-median', 'task-cpu'];

function changeWords(metric: MetricComparison): string {
  const pct = metric.changePct;
  if (pct === undefined) return metric.label;
  return `${lowerFirst(metric.label)} ${pct >= 0 ? '+' : '−'}${Math.abs(pct).toFixed(Math.abs(pct) < 10 ? 1 : 0)} %`;
}

/** One line on the whole comparison, from the headline figures' verdicts. */
export function overallVerdict(metrics: readonly MetricComparison[]): RunComparison['verdict'] {
  const headline = metrics.filter((metric) => HEADLINE_KEYS.includes(metric.key));
  const worse = headline.filter((metric) => metric.verdict === 'worse');
  const better = headline.filter((metric) => metric.verdict === 'better');
  const unclear = headline.filter((metric) => metric.verdict === 'not-significant');
  const list = (items: MetricComparison[]) => items.map(changeWords).join(', ');
  const rest = unclear.length > 0 ? ` ${l10n.t('Not significant: {0}.', list(unclear))}` : '';
  if (worse.length > 0 && better.length === 0) return { kind: 'slower', text: l10n.t('Slower than the baseline, significantly: {0}.', list(worse)) + rest };
  if (better.length > 0 && worse.length === 0) return { kind: 'faster', text: l10n.t('Faster than the baseline, significantly: {0}.', list(better)) + rest };
  if (better.length > 0) return { kind: 'mixed', text: l10n.t('Mixed: significantly worse {0}; significantly better {1}.', list(worse), list(better)) + rest };
  if (unclear.length > 0) return { kind: 'no-change', text: l10n.t('No significant change from the baseline ({0}: within the noise of the pairs).', list(unclear)) };
  return { kind: 'untestable', text: l10n.t('No figure could be tested: each run needs at least two pairs (run with repeats, or Benchmark Function).') };
}

function busyText(load: NonNullable<RunComparison['otherCpuCores']>, cores: number): string | undefined {
  const { baseline, current } = load;
  if (!((baseline ?? 0) >= BUSY_MACHINE_CORES || (current ?? 0) >= BUSY_MACHINE_CORES)) return undefined;
  const cores2 = (value: number | undefined) => (value === undefined ? l10n.t('unknown') : formatValue(value, 'cores'));
  return l10n.t(
    'The machine was busy: other programs used {0} during the baseline and {1} during this run (of {2}), which slows wall times whatever the code does; the per-task CPU time is not slowed by it.',
    cores2(baseline),
    cores2(current),
    cores,
  );
}

/** Whether either run was measured on a machine busy enough that a wall-time change needs the CPU time to back it. */
export function machineWasBusy(comparison: RunComparison): boolean {
  const load = comparison.otherCpuCores;
  return load !== undefined && ((load.baseline ?? 0) >= BUSY_MACHINE_CORES || (load.current ?? 0) >= BUSY_MACHINE_CORES);
}

// ---- The CI gate and the text form ---------------------------------------------------------------------------------

export { formatChange, formatP, formatSide, verdictText };

export interface GateResult {
  failed: boolean;
  /** The metrics that tripped it. */
  reasons: string[];
  /** Worse by more than the threshold but not shown to be significant: said, never a failure. */
  notes: string[];
}

/**
 * `--fail-if-slower PCT`: fails when the parallel wall or the speedup is worse by more than PCT and the change is
 * significant. A change that cannot be tested (one pair) or whose intervals overlap is never a failure: noise must not
 * fail a build. On a busy machine (other programs using a quarter of a core or more in either run) the walls carry a load
 * that differs between the runs, which the pairs within one run cannot show. There the tasks' own CPU time (where the
 * platform measures it) decides: a wall or speedup slowdown fails only when the CPU time is significantly worse too, and
 * a CPU time significantly worse by more than PCT fails even when the disturbed walls cannot show it.
 */
export function slowdownGate(comparison: RunComparison, thresholdPct: number): GateResult {
  const result: GateResult = { failed: false, reasons: [], notes: [] };
  const cpu = comparison.metrics.find((metric) => metric.key === 'task-cpu');
  const busy = machineWasBusy(comparison);
  const cpuBacksIt = cpu?.verdict === 'worse';
  const cpuMeasured = cpu?.verdict !== undefined && cpu.verdict !== 'unavailable';
  for (const key of ['parallel-wall', 'speedup'] as const) {
    const metric = comparison.metrics.find((candidate) => candidate.key === key);
    if (!metric || metric.changePct === undefined) continue;
    // Worse as a percentage of the baseline: a 2x longer wall is +100 %, half the speedup is 50 % worse.
    const worsePct = metric.betterWhen === 'lower' ? metric.changePct : -metric.changePct;
    if (!(worsePct > thresholdPct)) continue;
    if (metric.verdict === 'worse' && busy && cpuMeasured && !cpuBacksIt) {
      const cpuVerdict = cpu ? verdictText(cpu) : '';
      result.notes.push(
        cpu?.verdict === 'better'
          ? l10n.t(
              "{0} is {1} % worse than the baseline (significant within the runs), but the machine was busy and the tasks' CPU time is lower ({2}): the load, not the code, is the likely cause. Not failing; re-run on a quieter machine to be sure.",
              metric.label,
              worsePct.toFixed(1),
              cpuVerdict,
            )
          : l10n.t(
              "{0} is {1} % worse than the baseline (significant within the runs), but the machine was busy and the tasks' CPU time is unchanged ({2}): the load, not the code, is the likely cause. Not failing; re-run on a quieter machine to be sure.",
              metric.label,
              worsePct.toFixed(1),
              cpuVerdict,
            ),
      );
    } else if (metric.verdict === 'worse') {
      result.failed = true;
      result.reasons.push(l10n.t('{0} is {1} % worse than the baseline (more than {2} %, significant: p {3}).', metric.label, worsePct.toFixed(1), thresholdPct, formatP(metric.pValue)));
    } else {
      const why = metric.note ?? l10n.t('the intervals overlap');
      result.notes.push(
        metric.verdict === 'untestable'
          ? l10n.t('{0} is {1} % worse than the baseline, but untestable: {2}.', metric.label, worsePct.toFixed(1), why)
          : l10n.t('{0} is {1} % worse than the baseline, but not significant: {2}.', metric.label, worsePct.toFixed(1), why),
      );
    }
  }
  if (!result.failed && busy && cpu?.verdict === 'worse' && cpu.changePct !== undefined && cpu.changePct > thresholdPct) {
    const load = comparison.otherCpuCores;
    const cores = (value: number | undefined) => (value === undefined ? '?' : value.toFixed(2));
    result.failed = true;
    result.reasons.push(
      l10n.t(
        'Per-task CPU is {0} % worse than the baseline (more than {1} %, significant: p {2}). Other programs used {3} and {4} cores during the two runs, so their walls cannot be compared; the CPU time is what the code costs.',
        cpu.changePct.toFixed(1),
        thresholdPct,
        formatP(cpu.pValue),
        cores(load?.baseline),
        cores(load?.current),
      ),
    );
  }
  return result;
}

/** The comparison as the CLI prints it. */
export function comparisonText(comparison: RunComparison, baselineLabel = l10n.t('baseline')): string[] {
  const out: string[] = [];
  out.push(l10n.t('Compared with the {0} (run {1} of {2}; this run {3}):', baselineLabel, comparison.baseline.id.slice(0, 8), comparison.baseline.createdAt, comparison.current.id.slice(0, 8)));
  out.push(`  ${comparison.verdict.text}`);
  if (comparison.differences.length > 0) {
    out.push(`  ${l10n.t('These runs differ in more than the code, so a change may come from that:')}`);
    for (const difference of comparison.differences) out.push(`  ! ${difference.message}`);
  }
  const rows = comparison.metrics.map((metric) => [metric.label, formatSide(metric.baseline, metric.unit), formatSide(metric.current, metric.unit), formatChange(metric)]);
  const header = ['', l10n.t('baseline'), l10n.t('this run'), l10n.t('change')];
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column].length), header[column].length));
  const line = (cells: string[]) => `  ${cells.map((cell, index) => (index < 3 ? cell.padEnd(widths[index]) : cell)).join('  ')}`.trimEnd();
  out.push(line(header));
  for (const row of rows) out.push(line(row));
  out.push(`  ${comparison.method}`);
  return out;
}
