// Captures console and process.stdout/stderr output per task, so each line is attributed to the task that printed it.
import type { LogLine } from '../shared/report';
import { monotonicNowUs } from './clock';
import * as l10n from '@vscode/l10n';

type StreamName = LogLine['stream'];

interface TaskLogSink {
  logs: LogLine[];
  chars: number;
  truncated: boolean;
  maxChars: number;
}

/** Output printed while no task runs (timers that fire after a task returned), kept for the next task. */
const strayOutput: LogLine[] = [];
let strayChars = 0;
const STRAY_LIMIT_CHARS = 16 * 1024;
let strayDropped = false;
let lastTaskIndex: number | undefined;

let activeSink: TaskLogSink | undefined;
let installed = false;

function chunkToText(chunk: unknown, encoding: unknown): string {
  if (typeof chunk === 'string') return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString(typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  return String(chunk);
}

function append(sink: TaskLogSink, line: LogLine): void {
  if (sink.truncated) return;
  const room = sink.maxChars - sink.chars;
  if (line.text.length > room) {
    if (room > 0) sink.logs.push({ ...line, text: line.text.slice(0, room) });
    sink.chars = sink.maxChars;
    sink.truncated = true;
    return;
  }
  sink.logs.push(line);
  sink.chars += line.text.length;
}

function record(stream: StreamName, text: string): void {
  // console.log appends one newline per call; the line itself is what the user printed.
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  if (body.length === 0 && text.length === 0) return;
  const line: LogLine = { stream, text: body, timeUs: monotonicNowUs() };
  if (activeSink) {
    append(activeSink, line);
    return;
  }
  if (strayChars + body.length > STRAY_LIMIT_CHARS) {
    strayDropped = true;
    return;
  }
  strayOutput.push(line);
  strayChars += body.length;
}

function patchStream(stream: NodeJS.WriteStream, name: StreamName): void {
  // console.* writes through stream.write, so replacing write captures console.log/info/warn/error/debug/trace/dir/table too.
  const write = (chunk: unknown, encodingOrCallback?: unknown, callback?: unknown): boolean => {
    record(name, chunkToText(chunk, typeof encodingOrCallback === 'string' ? encodingOrCallback : undefined));
    const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
    if (typeof done === 'function') queueMicrotask(() => (done as (err?: Error | null) => void)(null));
    return true;
  };
  stream.write = write as NodeJS.WriteStream['write'];
}

/** Replaces process.stdout/stderr writes once per worker; later calls are no-ops. */
export function installConsoleCapture(): void {
  if (installed) return;
  installed = true;
  patchStream(process.stdout, 'stdout');
  patchStream(process.stderr, 'stderr');
}

/** Starts collecting output for one task; output printed since the previous task returned comes first, marked as such. */
export function beginTaskCapture(maxChars: number): void {
  const sink: TaskLogSink = { logs: [], chars: 0, truncated: false, maxChars };
  if (strayOutput.length > 0 || strayDropped) {
    const origin = lastTaskIndex === undefined ? l10n.t('output printed while the module loaded:') : l10n.t('output printed between tasks, after task {0} returned:', lastTaskIndex);
    append(sink, { stream: 'stderr', text: `[parallel-runner] ${origin}`, timeUs: strayOutput[0]?.timeUs ?? monotonicNowUs() });
    for (const line of strayOutput) append(sink, line);
    if (strayDropped) append(sink, { stream: 'stderr', text: `[parallel-runner] ${l10n.t('more stray output was dropped')}`, timeUs: monotonicNowUs() });
    strayOutput.length = 0;
    strayChars = 0;
    strayDropped = false;
  }
  activeSink = sink;
}

/** Stops collecting and hands back what the task printed. */
export function endTaskCapture(taskIndex: number): { logs: LogLine[]; logsTruncated: boolean } {
  const sink = activeSink;
  activeSink = undefined;
  lastTaskIndex = taskIndex;
  return sink ? { logs: sink.logs, logsTruncated: sink.truncated } : { logs: [], logsTruncated: false };
}

/** Adds a note of our own (e.g. an uncaught error after a task returned) to the output the next task will carry. */
export function noteStrayOutput(text: string): void {
  record('stderr', text);
}
