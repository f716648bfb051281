// `npm run package:all`: one .vsix per VS Code target, each with its own platform's esbuild binary and no other's.
// dist/ is built once (production) into a staging folder, so the repository's development build stays as it is; each target
// then gets a staged copy of the package whose node_modules holds the production dependencies minus every native package,
// plus that target's @esbuild/<platform> unpacked from `npm pack` (cached by the locked version, checked against the lock's
// integrity), and `vsce package --target` zips it. piscina's optional @napi-rs/nice is left out of every target: piscina
// loads it only for a nonzero `niceIncrement`, which the extension never sets, and ignores its absence (`.catch(noop)`).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** VS Code target → the @esbuild package whose binary it runs, and where that package keeps the binary. */
export const TARGETS = {
  'linux-x64': { esbuild: '@esbuild/linux-x64', binary: 'bin/esbuild' },
  'linux-arm64': { esbuild: '@esbuild/linux-arm64', binary: 'bin/esbuild' },
  'darwin-x64': { esbuild: '@esbuild/darwin-x64', binary: 'bin/esbuild' },
  'darwin-arm64': { esbuild: '@esbuild/darwin-arm64', binary: 'bin/esbuild' },
  'win32-x64': { esbuild: '@esbuild/win32-x64', binary: 'esbuild.exe' },
  'win32-arm64': { esbuild: '@esbuild/win32-arm64', binary: 'esbuild.exe' },
  // esbuild's Linux binaries are static Go executables: the same one runs on Alpine's musl.
  'alpine-x64': { esbuild: '@esbuild/linux-x64', binary: 'bin/esbuild' },
};

/** Where the packages are written: out/ is ignored by git and by the .vsix. */
export const packagesDir = path.join(repoRoot, 'out', 'packages');
export const vsixOf = (target) => path.join(packagesDir, `parallel-runner-${target}.vsix`);

/** Native packages that never go into a target as they are installed here (they are this machine's platform). */
const isNative = (dir) => /^node_modules\/(@esbuild\/|@napi-rs\/)/.test(dir);

/** What the package is made of besides node_modules and dist (the rest is left out by .vscodeignore anyway). */
const packageFiles = ['package.json', 'package.nls.json', 'README.md', 'CHANGELOG.md', 'LICENSE', '.vscodeignore', 'media', 'l10n'];

function run(command, args, cwd) {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: 'pipe', shell: process.platform === 'win32' && command === 'npm' });
  } catch (error) {
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
  }
}

function lockedPackage(name) {
  const lock = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8'));
  const entry = lock.packages[`node_modules/${name}`];
  if (!entry?.version || !entry.integrity) throw new Error(`package-lock.json locks no version and integrity of ${name}`);
  return entry;
}

/** The tarball of `name` at its locked version, from the cache or `npm pack`, checked against the lock's sha512. */
function tarballOf(name) {
  const { version, integrity } = lockedPackage(name);
  const cacheDir = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'parallel-runner', 'npm-packs');
  fs.mkdirSync(cacheDir, { recursive: true });
  const file = path.join(cacheDir, `${name.replace('@', '').replace('/', '-')}-${version}.tgz`);
  const matches = () => fs.existsSync(file) && `sha512-${createHash('sha512').update(fs.readFileSync(file)).digest('base64')}` === integrity;
  if (!matches()) {
    const fetched = JSON.parse(run('npm', ['pack', `${name}@${version}`, '--json', '--pack-destination', cacheDir, '--loglevel=error'], cacheDir))[0].filename;
    fs.renameSync(path.join(cacheDir, fetched), file);
    if (!matches()) throw new Error(`${name}@${version} from the registry does not match package-lock.json's integrity`);
  }
  return file;
}

/** The production dependency folders (e.g. node_modules/piscina) as npm resolves them here. */
function productionDirs() {
  return run('npm', ['ls', '--omit=dev', '--parseable', '--all', '--loglevel=error'], repoRoot)
    .split('\n')
    .map((line) => path.relative(repoRoot, line.trim()).replace(/\\/g, '/'))
    .filter((dir) => dir.startsWith('node_modules/'));
}

export function packageAll(targets = Object.keys(TARGETS)) {
  const staging = path.join(repoRoot, 'out', 'package-all');
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(packagesDir, { recursive: true });

  // dist/ once, for every target: esbuild.mjs reads src/ and writes dist/ relative to where it runs.
  const build = path.join(staging, 'build');
  fs.mkdirSync(build, { recursive: true });
  fs.symlinkSync(path.join(repoRoot, 'src'), path.join(build, 'src'), 'junction');
  run(process.execPath, [path.join(repoRoot, 'esbuild.mjs'), '--production'], build);

  const dependencies = productionDirs().filter((dir) => !isNative(dir));
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  // dist/ is already built: vsce would otherwise run the production build again in each staged copy.
  delete manifest.scripts['vscode:prepublish'];
  const vsce = path.join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');

  const written = [];
  for (const target of targets) {
    const { esbuild } = TARGETS[target];
    if (!esbuild) throw new Error(`unknown target ${target}: one of ${Object.keys(TARGETS).join(', ')}`);
    const stage = path.join(staging, target);
    fs.mkdirSync(stage, { recursive: true });
    for (const file of packageFiles) {
      if (fs.existsSync(path.join(repoRoot, file))) fs.cpSync(path.join(repoRoot, file), path.join(stage, file), { recursive: true });
    }
    fs.writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    fs.cpSync(path.join(build, 'dist'), path.join(stage, 'dist'), { recursive: true });
    for (const dir of dependencies) {
      // A dependency's own nested node_modules come as their own entries of the list.
      fs.cpSync(path.join(repoRoot, dir), path.join(stage, dir), { recursive: true, filter: (from) => path.basename(from) !== 'node_modules' || from === path.join(repoRoot, dir) });
    }
    const into = path.join(stage, 'node_modules', ...esbuild.split('/'));
    fs.mkdirSync(into, { recursive: true });
    run('tar', ['-xzf', tarballOf(esbuild), '-C', into, '--strip-components=1'], stage);
    const out = vsixOf(target);
    fs.rmSync(out, { force: true });
    run(process.execPath, [vsce, 'package', '--target', target, '-o', out], stage);
    written.push(out);
  }
  fs.rmSync(staging, { recursive: true, force: true });
  return written;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  for (const file of packageAll(process.argv.slice(2).length ? process.argv.slice(2) : undefined)) {
    console.log(`${path.relative(repoRoot, file)}  ${(fs.statSync(file).size / 1e6).toFixed(1)} MB`);
  }
  console.log(`${Object.keys(TARGETS).length} packages in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
