// Activation wiring only: commands, CodeLens, the panel serializer; the engine starts on the first run and stops on deactivate.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunOutcome } from './core/api';
import { useL10nBundle } from './shared/l10n';
import type { WebviewState } from './shared/protocol';
import { TargetCodeLensProvider, CODELENS_SELECTOR } from './vscode/codeLens';
import { Commands, type ExportCommandArgs, type OpenRunCommandArgs, type RunCommandArgs } from './vscode/commandIds';
import { EngineHost } from './vscode/engineHost';
import { RunController } from './vscode/runController';
import { PANEL_VIEW_TYPE, RunPanel, type PanelHandshake } from './vscode/runPanel';
import { openSample } from './vscode/sample';
import { openWalkthroughOnFirstActivation } from './vscode/walkthrough';
import { errorText } from './vscode/userErrors';

/** What activate() returns in a test build (`__TEST__`) for the in-host tests; the packaged extension returns nothing. */
export interface ParallelRunnerApi {
  /** The panel's handshake state, or undefined when no panel is open. */
  panelHandshake(): PanelHandshake | undefined;
  /** True once a run has created the engine (activation alone creates none). */
  engineStarted(): boolean;
  /** What deactivate does: ends every pool, thread and child process. A later run starts a fresh engine. */
  disposeEngine(): Promise<void>;
  isRunning(): boolean;
  /** The run history's keys and entries (tests read it to see what was kept). */
  historySnapshot(): Record<string, { baselineId?: string; runs: string[] }>;
}

let engines: EngineHost | undefined;

export function activate(context: vscode.ExtensionContext): ParallelRunnerApi | undefined {
  // The engine's messages (warnings, the account, task errors) in VS Code's display language, from the same bundle.
  if (vscode.l10n.uri?.scheme === 'file') useL10nBundle(vscode.l10n.uri.fsPath);
  const engineHost = new EngineHost({ distDir: path.join(context.extensionPath, 'dist'), cacheDir: context.globalStorageUri.fsPath });
  engines = engineHost;
  const controller = new RunController(context, engineHost);
  const codeLens = new TargetCodeLensProvider(controller.history);

  const run = (mode: Parameters<RunController['run']>[0]) => (args?: RunCommandArgs) => controller.run(mode, asRunArgs(args));
  const handlers: Record<string, (...args: never[]) => unknown> = {
    [Commands.run]: run('run'),
    [Commands.runWithOptions]: run('options'),
    [Commands.benchmark]: run('benchmark'),
    [Commands.sweep]: run('sweep'),
    [Commands.rerunLast]: (): Promise<RunOutcome | undefined> => controller.rerunLast(),
    [Commands.cancel]: () => controller.cancel(),
    [Commands.showPanel]: () => {
      controller.showPanel();
    },
    [Commands.exportReport]: (args?: ExportCommandArgs) => controller.exportReport(args && typeof args === 'object' ? args : undefined),
    [Commands.setBaseline]: () => controller.setBaseline(),
    [Commands.clearBaseline]: () => controller.clearBaseline(),
    [Commands.compareRuns]: () => controller.compareRuns(),
    [Commands.openRun]: (args?: OpenRunCommandArgs) => (args && typeof args.runId === 'string' ? controller.openRun(args.runId) : undefined),
    [Commands.cleanUpHistory]: () => controller.history.cleanUp(),
    [Commands.openSample]: async () => {
      try {
        await openSample(context);
      } catch (error) {
        void vscode.window.showErrorMessage(vscode.l10n.t("Parallel Runner: can't open the sample: {0}", errorText(error)));
      }
    },
    [Commands.openPythonSample]: async () => {
      try {
        await openSample(context, 'python');
      } catch (error) {
        void vscode.window.showErrorMessage(vscode.l10n.t("Parallel Runner: can't open the Python sample: {0}", errorText(error)));
      }
    },
  };
  for (const [id, handler] of Object.entries(handlers)) context.subscriptions.push(vscode.commands.registerCommand(id, handler));

  context.subscriptions.push(
    controller,
    codeLens,
    vscode.languages.registerCodeLensProvider(CODELENS_SELECTOR, codeLens),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        controller.revivePanel(panel, (state ?? undefined) as WebviewState | undefined);
      },
    }),
    { dispose: () => RunPanel.current?.dispose() },
  );

  // After registering the commands: the walkthrough's buttons run them.
  void openWalkthroughOnFirstActivation(context).catch(() => undefined);

  if (!__TEST__) return undefined;
  return {
    panelHandshake: () => RunPanel.current?.handshake,
    engineStarted: () => engineHost.started,
    disposeEngine: () => engineHost.dispose(),
    isRunning: () => controller.running,
    historySnapshot: () =>
      Object.fromEntries(
        controller.history.store.keys().map((key) => {
          const history = controller.history.store.get(key);
          return [key, { ...(history?.baselineId ? { baselineId: history.baselineId } : {}), runs: history?.runs.map((run) => run.id) ?? [] }];
        }),
      ),
  };
}

/** Waits for every pool to end, so no worker thread or child process outlives the extension. */
export async function deactivate(): Promise<void> {
  const host = engines;
  engines = undefined;
  await host?.dispose();
}

/** Commands invoked from menus get a Uri (the editor's resource) rather than an args object. */
function asRunArgs(value: unknown): RunCommandArgs | undefined {
  if (value instanceof vscode.Uri) return { uri: value };
  if (typeof value === 'object' && value !== null) return value as RunCommandArgs;
  return undefined;
}
