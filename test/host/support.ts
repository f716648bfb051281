// Helpers the in-host tests share: activating the extension, running commands with arguments, waiting for a condition.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunOutcome } from '../../src/core/api';
import type { ParallelRunnerApi } from '../../src/extension';
import type { RunCommandArgs } from '../../src/vscode/commandIds';

export const EXTENSION_ID = 'parallel-runner.parallel-runner';

/** Tests can start before the extension activates: activate it explicitly. */
export async function activateExtension(): Promise<{ api: ParallelRunnerApi; extension: vscode.Extension<ParallelRunnerApi | undefined> }> {
  const extension = vscode.extensions.getExtension<ParallelRunnerApi | undefined>(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not installed in this extension host`);
  const api = await extension.activate();
  if (!api) throw new Error(`${EXTENSION_ID} returned no test API: dist/ is a production build; build with \`node esbuild.mjs --tests\``);
  return { api, extension };
}

export function workspaceFolder(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the host suite needs a workspace folder');
  return folder.uri.fsPath;
}

export function workspaceFile(...parts: string[]): vscode.Uri {
  return vscode.Uri.file(path.join(workspaceFolder(), ...parts));
}

export async function sampleUri(): Promise<vscode.Uri> {
  const { extension } = await activateExtension();
  return vscode.Uri.joinPath(extension.extensionUri, 'media', 'sample', 'seed-workloads.ts');
}

/** Runs a command with arguments (no prompts) and notes how much of its time the engine's phases took. */
export async function runCommand(command: string, args: RunCommandArgs): Promise<RunOutcome | undefined> {
  const started = Date.now();
  const outcome = await vscode.commands.executeCommand<RunOutcome | undefined>(command, args);
  const phasesMs = outcome?.report.phases.reduce((sum, phase) => sum + phase.wallMs, 0) ?? 0;
  note(`${command.replace('parallelRunner.', '')} ${args.name ?? '(cursor)'}: ${Date.now() - started} ms, phases ${Math.round(phasesMs)} ms`);
  return outcome;
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function updateSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('parallelRunner').update(key, value, vscode.ConfigurationTarget.Workspace);
}

/** A line run.ts prints after the suite (the extension host console reaches it through the browser). */
export function note(text: string): void {
  console.log(`[note] ${text}`);
}
