// How a run's backend is described to people (panel card, CLI heading): the JS pools, or the Python interpreter and pool.
import * as l10n from '@vscode/l10n';
import type { BackendKind, PythonRuntimeInfo } from './report';

/** `Python 3.11.7 · multiprocessing Pool (spawn)`, `Python 3.13.1 · ThreadPoolExecutor · free-threaded (no GIL)`. */
export function pythonPoolLabel(runtime: PythonRuntimeInfo, backend: BackendKind | undefined): string {
  const name = runtime.implementation && runtime.implementation !== 'cpython' ? `${runtime.implementation} ${runtime.version}` : `Python ${runtime.version}`;
  if (backend === 'processes') return `${name} · multiprocessing Pool (${runtime.startMethod ?? 'spawn'})`;
  return `${name} · ThreadPoolExecutor · ${runtime.freeThreaded ? l10n.t('free-threaded (no GIL)') : l10n.t('with the GIL')}`;
}

/** The notes under the Backend card. */
export function backendNotes(backend: BackendKind | undefined, runtime: PythonRuntimeInfo | undefined): string[] {
  if (runtime) return [pythonPoolLabel(runtime, backend), runtime.executable];
  return backend === 'processes' ? [l10n.t('child processes')] : backend === 'threads' ? [l10n.t('worker threads (piscina)')] : [];
}
