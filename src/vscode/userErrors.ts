// Shows what went wrong as a notification, with an Open action that jumps to the user's file and line when known.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { UserError } from '../core/api';
import type { RunReport, SourceLocation, TaskRecord } from '../shared/report';

/** Opens a file at a 1-based line and column, in the editor group beside the panel when one is active. */
export async function openLocation(location: SourceLocation): Promise<void> {
  const uri = vscode.Uri.file(location.file);
  const position = new vscode.Position(Math.max(0, location.line - 1), Math.max(0, location.column - 1));
  const document = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(document, { selection: new vscode.Range(position, position), preview: true, viewColumn: vscode.ViewColumn.One });
}

/** `seed-workloads.ts:12` */
export function shortLocation(location: SourceLocation): string {
  return `${path.basename(location.file)}:${location.line}`;
}

/** Offers Open (when the error has a location) and any extra actions; runs the chosen one. */
export async function showErrorWithActions(message: string, location: SourceLocation | undefined, extra: { title: string; run: () => unknown }[] = []): Promise<void> {
  const open = 'Open';
  const actions = [...(location ? [open] : []), ...extra.map((action) => action.title)];
  const choice = await vscode.window.showErrorMessage(message, ...actions);
  try {
    if (choice === open && location) await openLocation(location);
    else await extra.find((action) => action.title === choice)?.run();
  } catch (error) {
    void vscode.window.showErrorMessage(`Parallel Runner: ${errorText(error)}`);
  }
}

/** A UserError's message as it is (it says what to fix); anything else as an unexpected failure. */
export function showRunFailure(error: unknown, showOutput: () => void): void {
  if (error instanceof UserError || (error instanceof Error && error.name === 'UserError')) {
    const location = (error as UserError).location;
    // A missing Python interpreter names the setting that fixes it.
    const setting = (error as { setting?: unknown }).setting;
    const extra = typeof setting === 'string' ? [{ title: 'Open Settings', run: () => vscode.commands.executeCommand('workbench.action.openSettings', setting) }] : [];
    void showErrorWithActions(`Parallel Runner: ${error.message}`, location, extra);
    return;
  }
  void showErrorWithActions(`Parallel Runner: the run failed unexpectedly: ${errorText(error)}`, undefined, [{ title: 'Show Output', run: showOutput }]);
}

/** After a run: one notification for failed or timed-out tasks, naming the first one with its file:line. */
export function showTaskFailures(report: RunReport, showOutput: () => void): void {
  const failed = report.tasks.filter((task) => task.status === 'error' || task.status === 'timeout');
  if (failed.length === 0) return;
  const first = failed.find((task) => task.error?.location) ?? failed[0];
  const distinctInputs = new Set(failed.map((task) => task.index)).size;
  const inputs = new Set(report.tasks.map((task) => task.index)).size;
  const where = first.error?.location ? ` (${shortLocation(first.error.location)})` : '';
  const message = `${report.target.name} failed for ${distinctInputs} of ${inputs} inputs. Task ${first.index}: ${describeTaskFailure(first, report)}${where}`;
  void showErrorWithActions(message, first.error?.location, [{ title: 'Show Output', run: showOutput }]);
}

export function describeTaskFailure(task: TaskRecord, report: RunReport): string {
  if (task.status === 'timeout') return `timed out after ${report.options.taskTimeoutSeconds} s`;
  if (!task.error) return task.status;
  return `${task.error.name}: ${task.error.message}`;
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
