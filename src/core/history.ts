// The run history on disk: each finished run's report (gzip when large) under one folder, an index keyed by function, a size bound.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import * as l10n from '@vscode/l10n';
import type { BaselineChange, FunctionHistory, HistoryEntry } from '../shared/history';
import type { RunReport } from '../shared/report';
import { parseReportJson } from './export/json';

const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);

export type { BaselineChange, FunctionHistory, HistoryEntry };

export const HISTORY_INDEX_VERSION = 1;
/** Reports larger than this are stored gzip-compressed (a run of a few tasks stays readable JSON). */
export const COMPRESS_ABOVE_BYTES = 32 * 1024;

interface HistoryIndexFile {
  version: typeof HISTORY_INDEX_VERSION;
  functions: Record<string, FunctionHistory>;
}

/** The index key of a function: its file relative to the workspace and its name, so renames of other files never matter. */
export function historyKey(file: string, name: string): string {
  return `${file.split(path.sep).join('/')}#${name}`;
}

export function entryOf(report: RunReport, fileName: string, bytes: number): HistoryEntry {
  const entry: HistoryEntry = {
    id: report.id,
    createdAt: report.createdAt,
    status: report.status,
    backend: report.options.backend,
    workers: report.summary.workers,
    tasks: report.summary.tasks,
    parallelMs: report.summary.parallelMs,
    fileName,
    bytes,
  };
  const estimate = report.summary.speedupEstimate;
  if (estimate && estimate.n > 0) entry.speedup = { median: estimate.median, low: estimate.low, high: estimate.high, n: estimate.n };
  else if (report.summary.speedup !== undefined) entry.speedup = { median: report.summary.speedup, low: report.summary.speedup, high: report.summary.speedup, n: 1 };
  return entry;
}

export interface RunHistoryOptions {
  /** The size bound for stored reports, bytes; read at every add so a settings change applies at once. */
  maxBytes: () => number;
}

/**
 * One workspace's run history. Everything the UI shows comes from the index in memory; reports are read from disk only
 * when one is opened or compared. Operations run one at a time, so the index on disk is never written by two at once.
 */
export class RunHistory {
  private functions = new Map<string, FunctionHistory>();
  private queue: Promise<unknown> = Promise.resolve();
  private loaded = false;

  constructor(
    readonly dir: string,
    private readonly options: RunHistoryOptions,
  ) {}

  private get runsDir(): string {
    return path.join(this.dir, 'runs');
  }

  private get indexFile(): string {
    return path.join(this.dir, 'index.json');
  }

  /** Reads the index once; a missing or unreadable index starts an empty history (its run files are then orphans, cleaned on the next add). */
  load(): Promise<void> {
    return this.serial(async () => {
      if (this.loaded) return;
      this.loaded = true;
      try {
        const parsed = JSON.parse(await fs.readFile(this.indexFile, 'utf8')) as HistoryIndexFile;
        if (parsed.version === HISTORY_INDEX_VERSION && typeof parsed.functions === 'object' && parsed.functions !== null) {
          this.functions = new Map(Object.entries(parsed.functions).filter(([, value]) => Array.isArray(value?.runs)));
        }
      } catch {
        this.functions = new Map();
      }
    });
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  /** From memory: a function's history, or undefined. */
  get(key: string): FunctionHistory | undefined {
    return this.functions.get(key);
  }

  keys(): string[] {
    return [...this.functions.keys()];
  }

  latest(key: string): HistoryEntry | undefined {
    return this.functions.get(key)?.runs.at(-1);
  }

  baseline(key: string): HistoryEntry | undefined {
    const history = this.functions.get(key);
    return history?.baselineId ? history.runs.find((run) => run.id === history.baselineId) : undefined;
  }

  /** The key and entry of a run id, wherever it is. */
  find(id: string): { key: string; entry: HistoryEntry } | undefined {
    for (const [key, history] of this.functions) {
      const entry = history.runs.find((run) => run.id === id);
      if (entry) return { key, entry };
    }
    return undefined;
  }

  totalBytes(): number {
    let total = 0;
    for (const history of this.functions.values()) for (const run of history.runs) total += run.bytes;
    return total;
  }

  /** Stores a finished run and drops the oldest runs (never a baseline, never this one) until the history fits its bound. */
  add(file: string, report: RunReport, vsBaseline?: BaselineChange): Promise<HistoryEntry> {
    return this.serial(async () => {
      await fs.mkdir(this.runsDir, { recursive: true });
      // Compact (toJson indents for people): a third smaller and quicker to write for a big run.
      const json = JSON.stringify(report);
      const compress = Buffer.byteLength(json) > COMPRESS_ABOVE_BYTES;
      const body = compress ? await gzip(json, { level: 6 }) : json;
      const fileName = `${safeId(report.id)}.json${compress ? '.gz' : ''}`;
      await writeAtomically(path.join(this.runsDir, fileName), body);
      const entry = entryOf(report, fileName, Buffer.byteLength(body));
      if (vsBaseline) entry.vsBaseline = vsBaseline;
      const key = historyKey(file, report.target.name);
      const history = this.functions.get(key) ?? { file: file.split(path.sep).join('/'), name: report.target.name, runs: [] };
      history.runs = history.runs.filter((run) => run.id !== entry.id);
      history.runs.push(entry);
      this.functions.set(key, history);
      await this.enforceBound(entry.id);
      await this.saveIndex();
      return entry;
    });
  }

  /** The stored report of a run. */
  read(id: string): Promise<RunReport> {
    return this.serial(async () => {
      const found = this.find(id);
      if (!found) throw new Error(l10n.t('Run {0} is not in the history (dropped to keep it within its size bound, or cleaned up).', id));
      const raw = await fs.readFile(path.join(this.runsDir, found.entry.fileName));
      const text = found.entry.fileName.endsWith('.gz') ? (await gunzip(raw)).toString('utf8') : raw.toString('utf8');
      return parseReportJson(text);
    });
  }

  setBaseline(key: string, id: string | undefined): Promise<void> {
    return this.serial(async () => {
      const history = this.functions.get(key);
      if (!history) throw new Error(l10n.t('No history for {0}.', key));
      if (id !== undefined && !history.runs.some((run) => run.id === id)) throw new Error(l10n.t('Run {0} is not in the history of {1}.', id, history.name));
      if (id === undefined) delete history.baselineId;
      else history.baselineId = id;
      await this.saveIndex();
    });
  }

  /** Follows a renamed or moved file (or folder: every key under it): its functions keep their history. */
  rename(oldFile: string, newFile: string): Promise<void> {
    return this.serial(async () => {
      const from = oldFile.split(path.sep).join('/');
      const to = newFile.split(path.sep).join('/');
      let changed = false;
      for (const [key, history] of [...this.functions]) {
        let moved: string | undefined;
        if (history.file === from) moved = to;
        else if (history.file.startsWith(`${from}/`)) moved = `${to}${history.file.slice(from.length)}`;
        if (moved === undefined) continue;
        this.functions.delete(key);
        history.file = moved;
        this.functions.set(historyKey(moved, history.name), history);
        changed = true;
      }
      if (changed) await this.saveIndex();
    });
  }

  /** Drops the history (baseline included) of every function `exists` says is gone; returns the dropped functions. Only on request. */
  prune(exists: (history: FunctionHistory) => Promise<boolean>): Promise<FunctionHistory[]> {
    return this.serial(async () => {
      const dropped: FunctionHistory[] = [];
      for (const [key, history] of [...this.functions]) {
        if (await exists(history)) continue;
        this.functions.delete(key);
        dropped.push(history);
        for (const run of history.runs) await removeQuietly(path.join(this.runsDir, run.fileName));
      }
      if (dropped.length > 0) await this.saveIndex();
      return dropped;
    });
  }

  /** Oldest first across every function; a baseline and the run just added stay whatever their size. */
  private async enforceBound(keepId: string): Promise<void> {
    const max = this.options.maxBytes();
    let total = this.totalBytes();
    if (total <= max) return;
    const candidates: { history: FunctionHistory; entry: HistoryEntry }[] = [];
    for (const history of this.functions.values()) {
      for (const entry of history.runs) if (entry.id !== history.baselineId && entry.id !== keepId) candidates.push({ history, entry });
    }
    candidates.sort((a, b) => a.entry.createdAt.localeCompare(b.entry.createdAt));
    for (const { history, entry } of candidates) {
      if (total <= max) break;
      history.runs = history.runs.filter((run) => run !== entry);
      total -= entry.bytes;
      await removeQuietly(path.join(this.runsDir, entry.fileName));
    }
    for (const [key, history] of [...this.functions]) if (history.runs.length === 0) this.functions.delete(key);
    await this.removeOrphans();
  }

  /** Run files no index entry names (an index lost or written by a window that crashed mid-add). */
  private async removeOrphans(): Promise<void> {
    const known = new Set<string>();
    for (const history of this.functions.values()) for (const run of history.runs) known.add(run.fileName);
    let names: string[];
    try {
      names = await fs.readdir(this.runsDir);
    } catch {
      return;
    }
    for (const name of names) if (!known.has(name) && !name.endsWith('.tmp')) await removeQuietly(path.join(this.runsDir, name));
  }

  private async saveIndex(): Promise<void> {
    const index: HistoryIndexFile = { version: HISTORY_INDEX_VERSION, functions: Object.fromEntries(this.functions) };
    await fs.mkdir(this.dir, { recursive: true });
    await writeAtomically(this.indexFile, JSON.stringify(index));
  }

  private serial<T>(operation: () => Promise<T>): Promise<T> {
    const next = this.queue.then(operation, operation);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

/** Run ids are UUIDs; anything else is made file-name safe rather than trusted. */
function safeId(id: string): string {
  return id.replace(/[^\w.-]/g, '_').slice(0, 100);
}

/** Write then rename, so a crash mid-write leaves the old file, never half a file. */
async function writeAtomically(file: string, body: string | Buffer): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temporary, body);
  await fs.rename(temporary, file);
}

async function removeQuietly(file: string): Promise<void> {
  await fs.rm(file, { force: true }).catch(() => undefined);
}
