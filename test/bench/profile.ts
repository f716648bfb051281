// Where the time goes: an engine run under --cpu-prof, or the panel page under the DevTools profiler; prints self time.
// Usage: node --import tsx test/bench/profile.ts engine [threads|processes] [chunkSize|auto] [tasks]
//        node --import tsx test/bench/profile.ts panel [report|report-serial|steady|burst]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { summarizeProfile, type CpuProfile } from './profileSummary';

const ROOT = path.resolve(__dirname, '../..');
const OUT = path.join(ROOT, 'out/bench');

async function main(): Promise<void> {
  const [what, ...args] = process.argv.slice(2);
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: { profileTarget: path.join(ROOT, 'test/bench/profileTarget.ts'), profilePanelTarget: path.join(ROOT, 'test/bench/profilePanelTarget.ts') },
    outdir: OUT,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['piscina', 'esbuild', '@babel/parser', 'playwright-core'],
    logLevel: 'warning',
  });
  if (what === 'panel') {
    // The page's own functions need no tsx: the target runs as plain node and profiles Chromium over CDP.
    spawnSync(process.execPath, [path.join(OUT, 'profilePanelTarget.js'), ...args], { cwd: ROOT, stdio: 'inherit' });
    return;
  }
  if (what !== 'engine') throw new Error('say what to profile: engine or panel');
  const dir = path.join(OUT, 'profiles', `${Date.now()}`);
  fs.mkdirSync(dir, { recursive: true });
  const result = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, path.join(OUT, 'profileTarget.js'), ...args], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`profile target exited ${result.status}`);
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    console.log(`\n${path.join(dir, file)}`);
    console.log(summarizeProfile(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as CpuProfile).join('\n'));
  }
}

main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
