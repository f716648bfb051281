// Drives python_peer.py: one long-lived python3 process, so its warm pools stay warm between interleaved variants.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';

export interface PythonReply {
  ok: boolean;
  error?: string;
  [key: string]: unknown;
}

export type PythonStart = { peer: PythonPeer; version: string; startMethod: string } | { peer: undefined; missing: string };

const SCRIPT = path.resolve(process.cwd(), 'test/bench/peers/python_peer.py');

export class PythonPeer {
  private readonly waiting: ((reply: PythonReply) => void)[] = [];

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const resolve = this.waiting.shift();
      if (resolve) resolve(JSON.parse(line) as PythonReply);
    });
    child.stderr.on('data', (chunk: Buffer) => process.stderr.write(`[python] ${chunk.toString()}`));
  }

  /** Starts python3, or says why it cannot (BENCH_NO_PYTHON=1 simulates a machine without it). */
  static async start(): Promise<PythonStart> {
    if (process.env.BENCH_NO_PYTHON === '1') return { peer: undefined, missing: 'python3 disabled by BENCH_NO_PYTHON=1' };
    const child = spawn(process.env.BENCH_PYTHON ?? 'python3', ['-u', SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    const failed = new Promise<string>((resolve) => {
      child.once('error', (error) => resolve(`python3 could not be started: ${error.message}`));
      child.once('exit', (code) => resolve(`python3 exited with code ${code} before answering`));
    });
    const peer = new PythonPeer(child);
    const hello = peer.request({ op: 'hello' }).then((reply) => reply);
    const first = await Promise.race([hello, failed]);
    if (typeof first === 'string') return { peer: undefined, missing: first };
    return { peer, version: String(first.python), startMethod: String(first.start_method) };
  }

  request(command: Record<string, unknown>): Promise<PythonReply> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.stdin.write(`${JSON.stringify(command)}\n`);
    });
  }

  /** A request whose failure is an error in the bench, not a measurement. */
  async must(command: Record<string, unknown>): Promise<PythonReply> {
    const reply = await this.request(command);
    if (!reply.ok) throw new Error(`python peer ${String(command.op)}: ${reply.error}`);
    return reply;
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.write('{"op":"quit"}\n');
    this.child.stdin.end();
    await exited;
  }
}
