// "Open Sample": copies the bundled seed workloads into global storage (kept if the user edited it) and opens the copy.
import * as vscode from 'vscode';

export const SAMPLE_FILE_NAME = 'seed-workloads.ts';

/** The user's own copy of the sample: a real file on disk, so workers can load it and edits survive. */
export async function openSample(context: vscode.ExtensionContext): Promise<vscode.TextEditor> {
  const bundled = vscode.Uri.joinPath(context.extensionUri, 'media', 'sample', SAMPLE_FILE_NAME);
  const folder = vscode.Uri.joinPath(context.globalStorageUri, 'sample');
  const copy = vscode.Uri.joinPath(folder, SAMPLE_FILE_NAME);
  await vscode.workspace.fs.createDirectory(folder);
  if (!(await exists(copy))) await vscode.workspace.fs.copy(bundled, copy, { overwrite: false });
  const document = await vscode.workspace.openTextDocument(copy);
  const editor = await vscode.window.showTextDocument(document, { preview: false });
  // Put the cursor in the first workload so "Run Function in Worker Pool" works straight away.
  const at = document.getText().indexOf('export async function longTimeTask');
  if (at >= 0) {
    const position = document.positionAt(at + 'export async function '.length);
    editor.selection = new vscode.Selection(position, position);
    editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }
  return editor;
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}
