// The engine's and the workers' messages in the user's language. They are written in English, each through
// @vscode/l10n's l10n.t, and translated from the extension's l10n bundle (the file vscode.l10n.uri names) once the
// extension hands its path over. The CLI hands none over and speaks English. Workers get the path from the pool (threads:
// workerData, processes: an environment variable) and read the bundle themselves, so a task's error reads the same
// language as the panel around it. Strings must be made when used, not at module load, which comes before the bundle.
import * as l10n from '@vscode/l10n';

/** The environment variable a worker process finds the bundle's path in. */
export const L10N_BUNDLE_VARIABLE = 'PARALLEL_RUNNER_L10N_BUNDLE';

let bundlePath: string | undefined;

/** Translates the engine's messages from the bundle at `fsPath` (none: English). A bundle that cannot be read leaves English. */
export function useL10nBundle(fsPath: string | undefined): void {
  if (!fsPath || fsPath === bundlePath) return;
  try {
    l10n.config({ fsPath });
    bundlePath = fsPath;
  } catch (error) {
    console.error(`parallel-runner: cannot read the l10n bundle ${fsPath}; messages stay in English`, error);
  }
}

/** The bundle the engine translates from, for the workers it starts; undefined when it speaks English. */
export function l10nBundlePath(): string | undefined {
  return bundlePath;
}
