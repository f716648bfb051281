// Located targets remembered per engine and on disk, so unchanged text skips Babel; and esbuild's service started once.
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { version as toolVersion } from '../../../package.json';
import type { TargetSelector } from '../api';
import { loadEsbuild } from '../lazyModules';
import { locateTargetBinding, type TargetBinding } from '../locate';

/** Located bindings kept per engine; a file edited many times should not grow this without bound. */
const MAX_LOCATED_TARGETS = 64;

/** Bump when locate.ts finds targets differently, so bindings located by an older build are not reused from disk. */
const LOCATE_CACHE_VERSION = 1;

/** Where a binding located in this exact text is kept on disk, beside the bundles. */
function locatedCachePath(cacheDir: string, key: string): string {
  const name = createHash('sha256').update(`${LOCATE_CACHE_VERSION}\0${toolVersion}\0${key}`).digest('hex').slice(0, 32);
  return path.join(cacheDir, 'located', `${name}.json`);
}

/** A binding a previous process located in this exact text, or undefined. Synchronous: one small read. */
function readLocated(file: string): TargetBinding | undefined {
  try {
    const binding = JSON.parse(readFileSync(file, 'utf8')) as TargetBinding;
    return typeof binding?.target?.name === 'string' && typeof binding.moduleFormat === 'string' ? binding : undefined;
  } catch {
    return undefined;
  }
}

/** Best effort: a cache that cannot be written only costs the next process a parse. */
function writeLocated(file: string, binding: TargetBinding): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.${randomUUID()}.tmp`;
    writeFileSync(temporary, JSON.stringify(binding));
    renameSync(temporary, file);
  } catch {
    // Read-only or full disk: locate again next time.
  }
}

/**
 * locateTargetBinding, remembered per (file, selector, text) for this engine and on disk in the cache folder: a new
 * process (the CLI, a restarted editor) running unchanged text skips loading Babel (~100 ms cold) and parsing.
 */
export async function locateCached(
  cache: Map<string, TargetBinding>,
  cacheDir: string,
  source: string,
  file: string,
  selector: TargetSelector,
  beforeParse?: () => void,
): Promise<TargetBinding> {
  const key = `${file}\0${JSON.stringify(selector)}\0${createHash('sha256').update(source).digest('base64')}`;
  let known = cache.get(key);
  const onDisk = locatedCachePath(cacheDir, key);
  if (!known) {
    known = readLocated(onDisk);
    if (known) cache.set(key, known);
  }
  // A copy: the target goes into a report a face may keep or change.
  if (known) return { ...known, target: { ...known.target, params: [...known.target.params] } };
  // New text: it will most likely need a new bundle too, so the caller may start esbuild's service now.
  beforeParse?.();
  const binding = await locateTargetBinding(source, file, selector);
  if (cache.size >= MAX_LOCATED_TARGETS) cache.delete(cache.keys().next().value!);
  cache.set(key, binding);
  writeLocated(onDisk, binding);
  return { ...binding, target: { ...binding.target, params: [...binding.target.params] } };
}

let toolsLoading = false;

/**
 * Starts esbuild's service process, once per process: it boots on another core while this thread does the next steps
 * (pools, loading Babel in a prewarm), instead of at the first build. A process of its own: a run starts it only once the
 * request proved good, so a refused run leaves no child process.
 */
export function startEsbuildService(): void {
  if (toolsLoading) return;
  toolsLoading = true;
  try {
    void loadEsbuild()
      .initialize({})
      .catch(() => undefined);
  } catch {
    // Not installed, or initialized by other code in this process: the bundle step says what is wrong, if anything.
  }
}
