// Running a function executes the workspace's code: run commands refuse in an untrusted (Restricted Mode) workspace.
import * as vscode from 'vscode';

export const UNTRUSTED_MESSAGE = vscode.l10n.t(
  "Parallel Runner runs this workspace's code in worker threads or child processes, so it needs a trusted workspace. Trust the folder (Workspaces: Manage Workspace Trust), then run again.",
);

/** The refusal to show, or undefined when running is allowed. */
export function trustRefusal(isTrusted: boolean): string | undefined {
  return isTrusted ? undefined : UNTRUSTED_MESSAGE;
}

/** True when the run may go ahead; otherwise explains why not (with a way to fix it) and runs nothing. */
export function ensureTrusted(isTrusted: boolean = vscode.workspace.isTrusted): boolean {
  const refusal = trustRefusal(isTrusted);
  if (!refusal) return true;
  const manage = vscode.l10n.t('Manage Workspace Trust');
  void vscode.window.showErrorMessage(refusal, manage).then((choice) => {
    if (choice === manage) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return false;
}
