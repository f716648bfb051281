// `npm run package:all`: seven platform-specific .vsix packages, each holding exactly its own platform's esbuild binary
// (checked by its bytes, not its name), no other native code, and the same dist/ as every other.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../harness/codeServer';
import { listZip, readZipEntry, type ZipEntry } from '../e2e/vsix';

type Kind = 'ELF x86-64' | 'ELF aarch64' | 'Mach-O x86-64' | 'Mach-O arm64' | 'PE x64' | 'PE arm64';

const EXPECTED: Record<string, { esbuild: string; binary: string; kind: Kind }> = {
  'linux-x64': { esbuild: '@esbuild/linux-x64', binary: 'bin/esbuild', kind: 'ELF x86-64' },
  'linux-arm64': { esbuild: '@esbuild/linux-arm64', binary: 'bin/esbuild', kind: 'ELF aarch64' },
  'darwin-x64': { esbuild: '@esbuild/darwin-x64', binary: 'bin/esbuild', kind: 'Mach-O x86-64' },
  'darwin-arm64': { esbuild: '@esbuild/darwin-arm64', binary: 'bin/esbuild', kind: 'Mach-O arm64' },
  'win32-x64': { esbuild: '@esbuild/win32-x64', binary: 'esbuild.exe', kind: 'PE x64' },
  'win32-arm64': { esbuild: '@esbuild/win32-arm64', binary: 'esbuild.exe', kind: 'PE arm64' },
  'alpine-x64': { esbuild: '@esbuild/linux-x64', binary: 'bin/esbuild', kind: 'ELF x86-64' },
};

const packagesDir = path.join(repoRoot, 'out', 'packages');
const PREFIX = 'extension/';

/** What native executable or library these bytes are, by their header; undefined for anything else. */
function nativeKind(bytes: Buffer): Kind | string | undefined {
  if (bytes.length < 64) return undefined;
  if (bytes.readUInt32BE(0) === 0x7f454c46) {
    const machine = bytes.readUInt16LE(18);
    return machine === 0x3e ? 'ELF x86-64' : machine === 0xb7 ? 'ELF aarch64' : `ELF machine 0x${machine.toString(16)}`;
  }
  const magic = bytes.readUInt32LE(0);
  if (magic === 0xfeedfacf || magic === 0xfeedface || bytes.readUInt32BE(0) === 0xcafebabe) {
    const cpu = bytes.readUInt32LE(4);
    return cpu === 0x01000007 ? 'Mach-O x86-64' : cpu === 0x0100000c ? 'Mach-O arm64' : `Mach-O cpu 0x${cpu.toString(16)}`;
  }
  if (bytes.toString('latin1', 0, 2) === 'MZ') {
    const header = bytes.readUInt32LE(0x3c);
    if (header + 6 <= bytes.length && bytes.toString('latin1', header, header + 4) === 'PE\0\0') {
      const machine = bytes.readUInt16LE(header + 4);
      return machine === 0x8664 ? 'PE x64' : machine === 0xaa64 ? 'PE arm64' : `PE machine 0x${machine.toString(16)}`;
    }
  }
  return undefined;
}

interface Package {
  file: string;
  entries: ZipEntry[];
  read(name: string): Buffer;
}

const packages = new Map<string, Package>();

before(() => {
  // About 25 s on two busy cores: dist/ is built once, then seven staged copies are zipped.
  execFileSync('npm', ['run', 'package:all'], { cwd: repoRoot, stdio: 'pipe', timeout: 600_000 });
  for (const target of Object.keys(EXPECTED)) {
    const file = path.join(packagesDir, `parallel-runner-${target}.vsix`);
    assert.ok(fs.existsSync(file), `npm run package:all wrote no ${path.relative(repoRoot, file)}`);
    const entries = listZip(file);
    const byName = new Map(entries.map((entry) => [entry.name, entry]));
    packages.set(target, {
      file,
      entries,
      read: (name) => {
        const entry = byName.get(name);
        assert.ok(entry, `${name} is not in the ${target} package`);
        return readZipEntry(file, entry);
      },
    });
  }
});

for (const [target, expected] of Object.entries(EXPECTED)) {
  test(`the ${target} package declares its target and holds exactly its platform's esbuild binary (${expected.kind})`, () => {
    const pkg = packages.get(target)!;
    assert.match(pkg.read('extension.vsixmanifest').toString('utf8'), new RegExp(`TargetPlatform="${target}"`));

    const esbuildPackages = [...new Set(pkg.entries.map((e) => /^extension\/node_modules\/(@esbuild\/[^/]+)\//.exec(e.name)?.[1]).filter(Boolean))];
    assert.deepEqual(esbuildPackages, [expected.esbuild]);
    const binaryName = `${PREFIX}node_modules/${expected.esbuild}/${expected.binary}`;
    assert.equal(nativeKind(pkg.read(binaryName)), expected.kind, `${binaryName} is not a ${expected.kind} executable`);
    if (!target.startsWith('win32')) {
      const mode = pkg.entries.find((e) => e.name === binaryName)!.mode;
      assert.ok((mode & 0o111) !== 0, `${binaryName} is stored without its executable bit (mode ${mode.toString(8)})`);
    }
    // esbuild's JavaScript refuses a binary of another version.
    const version = (name: string) => (JSON.parse(pkg.read(`${PREFIX}node_modules/${name}/package.json`).toString('utf8')) as { version: string }).version;
    assert.equal(version(expected.esbuild), version('esbuild'));

    // No other native code anywhere: every file is read and its header checked, whatever its name.
    const native = pkg.entries
      .filter((e) => e.name !== binaryName && !e.name.endsWith('/') && e.uncompressedSize >= 64)
      .map((e) => [e.name, nativeKind(readZipEntry(pkg.file, e))] as const)
      .filter(([, kind]) => kind !== undefined);
    assert.deepEqual(native, [], `native files besides the esbuild binary in the ${target} package`);
    assert.deepEqual(
      pkg.entries.filter((e) => /\/@napi-rs\/|\.node$/.test(e.name)).map((e) => e.name),
      [],
      'a native Node module (piscina never loads @napi-rs/nice: the extension sets no niceIncrement)',
    );
  });
}

test('dist/ is byte-identical in all seven packages, and holds the extension, workers, CLI and webview', () => {
  const digests = [...packages].map(([target, pkg]) => {
    const dist = pkg.entries.filter((e) => e.name.startsWith(`${PREFIX}dist/`)).sort((a, b) => a.name.localeCompare(b.name));
    return [target, dist.map((e) => `${e.name} ${createHash('sha256').update(pkg.read(e.name)).digest('hex')}`).join('\n')] as const;
  });
  const [, first] = digests[0];
  for (const file of ['extension.js', 'taskWorker.js', 'processWorker.js', 'cli.js', 'webview.js']) assert.match(first, new RegExp(`dist/${file.replace('.', '\\.')} `));
  for (const [target, listing] of digests) assert.equal(listing, first, `dist/ of the ${target} package differs from the ${digests[0][0]} package's`);
  // The test builds' way to run as if not on Linux (src/shared/platformSupport.ts) is compiled out of the package.
  const [, pkg] = [...packages][0];
  const seam = pkg.entries.filter((e) => e.name.startsWith(`${PREFIX}dist/`) && pkg.read(e.name).includes('PARALLEL_RUNNER_AS_IF_NOT_LINUX')).map((e) => e.name);
  assert.deepEqual(seam, [], 'the test-only PARALLEL_RUNNER_AS_IF_NOT_LINUX switch is in the packaged dist/');
});

test("this machine's package bundles a function with the esbuild binary it ships", { skip: !['linux-x64', 'alpine-x64'].includes(`${process.platform}-${process.arch}`) && `${process.platform}-${process.arch} is not a linux-x64 machine` }, () => {
  const pkg = packages.get('linux-x64')!;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parallel-runner-vsix-'));
  try {
    for (const entry of pkg.entries.filter((e) => e.name.startsWith(`${PREFIX}node_modules/esbuild/`) || e.name.startsWith(`${PREFIX}node_modules/@esbuild/`))) {
      const to = path.join(dir, entry.name);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.writeFileSync(to, pkg.read(entry.name), { mode: entry.mode & 0o777 || 0o644 });
    }
    const script = `const r = require(${JSON.stringify(path.join(dir, 'extension/node_modules/esbuild'))}).transformSync('const f = (n: number): number => n * 2; f(21)', { loader: 'ts', minify: true }); process.stdout.write(r.code)`;
    // ESBUILD_BINARY_PATH cleared: the binary must be the one in the package, not one this shell points at.
    const env: NodeJS.ProcessEnv = { ...process.env, ESBUILD_BINARY_PATH: '' };
    delete env.ESBUILD_BINARY_PATH;
    assert.equal(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', env, timeout: 60_000 }).trim(), 'const f=n=>n*2;f(21);');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
