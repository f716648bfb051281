// Runs a cold-start probe script in a fresh node process with its own empty scratch folder, as coldStart.ts and abCold.ts do.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ProbeResult } from './coldStartProbe';

/** Resolves with the JSON line the probe printed last; rejects with the start of its stderr when it fails. */
export function runProbe(script: string, mode: string, cwd?: string): Promise<ProbeResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pr-bench-cold-${mode}-`));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, mode, dir], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => {
      fs.rmSync(dir, { recursive: true, force: true });
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as ProbeResult);
      else reject(new Error(`probe ${mode} exited ${code}: ${err.trim().split('\n').slice(0, 3).join(' ')}`));
    });
  });
}
