// Starts a real code-server (VS Code 1.100) on 127.0.0.1 and a headless Debian Chromium to drive it; shared by the in-host and UI suites.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';

export const CODE_SERVER_VERSION = '4.100.3';
export const repoRoot = path.resolve(__dirname, '..', '..');

export function codeServerDir(): string {
  return process.env.CODE_SERVER_DIR ?? path.join(os.homedir(), '.cache', 'parallel-runner', `code-server-${CODE_SERVER_VERSION}`);
}

/** Installs code-server once per machine (test/harness/install-code-server.sh); fails loudly when it can't. */
export function ensureCodeServer(): string {
  const dir = codeServerDir();
  if (!fs.existsSync(path.join(dir, '.installed'))) {
    execFileSync('bash', [path.join(repoRoot, 'test', 'harness', 'install-code-server.sh')], { stdio: 'inherit', env: { ...process.env, CODE_SERVER_DIR: dir } });
  }
  const entry = path.join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  if (!fs.existsSync(entry)) throw new Error(`code-server is not installed at ${dir}: run test/harness/install-code-server.sh`);
  if (!fs.existsSync('/usr/bin/chromium')) throw new Error('Debian chromium is missing: apt-get install -y chromium');
  return entry;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface CodeServerOptions {
  workspace: string;
  /** Extensions folder; a fresh empty one when absent. */
  extensionsDir?: string;
  /** Merged over the quiet defaults below. */
  settings?: Record<string, unknown>;
  /** Extra command-line flags, e.g. ['--install-extension', vsix] are handled by installVsix instead. */
  extraArgs?: string[];
  /** Keep workspace trust on, so the folder opens in Restricted Mode (default: trust disabled, everything trusted). */
  workspaceTrust?: boolean;
  /** Extra environment for code-server and the extension host it starts. */
  env?: Record<string, string>;
  /** Files to write into the user data folder before the server starts (path relative to it → contents). */
  userDataFiles?: Record<string, string>;
}

export interface CodeServer {
  url: string;
  port: number;
  home: string;
  userDataDir: string;
  extensionsDir: string;
  workspace: string;
  /** Folder-opening URL, optionally with a test payload. */
  folderUrl(payload?: [string, string][]): string;
  stop(): Promise<void>;
  /** Everything code-server printed, for failure messages. */
  log(): string;
}

const quietSettings = {
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'git.enabled': false,
  'typescript.disableAutomaticTypeAcquisition': true,
  'security.workspace.trust.enabled': false,
  'chat.commandCenter.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

/** Settings VS Code declares with machine scope among those the suites set (workbench.js: openOnInstall's scope is 2, MACHINE). */
const machineScoped = ['workbench.welcomePage.walkthroughs.openOnInstall'];

function scratchHome(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'pr-code-server-'));
}

function env(home: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
  };
}

/** Installs a .vsix into an extensions folder with code-server's own CLI, as a user would. */
export function installVsix(vsix: string, extensionsDir: string): void {
  const entry = ensureCodeServer();
  const home = scratchHome();
  fs.writeFileSync(path.join(home, 'config.yaml'), 'auth: none\n');
  execFileSync(process.execPath, [entry, '--config', path.join(home, 'config.yaml'), '--user-data-dir', path.join(home, 'user'), '--extensions-dir', extensionsDir, '--install-extension', vsix, '--force'], {
    env: env(home),
    stdio: 'pipe',
    timeout: 120_000,
  });
}

export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  const entry = ensureCodeServer();
  const home = scratchHome();
  const userDataDir = path.join(home, 'user');
  const extensionsDir = options.extensionsDir ?? path.join(home, 'extensions');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  const trust = options.workspaceTrust ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' } : {};
  const settings: Record<string, unknown> = { ...quietSettings, ...trust, ...options.settings };
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  // code-server's window is a remote one: there, machine-scoped settings come from the server's Machine/settings.json and
  // VS Code ignores them in User/settings.json (as a person would set them under Remote settings).
  const machine = Object.fromEntries(Object.entries(settings).filter(([key]) => machineScoped.includes(key)));
  fs.mkdirSync(path.join(userDataDir, 'Machine'), { recursive: true });
  fs.writeFileSync(path.join(userDataDir, 'Machine', 'settings.json'), JSON.stringify(machine, null, 2));
  for (const [file, contents] of Object.entries(options.userDataFiles ?? {})) fs.writeFileSync(path.join(userDataDir, file), contents);
  const config = path.join(home, 'config.yaml');
  fs.writeFileSync(config, 'auth: none\n');
  const port = await freePort();
  const args = [
    entry, '--config', config, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override', ...(options.extraArgs ?? []), options.workspace,
  ];
  // Its own process group: the extension host and tsserver outlive a kill of the main PID.
  const child: ChildProcess = spawn(process.execPath, args, { env: { ...env(home), ...options.env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`code-server did not answer /healthz within 60 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    port,
    home,
    userDataDir,
    extensionsDir,
    workspace: options.workspace,
    folderUrl(payload) {
      let u = `${url}/?folder=${encodeURIComponent(options.workspace)}`;
      if (payload) u += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
      return u;
    },
    log: () => output,
    async stop() {
      if (child.pid && child.exitCode === null) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          // already gone
        }
        const until = Date.now() + 5000;
        while (child.exitCode === null && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
}

export async function launchBrowser(): Promise<BrowserContext> {
  const { chromium } = await import('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-chromium-'));
  return chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Opens the workbench on the server's folder and waits until the explorer shows files. */
export async function openWorkbench(context: BrowserContext, server: CodeServer): Promise<Page> {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(server.folderUrl());
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60_000 });
  return page;
}

/**
 * A browser on the server's workbench, as every UI suite starts: generous but bounded timeouts (on a busy 2-core machine
 * the first workbench load can take a minute), and one more try when the first load does not come up.
 */
export async function browseWorkbench(server: CodeServer, label: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await launchBrowser();
  context.setDefaultNavigationTimeout(180_000);
  context.setDefaultTimeout(60_000);
  try {
    return { context, page: await openWorkbench(context, server) };
  } catch (error) {
    console.error(`[${label}] the workbench did not open, trying once more: ${(error as Error).message.split('\n')[0]}`);
    return { context, page: await openWorkbench(context, server) };
  }
}

/** Ends a UI suite: keeps the server's log in `logFile`, closes the browser and the server, removes the scratch folders. */
export async function closeWorkbench(opts: { server?: CodeServer; context?: BrowserContext; logFile: string; scratch: (string | undefined)[] }): Promise<void> {
  if (opts.server) fs.writeFileSync(opts.logFile, opts.server.log());
  await opts.context?.close();
  await opts.server?.stop();
  for (const folder of [...opts.scratch, opts.server?.home]) if (folder) fs.rmSync(folder, { recursive: true, force: true });
}

export interface HostSuiteResult {
  exitCode: number;
  /** What the suite wrote to its summary file (PARALLEL_RUNNER_TEST_SUMMARY), e.g. mocha's counts and failures. */
  summary: string;
  consoleLines: string[];
}

/**
 * Runs a mocha suite inside the real extension host, as @vscode/test-electron does: the browser workbench takes
 * extensionDevelopmentPath and extensionTestsPath in its URL payload and calls window.codeAutomationExit(code) when run() settles.
 */
export async function runHostSuite(opts: {
  extensionPath: string;
  testsPath: string;
  workspace: string;
  summaryFile: string;
  settings?: Record<string, unknown>;
  timeoutMs?: number;
  /** Open the folder without trust (Restricted Mode). */
  workspaceTrust?: boolean;
  /** Extra environment for the extension host, e.g. which test files to run. */
  env?: Record<string, string>;
}): Promise<HostSuiteResult> {
  const server = await startCodeServer({ workspace: opts.workspace, settings: opts.settings, workspaceTrust: opts.workspaceTrust, env: { PARALLEL_RUNNER_TEST_SUMMARY: opts.summaryFile, ...opts.env } });
  const context = await launchBrowser();
  const consoleLines: string[] = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => consoleLines.push(m.text()));
    const exit = new Promise<number>((resolve) => {
      void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code));
    });
    const remote = (p: string) => `vscode-remote://127.0.0.1:${server.port}${p}`;
    // A busy machine can take well over playwright's default 30 s to load the workbench.
    await page.goto(server.folderUrl([
      ['extensionDevelopmentPath', remote(opts.extensionPath)],
      ['extensionTestsPath', remote(opts.testsPath)],
    ]), { timeout: 120_000 });
    const timeout = new Promise<number>((resolve) => setTimeout(() => resolve(-1), opts.timeoutMs ?? 600_000).unref());
    const exitCode = await Promise.race([exit, timeout]);
    const summary = fs.existsSync(opts.summaryFile) ? fs.readFileSync(opts.summaryFile, 'utf8') : '(no summary written)';
    if (exitCode === -1) consoleLines.push(`timed out; code-server log:\n${server.log()}`);
    return { exitCode, summary, consoleLines };
  } finally {
    await context.close();
    await server.stop();
  }
}
