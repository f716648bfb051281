// The machine a run measured on, beyond what the engine's hostInfo() records: OS release, memory and the Python version.
import { execFile } from 'node:child_process';
import * as os from 'node:os';
import type { HostInfo } from '../shared/report';

let python: Promise<string | undefined> | undefined;

/** `3.11.2` from `python3 --version`, asked once per process (a spawn, ~20 ms, off the event loop); undefined when none answers in 3 s. */
export function pythonVersion(): Promise<string | undefined> {
  python ??= new Promise((resolve) => {
    const command = process.platform === 'win32' ? 'python' : 'python3';
    try {
      execFile(command, ['--version'], { timeout: 3000, windowsHide: true }, (error, stdout, stderr) => {
        const match = /Python\s+(\d+\.\d+(?:\.\d+)?\S*)/.exec(`${stdout}${stderr}`);
        resolve(error || !match ? undefined : match[1]);
      });
    } catch {
      resolve(undefined);
    }
  });
  return python;
}

/** The machine fields HostInfo leaves optional; the engine's hostInfo() can spread this in (see the lead's note). */
export async function machineInfo(): Promise<Pick<HostInfo, 'osRelease' | 'pythonVersion' | 'totalMemoryMb'>> {
  const info: Pick<HostInfo, 'osRelease' | 'pythonVersion' | 'totalMemoryMb'> = {
    osRelease: `${os.type()} ${os.release()}`,
    totalMemoryMb: Math.round(os.totalmem() / 2 ** 20),
  };
  const version = await pythonVersion();
  if (version) info.pythonVersion = version;
  return info;
}

/** Fills the machine fields a report lacks (the engine may record them itself one day; what it recorded wins). */
export async function withMachineInfo<T extends { host: HostInfo }>(report: T): Promise<T> {
  const machine = await machineInfo();
  report.host = { ...machine, ...report.host };
  return report;
}
