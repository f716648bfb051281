// Bundling the user's file: imports resolve as from the file, the target is exported as a callable, cache and source maps work.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { UserError } from '../../src/core/api';
import { bundleTarget, type BundleResult } from '../../src/core/bundle';
import { locateTarget } from '../../src/core/locate';
import { TARGET_EXPORT } from '../../src/shared/workerProtocol';

const fixtureProject = path.join(__dirname, '..', 'fixtures', 'bundle', 'project');
let scratch: string;
/** A private copy of the fixture project, so tests can edit files in it. */
let project: string;

before(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'parallel-runner-bundle-'));
  project = path.join(scratch, 'project');
  await fs.cp(fixtureProject, project, { recursive: true });
});
after(async () => {
  await fs.rm(scratch, { recursive: true, force: true });
});

let cacheCount = 0;
const freshCache = () => path.join(scratch, `cache-${cacheCount++}`);

async function bundle(fileName: string, name: string, options: { source?: string; cacheDir?: string } = {}): Promise<BundleResult> {
  const file = path.join(project, fileName);
  const source = options.source ?? (await fs.readFile(file, 'utf8'));
  const target = await locateTarget(source, file, { name });
  return bundleTarget({ file, source: options.source, target, cacheDir: options.cacheDir ?? freshCache() });
}

type Callable = (...args: unknown[]) => unknown;
async function load(result: BundleResult): Promise<Callable> {
  const module = (await import(pathToFileURL(result.bundlePath).href)) as Record<string, unknown>;
  const callable = module[TARGET_EXPORT];
  assert.equal(typeof callable, 'function', `the bundle exports ${TARGET_EXPORT} as a function`);
  return callable as Callable;
}

async function rejectsWithUserError(promise: Promise<unknown>, pattern: RegExp): Promise<UserError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof UserError, `expected UserError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return error;
  }
  assert.fail('expected a UserError');
}

test('a non-exported function runs with relative, tsconfig-paths, ESM-only, CommonJS and built-in imports and top-level await', async () => {
  const result = await bundle('main.ts', 'compute');
  assert.equal(path.dirname(result.bundlePath), path.dirname(result.sourceMapPath));
  assert.equal(result.bundlePath, path.join(path.dirname(result.bundlePath), `${result.hash}.mjs`));
  assert.equal(result.sourceMapPath, `${result.bundlePath}.map`);
  assert.equal(result.fromCache, false);
  const compute = await load(result);
  // offset(scale(double(3))) = 3 * 2 * 10 + 1
  assert.deepEqual(compute(3), { value: 61, greeting: 'HELLO FROM ESM', warmedUp: true });
});

test('class-run constructs and runs; a static method keeps `this`; the default export runs', async () => {
  const square = await load(await bundle('main.ts', 'Square'));
  assert.equal(square(7), 49);
  const add = await load(await bundle('main.ts', 'MathBox.add'));
  assert.equal(add(5), 105, 'this.base is read from the class');
  const defaultExport = await load(await bundle('main.ts', 'default'));
  assert.equal(defaultExport(2), 'default 2');
});

test('a package with native code stays external and loads from its own folder', async () => {
  const result = await bundle('main.ts', 'nativeDir');
  assert.equal((await load(result))(), path.join(project, 'node_modules', 'native-pkg'));
  assert.doesNotMatch(await fs.readFile(result.bundlePath, 'utf8'), /loadedFrom: __dirname/, 'the package source is not in the bundle');
});

test("__filename and import.meta.url name the user's file, not the cache", async () => {
  const whereAmI = await load(await bundle('main.ts', 'whereAmI'));
  const file = path.join(project, 'main.ts');
  assert.equal(whereAmI(), `${file}|${pathToFileURL(file).href}`);
});

test('CommonJS user files run: an exported function and a non-exported one', async () => {
  assert.equal((await load(await bundle('commonjs.cjs', 'triple')))(4), 12);
  assert.equal((await load(await bundle('commonjs.cjs', 'local')))(4), 9, 'double(4) + 1 through a CommonJS package');
});

test('ESM files that define their own __dirname and require still bundle', async () => {
  const file = path.join(project, 'own-globals.mjs');
  const source = [
    "import { createRequire } from 'node:module';",
    "import { dirname } from 'node:path';",
    "import { fileURLToPath } from 'node:url';",
    'const __dirname = dirname(fileURLToPath(import.meta.url));',
    'const require = createRequire(import.meta.url);',
    "export function where() { return [__dirname, require('cjs-pkg').joined]; }",
    '',
  ].join('\n');
  await fs.writeFile(file, source);
  assert.deepEqual((await load(await bundle('own-globals.mjs', 'where')))(), [project, path.join('a', 'b')]);
});

test('unsaved editor text is what runs, not the file on disk', async () => {
  const cacheDir = freshCache();
  const onDisk = await load(await bundle('helpers.ts', 'offset', { cacheDir }));
  assert.equal(onDisk(1), 2);
  const unsaved = await bundle('helpers.ts', 'offset', { cacheDir, source: 'export function offset(n: number): number {\n  return n + 100;\n}\n' });
  assert.equal(unsaved.fromCache, false);
  assert.equal((await load(unsaved))(1), 101);
  const untitled = path.join(project, 'Untitled-1.ts');
  const target = await locateTarget('export const twice = (n: number) => n * 2;\n', untitled, { name: 'twice' });
  const result = await bundleTarget({ file: untitled, source: 'export const twice = (n: number) => n * 2;\n', target, cacheDir });
  assert.equal((await load(result))(21), 42, 'a file that does not exist on disk bundles from its text');
});

test('an unchanged file is reused from the cache; a change to an imported file makes a new bundle', async () => {
  const cacheDir = freshCache();
  const first = await bundle('main.ts', 'compute', { cacheDir });
  assert.equal(first.fromCache, false);
  const again = await bundle('main.ts', 'compute', { cacheDir });
  assert.equal(again.fromCache, true);
  assert.equal(again.bundlePath, first.bundlePath);

  // Touching a file without changing it re-bundles to the same content hash.
  const helpers = path.join(project, 'helpers.ts');
  const helpersText = await fs.readFile(helpers, 'utf8');
  const later = new Date(Date.now() + 5000);
  await fs.utimes(helpers, later, later);
  const touched = await bundle('main.ts', 'compute', { cacheDir });
  assert.equal(touched.hash, first.hash);
  assert.equal(touched.fromCache, true);

  await fs.writeFile(helpers, helpersText.replace('n + 1', 'n + 2'));
  try {
    const changed = await bundle('main.ts', 'compute', { cacheDir });
    assert.equal(changed.fromCache, false);
    assert.notEqual(changed.hash, first.hash);
    assert.equal(((await load(changed))(3) as { value: number }).value, 62);
    assert.equal(((await load(first))(3) as { value: number }).value, 61, 'the old bundle is left intact for workers still using it');
  } finally {
    await fs.writeFile(helpers, helpersText);
  }
});

test('a bundle remembered in memory is not reused once its file is gone from the cache folder', async () => {
  const cacheDir = freshCache();
  const first = await bundle('main.ts', 'compute', { cacheDir });
  assert.equal((await bundle('main.ts', 'compute', { cacheDir })).fromCache, true);
  await fs.rm(cacheDir, { recursive: true, force: true });
  const rebuilt = await bundle('main.ts', 'compute', { cacheDir });
  assert.equal(rebuilt.fromCache, false);
  assert.equal(rebuilt.hash, first.hash);
  assert.equal(((await load(rebuilt))(3) as { value: number }).value, 61);
});

test('concurrent bundles of the same file agree and leave whole files', async () => {
  const cacheDir = freshCache();
  const results = await Promise.all([bundle('main.ts', 'Square', { cacheDir }), bundle('main.ts', 'Square', { cacheDir })]);
  assert.equal(results[0].hash, results[1].hash);
  assert.equal((await load(results[0]))(3), 9);
  const leftovers = (await fs.readdir(cacheDir)).filter((name) => name.endsWith('.tmp'));
  assert.deepEqual(leftovers, []);
});

test("the source map leads an error thrown in user code back to the user's file and line", async () => {
  const result = await bundle('thrower.ts', 'explode');
  const map = JSON.parse(await fs.readFile(result.sourceMapPath, 'utf8')) as SourceMapPayload;
  const thrower = path.join(project, 'thrower.ts');
  assert.ok(map.sources.includes(thrower), 'sources are absolute paths');
  const sourceMap = new SourceMap(map);
  const original = (line: number, column: number) => {
    const entry = sourceMap.findEntry(line - 1, column - 1) as { originalSource: string; originalLine: number };
    return `${entry.originalSource.replace(/^file:\/\//, '')}:${entry.originalLine + 1}`;
  };

  // The generated `throw` maps to line 7 of thrower.ts.
  const bundleLines = (await fs.readFile(result.bundlePath, 'utf8')).split('\n');
  const throwLine = bundleLines.findIndex((line) => line.includes('throw new Error(`boom'));
  assert.ok(throwLine >= 0);
  assert.equal(original(throwLine + 1, bundleLines[throwLine].indexOf('throw') + 1), `${thrower}:7`);

  // A real stack: Node maps it itself when source maps are on (as under tsx); otherwise the bundle frame maps by hand.
  let stack = '';
  try {
    (await load(result))(1);
  } catch (error) {
    stack = (error as Error).stack ?? '';
  }
  assert.match(stack, /boom 2/);
  const bundleFrame = new RegExp(`${path.basename(result.bundlePath).replace('.', '\\.')}:(\\d+):(\\d+)`).exec(stack);
  const userFrame = bundleFrame ? original(Number(bundleFrame[1]), Number(bundleFrame[2])) : /\((.*thrower\.ts:\d+):\d+\)/.exec(stack)?.[1];
  assert.equal(userFrame, `${thrower}:7`, stack);
});

test('a syntax error in an imported file is reported at that file, line and column', async () => {
  const error = await rejectsWithUserError(bundle('imports-broken.ts', 'useHalf'), /broken-helper\.ts:2:14: Unexpected ";"/);
  assert.deepEqual(error.location, { file: path.join(project, 'broken-helper.ts'), line: 2, column: 14 });
});

test('an unresolved import names the import, the importing file and the fix', async () => {
  const error = await rejectsWithUserError(
    bundle('missing-import.ts', 'useIt'),
    /missing-import\.ts:1:25: cannot resolve import "not-installed-pkg" from .*missing-import\.ts: run `npm install` if "not-installed-pkg" is a package/,
  );
  assert.equal(error.location?.line, 1);
});

test('a file that cannot be read is a UserError', async () => {
  const file = path.join(project, 'gone.ts');
  const target = { file, name: 'f', kind: 'function' as const, line: 1, column: 1, params: [], isAsync: false };
  await rejectsWithUserError(bundleTarget({ file, target, cacheDir: freshCache() }), /cannot read .*gone\.ts/);
});

test('esbuild warnings come back as readable file:line:column strings', async () => {
  const cacheDir = freshCache();
  const result = await bundle('warns.ts', 'duplicateKeys', { cacheDir });
  assert.equal(result.warnings.length, 1);
  assert.match(result.warnings[0], /warns\.ts:2:21: warning: Duplicate key "size" in object literal/);
  assert.deepEqual((await bundle('warns.ts', 'duplicateKeys', { cacheDir })).warnings, result.warnings, 'kept for cache hits');
});
