// Opens the Get Started walkthrough once, on the extension's first activation, where VS Code's own open-on-install did not.
// VS Code opens an installed extension's walkthrough from its walkthroughs service, which only the Welcome page creates: in
// a window opened with `workbench.startupEditor: none`, or with editors restored (no Welcome page), nothing hears the
// install and no walkthrough opens. Same setting, same command, at most once per user: a later session never sees it.
import * as vscode from 'vscode';

/** `publisher.name#walkthrough id`, as contributes.walkthroughs declares it. */
export const WALKTHROUGH_ID = 'parallel-runner.parallel-runner#gettingStarted';
/** Set on the first activation, whether or not the walkthrough was opened: it is offered once. */
export const WALKTHROUGH_OFFERED_KEY = 'parallelRunner.walkthroughOffered';

export async function openWalkthroughOnFirstActivation(context: vscode.ExtensionContext): Promise<boolean> {
  if (context.globalState.get<boolean>(WALKTHROUGH_OFFERED_KEY)) return false;
  await context.globalState.update(WALKTHROUGH_OFFERED_KEY, true);
  if (!vscode.workspace.getConfiguration('workbench.welcomePage').get<boolean>('walkthroughs.openOnInstall', true)) return false;
  if (walkthroughTabOpen(context)) return false; // VS Code opened it on install (perhaps as a background tab)
  // Beside the editor the user is in, which stays in view (the walkthrough page takes the focus as it draws its first step,
  // whatever preserveFocus says); with no editor, in its place.
  const beside = vscode.window.activeTextEditor !== undefined;
  await vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH_ID, beside);
  return true;
}

/** A walkthrough editor has no tab input in the API; its label is "Walkthrough: <display name>" in the display language. */
function walkthroughTabOpen(context: vscode.ExtensionContext): boolean {
  const displayName = (context.extension.packageJSON as { displayName?: string }).displayName;
  if (!displayName) return false;
  return vscode.window.tabGroups.all.some((group) => group.tabs.some((tab) => tab.input === undefined && tab.label.endsWith(displayName)));
}
