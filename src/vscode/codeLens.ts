// "Run in pool · Compare · Sweep" above each runnable top-level target; off with parallelRunner.codeLens.
import * as vscode from 'vscode';
import { listTargets } from '../core/locate';
import { isPythonFile } from '../core/python/interpreter';
import { listPythonTargets } from '../core/python/locate';
import { pythonPathFor } from './python';
import { Commands, type RunCommandArgs } from './commandIds';
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

  constructor() {
    this.configListener = vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(`${SETTINGS_SECTION}.codeLens`) || event.affectsConfiguration(`${SETTINGS_SECTION}.pythonPath`)) this.changed.fire();
    });
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
    return targets.flatMap((target) => {
      const position = new vscode.Position(Math.max(0, target.line - 1), Math.max(0, target.column - 1));
      const range = new vscode.Range(position, position);
      const args: RunCommandArgs = { uri: document.uri, name: target.name };
      return [
        new vscode.CodeLens(range, { title: '$(play) Run in pool', tooltip: `Run ${target.name} serially, then across the worker pool, and compare`, command: Commands.run, arguments: [args] }),
        new vscode.CodeLens(range, { title: 'Compare', tooltip: `Benchmark ${target.name}: serial vs parallel with warm-up and repeats (mean ± σ)`, command: Commands.benchmark, arguments: [args] }),
        new vscode.CodeLens(range, { title: 'Sweep', tooltip: `Run ${target.name} on 1…N workers and fit Amdahl's law`, command: Commands.sweep, arguments: [args] }),
      ];
    });
  }

  dispose(): void {
    this.configListener.dispose();
    this.changed.dispose();
  }
}
