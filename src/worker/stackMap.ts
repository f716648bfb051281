// Turns a thrown value into a TaskError whose stack points at the user's source, through the .map file next to the bundle.
import { readFile } from 'node:fs/promises';
import { SourceMap } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import type { SourceLocation, TaskError } from '../shared/report';
import * as l10n from '@vscode/l10n';

const sourceMaps = new Map<string, Promise<SourceMap | undefined>>();

/** Loaded lazily on the first error: most runs never throw, so workers don't pay for reading maps. */
function loadSourceMap(bundlePath: string): Promise<SourceMap | undefined> {
  let loaded = sourceMaps.get(bundlePath);
  if (!loaded) {
    loaded = readFile(`${bundlePath}.map`, 'utf8').then(
      (text) => new SourceMap(JSON.parse(text)),
      () => undefined,
    );
    sourceMaps.set(bundlePath, loaded);
  }
  return loaded;
}

// `    at fn (/abs/file.mjs:12:5)`, `    at file:///abs/file.mjs:12:5`, `    at async Promise.all (index 0)`
const FRAME = /^(\s+at (?:.*? \()?)(.+?):(\d+):(\d+)(\)?)$/;

/** Frames of the runner itself and of Node internals say nothing about the user's code. */
function isRunnerFrame(file: string, runnerFiles: readonly string[]): boolean {
  return file.startsWith('node:') || runnerFiles.includes(file) || file.includes(`${path.sep}piscina${path.sep}dist${path.sep}`);
}

function toPath(fileOrUrl: string): string {
  return fileOrUrl.startsWith('file://') ? fileURLToPath(fileOrUrl) : fileOrUrl;
}

interface MappedStack {
  stack: string;
  location?: SourceLocation;
}

function mapStack(stack: string, bundlePath: string, map: SourceMap | undefined, runnerFiles: readonly string[]): MappedStack {
  const bundleUrl = pathToFileURL(bundlePath).href;
  const bundleDir = path.dirname(bundlePath);
  const lines: string[] = [];
  let location: SourceLocation | undefined;
  let fallbackLocation: SourceLocation | undefined;
  for (const line of stack.split('\n')) {
    const frame = FRAME.exec(line);
    if (!frame) {
      lines.push(line);
      continue;
    }
    const [, prefix, file, lineText, columnText, suffix] = frame;
    if (isRunnerFrame(toPath(file), runnerFiles)) continue;
    let shown: SourceLocation | undefined;
    if (file === bundlePath || file === bundleUrl) {
      const entry = (map?.findEntry(Number(lineText) - 1, Number(columnText) - 1) ?? {}) as { originalSource?: string; originalLine?: number; originalColumn?: number };
      if (entry.originalSource !== undefined && entry.originalLine !== undefined && entry.originalColumn !== undefined) {
        const source = toPath(entry.originalSource);
        shown = { file: path.isAbsolute(source) ? source : path.resolve(bundleDir, source), line: entry.originalLine + 1, column: entry.originalColumn + 1 };
        lines.push(`${prefix}${shown.file}:${shown.line}:${shown.column}${suffix}`);
      } else {
        lines.push(line);
      }
    } else {
      // A frame Node already mapped (source maps enabled in the host) or a file the bundle left external.
      lines.push(line);
      const filePath = toPath(file);
      if (path.isAbsolute(filePath)) shown = { file: filePath, line: Number(lineText), column: Number(columnText) };
    }
    if (shown) {
      // Library code bundled from node_modules is rarely where the user wants to jump.
      if (!location && !shown.file.includes(`${path.sep}node_modules${path.sep}`)) location = shown;
      fallbackLocation ??= shown;
    }
  }
  return { stack: lines.join('\n'), location: location ?? fallbackLocation };
}

function describeNonError(thrown: unknown): string {
  if (thrown === undefined) return l10n.t('undefined was thrown (throw an Error to get a message and a stack trace)');
  if (thrown === null) return l10n.t('null was thrown (throw an Error to get a message and a stack trace)');
  const shown = typeof thrown === 'string' ? JSON.stringify(thrown) : inspect(thrown, { depth: 2, breakLength: Infinity, maxStringLength: 500 });
  if (typeof thrown === 'string') return l10n.t('A string was thrown: {0}', shown);
  if (typeof thrown === 'object') return l10n.t('A non-Error object was thrown: {0}', shown);
  // `A number`, `A boolean`, `A bigint`, `A symbol`, `A function`: the JavaScript type's name stays as it is.
  return l10n.t('A {0} was thrown: {1}', typeof thrown, shown);
}

function isErrorLike(thrown: unknown): thrown is Error {
  return thrown instanceof Error || (typeof thrown === 'object' && thrown !== null && typeof (thrown as Error).message === 'string' && typeof (thrown as Error).stack === 'string');
}

/** One property of a thrown value; a getter that throws yields what it threw, so the message can say so. */
function readProperty(thrown: object, key: 'name' | 'message' | 'stack'): { value?: unknown; failure?: string } {
  try {
    return { value: (thrown as Record<string, unknown>)[key] };
  } catch (failure) {
    return { failure: describeReadFailure(failure) };
  }
}

/** What a getter threw, described without reading anything that could throw again. */
function describeReadFailure(failure: unknown): string {
  try {
    return failure instanceof Error ? `${String(failure.name)}: ${String(failure.message)}` : String(failure);
  } catch {
    return l10n.t('something that cannot be read either');
  }
}

/**
 * Describes anything a task threw; frames in the bundle are mapped to the user's file, and `location` is the first user frame.
 * Reading a thrown value runs its getters and Proxy traps: whatever they do, this resolves with a description.
 */
export async function describeThrown(thrown: unknown, bundlePath: string | undefined, runnerFiles: readonly string[]): Promise<TaskError> {
  try {
    return await describeThrownUnguarded(thrown, bundlePath, runnerFiles);
  } catch (failure) {
    return { code: 'thrown', name: 'non-Error', message: l10n.t('The task threw a value that could not be examined: reading it threw {0} (a getter or Proxy trap on the thrown value?). Throw an Error instead.', describeReadFailure(failure)) };
  }
}

async function describeThrownUnguarded(thrown: unknown, bundlePath: string | undefined, runnerFiles: readonly string[]): Promise<TaskError> {
  if (!isErrorLike(thrown)) return { code: 'thrown', name: 'non-Error', message: describeNonError(thrown) };
  const nameRead = readProperty(thrown, 'name');
  const messageRead = readProperty(thrown, 'message');
  const stackRead = readProperty(thrown, 'stack');
  const name = typeof nameRead.value === 'string' && nameRead.value ? nameRead.value : 'Error';
  const message =
    messageRead.failure !== undefined
      ? l10n.t('(its message could not be read: the message getter threw {0})', messageRead.failure)
      : messageRead.value === undefined
        ? ''
        : String(messageRead.value);
  const stack = typeof stackRead.value === 'string' ? stackRead.value : undefined;
  if (!stack) return { code: 'thrown', name, message };
  const map = bundlePath ? await loadSourceMap(bundlePath) : undefined;
  const mapped = mapStack(stack, bundlePath ?? '', map, runnerFiles);
  return mapped.location ? { code: 'thrown', name, message, stack: mapped.stack, location: mapped.location } : { code: 'thrown', name, message, stack: mapped.stack };
}
