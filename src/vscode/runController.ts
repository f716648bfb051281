// Runs a command end to end: target, options, inputs, the engine run with progress, then the panel, log and notifications.
import { isPythonFile } from '../core/python/interpreter';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunOutcome, RunRequest } from '../core/api';
import { summaryLine } from '../core/format';
import { countInputs } from '../core/inputs';
import type { RunEvent } from '../shared/events';
import type { FromWebviewMessage, WebviewState } from '../shared/protocol';
import type { RunOptions, RunReport, TargetInfo } from '../shared/report';
import { Commands, ContextKeys, type ExportCommandArgs, type RunCommandArgs, type RunMode } from './commandIds';
import type { EngineHost } from './engineHost';
import { exportReport } from './exportReport';
import { HistoryController } from './historyController';
import { inputsToRemember, promptInputs, rememberedInputs, rememberInputs } from './inputsPrompt';
import { describeOptions, pickRunOptions } from './optionsPicker';
import { RunLog } from './runLog';
import { RunPanel, type PanelHost } from './runPanel';
import { RunProgressTracker, RunStatusItem } from './runProgress';
import { NoEditorError, resolveTarget, type ResolvedTarget } from './runTarget';
import { coreCount, readRunSettings } from './settings';
import { ensureTrusted } from './trust';
import { errorText, openLocation, showErrorWithActions, showRunFailure, showTaskFailures } from './userErrors';

/** Benchmark Function measures at least this much, whatever the settings say. */
const BENCHMARK_MIN_WARMUPS = 1;
const BENCHMARK_MIN_REPEATS = 5;
const PROGRESS_REFRESH_MS = 100;
const PICKED_OPTIONS_KEY = 'parallelRunner.pickedOptions';
/** Kept in workspaceState so Re-run Last works after a window reload. */
const LAST_RUN_KEY = 'parallelRunner.lastRun';

interface LastRun {
  mode: RunMode;
  args: RunCommandArgs;
}

interface ActiveRun {
  abort: AbortController;
  targetName: string;
  events: RunEvent[];
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** 1…N workers for a sweep: at least the configured workers, up to twice the cores when there are tasks enough to use them. */
export function sweepWorkerCounts(workers: number, cores: number, tasks: number): number[] {
  const upTo = Math.max(2, workers, Math.min(tasks, cores * 2, 16));
  return Array.from({ length: upTo }, (_, i) => i + 1);
}

export class RunController implements vscode.Disposable {
  private active: ActiveRun | undefined;
  private lastRun: LastRun | undefined;
  private lastReport: RunReport | undefined;
  readonly log = new RunLog();
  private readonly status = new RunStatusItem();
  readonly panelHost: PanelHost;
  readonly history: HistoryController;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly engines: EngineHost,
  ) {
    this.panelHost = { extensionUri: context.extensionUri, onMessage: (message) => this.onPanelMessage(message) };
    this.history = new HistoryController(context);
    this.lastRun = context.workspaceState.get<LastRun>(LAST_RUN_KEY);
    if (this.lastRun) void vscode.commands.executeCommand('setContext', ContextKeys.hasLastRun, true);
  }

  /** The panel VS Code restores after a reload comes back with the report its page had saved. */
  revivePanel(panel: vscode.WebviewPanel, state: WebviewState | undefined): void {
    const revived = RunPanel.revive(panel, this.panelHost, state);
    if (revived.lastReport) void vscode.commands.executeCommand('setContext', ContextKeys.hasReport, true);
    void this.history.refreshPanel(revived.lastReport, revived);
  }

  get running(): boolean {
    return this.active !== undefined;
  }

  /** Every run command lands here. Never throws: user mistakes and engine failures become notifications. */
  async run(mode: RunMode, args?: RunCommandArgs): Promise<RunOutcome | undefined> {
    try {
      return await this.prepareAndRun(mode, args);
    } catch (error) {
      if (error instanceof NoEditorError) {
        const sample = vscode.l10n.t('Open Sample');
        void vscode.window.showInformationMessage(vscode.l10n.t('Parallel Runner: {0}', error.message), sample).then((choice) => {
          if (choice === sample) void vscode.commands.executeCommand(Commands.openSample);
        });
      } else {
        this.log.error(errorText(error));
        showRunFailure(error, () => this.log.show());
      }
      return undefined;
    }
  }

  async rerunLast(): Promise<RunOutcome | undefined> {
    if (!this.lastRun) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Parallel Runner: nothing to re-run yet. Run a function first.'));
      return undefined;
    }
    return this.run(this.lastRun.mode, this.lastRun.args);
  }

  cancel(): boolean {
    if (!this.active) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Parallel Runner: no run in progress.'));
      return false;
    }
    this.log.channel.info(vscode.l10n.t('Cancelling the run of {0}…', this.active.targetName));
    this.active.abort.abort();
    return true;
  }

  showPanel(): RunPanel {
    const existed = RunPanel.current !== undefined;
    const panel = RunPanel.createOrShow(this.panelHost, { preserveFocus: false });
    if (!existed && this.active) panel.beginRun(this.active.targetName, this.active.events);
    else if (!existed && this.lastReport) {
      panel.showReport(this.lastReport);
      void this.history.refreshPanel(this.lastReport, panel);
    }
    return panel;
  }

  async exportReport(args?: ExportCommandArgs): Promise<vscode.Uri | undefined> {
    // The run the panel shows (it may be one opened from the history), else the last run.
    const report = RunPanel.current?.lastReport ?? this.lastReport;
    if (!report) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Parallel Runner: nothing to export yet. Run a function first.'));
      return undefined;
    }
    try {
      // The comparison the panel shows for this run goes with it (JSON: both run ids and the deltas; HTML: side by side).
      const written = await exportReport(this.history.withComparison(report), this.context.extensionUri, args);
      if (written && !args?.uri) {
        const open = vscode.l10n.t('Open');
        void vscode.window.showInformationMessage(vscode.l10n.t('Exported the {0} report to {1}.', report.target.name, path.basename(written.fsPath)), open).then((choice) => {
          if (choice === open) void vscode.window.showTextDocument(written);
        });
      }
      return written;
    } catch (error) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Parallel Runner: the export failed: {0}', errorText(error)));
      return undefined;
    }
  }

  /** Set as Baseline: the run the panel shows (or the given one) becomes its function's baseline. */
  async setBaseline(runId?: string): Promise<void> {
    await this.history.setBaseline(RunPanel.current?.lastReport ?? this.lastReport, runId, RunPanel.current);
  }

  async clearBaseline(): Promise<void> {
    await this.history.clearBaseline(RunPanel.current?.lastReport ?? this.lastReport, RunPanel.current);
  }

  /** Opens a run of the history in the panel (CodeLens, history list). */
  async openRun(runId: string): Promise<RunReport | undefined> {
    const panel = RunPanel.createOrShow(this.panelHost, { preserveFocus: false });
    const report = await this.history.openRun(runId, panel);
    if (report) void vscode.commands.executeCommand('setContext', ContextKeys.hasReport, true);
    return report;
  }

  async compareRuns(baselineId?: string, currentId?: string): Promise<void> {
    if (baselineId && currentId) {
      await this.history.compareRuns(baselineId, currentId, RunPanel.createOrShow(this.panelHost, { preserveFocus: false }));
      return;
    }
    await this.history.pickAndCompare(RunPanel.current?.lastReport ?? this.lastReport, () => RunPanel.createOrShow(this.panelHost, { preserveFocus: false }));
  }

  dispose(): void {
    this.history.dispose();
    this.active?.abort.abort();
    this.status.dispose();
    this.log.dispose();
  }

  private async prepareAndRun(mode: RunMode, args: RunCommandArgs | undefined): Promise<RunOutcome | undefined> {
    if (!ensureTrusted()) return undefined;
    if (this.active) {
      const cancel = vscode.l10n.t('Cancel It');
      const show = vscode.l10n.t('Show Panel');
      void vscode.window.showWarningMessage(vscode.l10n.t('Parallel Runner is still running {0}. Wait for it or cancel it first.', this.active.targetName), cancel, show).then((choice) => {
        if (choice === cancel) this.cancel();
        else if (choice === show) this.showPanel();
      });
      return undefined;
    }
    const resolved = await resolveTarget(args);
    const settings = readRunSettings(resolved.document.uri);
    const options = await this.runOptions(mode, settings.options, resolved.target, args);
    if (!options) return undefined;

    const prewarm: RunRequest = { file: resolved.file, source: resolved.source, target: resolved.selector, inputs: [], options };
    if (resolved.pythonPath !== undefined) prewarm.pythonPath = resolved.pythonPath;
    let inputs = args?.inputs;
    if (inputs === undefined) {
      // Start the pool and bundle while the user types, so the first task isn't charged for start-up.
      this.prewarm(prewarm);
      inputs = await promptInputs(resolved.target, rememberedInputs(this.context.workspaceState, resolved.file, resolved.target));
      if (inputs === undefined) return undefined;
    }
    const tasks = countInputs(inputs);
    // Stringified once, for both the inputs box and Re-run Last; undefined when too big to keep.
    const rememberable = inputsToRemember(inputs);
    if (rememberable !== undefined) void rememberInputs(this.context.workspaceState, resolved.file, resolved.target.name, rememberable);

    const sweepWorkers = mode === 'sweep' ? (args?.sweepWorkers ?? sweepWorkerCounts(options.workers, coreCount(), tasks)) : undefined;
    const request: RunRequest = {
      ...prewarm,
      inputs,
      maxPreviewChars: settings.maxPreviewChars,
      // A sweep's summary describes its widest point, so the report's worker count is the sweep's largest.
      ...(sweepWorkers ? { sweepWorkers, options: { ...options, workers: Math.max(...sweepWorkers), compareWithSerial: true } } : {}),
    };
    // Re-run Last repeats the same target, inputs and explicit options, and reads the settings afresh.
    this.lastRun = { mode, args: { uri: resolved.document.uri.toString(), name: resolved.target.name, inputs, options: mode === 'options' ? options : args?.options, sweepWorkers: args?.sweepWorkers } };
    // Untitled editors don't survive a reload; inputs too large for workspaceState aren't worth keeping.
    if (!resolved.document.isUntitled && rememberable !== undefined) void this.context.workspaceState.update(LAST_RUN_KEY, this.lastRun);
    void vscode.commands.executeCommand('setContext', ContextKeys.hasLastRun, true);

    const where = `${path.basename(resolved.file)}:${resolved.target.line}`;
    const sweep = sweepWorkers ? vscode.l10n.t(' · sweep {0}…{1} workers', sweepWorkers[0], sweepWorkers[sweepWorkers.length - 1]) : '';
    const description = `${resolved.target.name} (${where}) · ${tasks === 1 ? vscode.l10n.t('1 task') : vscode.l10n.t('{0} tasks', tasks)} · ${describeOptions(request.options as RunOptions)}${sweep}`;
    return this.execute(request, resolved, description);
  }

  private async runOptions(mode: RunMode, fromSettings: RunOptions, target: TargetInfo, args: RunCommandArgs | undefined): Promise<RunOptions | undefined> {
    const given = args?.options ?? {};
    switch (mode) {
      case 'run':
      case 'sweep':
        return { ...fromSettings, ...given };
      case 'benchmark':
        return {
          ...fromSettings,
          compareWithSerial: true,
          warmupRuns: Math.max(fromSettings.warmupRuns, BENCHMARK_MIN_WARMUPS),
          repeats: Math.max(fromSettings.repeats, BENCHMARK_MIN_REPEATS),
          ...given,
        };
      case 'options': {
        if (args?.options) return { ...fromSettings, ...given };
        const remembered = this.context.workspaceState.get<Partial<RunOptions>>(PICKED_OPTIONS_KEY) ?? {};
        const picked = await pickRunOptions({ ...fromSettings, ...remembered }, target.name, isPythonFile(target.file));
        if (picked) {
          const { backend, workers, warmupRuns, repeats, compareWithSerial } = picked;
          await this.context.workspaceState.update(PICKED_OPTIONS_KEY, { backend, workers, warmupRuns, repeats, compareWithSerial });
        }
        return picked;
      }
    }
  }

  private prewarm(request: RunRequest): void {
    try {
      void Promise.resolve(this.engines.get().prewarm(request)).catch(() => undefined);
    } catch {
      // Prewarming is an optimisation; the run itself reports any problem.
    }
  }

  private async execute(request: RunRequest, resolved: ResolvedTarget, description: string): Promise<RunOutcome | undefined> {
    const target = resolved.target;
    const active: ActiveRun = { abort: new AbortController(), targetName: target.name, events: [] };
    this.active = active;
    void vscode.commands.executeCommand('setContext', ContextKeys.running, true);
    RunPanel.createOrShow(this.panelHost, { preserveFocus: true }).beginRun(target.name);
    const tracker = new RunProgressTracker();
    this.log.begin(description);
    this.status.showRunning(target.name, tracker);

    let outcome: RunOutcome | undefined;
    let failure: unknown;
    try {
      outcome = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Parallel Runner: {0}', target.name), cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => active.abort.abort());
          const refresh = setInterval(() => {
            if (!tracker.changed) return;
            tracker.changed = false;
            this.status.showRunning(target.name, tracker);
            progress.report({ message: tracker.describe() });
          }, PROGRESS_REFRESH_MS);
          try {
            return await this.engines.get().run(request, {
              signal: active.abort.signal,
              onEvent: (event: RunEvent) => this.onRunEvent(active, tracker, event),
            });
          } finally {
            clearInterval(refresh);
          }
        },
      );
    } catch (error) {
      failure = error;
    } finally {
      this.active = undefined;
      void vscode.commands.executeCommand('setContext', ContextKeys.running, false);
    }

    if (!outcome) {
      RunPanel.current?.endRun();
      this.status.showFinished(undefined, '');
      if (active.abort.signal.aborted) {
        this.log.channel.info(vscode.l10n.t('■ {0}: cancelled', target.name));
        return undefined;
      }
      this.log.error(`■ ${target.name}: ${errorText(failure)}`);
      showRunFailure(failure, () => this.log.show());
      return undefined;
    }

    const report = outcome.report;
    this.lastReport = report;
    void vscode.commands.executeCommand('setContext', ContextKeys.hasReport, true);
    // Building the report, posting it to the panel (serialized in one piece: ~20 MB for 100,000 tasks) and logging it
    // are each long for a big run: the host's event loop gets a turn between them instead of one long stall.
    await yieldToEventLoop();
    const panel = RunPanel.current;
    panel?.showReport(report);
    if (panel && !panel.panel.visible) panel.reveal(true);
    // Kept in the history and compared with the baseline off this path: a slow disk never delays the run's end.
    void this.history.recordRun(report, panel).catch((error: unknown) => this.log.error(vscode.l10n.t('history: {0}', errorText(error))));
    await yieldToEventLoop();
    this.log.end(report);
    this.status.showFinished(report, summaryLine(report));
    if (report.status === 'failed') {
      // Open jumps to the user's line (a throwing top level, or the first task's throw) when there is one.
      const location = report.tasks.find((task) => task.error?.location)?.error?.location;
      void showErrorWithActions(vscode.l10n.t('Parallel Runner: {0} failed: {1}', target.name, report.failure ?? vscode.l10n.t('see the output')), location, [{ title: vscode.l10n.t('Show Output'), run: () => this.log.show() }]);
      return outcome;
    }
    showTaskFailures(report, () => this.log.show());
    return report.status === 'cancelled' ? undefined : outcome;
  }

  /** Display code must never break a run: a throwing listener only loses its own update. */
  private onRunEvent(active: ActiveRun, tracker: RunProgressTracker, event: RunEvent): void {
    active.events.push(event);
    for (const sink of [() => RunPanel.current?.pushEvent(event), () => tracker.onEvent(event), () => this.log.onEvent(event)]) {
      try {
        sink();
      } catch (error) {
        this.log.error(vscode.l10n.t('display error: {0}', errorText(error)));
      }
    }
  }

  private onPanelMessage(message: FromWebviewMessage): void {
    switch (message.type) {
      case 'export':
        void this.exportReport({ format: message.format });
        break;
      case 'rerun':
        void this.rerunLast();
        break;
      case 'cancel':
        if (this.active) this.cancel();
        break;
      case 'set-baseline':
        void this.setBaseline(message.runId);
        break;
      case 'clear-baseline':
        void this.clearBaseline();
        break;
      case 'open-run':
        void this.openRun(message.runId);
        break;
      case 'compare-runs':
        void this.compareRuns(message.baselineId, message.currentId);
        break;
      case 'open-location':
        openLocation({ file: message.file, line: message.line, column: message.column }).then(undefined, (error: unknown) => {
          void vscode.window.showErrorMessage(vscode.l10n.t("Parallel Runner: can't open {0}: {1}", message.file, errorText(error)));
        });
        break;
      default:
        break;
    }
  }
}
