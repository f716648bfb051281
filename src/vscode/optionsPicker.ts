// "Run with Options…": one quick pick listing backend, workers, warm-up, repeats and serial comparison; pick a row to change it.
import * as vscode from 'vscode';
import type { BackendKind, RunOptions } from '../shared/report';
import { coreCount } from './settings';

type OptionKey = 'backend' | 'workers' | 'warmupRuns' | 'repeats' | 'compareWithSerial';

interface SheetItem extends vscode.QuickPickItem {
  key?: OptionKey;
  run?: boolean;
}

interface ValueItem<T> extends vscode.QuickPickItem {
  value: T;
}

/** The chosen options, or undefined when the user dismissed the picker. */
/** How each backend reads for a Python target, which runs on Python's own pools. */
const PYTHON_BACKENDS = {
  threads: { description: 'ThreadPoolExecutor', detail: vscode.l10n.t('One interpreter, a native thread per worker; CPU-bound Python takes turns on the GIL') },
  processes: { description: vscode.l10n.t('multiprocessing Pool (spawn)'), detail: vscode.l10n.t('One PID per worker process; the module is imported in each') },
};

export async function pickRunOptions(initial: RunOptions, targetName: string, python = false): Promise<RunOptions | undefined> {
  const options = { ...initial };
  let focus: OptionKey | undefined;
  for (;;) {
    const choice = await showSheet(options, targetName, focus, python);
    if (!choice) return undefined;
    if (choice.run) return options;
    if (!choice.key) continue;
    focus = choice.key;
    const changed = await pickValue(choice.key, options, python);
    if (changed) Object.assign(options, changed);
  }
}

function showSheet(options: RunOptions, targetName: string, focus: OptionKey | undefined, python: boolean): Promise<SheetItem | undefined> {
  const cores = coreCount();
  const items: SheetItem[] = [
    { label: vscode.l10n.t('$(play) Run {0}', targetName), description: describeOptions(options), run: true },
    { label: '', kind: vscode.QuickPickItemKind.Separator },
    {
      key: 'backend',
      label: vscode.l10n.t('$(server-process) Backend'),
      description: options.backend,
      detail: python
        ? PYTHON_BACKENDS[options.backend].detail
        : options.backend === 'threads'
          ? vscode.l10n.t('Worker threads: one PID, a thread ID per worker')
          : vscode.l10n.t('Child processes: one PID per worker, like multiprocessing.Pool'),
    },
    { key: 'workers', label: vscode.l10n.t('$(organization) Workers'), description: `${options.workers}${options.workers === cores ? vscode.l10n.t(' (one per core)') : ''}` },
    { key: 'warmupRuns', label: vscode.l10n.t('$(flame) Warm-up runs'), description: String(options.warmupRuns), detail: vscode.l10n.t('Untimed runs first, so JIT compilation and pool start-up are not measured') },
    { key: 'repeats', label: vscode.l10n.t('$(history) Pairs'), description: options.repeats === 0 ? vscode.l10n.t('auto') : String(options.repeats), detail: vscode.l10n.t('Serial/parallel pairs, interleaved; auto repeats them until the speedup is known to ±5 %') },
    { key: 'compareWithSerial', label: vscode.l10n.t('$(arrow-both) Compare with serial'), description: options.compareWithSerial ? vscode.l10n.t('on') : vscode.l10n.t('off'), detail: vscode.l10n.t('Run the tasks one after another first, to compute the speedup') },
  ];
  return new Promise((resolve) => {
    const pick = vscode.window.createQuickPick<SheetItem>();
    pick.title = vscode.l10n.t('Run {0} with options', targetName);
    pick.placeholder = vscode.l10n.t('Pick an option to change it, or Run');
    pick.items = items;
    pick.ignoreFocusOut = true;
    const focused = items.find((item) => item.key === focus) ?? items[0];
    pick.activeItems = [focused];
    let chosen: SheetItem | undefined;
    pick.onDidAccept(() => {
      chosen = pick.selectedItems[0] ?? pick.activeItems[0];
      pick.hide();
    });
    pick.onDidHide(() => {
      pick.dispose();
      resolve(chosen);
    });
    pick.show();
  });
}

async function pickValue(key: OptionKey, options: RunOptions, python: boolean): Promise<Partial<RunOptions> | undefined> {
  const cores = coreCount();
  switch (key) {
    case 'backend': {
      const items: ValueItem<BackendKind>[] = python
        ? (['threads', 'processes'] as const).map((backend) => ({ label: backend, value: backend, ...PYTHON_BACKENDS[backend] }))
        : [
            { label: 'threads', value: 'threads', description: vscode.l10n.t('worker threads (piscina)'), detail: vscode.l10n.t('Fast to start; tasks share one process, so one PID and several thread IDs') },
            { label: 'processes', value: 'processes', description: vscode.l10n.t('child processes'), detail: vscode.l10n.t('One PID per worker; slower to start, fully isolated memory') },
          ];
      const choice = await pickOne(items, vscode.l10n.t('Backend'), options.backend);
      return choice === undefined ? undefined : { backend: choice };
    }
    case 'workers': {
      const counts = [...new Set([1, 2, 4, 8, cores, cores * 2, options.workers])].filter((n) => n >= 1).sort((a, b) => a - b);
      const items: ValueItem<number>[] = counts.map((n) => ({ label: String(n), value: n, description: n === cores ? vscode.l10n.t('one per core') : n > cores ? vscode.l10n.t('more than cores: helps only when tasks wait (I/O, timers)') : undefined }));
      const choice = await pickOne(items, vscode.l10n.t('Workers'), options.workers);
      return choice === undefined ? undefined : { workers: choice };
    }
    case 'warmupRuns': {
      const items: ValueItem<number>[] = [0, 1, 2, 3, 5].map((n) => ({ label: String(n), value: n, description: n === 0 ? vscode.l10n.t('measure the first run (cold)') : undefined }));
      const choice = await pickOne(items, vscode.l10n.t('Warm-up runs'), options.warmupRuns);
      return choice === undefined ? undefined : { warmupRuns: choice };
    }
    case 'repeats': {
      const items: ValueItem<number>[] = [0, 1, 3, 5, 10, 20].map((n) => ({
        label: n === 0 ? vscode.l10n.t('auto') : String(n),
        value: n,
        description: n === 0 ? vscode.l10n.t('until the speedup is known to ±5 % or the time budget is spent') : n === 1 ? vscode.l10n.t('one pair: no interval') : vscode.l10n.t('{0} serial/parallel pairs, with a 95 % interval', n),
      }));
      const choice = await pickOne(items, vscode.l10n.t('Repeats'), options.repeats);
      return choice === undefined ? undefined : { repeats: choice };
    }
    case 'compareWithSerial': {
      const items: ValueItem<boolean>[] = [
        { label: vscode.l10n.t('on'), value: true, description: vscode.l10n.t('serial baseline first, then the parallel run; shows the speedup') },
        { label: vscode.l10n.t('off'), value: false, description: vscode.l10n.t('only the parallel run') },
      ];
      const choice = await pickOne(items, vscode.l10n.t('Compare with serial'), options.compareWithSerial);
      return choice === undefined ? undefined : { compareWithSerial: choice };
    }
  }
}

async function pickOne<T>(items: ValueItem<T>[], title: string, current: T): Promise<T | undefined> {
  const choice = await vscode.window.showQuickPick(
    items.map((item) => ({ ...item, label: item.value === current ? vscode.l10n.t('$(check) {0}', item.label) : item.label })),
    { title, placeHolder: vscode.l10n.t('{0}: now {1}', title, String(current)), ignoreFocusOut: true },
  );
  return choice?.value;
}

/** `threads · 4 workers · 1 warm-up · 5 repeats · vs serial` */
export function describeOptions(options: RunOptions): string {
  const parts: string[] = [options.backend, options.workers === 1 ? vscode.l10n.t('1 worker') : vscode.l10n.t('{0} workers', options.workers)];
  if (options.warmupRuns > 0) parts.push(vscode.l10n.t('{0} warm-up', options.warmupRuns));
  if (options.repeats > 1) parts.push(vscode.l10n.t('{0} pairs', options.repeats));
  parts.push(options.compareWithSerial ? vscode.l10n.t('vs serial') : vscode.l10n.t('no serial run'));
  return parts.join(' · ');
}
