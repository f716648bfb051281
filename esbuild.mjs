// Builds every runtime file as its own entry: extension, workers, CLI (CommonJS, Node) and the webview page (browser).
import * as fs from 'node:fs';
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const withTests = process.argv.includes('--tests') || !production;
// `__TEST__` guards the in-host tests' API and the panel's handshake counters: false in the package, so esbuild drops them.
const define = { __TEST__: String(withTests) };

// Loaded lazily at run time and shipped in node_modules: piscina must find its own worker file (piscina #252, #766).
const runtimeExternals = ['vscode', 'piscina', 'esbuild', '@babel/parser'];

/**
 * Watch mode's output for .vscode/tasks.json's problem matcher: "[watch] build started" when a build begins and
 * "[watch] build finished" once every bundle of it is written (its background begin/end patterns: F5 launches after the
 * end), and each error or warning on one line as `file:line:col: error: message` (esbuild's columns count from 0, VS Code's from 1).
 */
let building = 0;
let errorCount = 0;
const problemMatcher = {
  name: 'problem-matcher',
  setup(build) {
    build.onStart(() => {
      if (building++ === 0) {
        errorCount = 0;
        console.log('[watch] build started');
      }
    });
    build.onEnd((result) => {
      const report = (severity) => ({ text, location }) => {
        const where = location ? `${location.file}:${location.line}:${location.column + 1}` : 'esbuild.mjs:1:1';
        console.error(`${where}: ${severity}: ${text}`);
      };
      result.errors.forEach(report('error'));
      result.warnings.forEach(report('warning'));
      errorCount += result.errors.length;
      if (--building === 0) console.log(`[watch] build finished${errorCount ? ` with ${errorCount} error(s)` : ''}`);
    });
  },
};

const node = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: production,
  sourcemap: production ? false : 'linked',
  sourcesContent: false,
  external: runtimeExternals,
  define,
  // In watch mode the plugin prints every message once, in the matcher's shape.
  logLevel: watch ? 'silent' : 'warning',
  plugins: watch ? [problemMatcher] : [],
};

const configs = [
  {
    ...node,
    entryPoints: {
      extension: 'src/extension.ts',
      taskWorker: 'src/worker/threadWorker.ts',
      processWorker: 'src/worker/processWorker.ts',
    },
    outdir: 'dist',
  },
  { ...node, entryPoints: { cli: 'src/cli.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  {
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: production,
    sourcemap: production ? false : 'linked',
    entryPoints: { webview: 'src/webview/main.ts' },
    outdir: 'dist',
    define,
    logLevel: watch ? 'silent' : 'warning',
    plugins: watch ? [problemMatcher] : [],
  },
];
if (withTests) {
  // The in-host mocha suite: index.js is loaded by the VS Code extension host through extensionTestsPath and
  // runs the *.test.js files beside it; each test file is its own entry so a run can pick some of them.
  const hostTests = fs.readdirSync('test/host').filter((name) => name.endsWith('.test.ts'));
  const entryPoints = Object.fromEntries([['index', 'test/host/index.ts'], ...hostTests.map((name) => [name.replace(/\.ts$/, ''), `test/host/${name}`])]);
  fs.rmSync('out/test/host', { recursive: true, force: true });
  configs.push({ ...node, entryPoints, outdir: 'out/test/host', external: [...runtimeExternals, 'mocha'] });
}

// The Python pool's driver and target finder run in the user's interpreter: shipped as they are, beside the bundles.
fs.mkdirSync('dist/python', { recursive: true });
for (const name of fs.readdirSync('src/python').filter((file) => file.endsWith('.py'))) fs.copyFileSync(`src/python/${name}`, `dist/python/${name}`);

if (watch) {
  const contexts = await Promise.all(configs.map((c) => esbuild.context(c)));
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(configs.map((c) => esbuild.build(c)));
}
