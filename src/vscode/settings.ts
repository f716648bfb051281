// Reads the parallelRunner.* settings at the start of each run, so a change applies to the next run. Every number is held
// to the range package.json declares: VS Code does not enforce a schema, and a repository's .vscode/settings.json can say
// anything (`"workers": 100000` started 1,011 threads).
import * as os from 'node:os';
import * as vscode from 'vscode';
import { contributes } from '../../package.json';
import { MIN_MEMORY_LIMIT_MB } from '../shared/limits';
import type { BackendKind, RunOptions } from '../shared/report';

export const SETTINGS_SECTION = 'parallelRunner';

export interface RunSettings {
  options: RunOptions;
  maxPreviewChars: number;
  codeLens: boolean;
}

interface NumberSchema {
  type?: string;
  minimum?: number;
  maximum?: number;
}

const SCHEMA = contributes.configuration.properties as Record<string, NumberSchema | undefined>;

/**
 * A number setting within its schema: `fallback` when unset or not a finite number, whole for an integer setting, and
 * clamped to the declared minimum and maximum.
 */
export function numberSetting(key: string, value: unknown, fallback: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return fallback;
  const schema = SCHEMA[`${SETTINGS_SECTION}.${key}`] ?? {};
  const whole = schema.type === 'integer' ? Math.floor(value) : value;
  return Math.min(schema.maximum ?? Infinity, Math.max(schema.minimum ?? -Infinity, whole));
}

/** The settings in force for a file (folder-level settings win over user settings). */
export function readRunSettings(scope?: vscode.ConfigurationScope): RunSettings {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION, scope);
  const read = (key: string, fallback: number) => numberSetting(key, config.get<unknown>(key), fallback);
  const backend: BackendKind = config.get<string>('backend') === 'processes' ? 'processes' : 'threads';
  const memory = read('workerMemoryLimitMb', 0);
  return {
    options: {
      backend,
      workers: resolveWorkers(read('workers', 0)),
      compareWithSerial: config.get<boolean>('compareWithSerial') ?? true,
      warmupRuns: read('warmupRuns', 0),
      repeats: read('repeats', 0),
      measureSeconds: Math.max(1, read('measureSeconds', 10)),
      taskTimeoutSeconds: read('taskTimeoutSeconds', 0),
      // Below this a worker can't even load Node: the limit is raised to it rather than every task failing.
      ...(memory > 0 ? { workerMemoryLimitMb: Math.max(MIN_MEMORY_LIMIT_MB, memory) } : {}),
    },
    maxPreviewChars: read('maxResultPreviewChars', 2000),
    codeLens: config.get<boolean>('codeLens') ?? true,
  };
}

/** `0` (or anything not a positive number) means one worker per core; more than the schema's maximum is held to it. */
export function resolveWorkers(setting: number | undefined): number {
  return typeof setting === 'number' && setting >= 1 ? numberSetting('workers', setting, 1) : coreCount();
}

export function coreCount(): number {
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}
