// What the run history keeps of each run, in memory and in its index: shared by the store, the CodeLens and the panel.
import type { ChangeVerdict } from './comparison';
import type { BackendKind, RunReport } from './report';

/** What the history list and the CodeLens show of one run, kept in the index so neither reads a report. */
export interface HistoryEntry {
  id: string;
  createdAt: string;
  status: RunReport['status'];
  backend: BackendKind;
  workers: number;
  tasks: number;
  parallelMs: number;
  /** The speedup with its interval; absent without a serial run. */
  speedup?: { median: number; low: number; high: number; n: number };
  /** The stored file's name in the runs folder and its size on disk. */
  fileName: string;
  bytes: number;
  /** How this run compared with the function's baseline when it finished. */
  vsBaseline?: BaselineChange;
}

export interface BaselineChange {
  baselineId: string;
  /** Speedup change, percent, and its verdict. */
  speedupChangePct?: number;
  speedupVerdict: ChangeVerdict;
  parallelChangePct?: number;
  parallelVerdict: ChangeVerdict;
  /** The comparison's overall verdict, and the figure that shows it most clearly (`per-task CPU +101 %`). */
  verdict?: 'slower' | 'faster' | 'mixed' | 'no-change' | 'untestable';
  verdictFigure?: string;
  /** True when inputs, workers, backend or the machine differed from the baseline's. */
  mismatched: boolean;
}

export interface FunctionHistory {
  /** The file relative to the workspace folder (absolute outside any folder), with / separators. */
  file: string;
  /** The target's name (`crunch`, `Primes.count`). */
  name: string;
  baselineId?: string;
  /** Oldest first. */
  runs: HistoryEntry[];
}
