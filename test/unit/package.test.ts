// The packaged .vsix: holds every file the installed extension runs (bundles, media, runtime node_modules) and none of the sources or dev tooling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../harness/codeServer';
import { ensureVsix, listZip, type ZipEntry } from '../e2e/vsix';

const PREFIX = 'extension/';

interface Manifest {
  main: string;
  icon?: string;
  bin?: Record<string, string>;
  dependencies: Record<string, string>;
}

const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as Manifest;

/** Folders (relative to the repo, e.g. `node_modules/@babel/types`) of the production dependency tree, as npm resolves it here. */
function productionPackageDirs(): string[] {
  const out = execFileSync('npm', ['ls', '--omit=dev', '--parseable', '--all', '--loglevel=error'], { cwd: repoRoot, encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => path.relative(repoRoot, line.trim()).replace(/\\/g, '/'))
    .filter((dir) => dir.startsWith('node_modules/'));
}

let cached: { entries: ZipEntry[]; files: Map<string, ZipEntry>; vsix: string } | undefined;
function contents() {
  if (!cached) {
    const vsix = ensureVsix();
    const entries = listZip(vsix);
    cached = { vsix, entries, files: new Map(entries.map((e) => [e.name, e])) };
  }
  return cached;
}

function has(relative: string): boolean {
  return contents().files.has(PREFIX + relative);
}

test('the .vsix holds the extension bundles, the worker entries, the CLI and the webview script', () => {
  const missing = ['dist/extension.js', 'dist/taskWorker.js', 'dist/processWorker.js', 'dist/cli.js', 'dist/webview.js', 'dist/python/driver.py', 'dist/python/locate.py'].filter((f) => !has(f));
  assert.deepEqual(missing, [], `missing from the .vsix: ${missing.join(', ')}`);
  assert.ok(has(path.posix.normalize(manifest.main.replace(/^\.\//, ''))), `package.json main ${manifest.main} is not in the .vsix`);
  for (const [name, bin] of Object.entries(manifest.bin ?? {})) {
    assert.ok(has(path.posix.normalize(bin.replace(/^\.\//, ''))), `bin ${name} -> ${bin} is not in the .vsix`);
  }
});

test('the .vsix holds the manifest, readme, changelog and licence', () => {
  const names = contents().entries.map((e) => e.name.toLowerCase());
  for (const file of ['package.json', 'readme.md', 'changelog.md']) assert.ok(names.includes(PREFIX + file), `no ${file} in the .vsix`);
  assert.ok(names.some((n) => /^extension\/license(\.txt|\.md)?$/.test(n)), 'no LICENSE in the .vsix');
});

test('the .vsix holds the panel style, the icon and the sample workloads', () => {
  assert.ok(has('media/panel.css'), 'media/panel.css (the panel page style) is not in the .vsix');
  assert.ok(has('media/sample/seed-workloads.ts'), 'media/sample/seed-workloads.ts ("Open Sample") is not in the .vsix');
  assert.ok(has('media/sample/seed_workloads.py'), 'media/sample/seed_workloads.py ("Open Python Sample") is not in the .vsix');
  assert.ok(manifest.icon, 'package.json declares no "icon"');
  assert.ok(has(manifest.icon.replace(/^\.\//, '')), `the icon ${manifest.icon} is not in the .vsix`);
});

test('the .vsix holds every production dependency with its entry file, and the esbuild binary stays executable', () => {
  const dirs = productionPackageDirs();
  for (const dependency of Object.keys(manifest.dependencies)) {
    assert.ok(dirs.includes(`node_modules/${dependency}`), `npm ls does not resolve the runtime dependency ${dependency}`);
  }
  for (const dir of dirs) {
    assert.ok(has(`${dir}/package.json`), `${dir}/package.json is not in the .vsix`);
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, dir, 'package.json'), 'utf8')) as { main?: string };
    if (pkg.main) {
      const main = path.posix.normalize(`${dir}/${pkg.main}`);
      assert.ok(has(main) || has(`${main}.js`), `${main} (entry of ${dir}) is not in the .vsix`);
    }
  }
  // piscina resolves its own worker next to its dist/main.js (piscina #252); the ESM wrapper is what `await import('piscina')` loads.
  for (const file of ['node_modules/piscina/dist/worker.js', 'node_modules/piscina/dist/esm-wrapper.mjs']) assert.ok(has(file), `${file} is not in the .vsix`);
  const binary = contents().files.get(`${PREFIX}node_modules/@esbuild/${process.platform}-${process.arch}/bin/esbuild`);
  assert.ok(binary, `the esbuild binary for ${process.platform}-${process.arch} is not in the .vsix`);
  assert.ok((binary.mode & 0o111) !== 0, `the esbuild binary is stored without its executable bit (mode ${binary.mode.toString(8)})`);
});

test('the .vsix leaves out sources, tests, source maps, build config and dev dependencies', () => {
  const production = new Set(productionPackageDirs());
  const forbidden: string[] = [];
  const unexpected: string[] = [];
  for (const { name } of contents().entries) {
    if (!name.startsWith(PREFIX)) continue; // [Content_Types].xml, extension.vsixmanifest
    const file = name.slice(PREFIX.length);
    if (
      /^(src|test|out|\.ci|\.vscode|\.vscode-test|\.github|test-results|\.parallel-runner-cache)\//.test(file) ||
      /\.map$/.test(file) ||
      /^(tsconfig.*\.json|esbuild\.mjs|eslint\.config\.mjs|package-lock\.json|\.gitignore|\.vscodeignore)$/.test(file) ||
      /\.(vsix|cpuprofile|tsbuildinfo)$/.test(file)
    ) {
      forbidden.push(file);
      continue;
    }
    if (file.startsWith('node_modules/')) {
      const parts = file.split('/');
      const dir = parts.slice(0, parts[1].startsWith('@') ? 3 : 2).join('/');
      if (!production.has(dir)) forbidden.push(file);
      continue;
    }
    const allowed = /^(package\.json|readme\.md|changelog\.md|license(\.txt|\.md)?)$/i.test(file) || /^dist\/[^/]+\.js$/.test(file) || /^dist\/python\/[^/]+\.py$/.test(file) || file.startsWith('media/');
    if (!allowed) unexpected.push(file);
  }
  assert.deepEqual(forbidden.slice(0, 20), [], `${forbidden.length} files that must not ship are in the .vsix`);
  assert.deepEqual(unexpected, [], 'files outside dist/*.js, dist/python/*.py, media/, node_modules and the manifest files are in the .vsix');
});

test('the .vsix stays small: under 12 MB on disk', () => {
  const size = fs.statSync(contents().vsix).size;
  assert.ok(size < 12 * 1024 * 1024, `the .vsix is ${(size / 1024 / 1024).toFixed(1)} MB`);
});

test('the packaged node_modules load from the unpacked .vsix: piscina runs a task and esbuild transforms TypeScript', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-vsix-'));
  try {
    execFileSync('unzip', ['-q', contents().vsix, 'extension/*', '-d', dir]);
    const extension = path.join(dir, 'extension');
    fs.writeFileSync(path.join(extension, 'double.js'), 'module.exports = (n) => n * 2;\n');
    const script = `
      const { Piscina } = await import('piscina');
      const pool = new Piscina({ filename: ${JSON.stringify(path.join(extension, 'double.js'))}, maxThreads: 2 });
      const doubled = await pool.run(21);
      await pool.destroy();
      const esbuild = await import('esbuild');
      const { code } = await esbuild.transform('const n: number = 1; export default n;', { loader: 'ts', format: 'cjs' });
      const parser = await import('@babel/parser');
      const ast = parser.parse('function f(a: number) { return a }', { plugins: ['typescript'], sourceType: 'module' });
      console.log(JSON.stringify({ doubled, stripped: !code.includes(': number'), parsed: ast.program.body[0].type }));
    `;
    // Run from inside the unpacked extension so bare imports resolve to its node_modules only (NODE_PATH cleared).
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: extension, encoding: 'utf8', env: { ...process.env, NODE_PATH: '' }, timeout: 60_000 });
    assert.deepEqual(JSON.parse(out.trim().split('\n').pop() ?? '{}'), { doubled: 42, stripped: true, parsed: 'FunctionDeclaration' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
