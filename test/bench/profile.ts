// Where an engine run spends its time: runs profileTarget.ts under --cpu-prof and prints the functions with most self time.
// Usage: node --import tsx test/bench/profile.ts [threads|processes] [chunkSize|auto] [tasks]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const ROOT = path.resolve(__dirname, '../..');
const OUT = path.join(ROOT, 'out/bench');

/** Self time per function and per file, in ms, from a V8 CPU profile. */
export function summarizeProfile(profile: CpuProfile, top = 25): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const file = frame.url ? path.relative(ROOT, frame.url.replace(/^file:\/\//, '')) : '(native)';
    const key = `${frame.functionName || '(anonymous)'}  ${file}:${frame.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const fileKey = file.startsWith('node_modules/') ? file.split('/').slice(0, 2).join('/') : file;
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
  }
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const fmtRows = (map: Map<string, number>, n: number) =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => `${(us / 1000).toFixed(1).padStart(8)} ms ${((us / 1000 / totalMs) * 100).toFixed(1).padStart(5)} %  ${k}`);
  return [`profile ${totalMs.toFixed(0)} ms`, '-- by file --', ...fmtRows(byFile, 12), '-- by function --', ...fmtRows(byFunction, top)];
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: { profileTarget: path.join(ROOT, 'test/bench/profileTarget.ts') },
    outdir: OUT,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['piscina', 'esbuild', '@babel/parser'],
    logLevel: 'warning',
  });
  const dir = path.join(OUT, 'profiles', `${Date.now()}`);
  fs.mkdirSync(dir, { recursive: true });
  const result = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, path.join(OUT, 'profileTarget.js'), ...args], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`profile target exited ${result.status}`);
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    console.log(`\n${path.join(dir, file)}`);
    console.log(summarizeProfile(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as CpuProfile).join('\n'));
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
