// The engine's public contract: what the CLI, the extension and the benchmarks call. No `vscode` import.
import type { RunEvent } from '../shared/events';
import type { RunOptions, RunReport, SourceLocation, TargetInfo } from '../shared/report';

/** Where the target is: a cursor offset into the source (UTF-16, as VS Code's document.offsetAt) or a name. */
export interface TargetSelector {
  offset?: number;
  /** `doSomething`, `MyProcess`, `Primes.count` or `default`. */
  name?: string;
}

export interface RunRequest {
  /** Absolute path of the user's file. For an untitled editor, a path in the workspace folder that need not exist. */
  file: string;
  /** The editor's current text when it differs from disk (unsaved or untitled); default: the file's contents. */
  source?: string;
  target: TargetSelector;
  /** A JSON array of argument lists, a JS expression that evaluates to one, or an already-parsed array. */
  inputs: string | unknown[];
  options?: Partial<RunOptions>;
  /** Run the parallel phase once for each of these worker counts (the serial phase once) and fit Amdahl's law. */
  sweepWorkers?: number[];
  /** Per-task cap on captured console text, in characters (default 64 KiB). */
  maxLogChars?: number;
  /** Cap on the rendered result and arguments in the report (default 2,000 characters). */
  maxPreviewChars?: number;
  /** Split tiny tasks into chunks per dispatch; 'auto' chunks only when tasks are shorter than dispatch overhead. */
  chunkSize?: number | 'auto';
  /** .py targets: the interpreter to run (the Python extension's choice, a setting, --python); default python3 on PATH. */
  pythonPath?: string;
  /** .py targets on the processes backend: multiprocessing's start method (default spawn). */
  pythonStartMethod?: 'spawn' | 'fork' | 'forkserver';
}

export interface RunOutcome {
  report: RunReport;
  /** Return values of the last parallel repeat in input order (as starmap returns them); undefined where a task failed. */
  results: unknown[];
}

export interface RunHandlers {
  onEvent?: (event: RunEvent) => void;
  signal?: AbortSignal;
}

export interface EngineOptions {
  /** Folder holding the built worker entries (taskWorker.js, processWorker.js). Default: the folder of the running bundle. */
  distDir?: string;
  /** Folder for bundles (content-hashed). Default: os.tmpdir()/parallel-runner-cache. */
  cacheDir?: string;
  /** Warm pools are destroyed after this long unused (default 60 s). Their timers are unref'd. */
  idleTimeoutMs?: number;
}

/** A mistake the user can fix (syntax error, unsupported target, bad inputs): the message says what and how. */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    message: string,
    readonly location?: SourceLocation,
  ) {
    super(message);
  }
}

export type { TargetInfo };
