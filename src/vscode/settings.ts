// Reads the parallelRunner.* settings at the start of each run, so a change applies to the next run.
import * as os from 'node:os';
import * as vscode from 'vscode';
import type { BackendKind, RunOptions } from '../shared/report';

export const SETTINGS_SECTION = 'parallelRunner';

export interface RunSettings {
  options: RunOptions;
  maxPreviewChars: number;
  codeLens: boolean;
}

/** The settings in force for a file (folder-level settings win over user settings). */
export function readRunSettings(scope?: vscode.ConfigurationScope): RunSettings {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION, scope);
  const backend: BackendKind = config.get<string>('backend') === 'processes' ? 'processes' : 'threads';
  const memory = nonNegative(config.get<number>('workerMemoryLimitMb'), 0);
  return {
    options: {
      backend,
      workers: resolveWorkers(config.get<number>('workers')),
      compareWithSerial: config.get<boolean>('compareWithSerial') ?? true,
      warmupRuns: Math.floor(nonNegative(config.get<number>('warmupRuns'), 0)),
      repeats: Math.floor(nonNegative(config.get<number>('repeats'), 0)),
      measureSeconds: Math.max(1, nonNegative(config.get<number>('measureSeconds'), 10)),
      taskTimeoutSeconds: nonNegative(config.get<number>('taskTimeoutSeconds'), 0),
      ...(memory > 0 ? { workerMemoryLimitMb: Math.floor(memory) } : {}),
    },
    maxPreviewChars: Math.max(40, Math.floor(nonNegative(config.get<number>('maxResultPreviewChars'), 2000))),
    codeLens: config.get<boolean>('codeLens') ?? true,
  };
}

/** `0` (or anything not a positive number) means one worker per core. */
export function resolveWorkers(setting: number | undefined): number {
  return typeof setting === 'number' && setting >= 1 ? Math.floor(setting) : coreCount();
}

export function coreCount(): number {
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}

function nonNegative(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
}
