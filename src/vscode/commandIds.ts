// Command ids and the argument objects they accept; package.json's `contributes.commands` lists the same ids.
import type * as vscode from 'vscode';
import type { RunOptions } from '../shared/report';
import type { ExportFormat } from '../shared/protocol';

export const Commands = {
  run: 'parallelRunner.run',
  runWithOptions: 'parallelRunner.runWithOptions',
  benchmark: 'parallelRunner.benchmark',
  sweep: 'parallelRunner.sweep',
  rerunLast: 'parallelRunner.rerunLast',
  cancel: 'parallelRunner.cancel',
  showPanel: 'parallelRunner.showPanel',
  exportReport: 'parallelRunner.exportReport',
  openSample: 'parallelRunner.openSample',
  openPythonSample: 'parallelRunner.openPythonSample',
  setBaseline: 'parallelRunner.setBaseline',
  clearBaseline: 'parallelRunner.clearBaseline',
  compareRuns: 'parallelRunner.compareRuns',
  openRun: 'parallelRunner.openRun',
  cleanUpHistory: 'parallelRunner.cleanUpHistory',
} as const;

export type CommandId = (typeof Commands)[keyof typeof Commands];

/** Context keys that package.json's `when` clauses read. */
export const ContextKeys = {
  running: 'parallelRunner.running',
  hasLastRun: 'parallelRunner.hasLastRun',
  hasReport: 'parallelRunner.hasReport',
} as const;

/**
 * What CodeLens, the panel and tests pass to a run command instead of answering prompts.
 * Every field is optional: a missing one is taken from the active editor or asked for.
 */
export interface RunCommandArgs {
  /** The file to run from (a Uri or its string form); default: the active editor's document. */
  uri?: vscode.Uri | string;
  /** The target's name (`longTimeTask`, `MyProcess`, `Primes.count`); wins over `offset`. */
  name?: string;
  /** A UTF-16 offset into the document, as document.offsetAt gives. */
  offset?: number;
  /** The inputs: JSON or JS expression text, or an array of argument lists; skips the input box. */
  inputs?: string | unknown[];
  /** Overrides over the settings; for Run with Options… it also skips the options picker. */
  options?: Partial<RunOptions>;
  /** For Sweep Workers: the worker counts to try; default 1…N. */
  sweepWorkers?: number[];
}

export interface ExportCommandArgs {
  format?: ExportFormat;
  /** Where to write; skips the save dialog. */
  uri?: vscode.Uri | string;
}

/** Open Run (CodeLens, tests): a run of the history by id. */
export interface OpenRunCommandArgs {
  runId: string;
}

/** How a run command shapes the run: a plain run, a benchmark with repeats, or a sweep over worker counts. */
export type RunMode = 'run' | 'options' | 'benchmark' | 'sweep';
