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
  threads: { description: 'ThreadPoolExecutor', detail: 'One interpreter, a native thread per worker; CPU-bound Python takes turns on the GIL' },
  processes: { description: 'multiprocessing Pool (spawn)', detail: 'One PID per worker process; the module is imported in each' },
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
    { label: `$(play) Run ${targetName}`, description: describeOptions(options), run: true },
    { label: '', kind: vscode.QuickPickItemKind.Separator },
    {
      key: 'backend',
      label: '$(server-process) Backend',
      description: options.backend,
      detail: python
        ? PYTHON_BACKENDS[options.backend].detail
        : options.backend === 'threads'
          ? 'Worker threads: one PID, a thread ID per worker'
          : 'Child processes: one PID per worker, like multiprocessing.Pool',
    },
    { key: 'workers', label: '$(organization) Workers', description: `${options.workers}${options.workers === cores ? ' (one per core)' : ''}` },
    { key: 'warmupRuns', label: '$(flame) Warm-up runs', description: String(options.warmupRuns), detail: 'Untimed runs first, so JIT compilation and pool start-up are not measured' },
    { key: 'repeats', label: '$(history) Pairs', description: options.repeats === 0 ? 'auto' : String(options.repeats), detail: 'Serial/parallel pairs, interleaved; auto repeats them until the speedup is known to ±5 %' },
    { key: 'compareWithSerial', label: '$(arrow-both) Compare with serial', description: options.compareWithSerial ? 'on' : 'off', detail: 'Run the tasks one after another first, to compute the speedup' },
  ];
  return new Promise((resolve) => {
    const pick = vscode.window.createQuickPick<SheetItem>();
    pick.title = `Run ${targetName} with options`;
    pick.placeholder = 'Pick an option to change it, or Run';
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
            { label: 'threads', value: 'threads', description: 'worker threads (piscina)', detail: 'Fast to start; tasks share one process, so one PID and several thread IDs' },
            { label: 'processes', value: 'processes', description: 'child processes', detail: 'One PID per worker; slower to start, fully isolated memory' },
          ];
      const choice = await pickOne(items, 'Backend', options.backend);
      return choice === undefined ? undefined : { backend: choice };
    }
    case 'workers': {
      const counts = [...new Set([1, 2, 4, 8, cores, cores * 2, options.workers])].filter((n) => n >= 1).sort((a, b) => a - b);
      const items: ValueItem<number>[] = counts.map((n) => ({ label: String(n), value: n, description: n === cores ? 'one per core' : n > cores ? 'more than cores: helps only when tasks wait (I/O, timers)' : undefined }));
      const choice = await pickOne(items, 'Workers', options.workers);
      return choice === undefined ? undefined : { workers: choice };
    }
    case 'warmupRuns': {
      const items: ValueItem<number>[] = [0, 1, 2, 3, 5].map((n) => ({ label: String(n), value: n, description: n === 0 ? 'measure the first run (cold)' : undefined }));
      const choice = await pickOne(items, 'Warm-up runs', options.warmupRuns);
      return choice === undefined ? undefined : { warmupRuns: choice };
    }
    case 'repeats': {
      const items: ValueItem<number>[] = [0, 1, 3, 5, 10, 20].map((n) => ({
        label: n === 0 ? 'auto' : String(n),
        value: n,
        description: n === 0 ? 'until the speedup is known to ±5 % or the time budget is spent' : n === 1 ? 'one pair: no interval' : `${n} serial/parallel pairs, with a 95 % interval`,
      }));
      const choice = await pickOne(items, 'Repeats', options.repeats);
      return choice === undefined ? undefined : { repeats: choice };
    }
    case 'compareWithSerial': {
      const items: ValueItem<boolean>[] = [
        { label: 'on', value: true, description: 'serial baseline first, then the parallel run; shows the speedup' },
        { label: 'off', value: false, description: 'only the parallel run' },
      ];
      const choice = await pickOne(items, 'Compare with serial', options.compareWithSerial);
      return choice === undefined ? undefined : { compareWithSerial: choice };
    }
  }
}

async function pickOne<T>(items: ValueItem<T>[], title: string, current: T): Promise<T | undefined> {
  const choice = await vscode.window.showQuickPick(
    items.map((item) => ({ ...item, label: item.value === current ? `$(check) ${item.label}` : item.label })),
    { title, placeHolder: `${title}: now ${String(current)}`, ignoreFocusOut: true },
  );
  return choice?.value;
}

/** `threads · 4 workers · 1 warm-up · 5 repeats · vs serial` */
export function describeOptions(options: RunOptions): string {
  const parts: string[] = [options.backend, `${options.workers} ${options.workers === 1 ? 'worker' : 'workers'}`];
  if (options.warmupRuns > 0) parts.push(`${options.warmupRuns} warm-up`);
  if (options.repeats > 1) parts.push(`${options.repeats} pairs`);
  parts.push(options.compareWithSerial ? 'vs serial' : 'no serial run');
  return parts.join(' · ');
}
