// "Open Sample" / "Open Python Sample": copies the bundled seed workloads into global storage (kept if the user edited it)
// and opens the copy.
import * as vscode from 'vscode';

export const SAMPLE_FILE_NAME = 'seed-workloads.ts';
/** The tutorial's workloads in Python, run over Python's own pools. */
export const PYTHON_SAMPLE_FILE_NAME = 'seed_workloads.py';

const FIRST_WORKLOAD = { typescript: 'export async function longTimeTask', python: 'def long_time_task' };
const KEYWORD = { typescript: 'export async function ', python: 'def ' };

/** The copy sits outside any project with @types/node: these let the editor type-check it without red squiggles. */
const SUPPORT_FILES: Record<string, string> = {
  'tsconfig.json': `${JSON.stringify(
    {
      compilerOptions: { target: 'ES2022', module: 'ES2022', moduleResolution: 'bundler', lib: ['ES2022', 'DOM'], types: [], strict: true, noEmit: true, skipLibCheck: true },
      include: ['*.ts'],
    },
    null,
    2,
  )}\n`,
  'node-globals.d.ts': [
    '// Only what the sample uses from Node, so it type-checks without @types/node. Workers run it in real Node.',
    'declare const process: { readonly pid: number; readonly env: Record<string, string | undefined> };',
    "declare module 'node:worker_threads' {",
    '  export const threadId: number;',
    '  export const isMainThread: boolean;',
    '}',
    '',
  ].join('\n'),
};

/** The user's own copy of the sample: a real file on disk, so workers can load it and edits survive. */
export async function openSample(context: vscode.ExtensionContext, language: 'typescript' | 'python' = 'typescript'): Promise<vscode.TextEditor> {
  const fileName = language === 'python' ? PYTHON_SAMPLE_FILE_NAME : SAMPLE_FILE_NAME;
  const bundled = vscode.Uri.joinPath(context.extensionUri, 'media', 'sample', fileName);
  const folder = vscode.Uri.joinPath(context.globalStorageUri, 'sample');
  const copy = vscode.Uri.joinPath(folder, fileName);
  await vscode.workspace.fs.createDirectory(folder);
  if (!(await exists(copy))) await vscode.workspace.fs.copy(bundled, copy, { overwrite: false });
  if (language === 'typescript') {
    for (const [name, text] of Object.entries(SUPPORT_FILES)) {
      await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, name), Buffer.from(text, 'utf8'));
    }
  }
  const document = await vscode.workspace.openTextDocument(copy);
  const editor = await vscode.window.showTextDocument(document, { preview: false });
  // Put the cursor in the first workload so "Run Function in Worker Pool" works straight away.
  const at = document.getText().indexOf(FIRST_WORKLOAD[language]);
  if (at >= 0) {
    const position = document.positionAt(at + KEYWORD[language].length);
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
