// Which Python runs a .py target, and the clear message when there is none. No `vscode` import: the extension passes the
// Python extension's selected interpreter (or the parallelRunner.pythonPath setting) in as `pythonPath`.
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import * as l10n from '@vscode/l10n';
import { UserError } from '../api';

/** Files the engine runs with a Python interpreter instead of bundling. */
export function isPythonFile(file: string): boolean {
  return /\.pyw?$/i.test(file);
}

/** The interpreter to start when nothing was chosen: `python3` on PATH (`python` on Windows, where python3 is often a Store stub). */
export function defaultPythonCommand(): string {
  return process.platform === 'win32' ? 'python' : 'python3';
}

export function pythonCommand(pythonPath: string | undefined): string {
  const chosen = pythonPath?.trim();
  return chosen ? chosen : defaultPythonCommand();
}

/** Folder of the shipped Python scripts (driver.py, locate.py): esbuild copies src/python to dist/python. */
export function pythonScriptsDir(distDir: string): string {
  return path.join(distDir, 'python');
}

/** Oldest Python the driver and the locator support (ast end_lineno, threading.get_native_id). */
export const MIN_PYTHON = [3, 8] as const;

/** No usable interpreter: the editor offers to open the setting it names. */
export class PythonNotFoundError extends UserError {
  readonly setting = 'parallelRunner.pythonPath';
}

/** The message for an interpreter that could not be started, saying what to set. */
export function missingInterpreterError(command: string, cause: string): UserError {
  return new PythonNotFoundError(
    l10n.t(
      'No Python interpreter could be started for this .py file: `{0}` {1}. Select an interpreter with the Python extension (Python: Select Interpreter), set `parallelRunner.pythonPath` to a python executable, or pass --python PATH to the CLI. Parallel Runner needs Python {2} or later; TS and JS runs are not affected.',
      command,
      cause,
      MIN_PYTHON.join('.'),
    ),
  );
}

/** Reads the spawn error of an interpreter that would not start as the reason a user can act on. */
export function describeSpawnFailure(error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT') return l10n.t('was not found (not on PATH, or the path does not exist)');
  if (error.code === 'EACCES') return l10n.t('is not executable');
  return l10n.t('could not be started ({0})', error.message);
}

export interface InterpreterInfo {
  executable: string;
  version: string;
  freeThreaded: boolean;
}

/** Asks the interpreter who it is (used by the CLI's --python check and tests); UserError when it cannot be started. */
export function probeInterpreter(pythonPath: string | undefined): Promise<InterpreterInfo> {
  const command = pythonCommand(pythonPath);
  const script =
    'import json, sys; g = getattr(sys, "_is_gil_enabled", None); ' +
    'print(json.dumps({"executable": sys.executable, "version": sys.version.split()[0], "freeThreaded": bool(g is not None and not g())}))';
  return new Promise((resolve, reject) => {
    execFile(command, ['-c', script], { timeout: 20_000, windowsHide: true }, (error, stdout) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException).code;
        reject(missingInterpreterError(command, typeof code === 'string' ? describeSpawnFailure(error as NodeJS.ErrnoException) : l10n.t('failed: {0}', error.message.trim())));
        return;
      }
      try {
        resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as InterpreterInfo);
      } catch {
        reject(missingInterpreterError(command, l10n.t('did not answer as a Python interpreter does (printed {0})', JSON.stringify(stdout.slice(0, 200)))));
      }
    });
  });
}
