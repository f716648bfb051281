// "Run in pool · <last result> · Compare · Sweep" above each runnable top-level target; off with parallelRunner.codeLens.
import * as vscode from 'vscode';
import { listTargets } from '../core/locate';
import { isPythonFile } from '../core/python/interpreter';
import { listPythonTargets } from '../core/python/locate';
import { baselineChangeText, lastRunText } from '../shared/historyFormat';
import { Commands, type OpenRunCommandArgs, type RunCommandArgs } from './commandIds';
import type { LastRunLookup } from './historyController';
import { pythonPathFor } from './python';
import { engineFilePath, RUNNABLE_LANGUAGES } from './runTarget';
import { readRunSettings, SETTINGS_SECTION } from './settings';

export const CODELENS_SELECTOR: vscode.DocumentSelector = RUNNABLE_LANGUAGES.flatMap((language) => [
  { language, scheme: 'file' },
  { language, scheme: 'untitled' },
]);

export class TargetCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly configListener: vscode.Disposable;
  private readonly historyListener: vscode.Disposable | undefined;
  /** "3 min ago" moves on: the lenses are asked again every minute while one shows a last run. */
  private clockTimer: NodeJS.Timeout | undefined;

  constructor(private readonly lastRuns?: LastRunLookup) {
    this.configListener = vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(`${SETTINGS_SECTION}.codeLens`) || event.affectsConfiguration(`${SETTINGS_SECTION}.pythonPath`)) this.changed.fire();
    });
    this.historyListener = lastRuns?.onDidChange(() => this.changed.fire());
  }

  async provideCodeLenses(document: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    if (!readRunSettings(document.uri).codeLens) return [];
    let file: string;
    try {
      file = engineFilePath(document);
    } catch {
      return [];
    }
    let targets;
    try {
      targets = isPythonFile(file)
        ? await listPythonTargets(document.getText(), file, { pythonPath: await pythonPathFor(document), distDir: __dirname })
        : await listTargets(document.getText(), file);
    } catch {
      // A parser failure must never break the editor; the run command reports problems properly.
      return [];
    }
    if (token.isCancellationRequested) return [];
    const now = Date.now();
    let showsLastRun = false;
    const lenses = targets.flatMap((target) => {
      const position = new vscode.Position(Math.max(0, target.line - 1), Math.max(0, target.column - 1));
      const range = new vscode.Range(position, position);
      const args: RunCommandArgs = { uri: document.uri, name: target.name };
      // From the history's index in memory: providing never reads the disk.
      const last = document.uri.scheme === 'file' ? this.lastRuns?.lastRun(document.uri.fsPath, target.name) : undefined;
      const lastLens: vscode.CodeLens[] = [];
      if (last) {
        showsLastRun = true;
        const open: OpenRunCommandArgs = { runId: last.entry.id };
        const change = last.entry.vsBaseline ? ` · ${baselineChangeText(last.entry.vsBaseline, true)}` : last.baseline?.id === last.entry.id ? ' · baseline' : '';
        const fullChange = last.entry.vsBaseline ? `\n${baselineChangeText(last.entry.vsBaseline)}` : '';
        const interval = last.entry.speedup && last.entry.speedup.n > 1 ? `95 % interval ${last.entry.speedup.low.toFixed(2)}–${last.entry.speedup.high.toFixed(2)}×, ${last.entry.speedup.n} pairs` : 'one pair: no interval';
        lastLens.push(
          new vscode.CodeLens(range, {
            title: `${lastRunText(last.entry, now)}${change}`,
            tooltip: `Last run of ${target.name} (${new Date(last.entry.createdAt).toLocaleString()}, ${last.entry.backend}, ${interval}): click to open it${fullChange}`,
            command: Commands.openRun,
            arguments: [open],
          }),
        );
      }
      return [
        new vscode.CodeLens(range, { title: '$(play) Run in pool', tooltip: `Run ${target.name} serially, then across the worker pool, and compare`, command: Commands.run, arguments: [args] }),
        ...lastLens,
        new vscode.CodeLens(range, { title: 'Compare', tooltip: `Benchmark ${target.name}: serial vs parallel with warm-up and repeats (mean ± σ)`, command: Commands.benchmark, arguments: [args] }),
        new vscode.CodeLens(range, { title: 'Sweep', tooltip: `Run ${target.name} on 1…N workers and fit Amdahl's law`, command: Commands.sweep, arguments: [args] }),
      ];
    });
    if (showsLastRun && !this.clockTimer) {
      this.clockTimer = setInterval(() => this.changed.fire(), 60_000);
      this.clockTimer.unref?.();
    }
    return lenses;
  }

  dispose(): void {
    clearInterval(this.clockTimer);
    this.historyListener?.dispose();
    this.configListener.dispose();
    this.changed.dispose();
  }
}
