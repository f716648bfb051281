// The run history on disk: size bound over 200 runs, baselines kept, gzip for large reports, reload, renames and clean-up.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { COMPRESS_ABOVE_BYTES, historyKey, RunHistory } from '../../src/core/history';
import type { RunReport } from '../../src/shared/report';
import { makeComparableReport } from '../compare/reports';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'pr-history-'));
}

let counter = 0;
function reportFor(name: string, options: { tasks?: number; pairs?: number } = {}): RunReport {
  const report = makeComparableReport({ taskMs: 20, seed: ++counter, tasks: options.tasks ?? 4, pairs: options.pairs ?? 2 });
  report.id = `run-${String(counter).padStart(4, '0')}`;
  report.createdAt = new Date(Date.UTC(2026, 11, 1) + counter * 60_000).toISOString();
  report.target = { ...report.target, name };
  return report;
}

function filesIn(dir: string): string[] {
  return fs.existsSync(path.join(dir, 'runs')) ? fs.readdirSync(path.join(dir, 'runs')) : [];
}

describe('RunHistory', () => {
  test('200 runs stay within the bound, oldest dropped first, the baseline never', async () => {
    const dir = tempDir();
    const maxBytes = 120 * 1024;
    const history = new RunHistory(dir, { maxBytes: () => maxBytes });
    await history.load();
    const first = await history.add('src/work.ts', reportFor('crunch'));
    const key = historyKey('src/work.ts', 'crunch');
    await history.setBaseline(key, first.id);
    for (let i = 0; i < 199; i++) await history.add(i % 2 ? 'src/work.ts' : 'src/other.ts', reportFor(i % 2 ? 'crunch' : 'other'));
    const onDisk = filesIn(dir).reduce((sum, name) => sum + fs.statSync(path.join(dir, 'runs', name)).size, 0);
    assert.ok(onDisk <= maxBytes, `${onDisk} bytes on disk, bound ${maxBytes}`);
    assert.equal(history.totalBytes(), onDisk, 'the index accounts for every byte on disk');
    const crunch = history.get(key);
    assert.ok(crunch);
    assert.equal(crunch.runs[0].id, first.id, 'the baseline, the oldest run, is kept');
    assert.equal(history.baseline(key)?.id, first.id);
    const kept = history.keys().flatMap((k) => history.get(k)?.runs ?? []);
    assert.ok(kept.length > 10 && kept.length < 200, `${kept.length} runs kept`);
    assert.equal(filesIn(dir).length, kept.length, 'one file per kept run, no orphans');
    // The newest runs survive: what was dropped is the oldest.
    const newestDropped = kept.filter((run) => run.id !== first.id).map((run) => run.createdAt).sort()[0];
    assert.ok(newestDropped > first.createdAt);
    assert.equal(history.latest(historyKey('src/other.ts', 'other'))?.id, `run-${String(counter).padStart(4, '0')}`, 'the last run added is the latest');
    // A report read back is the report that was stored.
    const back = await history.read(first.id);
    assert.equal(back.id, first.id);
    assert.equal(back.summary.parallelMs, crunch.runs[0].parallelMs);
  });

  test('a new window (a reload) finds the same index, baseline and reports', async () => {
    const dir = tempDir();
    const one = new RunHistory(dir, { maxBytes: () => 10 * 2 ** 20 });
    await one.load();
    const a = await one.add('lib/a.ts', reportFor('f'));
    const b = await one.add('lib/a.ts', reportFor('f'));
    await one.setBaseline(historyKey('lib/a.ts', 'f'), a.id);
    const two = new RunHistory(dir, { maxBytes: () => 10 * 2 ** 20 });
    await two.load();
    assert.deepEqual(two.get(historyKey('lib/a.ts', 'f'))?.runs.map((run) => run.id), [a.id, b.id]);
    assert.equal(two.baseline(historyKey('lib/a.ts', 'f'))?.id, a.id);
    assert.equal((await two.read(b.id)).id, b.id);
  });

  test('large reports are gzip-compressed and read back whole', async () => {
    const dir = tempDir();
    const history = new RunHistory(dir, { maxBytes: () => 50 * 2 ** 20 });
    await history.load();
    const big = reportFor('big', { tasks: 400, pairs: 3 });
    const entry = await history.add('big.ts', big);
    assert.match(entry.fileName, /\.json\.gz$/);
    const raw = fs.readFileSync(path.join(dir, 'runs', entry.fileName));
    assert.equal(raw[0], 0x1f, 'gzip magic');
    assert.ok(entry.bytes < COMPRESS_ABOVE_BYTES * 4 && entry.bytes < JSON.stringify(big).length / 3, `${entry.bytes} bytes`);
    const back = await history.read(entry.id);
    assert.equal(back.tasks.length, big.tasks.length);
    const small = await history.add('small.ts', reportFor('small'));
    assert.match(small.fileName, /\.json$/);
  });

  test('renaming another file changes nothing; renaming the file or its folder moves its history', async () => {
    const dir = tempDir();
    const history = new RunHistory(dir, { maxBytes: () => 10 * 2 ** 20 });
    await history.load();
    await history.add('src/a.ts', reportFor('f'));
    await history.add('src/deep/b.ts', reportFor('g'));
    await history.rename('src/unrelated.ts', 'src/renamed.ts');
    assert.deepEqual(history.keys().sort(), ['src/a.ts#f', 'src/deep/b.ts#g']);
    await history.rename('src/a.ts', 'src/a2.ts');
    await history.rename('src/deep', 'lib/deep');
    assert.deepEqual(history.keys().sort(), ['lib/deep/b.ts#g', 'src/a2.ts#f']);
    const reloaded = new RunHistory(dir, { maxBytes: () => 10 * 2 ** 20 });
    await reloaded.load();
    assert.deepEqual(reloaded.keys().sort(), ['lib/deep/b.ts#g', 'src/a2.ts#f']);
  });

  test('clean-up drops only the functions said to be gone, with their files', async () => {
    const dir = tempDir();
    const history = new RunHistory(dir, { maxBytes: () => 10 * 2 ** 20 });
    await history.load();
    await history.add('a.ts', reportFor('kept'));
    const gone = await history.add('a.ts', reportFor('gone'));
    await history.setBaseline(historyKey('a.ts', 'gone'), gone.id);
    const dropped = await history.prune(async (fn) => fn.name !== 'gone');
    assert.deepEqual(dropped.map((fn) => fn.name), ['gone']);
    assert.deepEqual(history.keys(), ['a.ts#kept']);
    assert.equal(filesIn(dir).length, 1);
    await assert.rejects(history.read(gone.id), /not in the history/);
  });

  test('a corrupt index starts an empty history instead of failing', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'index.json'), '{not json');
    const history = new RunHistory(dir, { maxBytes: () => 2 ** 20 });
    await history.load();
    assert.deepEqual(history.keys(), []);
    await history.add('a.ts', reportFor('f'));
    assert.equal(history.keys().length, 1);
  });
});
