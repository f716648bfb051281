// Bundles the user's file with esbuild into one content-hashed ESM module that exports the target as a plain callable.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, promises as fs, statSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as l10n from '@vscode/l10n';
import type { BuildFailure, Message, Plugin } from 'esbuild';
import { UserError } from './api';
import { loadEsbuild } from './lazyModules';
import { locateTargetBinding, type TargetBinding } from './locate';
import { TARGET_EXPORT, type ModuleSpec } from '../shared/workerProtocol';
import type { TargetInfo } from '../shared/report';

export interface BundleResult extends ModuleSpec {
  sourceMapPath: string;
  fromCache: boolean;
  warnings: string[];
}

export interface BundleArgs {
  file: string;
  /** Unsaved editor text; it is what runs. Default: the file on disk. */
  source?: string;
  target: TargetInfo;
  cacheDir: string;
  /** The binding locateTargetBinding already found in this same text, so Babel parses the file once per run. */
  binding?: TargetBinding;
}

/** Bump when the shape of the generated bundle changes, so old cache entries are not reused. */
const RECIPE_VERSION = 1;
/** The user module's export of the raw function or class (the entry wraps it into TARGET_EXPORT). */
const RAW_EXPORT = '__parallelRunnerRaw__';
const ENTRY_NAME = '<parallel-runner entry>';
/** Banner bindings that stand in for CommonJS globals and for import.meta in the single-file bundle. */
const FILE_URL_BINDING = '__parallelRunnerFileUrl';

interface ManifestInput {
  path: string;
  size: number;
  mtimeMs: number;
}

/** Per file+target: what the last bundle was made from, so an unchanged one is reused without running esbuild. */
interface Manifest {
  recipe: number;
  esbuildVersion: string;
  hash: string;
  userTextHash: string;
  inputs: ManifestInput[];
  warnings: string[];
}

/** A manifest this process read or wrote, with the bundle it names: a warm re-run checks it without a round trip to disk. */
interface RememberedBundle {
  manifest: Manifest;
  result: BundleResult;
}

/** Remembered manifests by cache folder, file and target; bounded, oldest first out. */
const rememberedBundles = new Map<string, RememberedBundle>();
const MAX_REMEMBERED_BUNDLES = 64;

function rememberedKey(cacheDir: string, file: string, target: TargetInfo): string {
  return `${cacheDir}\0${file}\0${target.kind}\0${target.name}`;
}

function remember(key: string, manifest: Manifest, result: BundleResult): void {
  rememberedBundles.delete(key);
  if (rememberedBundles.size >= MAX_REMEMBERED_BUNDLES) rememberedBundles.delete(rememberedBundles.keys().next().value!);
  rememberedBundles.set(key, { manifest, result });
}

/**
 * The remembered bundle when the text is the same and every other input still has its size and mtime. Synchronous stats
 * of a few local files take microseconds, where the same checks through fs.promises cost a thread-pool round trip each
 * (about 2 ms per warm run). The bundle and map must still exist: a cleaned cache folder is rebuilt.
 */
function reuseRemembered(key: string, file: string, userTextHash: string): BundleResult | undefined {
  const remembered = rememberedBundles.get(key);
  if (!remembered || remembered.manifest.userTextHash !== userTextHash) return undefined;
  const { result, manifest } = remembered;
  if (!existsSync(result.bundlePath) || !existsSync(result.sourceMapPath)) return undefined;
  for (const input of manifest.inputs) {
    if (input.path === file) continue;
    const stat = statSync(input.path, { throwIfNoEntry: false });
    if (!stat || stat.size !== input.size || stat.mtimeMs !== input.mtimeMs) return undefined;
  }
  return { ...result, fromCache: true, warnings: [...result.warnings] };
}

/** Bundles `file` (or its unsaved `source`) for `target`, reusing a cached bundle when nothing it reads changed. */
export async function bundleTarget(args: BundleArgs): Promise<BundleResult> {
  const file = path.resolve(args.file);
  const userText = args.source ?? (await readUserFile(file));
  const cacheDir = path.resolve(args.cacheDir);
  const userTextHash = sha256([userText]);
  const key = rememberedKey(cacheDir, file, args.target);
  const warm = reuseRemembered(key, file, userTextHash);
  if (warm) return warm;
  const esbuild = loadEsbuild();
  const manifestPath = path.join(
    cacheDir,
    'manifests',
    `${sha256([String(RECIPE_VERSION), esbuild.version, file, args.target.kind, args.target.name]).slice(0, 32)}.json`,
  );

  const cached = await reuseFromManifest(manifestPath, cacheDir, esbuild.version, file, userTextHash);
  if (cached) {
    remember(key, cached.manifest, cached.result);
    return { ...cached.result, warnings: [...cached.result.warnings] };
  }

  const binding = args.binding ?? (await bindingFor(userText, file, args.target));
  const fileUrl = pathToFileURL(file).href;
  const outfile = path.join(cacheDir, 'pending.mjs');
  let result;
  try {
    result = await esbuild.build({
      stdin: { contents: entryCode(file, binding), resolveDir: path.dirname(file), sourcefile: ENTRY_NAME, loader: 'js' },
      absWorkingDir: path.dirname(file),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      outfile,
      sourcemap: 'external',
      sourcesContent: false,
      metafile: true,
      keepNames: true,
      logLevel: 'silent',
      // In the bundle, import.meta.url would name the cache file: user code that finds files next to itself wants its own.
      define: { 'import.meta.url': FILE_URL_BINDING, 'import.meta.filename': '__filename', 'import.meta.dirname': '__dirname' },
      banner: { js: bannerCode(file, fileUrl) },
      plugins: [userFilePlugin(file, userText, binding), nativeAddonPlugin()],
    });
  } catch (error) {
    if (isBuildFailure(error)) throw buildFailureError(error, file);
    throw error;
  }

  const js = result.outputFiles.find((output) => output.path.endsWith('.mjs'))?.text ?? '';
  const rawMap = result.outputFiles.find((output) => output.path.endsWith('.map'))?.text ?? '{}';
  const map = absoluteSourceMap(rawMap, cacheDir);
  const hash = sha256([String(RECIPE_VERSION), esbuild.version, args.target.kind, args.target.name, js, map]).slice(0, 32);
  const bundlePath = path.join(cacheDir, `${hash}.mjs`);
  const sourceMapPath = `${bundlePath}.map`;
  const warnings = result.warnings.map((warning) => formatMessage(warning, path.dirname(file), 'warning'));

  await fs.mkdir(path.join(cacheDir, 'manifests'), { recursive: true });
  const alreadyBuilt = await exists(bundlePath);
  if (!alreadyBuilt) {
    // The map first: a worker that finds the .mjs can count on its map being there.
    await writeAtomically(sourceMapPath, map);
    await writeAtomically(bundlePath, `${js}//# sourceMappingURL=${path.basename(sourceMapPath)}\n`);
  }
  const inputs = await manifestInputs(Object.keys(result.metafile.inputs), path.dirname(file), file);
  const manifest: Manifest = { recipe: RECIPE_VERSION, esbuildVersion: esbuild.version, hash, userTextHash, inputs, warnings };
  await writeAtomically(manifestPath, JSON.stringify(manifest));
  remember(key, manifest, { bundlePath, hash, sourceMapPath, fromCache: true, warnings: [...warnings] });
  return { bundlePath, hash, sourceMapPath, fromCache: alreadyBuilt, warnings };
}

async function readUserFile(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new UserError(l10n.t('cannot read {0}: {1}', file, (error as Error).message));
  }
}

async function bindingFor(userText: string, file: string, target: TargetInfo): Promise<TargetBinding> {
  const binding = await locateTargetBinding(userText, file, { name: target.name });
  if (binding.target.kind !== target.kind) {
    throw new UserError(l10n.t('{0}: {1} is now a {2}, not a {3}; run it again from the editor', path.basename(file), target.name, binding.target.kind, target.kind));
  }
  return binding;
}

/** The stored bundle when the manifest's inputs are unchanged (same text for the user file, same size and mtime for the rest). */
async function reuseFromManifest(
  manifestPath: string,
  cacheDir: string,
  esbuildVersion: string,
  file: string,
  userTextHash: string,
): Promise<RememberedBundle | undefined> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await fs.readFile(manifestPath, 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
  if (manifest.recipe !== RECIPE_VERSION || manifest.esbuildVersion !== esbuildVersion || manifest.userTextHash !== userTextHash) return undefined;
  const bundlePath = path.join(cacheDir, `${manifest.hash}.mjs`);
  const sourceMapPath = `${bundlePath}.map`;
  if (!(await exists(bundlePath)) || !(await exists(sourceMapPath))) return undefined;
  for (const input of manifest.inputs) {
    if (input.path === file) continue;
    const stat = await fs.stat(input.path).catch(() => undefined);
    if (!stat || stat.size !== input.size || stat.mtimeMs !== input.mtimeMs) return undefined;
  }
  return { manifest, result: { bundlePath, hash: manifest.hash, sourceMapPath, fromCache: true, warnings: manifest.warnings } };
}

/** Size and mtime of every file the bundle read (plus the nearest tsconfig.json, whose `paths` steer resolution). */
async function manifestInputs(metafileInputs: string[], workingDir: string, file: string): Promise<ManifestInput[]> {
  const paths = new Set<string>();
  for (const input of metafileInputs) {
    if (input.startsWith('<') || /^[a-z-]+:/.test(input)) continue; // stdin and plugin namespaces
    paths.add(path.resolve(workingDir, input));
  }
  const tsconfig = await nearestFile(path.dirname(file), 'tsconfig.json');
  if (tsconfig) paths.add(tsconfig);
  const inputs: ManifestInput[] = [];
  for (const inputPath of paths) {
    const stat = await fs.stat(inputPath).catch(() => undefined);
    if (stat) inputs.push({ path: inputPath, size: stat.size, mtimeMs: stat.mtimeMs });
  }
  return inputs;
}

async function nearestFile(startDir: string, name: string): Promise<string | undefined> {
  for (let dir = startDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, name);
    if (await exists(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The virtual entry: imports the user module and exports the target as one plain callable. */
function entryCode(file: string, binding: TargetBinding): string {
  const raw = binding.accessor === undefined ? 'userModule.default' : `userModule.${RAW_EXPORT}`;
  const { name, kind } = binding.target;
  const call =
    kind === 'class-run'
      ? '(...args) => new raw(...args).run()'
      : kind === 'static-method'
        ? `(...args) => raw[${JSON.stringify(binding.member)}](...args)`
        : 'raw';
  const expected = kind === 'static-method' ? `raw?.[${JSON.stringify(binding.member)}]` : 'raw';
  return [
    `import * as userModule from ${JSON.stringify(file)};`,
    // Naming these CommonJS globals here makes esbuild rename any user top-level binding that would clash with the banner's.
    'void [typeof require, typeof __filename, typeof __dirname];',
    `const raw = ${raw};`,
    `if (typeof ${expected} !== 'function') throw new TypeError(${JSON.stringify(l10n.t('{0} is not a function when the module has loaded', name))} + ' (got ' + typeof ${expected} + ')');`,
    `export const ${TARGET_EXPORT} = ${call};`,
    '',
  ].join('\n');
}

/** CommonJS globals for bundled CommonJS code in an ESM file, resolved from the user's file so workspace packages are found. */
function bannerCode(file: string, fileUrl: string): string {
  return [
    "import { createRequire as __parallelRunnerCreateRequire } from 'node:module';",
    `const ${FILE_URL_BINDING} = ${JSON.stringify(fileUrl)};`,
    `const require = __parallelRunnerCreateRequire(${FILE_URL_BINDING});`,
    `const __filename = ${JSON.stringify(file)};`,
    `const __dirname = ${JSON.stringify(path.dirname(file))};`,
  ].join('\n');
}

/** Serves the user's file from the given text and appends an export of the target; appending keeps line numbers. */
function userFilePlugin(file: string, userText: string, binding: TargetBinding): Plugin {
  const exactPath = new RegExp(`^${escapeRegExp(file)}$`);
  let exportLine = '';
  if (binding.accessor !== undefined) {
    exportLine =
      binding.moduleFormat === 'cjs'
        ? `\n;module.exports.${RAW_EXPORT} = ${binding.accessor};\n`
        : `\n;export { ${binding.accessor} as ${RAW_EXPORT} };\n`;
  }
  return {
    name: 'parallel-runner-user-file',
    setup(build) {
      // The entry imports the file by its path, which need not exist yet (an untitled editor).
      build.onResolve({ filter: exactPath }, (args) => (args.path === file ? { path: file } : undefined));
      build.onLoad({ filter: exactPath }, () => ({
        contents: userText + exportLine,
        loader: loaderFor(file),
        resolveDir: path.dirname(file),
      }));
    },
  };
}

function loaderFor(file: string): 'ts' | 'tsx' | 'jsx' | 'js' {
  switch (path.extname(file).toLowerCase()) {
    case '.ts':
    case '.mts':
    case '.cts':
      return 'ts';
    case '.tsx':
      return 'tsx';
    case '.js':
    case '.jsx':
      return 'jsx';
    default:
      return 'js';
  }
}

/** Keeps `.node` files and packages with native code out of the bundle, loaded by absolute path at run time. */
function nativeAddonPlugin(): Plugin {
  const nativeByPackageRoot = new Map<string, boolean>();
  return {
    name: 'parallel-runner-native-addons',
    setup(build) {
      build.onResolve({ filter: /\.node$/ }, async (args) => {
        if (args.pluginData?.nativeCheck) return undefined;
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: { nativeCheck: true },
        });
        if (resolved.errors.length > 0) return undefined;
        return externalAt(resolved.path, args.kind);
      });
      // Bare package specifiers (not relative, absolute or `node:`).
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData?.nativeCheck || args.namespace !== 'file') return undefined;
        if (args.path.startsWith('node:') || path.isAbsolute(args.path)) return undefined;
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: { nativeCheck: true },
        });
        if (resolved.errors.length > 0 || resolved.external || !path.isAbsolute(resolved.path)) return undefined;
        const root = await packageRoot(resolved.path);
        if (!root) return undefined;
        let native = nativeByPackageRoot.get(root);
        if (native === undefined) {
          native = await hasNativeCode(root);
          nativeByPackageRoot.set(root, native);
        }
        return native ? externalAt(resolved.path, args.kind) : { path: resolved.path, sideEffects: resolved.sideEffects };
      });
    },
  };
}

/** `require()` takes an absolute path; an ESM `import` wants a file URL. */
function externalAt(absolutePath: string, kind: string) {
  const specifier = kind === 'import-statement' || kind === 'dynamic-import' ? pathToFileURL(absolutePath).href : absolutePath;
  return { path: specifier, external: true };
}

async function packageRoot(resolvedPath: string): Promise<string | undefined> {
  if (!resolvedPath.split(path.sep).includes('node_modules')) return undefined;
  for (let dir = path.dirname(resolvedPath); path.basename(dir) !== 'node_modules'; dir = path.dirname(dir)) {
    const manifest = await fs.readFile(path.join(dir, 'package.json'), 'utf8').catch(() => undefined);
    if (manifest !== undefined) {
      try {
        if (typeof (JSON.parse(manifest) as { name?: unknown }).name === 'string') return dir;
      } catch {
        // A package.json that is not JSON is not a package root; keep walking up.
      }
    }
    if (path.dirname(dir) === dir) return undefined;
  }
  return undefined;
}

async function hasNativeCode(root: string): Promise<boolean> {
  for (const marker of ['binding.gyp', 'prebuilds', path.join('build', 'Release')]) {
    if (await exists(path.join(root, marker))) return true;
  }
  const manifest = await fs.readFile(path.join(root, 'package.json'), 'utf8').catch(() => '{}');
  try {
    return (JSON.parse(manifest) as { gypfile?: unknown }).gypfile === true;
  } catch {
    return false;
  }
}

/** Rewrites the map's `sources` to absolute paths, so a worker maps frames to the user's files wherever the map is read from. */
function absoluteSourceMap(rawMap: string, mapDir: string): string {
  const map = JSON.parse(rawMap) as { sources?: string[]; sourceRoot?: string };
  map.sources = (map.sources ?? []).map((source) => {
    const decoded = decodeURIComponent(source);
    return decoded.startsWith('<') || /^[a-z-]+:/.test(decoded) ? decoded : path.resolve(mapDir, decoded);
  });
  delete map.sourceRoot;
  return JSON.stringify(map);
}

function isBuildFailure(error: unknown): error is BuildFailure {
  return error instanceof Error && Array.isArray((error as Partial<BuildFailure>).errors);
}

function buildFailureError(failure: BuildFailure, userFile: string): UserError {
  const [first, ...rest] = failure.errors;
  if (!first) return new UserError(l10n.t('bundling {0} failed: {1}', userFile, failure.message));
  const workingDir = path.dirname(userFile);
  const more = rest.length === 0 ? '' : rest.length === 1 ? l10n.t(' (and 1 more error)') : l10n.t(' (and {0} more errors)', rest.length);
  const unresolved = /^Could not resolve "(.+)"$/.exec(first.text);
  let text = first.text;
  if (unresolved && first.location) {
    const importer = path.resolve(workingDir, first.location.file);
    const specifier = unresolved[1];
    text =
      /^[./]/.test(specifier) || path.isAbsolute(specifier)
        ? l10n.t('cannot resolve import "{0}" from {1}: check the path', specifier, importer)
        : l10n.t('cannot resolve import "{0}" from {1}: run `npm install` if "{0}" is a package, or check the name', specifier, importer);
  }
  const message = formatMessage({ ...first, text }, workingDir, 'error') + more;
  if (!first.location) return new UserError(message);
  const location = { file: path.resolve(workingDir, first.location.file), line: first.location.line, column: first.location.column + 1 };
  return new UserError(message, location);
}

/** `file:line:column: text` (1-based column), or the text alone when esbuild gives no location. */
function formatMessage(message: Pick<Message, 'text' | 'location'>, workingDir: string, severity: 'error' | 'warning'): string {
  const prefix = severity === 'warning' ? 'warning: ' : '';
  if (!message.location) return `${prefix}${message.text}`;
  const { file, line, column } = message.location;
  const where = file.startsWith('<') ? file : path.resolve(workingDir, file);
  return `${where}:${line}:${column + 1}: ${prefix}${message.text}`;
}

/** Write to a temporary name and rename, so a concurrent reader never sees half a file. */
async function writeAtomically(target: string, contents: string): Promise<void> {
  const temporary = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(temporary, contents);
  await fs.rename(temporary, target);
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

function sha256(parts: string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${part.length}:`).update(part);
  return hash.digest('hex');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
