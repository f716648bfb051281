// The machine a run measured on, beyond what the engine's hostInfo() records: OS release, memory and the Python version.
import { execFile } from 'node:child_process';
import * as os from 'node:os';
import type { HostInfo } from '../shared/report';

let python: Promise<string | undefined> | undefined;
let pythonKnown: string | undefined;

/** `3.11.2` from `python3 --version`, asked once per process (a spawn, ~20 ms, off the event loop); undefined when none answers in 3 s. */
export function pythonVersion(): Promise<string | undefined> {
  python ??= new Promise((resolve) => {
    const command = process.platform === 'win32' ? 'python' : 'python3';
    try {
      execFile(command, ['--version'], { timeout: 3000, windowsHide: true }, (error, stdout, stderr) => {
        const match = /Python\s+(\d+\.\d+(?:\.\d+)?\S*)/.exec(`${stdout}${stderr}`);
        pythonKnown = error || !match ? undefined : match[1];
        resolve(pythonKnown);
      });
    } catch {
      resolve(undefined);
    }
  });
  return python;
}

type MachineFields = Pick<HostInfo, 'osRelease' | 'pythonVersion' | 'totalMemoryMb'>;

/**
 * For the engine's hostInfo(), which is synchronous: the OS and memory, and the Python version once an earlier
 * withMachineInfo has asked. It starts no process itself: hostInfo() runs as a run starts, and a spawn then would cost
 * the first phase CPU. The faces complete each report with withMachineInfo after the run.
 */
export function machineInfoNow(): MachineFields {
  return { osRelease: `${os.type()} ${os.release()}`, totalMemoryMb: Math.round(os.totalmem() / 2 ** 20), ...(pythonKnown ? { pythonVersion: pythonKnown } : {}) };
}

/** The machine fields HostInfo leaves optional, waiting for the Python probe. */
export async function machineInfo(): Promise<MachineFields> {
  const info: MachineFields = {
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
