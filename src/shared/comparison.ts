// The comparison of two runs (a baseline and a current run): shared by the engine's compare, the CLI, the panel and exports.

/** What is compared; `segment:<key>` is one term of the account of the parallel wall time. */
export type ComparisonMetricKey = 'speedup' | 'serial-wall' | 'parallel-wall' | 'task-median' | 'task-cpu' | 'machine-load' | `segment:${string}`;

/** One run's side of a metric: its central value and 95 % interval over that run's repeated pairs. */
export interface MetricSide {
  value: number;
  /** 95 % interval; equal to value when n is 1 (no interval can be given). */
  low: number;
  high: number;
  /** Samples (pairs, phases) the figure comes from. */
  n: number;
}

/**
 * - worse / better: significant (Welch's t-test p < 0.05 and the two runs' 95 % intervals do not overlap)
 * - not-significant: the intervals overlap or p ≥ 0.05, whatever the percentage
 * - untestable: one side has a single sample, so there is no spread to test against
 * - unavailable: one side has no figure at all (no serial run, no account)
 */
export type ChangeVerdict = 'worse' | 'better' | 'not-significant' | 'untestable' | 'unavailable';

export interface MetricComparison {
  key: ComparisonMetricKey;
  label: string;
  /** ms, a ratio (×), or CPU cores (other programs' use of the machine). */
  unit: 'ms' | 'x' | 'cores';
  /** Which way is an improvement. */
  betterWhen: 'lower' | 'higher';
  baseline?: MetricSide;
  current?: MetricSide;
  /** current − baseline, in the metric's unit. */
  delta?: number;
  /** current ÷ baseline − 1, percent; absent when the baseline is 0 or missing. */
  changePct?: number;
  /** 95 % interval of changePct (from Welch's interval on the difference). */
  changeLowPct?: number;
  changeHighPct?: number;
  /** Welch's two-sided p-value; absent when untestable. */
  pValue?: number;
  verdict: ChangeVerdict;
  /** Why the verdict is untestable or unavailable, in a sentence. */
  note?: string;
}

export type ComparisonDifferenceKind = 'target' | 'inputs' | 'workers' | 'backend' | 'machine' | 'options' | 'load';

/** Something other than the code that differs between the two runs, stated above the comparison. */
export interface ComparisonDifference {
  kind: ComparisonDifferenceKind;
  message: string;
}

export interface RunRef {
  id: string;
  createdAt: string;
  status: string;
}

export interface RunComparison {
  baseline: RunRef;
  current: RunRef;
  /** Empty when the runs differ only in the code: same target, inputs, workers, backend and machine. */
  differences: ComparisonDifference[];
  metrics: MetricComparison[];
  /** The answer in one line: slower, faster, mixed, no significant change, or untestable, naming the figures. */
  verdict: { kind: 'slower' | 'faster' | 'mixed' | 'no-change' | 'untestable'; text: string };
  /** Mean CPU other programs used during each run's measured phases, in cores; absent where it can't be read. */
  otherCpuCores?: { baseline?: number; current?: number };
  /** How significance was decided, for the footnote. */
  method: string;
}
