// The same in-host suite under @vscode/test-electron, for contributors whose machine can download VS Code desktop:
// `npm run test:electron`. Two windows, as test/host/run.ts opens in code-server: a trusted folder for every test file,
// and a folder in Restricted Mode for the untrusted tests.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { downloadAndUnzipVSCode } from '@vscode/test-electron';
import { repoRoot } from '../harness/codeServer';

/** VS Code desktop matching engines.vscode; override with PARALLEL_RUNNER_VSCODE_VERSION (`stable`, `insiders`, `1.100.3`). */
const VERSION = process.env.PARALLEL_RUNNER_VSCODE_VERSION ?? '1.100.3';

interface Window {
  name: string;
  tests?: string;
  trusted: boolean;
}

const WINDOWS: Window[] = [
  { name: 'trusted folder', trusted: true },
  { name: 'untrusted folder', tests: 'untrusted', trusted: false },
];

/**
 * Launches VS Code desktop as @vscode/test-electron's runTests does, but with workspace trust left on for the untrusted
 * window (runTests always passes --disable-workspace-trust). Resolves true when the suite passed.
 */
async function runWindow(executable: string, window: Window, testsPath: string): Promise<boolean> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-electron-'));
  const workspace = path.join(scratch, 'workspace');
  const userData = path.join(scratch, 'user-data');
  fs.cpSync(path.join(repoRoot, 'test', 'fixtures', 'host-workspace'), workspace, { recursive: true });
  const trust = window.trusted ? {} : { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' };
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({ 'workbench.startupEditor': 'none', 'workbench.welcomePage.walkthroughs.openOnInstall': false, ...trust }, null, 2));
  const args = [
    workspace,
    '--no-sandbox',
    '--disable-gpu-sandbox',
    '--disable-updates',
    '--skip-welcome',
    '--skip-release-notes',
    '--disable-extensions',
    ...(window.trusted ? ['--disable-workspace-trust'] : []),
    `--user-data-dir=${userData}`,
    `--extensions-dir=${path.join(scratch, 'extensions')}`,
    `--extensionDevelopmentPath=${repoRoot}`,
    `--extensionTestsPath=${testsPath}`,
  ];
  const env = {
    ...process.env,
    PARALLEL_RUNNER_TEST_SUMMARY: path.join(scratch, 'summary.json'),
    ...(window.tests ? { PARALLEL_RUNNER_HOST_TESTS: window.tests } : {}),
  };
  console.log(`\n== in-host suite (VS Code desktop ${VERSION}): ${window.name} ==`);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(executable, args, { env, stdio: 'inherit' });
      child.on('error', reject);
      child.on('exit', resolve);
    });
    if (code !== 0) console.error(`${window.name}: VS Code exited with ${code}`);
    return code === 0;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const testsPath = path.join(repoRoot, 'out', 'test', 'host', 'index.js');
  if (!fs.existsSync(testsPath)) throw new Error(`${testsPath} is missing: run \`npm run build\` first (\`npm run test:electron\` does)`);
  let executable: string;
  try {
    executable = await downloadAndUnzipVSCode(VERSION);
  } catch (error) {
    throw new Error(
      `VS Code desktop ${VERSION} could not be downloaded (${error instanceof Error ? error.message : String(error)}): ` +
        'this route needs access to update.code.visualstudio.com. `npm test` runs the same suite in code-server.',
    );
  }
  let ok = true;
  for (const window of WINDOWS) ok = (await runWindow(executable, window, testsPath)) && ok;
  if (!ok) {
    console.error('\nThe in-host suite failed under VS Code desktop.');
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
