// The module spec of a Python target: no bundle, the .py file itself (or a saved copy of an unsaved editor's text),
// with a hash that changes when the file or a sibling module changes, so warm workers import the new text.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { TargetInfo } from '../../shared/report';
import type { ModuleSpec } from '../../shared/workerProtocol';

/** Sibling modules looked at for the hash; a folder with more is hashed by its first ones (sorted by name). */
const MAX_SIBLINGS = 200;

function siblingStamp(folder: string, own: string): string {
  try {
    const names = readdirSync(folder)
      .filter((name) => name.endsWith('.py') && name !== own)
      .sort()
      .slice(0, MAX_SIBLINGS);
    return names
      .map((name) => {
        try {
          const stat = statSync(path.join(folder, name));
          return `${name}:${stat.size}:${stat.mtimeMs}`;
        } catch {
          return name;
        }
      })
      .join('\n');
  } catch {
    return '';
  }
}

function diskText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function pythonModuleSpec(given: string, source: string, target: TargetInfo, cacheDir: string, maxPreviewChars: number): ModuleSpec {
  const file = path.resolve(given);
  const folder = path.dirname(file);
  const hash = createHash('sha256')
    .update(`${file}\0${source}\0${siblingStamp(folder, path.basename(file))}\0${target.kind}:${target.name}`)
    .digest('hex')
    .slice(0, 32);
  let bundlePath = file;
  // An unsaved or untitled editor: Python reads the text from a copy, compiled under the user's file name.
  if (diskText(file) !== source) {
    const dir = path.join(cacheDir, 'python', hash);
    mkdirSync(dir, { recursive: true });
    bundlePath = path.join(dir, path.basename(file));
    writeFileSync(bundlePath, source);
  }
  const kind = target.kind;
  return { bundlePath, hash, python: { file, target: { kind, name: target.name, isAsync: target.isAsync }, maxPreviewChars } };
}
