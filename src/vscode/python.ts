// Which Python runs a .py target from the editor: the Python extension's selected interpreter (its public API), else the
// parallelRunner.pythonPath setting, else python3 on PATH (the engine's default).
import * as vscode from 'vscode';
import { SETTINGS_SECTION } from './settings';

/**
 * The part of the ms-python.python extension's public API used here (`environments`, stable since 2023.x). Typed by hand:
 * the @vscode/python-extension npm package wraps the same two calls but requires Node ≥ 22.17, above this extension's engines.
 */
interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } | undefined;
    resolveEnvironment(environment: { path: string } | string): Promise<{ executable?: { uri?: vscode.Uri } } | undefined>;
  };
}

const PYTHON_EXTENSION_ID = 'ms-python.python';

/** How long to wait for the Python extension to activate before falling back to the setting. */
const ACTIVATION_WAIT_MS = 5000;

async function fromPythonExtension(resource: vscode.Uri): Promise<string | undefined> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION_ID);
  if (!extension) return undefined;
  try {
    const api = extension.isActive
      ? extension.exports
      : await Promise.race([extension.activate(), new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ACTIVATION_WAIT_MS))]);
    const environments = api?.environments;
    const active = environments?.getActiveEnvironmentPath(resource);
    if (!environments || !active?.path) return undefined;
    const resolved = await environments.resolveEnvironment(active).catch(() => undefined);
    return resolved?.executable?.uri?.fsPath ?? active.path;
  } catch {
    // A broken or older Python extension: the setting and PATH still work.
    return undefined;
  }
}

/** The interpreter for this document; undefined means python3 on PATH. */
export async function pythonPathFor(document: vscode.TextDocument): Promise<string | undefined> {
  const fromExtension = document.uri.scheme === 'file' || document.isUntitled ? await fromPythonExtension(document.uri) : undefined;
  if (fromExtension) return fromExtension;
  const setting = vscode.workspace.getConfiguration(SETTINGS_SECTION, document.uri).get<string>('pythonPath')?.trim();
  return setting ? setting : undefined;
}
