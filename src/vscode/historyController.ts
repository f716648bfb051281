// The run history in the editor: keeps every finished run, the baseline per function, the panel's history list and comparison.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { compareReports } from '../core/compare';
import { historyKey, RunHistory } from '../core/history';
import { listTargets } from '../core/locate';
import { withMachineInfo } from '../core/machineInfo';
import type { RunComparison } from '../shared/comparison';
import { lowerFirst } from '../shared/comparisonFormat';
import type { BaselineChange, FunctionHistory, HistoryEntry } from '../shared/history';
import type { RunReport } from '../shared/report';
import { SETTINGS_SECTION } from './settings';
import { errorText } from './userErrors';

/** The default bound of the stored reports, MB (parallelRunner.historyMaxMb). */
export const DEFAULT_HISTORY_MAX_MB = 50;

/** Where the panel shows things: the controller passes the panel in, so this file needs no panel of its own. */
export interface HistoryPanelSink {
  showReport(report: RunReport): void;
  showSide(message: { type: 'history'; functionName: string; entries: HistoryEntry[]; baselineId?: string; shownId?: string; note?: string } | { type: 'comparison'; comparison?: RunComparison; picked?: boolean }): void;
}

/** What the CodeLens asks, from memory only. */
export interface LastRunLookup {
  readonly onDidChange: vscode.Event<void>;
  lastRun(fsPath: string, name: string): { entry: HistoryEntry; baseline?: HistoryEntry } | undefined;
}

export class HistoryController implements LastRunLookup, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  readonly store: RunHistory;
  private readonly disposables: vscode.Disposable[] = [];
  /** The comparison last shown for a run, by run id: exports attach it. */
  private readonly shownComparisons = new Map<string, RunComparison>();
  /** Reports read or just run, by id: comparing with the baseline again needs no disk read. Small: a few reports. */
  private readonly reportCache = new Map<string, RunReport>();

  constructor(context: vscode.ExtensionContext) {
    // Per workspace; a window with no folder keeps its history with the extension's global storage.
    const root = context.storageUri ?? vscode.Uri.joinPath(context.globalStorageUri, 'no-workspace');
    this.store = new RunHistory(path.join(root.fsPath, 'history'), { maxBytes: () => historyMaxBytes() });
    void this.store.load().then(() => this.changed.fire());
    this.disposables.push(
      this.changed,
      vscode.workspace.onDidRenameFiles((event) => {
        for (const file of event.files) {
          if (file.oldUri.scheme !== 'file' || file.newUri.scheme !== 'file') continue;
          void this.store.rename(relativeFile(file.oldUri.fsPath), relativeFile(file.newUri.fsPath)).then(() => this.changed.fire());
        }
      }),
    );
  }

  /** The key of a run's function, or undefined for an untitled editor (it has no file to come back to). */
  keyOf(report: Pick<RunReport, 'target'>): string | undefined {
    return path.isAbsolute(report.target.file) ? historyKey(relativeFile(report.target.file), report.target.name) : undefined;
  }

  lastRun(fsPath: string, name: string): { entry: HistoryEntry; baseline?: HistoryEntry } | undefined {
    const key = historyKey(relativeFile(fsPath), name);
    const entry = this.store.latest(key);
    if (!entry) return undefined;
    return { entry, baseline: this.store.baseline(key) };
  }

  /** Keeps a finished run, compares it with its function's baseline, and updates the panel and the CodeLens. */
  async recordRun(report: RunReport, panel: HistoryPanelSink | undefined): Promise<void> {
    const key = this.keyOf(report);
    if (!key) {
      panel?.showSide({ type: 'history', functionName: report.target.name, entries: [], note: 'Runs from an untitled editor are not kept in the history: save the file first.' });
      panel?.showSide({ type: 'comparison' });
      return;
    }
    await withMachineInfo(report);
    await this.store.load();
    this.cache(report);
    const comparison = await this.baselineComparison(key, report);
    try {
      await this.store.add(relativeFile(report.target.file), report, comparison ? baselineChange(comparison) : undefined);
    } catch (error) {
      void vscode.window.showWarningMessage(`Parallel Runner: this run could not be kept in the history: ${errorText(error)}`);
    }
    this.changed.fire();
    this.showSideFor(report, panel, comparison);
  }

  /** The history list and the comparison for the run a panel shows (after a reload, or a run opened from the history). */
  async refreshPanel(report: RunReport | undefined, panel: HistoryPanelSink | undefined): Promise<void> {
    if (!report || !panel) return;
    await this.store.load();
    const key = this.keyOf(report);
    const comparison = key ? await this.baselineComparison(key, report) : undefined;
    this.showSideFor(report, panel, comparison);
  }

  /** Makes a run (by default the one the panel shows) its function's baseline; a run not in the history yet is kept first. */
  async setBaseline(report: RunReport | undefined, runId: string | undefined, panel: HistoryPanelSink | undefined): Promise<void> {
    await this.store.load();
    const id = runId ?? report?.id;
    if (!id) {
      void vscode.window.showInformationMessage('Parallel Runner: no run to set as the baseline. Run a function first.');
      return;
    }
    let found = this.store.find(id);
    if (!found && report?.id === id) {
      const key = this.keyOf(report);
      if (!key) {
        void vscode.window.showInformationMessage('Parallel Runner: a run from an untitled editor cannot be a baseline: save the file and run it again.');
        return;
      }
      await this.store.add(relativeFile(report.target.file), report);
      found = this.store.find(id);
    }
    if (!found) {
      void vscode.window.showWarningMessage(`Parallel Runner: run ${id} is no longer in the history.`);
      return;
    }
    await this.store.setBaseline(found.key, id);
    this.changed.fire();
    await this.refreshPanel(report, panel);
    vscode.window.setStatusBarMessage(`$(pin) Parallel Runner: baseline of ${this.store.get(found.key)?.name ?? 'the function'} set`, 4000);
  }

  async clearBaseline(report: RunReport | undefined, panel: HistoryPanelSink | undefined): Promise<void> {
    const key = report && this.keyOf(report);
    if (!key || !this.store.get(key)?.baselineId) return;
    await this.store.setBaseline(key, undefined);
    this.changed.fire();
    await this.refreshPanel(report, panel);
  }

  /** Shows a run of the history in full, with its own comparison against the baseline. */
  async openRun(runId: string, panel: HistoryPanelSink): Promise<RunReport | undefined> {
    const report = await this.readRun(runId);
    if (!report) return undefined;
    panel.showReport(report);
    await this.refreshPanel(report, panel);
    return report;
  }

  /** Two runs of the history compared the same way: `currentId` shown in full, `baselineId` beside it. */
  async compareRuns(baselineId: string, currentId: string, panel: HistoryPanelSink): Promise<RunComparison | undefined> {
    const [baseline, current] = await Promise.all([this.readRun(baselineId), this.readRun(currentId)]);
    if (!baseline || !current) return undefined;
    const comparison = compareReports(baseline, current);
    panel.showReport(current);
    this.showSideFor(current, panel, comparison, true);
    return comparison;
  }

  /** "Compare Two Runs…": two quick picks over the history of the function the panel shows (or the last run's). */
  async pickAndCompare(report: RunReport | undefined, panel: () => HistoryPanelSink): Promise<void> {
    await this.store.load();
    const key = report && this.keyOf(report);
    const history = key ? this.store.get(key) : undefined;
    if (!history || history.runs.length < 2) {
      void vscode.window.showInformationMessage('Parallel Runner: comparing needs two runs of the same function in the history. Run it again first.');
      return;
    }
    const items = [...history.runs].reverse().map((entry) => ({ label: historyLabel(entry, history), description: entry.status, entry }));
    const first = await vscode.window.showQuickPick(items, { title: `Compare runs of ${history.name} (1/2): the baseline`, placeHolder: 'The run to compare against' });
    if (!first) return;
    const second = await vscode.window.showQuickPick(
      items.filter((item) => item.entry.id !== first.entry.id),
      { title: `Compare runs of ${history.name} (2/2): the run to compare`, placeHolder: 'Shown in full, with the changes against the first' },
    );
    if (!second) return;
    await this.compareRuns(first.entry.id, second.entry.id, panel());
  }

  /** "Clean Up Run History": drops the history of functions (or files) that no longer exist, after asking. */
  async cleanUp(): Promise<number> {
    await this.store.load();
    const gone: FunctionHistory[] = [];
    const targetsByFile = new Map<string, Set<string> | 'unparsable' | undefined>();
    for (const key of this.store.keys()) {
      const history = this.store.get(key);
      if (!history) continue;
      if (!targetsByFile.has(history.file)) targetsByFile.set(history.file, await targetsIn(absoluteFile(history.file)));
      const targets = targetsByFile.get(history.file);
      if (targets !== 'unparsable' && !targets?.has(history.name)) gone.push(history);
    }
    if (gone.length === 0) {
      void vscode.window.showInformationMessage('Parallel Runner: every function in the run history still exists; nothing to clean up.');
      return 0;
    }
    const runs = gone.reduce((sum, history) => sum + history.runs.length, 0);
    const list = gone.slice(0, 8).map((history) => `${history.name} (${history.file})`).join(', ');
    const drop = 'Drop Their History';
    const choice = await vscode.window.showWarningMessage(
      `Parallel Runner: ${gone.length} ${gone.length === 1 ? 'function no longer exists' : 'functions no longer exist'}: ${list}${gone.length > 8 ? ', …' : ''}. Drop their ${runs} ${runs === 1 ? 'run' : 'runs'} (baselines included)?`,
      { modal: true },
      drop,
    );
    if (choice !== drop) return 0;
    const names = new Set(gone.map((history) => historyKey(history.file, history.name)));
    const dropped = await this.store.prune(async (history) => !names.has(historyKey(history.file, history.name)));
    this.changed.fire();
    return dropped.length;
  }

  /** The report with the comparison the panel showed for it, for exports. */
  withComparison(report: RunReport): RunReport {
    const comparison = this.shownComparisons.get(report.id);
    return comparison ? { ...report, comparison } : report;
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }

  private async baselineComparison(key: string, report: RunReport): Promise<RunComparison | undefined> {
    const baselineId = this.store.get(key)?.baselineId;
    if (!baselineId || baselineId === report.id) return undefined;
    const baseline = await this.readRun(baselineId, true);
    return baseline ? compareReports(baseline, report) : undefined;
  }

  private showSideFor(report: RunReport, panel: HistoryPanelSink | undefined, comparison: RunComparison | undefined, picked = false): void {
    if (comparison) this.shownComparisons.set(report.id, comparison);
    if (!panel) return;
    const key = this.keyOf(report);
    const history = key ? this.store.get(key) : undefined;
    panel.showSide({
      type: 'history',
      functionName: report.target.name,
      entries: history?.runs ?? [],
      ...(history?.baselineId ? { baselineId: history.baselineId } : {}),
      shownId: report.id,
      ...(key ? {} : { note: 'Runs from an untitled editor are not kept in the history: save the file first.' }),
    });
    panel.showSide({ type: 'comparison', ...(comparison ? { comparison, picked } : {}) });
  }

  private async readRun(id: string, quiet = false): Promise<RunReport | undefined> {
    const cached = this.reportCache.get(id);
    if (cached) return cached;
    try {
      const report = await this.store.read(id);
      this.cache(report);
      return report;
    } catch (error) {
      if (!quiet) void vscode.window.showErrorMessage(`Parallel Runner: can't open that run: ${errorText(error)}`);
      return undefined;
    }
  }

  private cache(report: RunReport): void {
    this.reportCache.delete(report.id);
    this.reportCache.set(report.id, report);
    // A handful is enough for baseline + current + a picked pair; reports can be tens of MB.
    while (this.reportCache.size > 4) this.reportCache.delete(this.reportCache.keys().next().value as string);
  }
}

function historyMaxBytes(): number {
  const mb = vscode.workspace.getConfiguration(SETTINGS_SECTION).get<number>('historyMaxMb');
  return Math.max(1, typeof mb === 'number' && Number.isFinite(mb) ? mb : DEFAULT_HISTORY_MAX_MB) * 2 ** 20;
}

/** Relative to its workspace folder (with the folder's name in a multi-root workspace); absolute outside any folder. */
export function relativeFile(fsPath: string): string {
  const uri = vscode.Uri.file(fsPath);
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  if (!folder) return fsPath;
  return vscode.workspace.asRelativePath(uri, (vscode.workspace.workspaceFolders?.length ?? 0) > 1);
}

function absoluteFile(relative: string): string {
  if (path.isAbsolute(relative)) return relative;
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length > 1) {
    const [name, ...rest] = relative.split('/');
    const folder = folders.find((candidate) => candidate.name === name);
    if (folder) return path.join(folder.uri.fsPath, ...rest);
  }
  return folders[0] ? path.join(folders[0].uri.fsPath, ...relative.split('/')) : relative;
}

/** The runnable targets of a file as saved on disk; undefined when the file is gone. */
async function targetsIn(file: string): Promise<Set<string> | 'unparsable' | undefined> {
  let source: string;
  try {
    source = await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return new Set((await listTargets(source, file)).map((target) => target.name));
  } catch {
    // A file that doesn't parse right now still has its functions: keep their history.
    return 'unparsable';
  }
}

function baselineChange(comparison: RunComparison): BaselineChange {
  const speedup = comparison.metrics.find((metric) => metric.key === 'speedup');
  const parallel = comparison.metrics.find((metric) => metric.key === 'parallel-wall');
  return {
    baselineId: comparison.baseline.id,
    ...(speedup?.changePct !== undefined ? { speedupChangePct: speedup.changePct } : {}),
    speedupVerdict: speedup?.verdict ?? 'unavailable',
    ...(parallel?.changePct !== undefined ? { parallelChangePct: parallel.changePct } : {}),
    parallelVerdict: parallel?.verdict ?? 'unavailable',
    verdict: comparison.verdict.kind,
    ...verdictFigure(comparison),
    mismatched: comparison.differences.some((difference) => difference.kind !== 'load'),
  };
}

/** The significant figure that best says what changed, in words, for the CodeLens. */
function verdictFigure(comparison: RunComparison): { verdictFigure?: string } {
  const wanted = comparison.verdict.kind === 'slower' ? 'worse' : comparison.verdict.kind === 'faster' ? 'better' : undefined;
  if (!wanted) return {};
  // The CPU time first (load does not stretch it), then the figures a user reads first.
  const figure = ['task-cpu', 'parallel-wall', 'speedup', 'serial-wall', 'task-median']
    .map((key) => comparison.metrics.find((metric) => metric.key === key))
    .find((metric) => metric?.verdict === wanted && metric.changePct !== undefined);
  if (!figure?.changePct) return {};
  const pct = figure.changePct;
  return { verdictFigure: `${lowerFirst(figure.label)} ${pct >= 0 ? '+' : '−'}${Math.abs(pct).toFixed(Math.abs(pct) < 10 ? 1 : 0)} %` };
}

function historyLabel(entry: HistoryEntry, history: FunctionHistory): string {
  const when = new Date(entry.createdAt).toLocaleString();
  const speedup = entry.speedup ? `${entry.speedup.median.toFixed(2)}×` : 'no speedup';
  return `${entry.id === history.baselineId ? '$(pin) ' : ''}${when} · ${entry.backend} · ${entry.workers} workers · ${speedup}`;
}
