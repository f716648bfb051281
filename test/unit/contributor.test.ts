// The contributor's F5 loop: .vscode/tasks.json's watch task, run as VS Code runs it in a copy of the repository, prints what
// its problem matcher reads (a build with a real syntax error, then the fixed build), and every path launch.json names exists
// once that build and the test-workspace task have run.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

const root = path.resolve(__dirname, '..', '..');

interface Pattern { regexp: string; file: number; line: number; column: number; severity: number; message: number }
interface Matcher { fileLocation: [string, string]; pattern: Pattern; background: { activeBegins: boolean; beginsPattern: string; endsPattern: string } }
interface Task { label: string; type: string; command: string; args?: string[]; isBackground?: boolean; dependsOn?: string[]; problemMatcher: Matcher | [] }
interface LaunchConfig { name: string; type: string; args: string[]; outFiles: string[]; preLaunchTask: string; env?: Record<string, string> }

const tasks = (JSON.parse(fs.readFileSync(path.join(root, '.vscode', 'tasks.json'), 'utf8')) as { tasks: Task[] }).tasks;
const launch = (JSON.parse(fs.readFileSync(path.join(root, '.vscode', 'launch.json'), 'utf8')) as { configurations: LaunchConfig[] }).configurations;
const task = (label: string): Task => {
  const found = tasks.find((t) => t.label === label);
  assert.ok(found, `tasks.json has no task "${label}"`);
  return found;
};

/** A copy of what the build reads (node_modules linked), so breaking a source file touches nothing in the repository. */
function copyRepository(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-f5-'));
  for (const entry of ['src', 'media', 'test/host', 'test/fixtures/host-workspace', 'esbuild.mjs', 'package.json', 'tsconfig.json']) {
    fs.cpSync(path.join(root, entry), path.join(dir, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Runs a task's command line as VS Code's shell task does, in its own process group so the watcher can be stopped with its children. */
function startTask(t: Task, cwd: string): { child: ChildProcess; lines: string[]; waitFor: (what: string, test: (line: string) => boolean, after?: number) => Promise<number> } {
  const child = spawn([t.command, ...(t.args ?? [])].join(' '), { cwd, shell: true, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let partial = { out: '', err: '' };
  const take = (key: 'out' | 'err') => (chunk: Buffer) => {
    const text = partial[key] + chunk.toString('utf8');
    const parts = text.split(/\r?\n/);
    partial = { ...partial, [key]: parts.pop() ?? '' };
    lines.push(...parts);
    for (const wake of waiters) wake();
  };
  child.stdout?.on('data', take('out'));
  child.stderr?.on('data', take('err'));
  const waitFor = (what: string, match: (line: string) => boolean, from = 0) =>
    new Promise<number>((resolve, reject) => {
      const check = () => {
        const at = lines.findIndex((line, i) => i >= from && match(line));
        if (at < 0) return;
        cleanup();
        resolve(at);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}; the task printed:\n${lines.join('\n')}`));
      }, 90_000);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return { child, lines, waitFor };
}

describe('F5 from a fresh copy: the watch task, its problem matcher and launch.json', { timeout: 240_000 }, () => {
  let dir: string;
  let watch: ReturnType<typeof startTask> | undefined;

  before(() => {
    dir = copyRepository();
  });

  after(() => {
    if (watch?.child.pid && watch.child.exitCode === null) {
      try {
        process.kill(-watch.child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the watch task is the npm watch script, a background task with its own matcher (no matcher extension)', () => {
    const t = task('watch');
    assert.equal(t.command, 'npm run watch');
    assert.equal(t.isBackground, true);
    const scripts = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    assert.equal(scripts.watch, 'node esbuild.mjs --watch');
    assert.equal(typeof t.problemMatcher, 'object', 'the matcher is defined inline, not by name ($esbuild-watch needs an extension)');
    assert.ok(!Array.isArray(t.problemMatcher));
  });

  test('its matcher reads the real watch output: begin, a syntax error at its file:line:col, end; then a clean rebuild', async () => {
    const matcher = task('watch').problemMatcher as Matcher;
    const begins = new RegExp(matcher.background.beginsPattern);
    const ends = new RegExp(matcher.background.endsPattern);
    const pattern = new RegExp(matcher.pattern.regexp);
    // A real mistake in a copy of the extension's entry: `const broken = ;` on a new last line (esbuild: Unexpected ";").
    const entry = path.join(dir, 'src', 'extension.ts');
    const good = fs.readFileSync(entry, 'utf8');
    const brokenLine = good.split('\n').length + (good.endsWith('\n') ? 0 : 1);
    fs.writeFileSync(entry, `${good}${good.endsWith('\n') ? '' : '\n'}const broken = ;\n`);

    watch = startTask(task('watch'), dir);
    const started = await watch.waitFor('the begin pattern', (line) => begins.test(line));
    const finished = await watch.waitFor('the end pattern', (line) => ends.test(line), started + 1);
    const problems = watch.lines.slice(started + 1, finished).map((line) => pattern.exec(line)).filter((m) => m !== null);
    assert.ok(problems.length >= 1, `no line between begin and end matched the error pattern:\n${watch.lines.join('\n')}`);
    const [problem] = problems;
    const { file, line, column, severity, message } = matcher.pattern;
    assert.equal(path.normalize(problem[file]), path.join('src', 'extension.ts'));
    assert.equal(Number(problem[line]), brokenLine);
    assert.equal(Number(problem[column]), 'const broken = '.length + 1, 'the column is 1-based, at the ";"');
    assert.equal(problem[severity], 'error');
    assert.match(problem[message], /Unexpected ";"/);
    // fileLocation autoDetect against the folder: the matched path resolves to the file that was broken.
    assert.deepEqual(matcher.fileLocation, ['autoDetect', '${workspaceFolder}']);
    assert.ok(fs.existsSync(path.join(dir, problem[file])));

    // Fixing the file starts a new build that ends with no problem: the matcher clears the error.
    fs.writeFileSync(entry, good);
    const again = await watch.waitFor('the begin pattern of the rebuild', (l) => begins.test(l), finished + 1);
    const done = await watch.waitFor('the end pattern of the rebuild', (l) => ends.test(l), again + 1);
    assert.deepEqual(watch.lines.slice(again + 1, done).filter((l) => pattern.test(l)), []);
  });

  test("every path launch.json names exists after its preLaunchTask, and each configuration's task is defined", async () => {
    // The watch task above built the copy; the tests' configuration also makes a scratch workspace.
    assert.ok(watch, 'the watch test ran first');
    const workspace = task('host test folders');
    // A process task: VS Code runs the command with its arguments as they are, no shell quoting in between.
    assert.equal(workspace.type, 'process');
    const made = spawnSync(workspace.command, workspace.args ?? [], { cwd: dir, encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    for (const dependency of task('watch and host test folders').dependsOn ?? []) task(dependency);
    assert.deepEqual(launch.map((c) => c.name), ['Run Extension', 'Extension Tests']);
    const resolve = (value: string) => value.replace(/\$\{workspaceFolder\}/g, dir);
    for (const config of launch) {
      assert.equal(config.type, 'extensionHost');
      task(config.preLaunchTask);
      assert.ok(config.args.includes('--extensionDevelopmentPath=${workspaceFolder}'), `${config.name} loads this folder's extension`);
      for (const arg of config.args) {
        const value = arg.replace(/^--[\w-]+=/, '');
        if (value.includes('${workspaceFolder}')) assert.ok(fs.existsSync(resolve(value)), `${config.name}: ${arg} does not exist after the build`);
      }
      for (const glob of config.outFiles) {
        const folder = resolve(glob.slice(0, glob.indexOf('/**')));
        const files = fs.readdirSync(folder, { recursive: true }).map(String).filter((f) => f.endsWith('.js'));
        assert.ok(files.length > 0, `${config.name}: outFiles ${glob} matches no file`);
      }
    }
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { main: string };
    assert.ok(fs.existsSync(path.join(dir, manifest.main)), `the manifest's main ${manifest.main} was not built`);
    const tests = launch.find((c) => c.name === 'Extension Tests');
    const testsPath = tests?.args.find((a) => a.startsWith('--extensionTestsPath='));
    assert.equal(testsPath, '--extensionTestsPath=${workspaceFolder}/out/test/host/index.js');
    assert.ok(fs.existsSync(path.join(dir, 'out', 'test', 'host', 'run.test.js')), 'the in-host test files are built beside index.js');
    assert.ok(fs.existsSync(path.join(dir, 'out', 'test', 'host-workspace', 'workloads.ts')), 'the scratch workspace holds the fixture');
    // As in the code-server and test-electron runs: the walkthrough must not open over the tests on the extension's first activation.
    // (a machine-scoped setting, so in the user settings of the tests' own user-data folder, not in the workspace's)
    const settings = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'test', 'host-user', 'User', 'settings.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(settings['workbench.welcomePage.walkthroughs.openOnInstall'], false);
  });
});
