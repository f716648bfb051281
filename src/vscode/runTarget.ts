// Finds what to run: the document (active editor or a Uri), the path the engine sees, and the target at the cursor or by name.
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { UserError, type TargetSelector } from '../core/api';
import { locateTarget } from '../core/locate';
import { isPythonFile } from '../core/python/interpreter';
import { locatePythonTarget } from '../core/python/locate';
import { pythonPathFor } from './python';
import type { TargetInfo } from '../shared/report';
import type { RunCommandArgs } from './commandIds';

export const RUNNABLE_LANGUAGES = ['typescript', 'javascript', 'typescriptreact', 'javascriptreact', 'python'] as const;

const EXTENSION_BY_LANGUAGE: Record<string, string> = { typescript: '.ts', javascript: '.js', typescriptreact: '.tsx', javascriptreact: '.jsx', python: '.py' };
const QUALIFIED_NAME = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)?$/;

export interface ResolvedTarget {
  document: vscode.TextDocument;
  /** The path the engine bundles from: the file itself, or a path in the first workspace folder for an untitled editor. */
  file: string;
  /** The editor's text when it differs from disk (unsaved or untitled). */
  source?: string;
  selector: TargetSelector;
  target: TargetInfo;
  /** .py files: the interpreter chosen for this document (undefined: python3 on PATH). */
  pythonPath?: string;
}

/** Thrown when there is no editor to take a target from; the caller offers the sample. */
export class NoEditorError extends UserError {}

export async function resolveTarget(args: RunCommandArgs | undefined): Promise<ResolvedTarget> {
  const document = await targetDocument(args);
  const file = engineFilePath(document);
  const source = document.isDirty || document.isUntitled ? document.getText() : undefined;
  const text = source ?? document.getText();
  const editor = vscode.window.activeTextEditor?.document === document ? vscode.window.activeTextEditor : undefined;
  // Python: located by the chosen interpreter's own ast; the engine runs it with the same interpreter.
  const python = isPythonFile(file);
  const pythonPath = python ? await pythonPathFor(document) : undefined;
  const locate = (selector: TargetSelector) =>
    python ? locatePythonTarget(text, file, selector, { pythonPath, distDir: __dirname }) : locateTarget(text, file, selector);
  const found = async (selector: TargetSelector): Promise<ResolvedTarget> => ({
    document,
    file,
    source,
    selector,
    target: await locate(selector),
    ...(python ? { pythonPath } : {}),
  });

  if (args?.name !== undefined) return found({ name: args.name });
  if (args?.offset !== undefined) return found({ offset: args.offset });
  if (!editor) throw new UserError(`Say which function in ${path.basename(file)} to run: put the cursor inside it, or use the CodeLens above it.`);

  // A selected name (say `longTimeTask` selected at a call site) picks that target; otherwise the cursor does.
  const selected = editor.selection.isEmpty ? '' : document.getText(editor.selection).trim();
  if (QUALIFIED_NAME.test(selected)) {
    try {
      return await found({ name: selected });
    } catch {
      // Not a target's name: fall back to the cursor position.
    }
  }
  return found({ offset: document.offsetAt(editor.selection.active) });
}

async function targetDocument(args: RunCommandArgs | undefined): Promise<vscode.TextDocument> {
  if (args?.uri !== undefined) {
    const uri = typeof args.uri === 'string' ? parseUri(args.uri) : args.uri;
    return vscode.workspace.openTextDocument(uri);
  }
  const editor = vscode.window.activeTextEditor;
  if (!editor) throw new NoEditorError('Open a TypeScript, JavaScript or Python file and put the cursor inside a function to run it.');
  const language = editor.document.languageId;
  if (!(RUNNABLE_LANGUAGES as readonly string[]).includes(language)) {
    throw new UserError(`Parallel Runner runs TypeScript, JavaScript and Python functions; the active editor is ${language}.`);
  }
  return editor.document;
}

function parseUri(text: string): vscode.Uri {
  return /^[a-z][\w+.-]*:/i.test(text) && !/^[a-z]:[\\/]/i.test(text) ? vscode.Uri.parse(text) : vscode.Uri.file(text);
}

/** Untitled editors get a path inside the first workspace folder so their relative imports resolve from there. */
export function engineFilePath(document: vscode.TextDocument): string {
  if (document.uri.scheme === 'file') return document.uri.fsPath;
  if (document.isUntitled) {
    const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath ?? os.tmpdir();
    const base = path.posix.basename(document.uri.path) || 'Untitled';
    const extension = EXTENSION_BY_LANGUAGE[document.languageId] ?? '.ts';
    const name = path.extname(base) ? base : `${base}${extension}`;
    return path.join(folder, name.replace(/[^\w.-]/g, '_'));
  }
  throw new UserError(`Parallel Runner runs files on disk and untitled editors; ${document.uri.scheme}: documents can't be loaded by a worker. Save a copy to disk first.`);
}
