// Reads a V8 CPU profile (from --cpu-prof or the DevTools protocol) into self time per file and per function.
import * as path from 'node:path';

// Run from the repository root (npm scripts do); bundled copies live elsewhere, so __dirname would mislead.
const ROOT = process.cwd();

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}


/** Self time per function and per file, in ms, from a V8 CPU profile. */
export function summarizeProfile(profile: CpuProfile, top = 25, root = ROOT): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const file = frame.url ? path.relative(root, frame.url.replace(/^file:\/\//, '')) : '(native)';
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

