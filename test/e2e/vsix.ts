// Builds the .vsix with `npm run package` when it is missing or older than its sources, and lists a zip's entries in plain Node.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { repoRoot } from '../harness/codeServer';

/** Where `npm run package` writes the package (its `-o` flag). */
export const vsixPath = path.join(repoRoot, 'parallel-runner.vsix');

/** Everything the package is made from: a change to any of these makes an older .vsix stale. */
const packageInputs = ['src', 'media', 'package.json', '.vscodeignore', 'README.md', 'CHANGELOG.md', 'LICENSE', 'esbuild.mjs'];

function newestMtimeMs(target: string): number {
  if (!fs.existsSync(target)) return 0;
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(target)) newest = Math.max(newest, newestMtimeMs(path.join(target, entry)));
  return newest;
}

export function isVsixFresh(): boolean {
  if (!fs.existsSync(vsixPath)) return false;
  const built = fs.statSync(vsixPath).mtimeMs;
  return packageInputs.every((input) => newestMtimeMs(path.join(repoRoot, input)) <= built);
}

/**
 * Returns the path of a .vsix built from the current sources, running `npm run package` only when needed (about 10 s).
 * PARALLEL_RUNNER_VSIX names a prebuilt package to test instead, as is (e.g. one CI built earlier).
 */
export function ensureVsix(): string {
  const given = process.env.PARALLEL_RUNNER_VSIX;
  if (given) {
    if (!fs.existsSync(given)) throw new Error(`PARALLEL_RUNNER_VSIX=${given} does not exist`);
    return path.resolve(given);
  }
  if (isVsixFresh()) return vsixPath;
  try {
    execFileSync('npm', ['run', 'package'], { cwd: repoRoot, stdio: 'pipe', encoding: 'utf8', timeout: 300_000 });
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`npm run package failed: ${failure.message}\n${failure.stdout ?? ''}\n${failure.stderr ?? ''}`);
  } finally {
    // Packaging leaves a production build in dist/; put back the development build (source maps, in-host tests) other suites use.
    execFileSync(process.execPath, ['esbuild.mjs', '--tests'], { cwd: repoRoot, stdio: 'pipe', timeout: 120_000 });
  }
  if (!fs.existsSync(vsixPath)) throw new Error(`npm run package succeeded but wrote no ${vsixPath}`);
  return vsixPath;
}

export interface ZipEntry {
  /** Path inside the archive, always with forward slashes. */
  name: string;
  /** Unix mode bits stored by the zipping tool (0 when it stored none). */
  mode: number;
  uncompressedSize: number;
  /** Where the entry's local header starts, its compression method (0 stored, 8 deflate) and compressed size. */
  localHeaderOffset: number;
  method: number;
  compressedSize: number;
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_DIRECTORY_ENTRY = 0x02014b50;

/** Reads a zip's central directory (no zip64: a .vsix over 4 GB is not a case here). */
export function listZip(file: string): ZipEntry[] {
  const zip = fs.readFileSync(file);
  // The end record sits in the last 22 bytes plus an optional comment of up to 64 KiB.
  let end = -1;
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 0xffff); at--) {
    if (zip.readUInt32LE(at) === END_OF_CENTRAL_DIRECTORY) {
      end = at;
      break;
    }
  }
  if (end < 0) throw new Error(`${file} is not a zip archive (no end-of-central-directory record)`);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== CENTRAL_DIRECTORY_ENTRY) throw new Error(`${file}: broken central directory at entry ${i}`);
    const madeBy = zip.readUInt16LE(at + 4) >> 8; // 3 = Unix: the high 16 bits of the external attributes are st_mode
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const uncompressedSize = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const externalAttributes = zip.readUInt32LE(at + 38);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength).replace(/\\/g, '/');
    const localHeaderOffset = zip.readUInt32LE(at + 42);
    entries.push({ name, mode: madeBy === 3 ? externalAttributes >>> 16 : 0, uncompressedSize, localHeaderOffset, method, compressedSize });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

const LOCAL_FILE_HEADER = 0x04034b50;

/** One entry's bytes (stored or deflated, the two methods vsce writes). */
export function readZipEntry(file: string, entry: ZipEntry): Buffer {
  const zip = fs.readFileSync(file);
  const at = entry.localHeaderOffset;
  if (zip.readUInt32LE(at) !== LOCAL_FILE_HEADER) throw new Error(`${file}: no local header for ${entry.name}`);
  const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const data = zip.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return Buffer.from(data);
  if (entry.method === 8) return zlib.inflateRawSync(data);
  throw new Error(`${file}: ${entry.name} uses compression method ${entry.method}`);
}
