// Finds a runnable target in a .py file with Python's own `ast` (dist/python/locate.py, run by the chosen interpreter):
// a top-level def, a class with run() (a multiprocessing.Process subclass too) or a @staticmethod/@classmethod.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import * as l10n from '@vscode/l10n';
import type { TargetInfo } from '../../shared/report';
import { UserError, type TargetSelector } from '../api';
import { describeSpawnFailure, MIN_PYTHON, missingInterpreterError, pythonCommand, pythonScriptsDir } from './interpreter';

interface Candidate {
  target: TargetInfo & { processSubclass?: boolean };
  /** 1-based line range the cursor may be in to pick it (decorators included). */
  start: number;
  end: number;
  /** A method inside a class: picked before the class itself. */
  nested: boolean;
}

interface Refusal {
  start: number;
  end: number;
  name: string;
  reason: string;
}

interface Scan {
  candidates: Candidate[];
  refusals: Refusal[];
  version: string;
}

export interface PythonLocateOptions {
  pythonPath?: string;
  distDir: string;
}

/** What can run, for messages (made when used: the l10n bundle is read after this module loads). */
function supported(): string {
  return l10n.t(
    'a top-level `def`, a class with a run() method (a `multiprocessing.Process` subclass too: each task constructs it with its arguments and calls run()), or a @staticmethod / @classmethod (run as `Class.method`)',
  );
}

/** Scans by interpreter and text: a warm re-run of unchanged text does not start Python again. */
const scans = new Map<string, Promise<Scan>>();
const MAX_SCANS = 64;

function runLocator(command: string, scriptsDir: string, source: string, file: string): Promise<Scan> {
  return new Promise<Scan>((resolve, reject) => {
    const child = execFile(command, ['-X', 'utf8', path.join(scriptsDir, 'locate.py'), file], { timeout: 30_000, maxBuffer: 64 * 1024 * 1024, windowsHide: true }, (error, stdout, stderr) => {
      if (error && typeof (error as NodeJS.ErrnoException).code === 'string') {
        reject(missingInterpreterError(command, describeSpawnFailure(error as NodeJS.ErrnoException)));
        return;
      }
      let answer: { candidates?: Candidate[]; refusals?: Refusal[]; version?: string; syntaxError?: { message: string; line: number; column: number } };
      try {
        answer = JSON.parse(stdout) as typeof answer;
      } catch {
        const detail = (stderr || error?.message || stdout).trim().split('\n').slice(-3).join(' ');
        reject(missingInterpreterError(command, l10n.t("could not parse the file with Python's ast ({0}); is it Python {1} or later?", detail || l10n.t('no output'), MIN_PYTHON.join('.'))));
        return;
      }
      if (answer.syntaxError) {
        const { message, line, column } = answer.syntaxError;
        reject(new UserError(`${file}:${line}:${column}: ${message}`, { file, line, column }));
        return;
      }
      const version = answer.version ?? '0';
      const [major, minor] = version.split('.').map(Number);
      if (major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])) {
        reject(missingInterpreterError(command, l10n.t('is Python {0}, older than {1}', version, MIN_PYTHON.join('.'))));
        return;
      }
      resolve({ candidates: answer.candidates ?? [], refusals: answer.refusals ?? [], version });
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(source);
  });
}

function scanPython(source: string, file: string, options: PythonLocateOptions): Promise<Scan> {
  const command = pythonCommand(options.pythonPath);
  const key = `${command}\0${file}\0${createHash('sha256').update(source).digest('base64')}`;
  let scan = scans.get(key);
  if (!scan) {
    scan = runLocator(command, pythonScriptsDir(options.distDir), source, file);
    if (scans.size >= MAX_SCANS) scans.delete(scans.keys().next().value!);
    scans.set(key, scan);
    // A failure (no interpreter yet, a syntax error) is not remembered: the user fixes it and runs again.
    scan.catch(() => scans.delete(key));
  }
  return scan;
}

function copy(target: TargetInfo): TargetInfo {
  const { processSubclass: _processSubclass, ...info } = target as TargetInfo & { processSubclass?: boolean };
  return { ...info, params: [...info.params] };
}

function runnableNames(scan: Scan): string {
  const names = scan.candidates.map((candidate) => candidate.target.name);
  return names.length > 0 ? l10n.t('Runnable targets in this file: {0}.', names.join(', ')) : l10n.t('This file has no runnable targets.');
}

function lineOfOffset(source: string, offset: number): { line: number; column: number } {
  const lines = source.slice(0, Math.max(0, offset)).split(/\r\n|\r|\n/);
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

/** The target at the cursor or with the given name; UserError (syntax error, no interpreter, no target) says what to do. */
export async function locatePythonTarget(source: string, file: string, selector: TargetSelector, options: PythonLocateOptions): Promise<TargetInfo> {
  const scan = await scanPython(source, file, options);
  const base = path.basename(file);
  if (selector.name !== undefined) {
    const found = scan.candidates.find((candidate) => candidate.target.name === selector.name);
    if (found) return copy(found.target);
    const refusal = scan.refusals.find((candidate) => candidate.name === selector.name);
    if (refusal) throw new UserError(`${base}: ${refusal.reason}. ${runnableNames(scan)}`);
    throw new UserError(l10n.t('{0}: no runnable target named "{1}". {2}', base, selector.name, runnableNames(scan)));
  }
  if (selector.offset === undefined) throw new UserError(l10n.t('No target given: put the cursor in a function or give its name.'));
  const { line, column } = lineOfOffset(source, selector.offset);
  const contains = (range: { start: number; end: number }) => range.start <= line && line <= range.end;
  const nested = scan.candidates.find((candidate) => candidate.nested && contains(candidate));
  if (nested) return copy(nested.target);
  const refusal = scan.refusals.find((candidate) => candidate.name.includes('.') && contains(candidate));
  if (refusal) throw new UserError(`${base}: ${refusal.reason}. ${runnableNames(scan)}`);
  const candidate = scan.candidates.find(contains);
  if (candidate) return copy(candidate.target);
  const plainClass = scan.refusals.find(contains);
  if (plainClass) throw new UserError(`${base}: ${plainClass.reason}. ${runnableNames(scan)}`);
  throw new UserError(l10n.t('{0}:{1}:{2}: the cursor is not inside a runnable top-level target. Put it in {3}. {4}', base, line, column, supported(), runnableNames(scan)), {
    file,
    line,
    column,
  });
}

/** Every runnable target, for CodeLens; [] on a syntax error or without an interpreter (a run then says why). */
export async function listPythonTargets(source: string, file: string, options: PythonLocateOptions): Promise<TargetInfo[]> {
  try {
    const scan = await scanPython(source, file, options);
    return scan.candidates.map((candidate) => copy(candidate.target)).sort((a, b) => a.line - b.line || a.column - b.column);
  } catch (error) {
    if (error instanceof UserError) return [];
    throw error;
  }
}
