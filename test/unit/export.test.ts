// Exports (JSON, CSV, Chrome trace) and text formatting of a RunReport, checked by parsing every export back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../../src/core/api';
import { CSV_COLUMNS, csvCell, parseReportJson, toChromeTrace, toCsv, toJson } from '../../src/core/export';
import { formatDuration, formatSpeedup, logLinePrefix, phaseRunTasks, summaryLine, taskLogLines, taskTable } from '../../src/core/format';
import type { LaneRecord, PhaseRun, RunPhase, RunReport, TaskRecord } from '../../src/shared/report';

const HOST_PID = 4242;

/** The seed's Pool(5) example, scaled: tasks of 0.1…0.5 s, serially on one thread, then on five worker threads. */
function seedReport(options: { repeats?: number } = {}): RunReport {
  const repeats = options.repeats ?? 1;
  const tasks: TaskRecord[] = [];
  const phases: PhaseRun[] = [];
  let clockUs = 1_000;
  const task = (phase: RunPhase, repeat: number, index: number, lane: number, threadId: number, startUs: number): TaskRecord => {
    const durationMs = (index + 1) * 100 + 0.4;
    return {
      index,
      phase,
      repeat,
      argsPreview: String(index + 1),
      lane,
      pid: HOST_PID,
      threadId,
      queuedUs: startUs - 50,
      startUs,
      endUs: startUs + durationMs * 1000,
      durationMs,
      status: 'ok',
      resultPreview: String(index + 1),
      logs: [
        { stream: 'stdout', text: `Child process: ${HOST_PID} · thread ${threadId} - Task: ${index + 1}`, timeUs: startUs + 10 },
        { stream: 'stdout', text: `Result: ${index + 1}`, timeUs: startUs + durationMs * 1000 - 10 },
      ],
    };
  };
  const lanes = (phaseTasks: TaskRecord[], wallMs: number): LaneRecord[] =>
    [...new Set(phaseTasks.map((t) => t.lane))].map((lane) => {
      const own = phaseTasks.filter((t) => t.lane === lane);
      const busyMs = own.reduce((sum, t) => sum + (t.durationMs ?? 0), 0);
      return { lane, pid: HOST_PID, threadId: own[0].threadId, busyMs, utilization: busyMs / wallMs, tasks: own.length };
    });
  for (let repeat = 0; repeat < repeats; repeat++) {
    const serialStart = clockUs;
    const serial: TaskRecord[] = [];
    for (let index = 0; index < 5; index++) {
      const t = task('serial', repeat, index, 0, 1, clockUs);
      serial.push(t);
      clockUs = (t.endUs ?? 0) + 20;
    }
    phases.push({ phase: 'serial', repeat, workers: 1, startUs: serialStart, endUs: clockUs, wallMs: (clockUs - serialStart) / 1000, lanes: lanes(serial, (clockUs - serialStart) / 1000), status: 'completed' });
    tasks.push(...serial);
  }
  for (let repeat = 0; repeat < repeats; repeat++) {
    const parallelStart = clockUs;
    const parallel = [0, 1, 2, 3, 4].map((index) => task('parallel', repeat, index, index, index + 2, parallelStart + 100 + index * 30));
    clockUs = Math.max(...parallel.map((t) => t.endUs ?? 0)) + 10_000 + repeat * 5_000;
    const wallMs = (clockUs - parallelStart) / 1000;
    phases.push({ phase: 'parallel', repeat, workers: 5, startUs: parallelStart, endUs: clockUs, wallMs, lanes: lanes(parallel, wallMs), status: 'completed' });
    tasks.push(...parallel);
  }
  const serialMs = phases.filter((p) => p.phase === 'serial').reduce((s, p) => s + p.wallMs, 0) / repeats;
  const parallelMs = phases.filter((p) => p.phase === 'parallel').reduce((s, p) => s + p.wallMs, 0) / repeats;
  return {
    schemaVersion: 2,
    id: 'run-test-1',
    createdAt: '2025-01-01T00:00:00.000Z',
    tool: { name: 'parallel-runner', version: '0.1.0' },
    target: { file: '/work/sample/seed-workloads.ts', name: 'longTimeTask', kind: 'function', line: 30, column: 23, params: ['i'], isAsync: true },
    options: { backend: 'threads', workers: 5, compareWithSerial: true, warmupRuns: 0, repeats, measureSeconds: 10, taskTimeoutSeconds: 0 },
    host: { pid: HOST_PID, platform: 'linux', arch: 'x64', nodeVersion: 'v20.0.0', cpuModel: 'Test CPU', cpuCount: 2 },
    clockOriginUs: 123_456_789,
    phases,
    tasks,
    summary: {
      serialMs,
      parallelMs,
      speedup: serialMs / parallelMs,
      efficiency: serialMs / parallelMs / 5,
      tasks: 5,
      failedTasks: 0,
      workers: 5,
      ...(repeats > 1
        ? {
            speedupSpread: { mean: 2.9, stddev: 0.12, min: 2.78, max: 3.01, median: 2.92, n: repeats },
            serialSpread: { mean: serialMs, stddev: 4, min: serialMs - 5, max: serialMs + 5, median: serialMs, n: repeats },
            parallelSpread: { mean: parallelMs, stddev: 3, min: parallelMs - 4, max: parallelMs + 4, median: parallelMs, n: repeats },
          }
        : {}),
    },
    warnings: [],
    status: 'completed',
  };
}

/** A report whose texts try every CSV hazard: formulas, quotes, commas, line breaks; plus a failed and an unstarted task. */
function hostileReport(): RunReport {
  const report = seedReport();
  const parallel = report.tasks.filter((t) => t.phase === 'parallel');
  parallel[0].argsPreview = '=HYPERLINK("http://evil.example","click")';
  parallel[1].argsPreview = '"quoted", and, commas';
  parallel[1].resultPreview = 'line one\nline two';
  parallel[2].status = 'error';
  delete parallel[2].resultPreview;
  parallel[2].error = { name: 'TypeError', message: '+cmd|/C calc', location: { file: '/w/a.ts', line: 3, column: 7 } };
  parallel[3].logs = [{ stream: 'stderr', text: '@SUM(1,2)\nsecond line', timeUs: parallel[3].startUs ?? 0 }];
  parallel[4].status = 'cancelled';
  parallel[4].lane = -1;
  delete parallel[4].startUs;
  delete parallel[4].endUs;
  delete parallel[4].durationMs;
  delete parallel[4].resultPreview;
  parallel[4].logs = [];
  report.summary.failedTasks = 2;
  report.status = 'cancelled';
  return report;
}

/** A worker sweep: the seed report plus parallel runs on 1 and 2 threads, run before the 5-thread one (same repeat 0). */
function sweepReport(): RunReport {
  const report = seedReport();
  const fiveWorkers = report.phases.find((run) => run.phase === 'parallel');
  assert.ok(fiveWorkers);
  let clockUs = fiveWorkers.endUs + 1_000;
  for (const workers of [1, 2]) {
    const startUs = clockUs;
    const laneFree = Array<number>(workers).fill(startUs + 100);
    const tasks = [0, 1, 2, 3, 4].map((index): TaskRecord => {
      const lane = laneFree.indexOf(Math.min(...laneFree));
      const taskStart = laneFree[lane];
      const durationMs = (index + 1) * 100;
      laneFree[lane] = taskStart + durationMs * 1000;
      return {
        index, phase: 'parallel', repeat: 0, argsPreview: String(index + 1), lane, pid: HOST_PID, threadId: 20 + workers * 2 + lane,
        queuedUs: startUs, startUs: taskStart, endUs: taskStart + durationMs * 1000, durationMs, status: 'ok', resultPreview: String(index + 1), logs: [],
      };
    });
    clockUs = Math.max(...laneFree) + 500;
    report.phases.push({ phase: 'parallel', repeat: 0, workers, startUs, endUs: clockUs, wallMs: (clockUs - startUs) / 1000, lanes: [], status: 'completed' });
    report.tasks.push(...tasks);
    clockUs += 1_000;
  }
  report.sweep = { serialMs: report.summary.serialMs ?? 0, points: [], amdahlSerialFraction: 0 };
  return report;
}

/** Minimal RFC 4180 reader: quoted cells may hold commas, CRLF and doubled quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  assert.equal(cell, '', 'CSV must end with CRLF');
  return rows;
}

describe('JSON export', () => {
  it('round-trips a report unchanged and leads with schemaVersion', () => {
    const report = seedReport({ repeats: 2 });
    const text = toJson(report);
    assert.match(text, /^\{\n {2}"schemaVersion": 2,/);
    assert.deepEqual(parseReportJson(text), report);
  });

  it('refuses text that is not a report, with a message saying why', () => {
    assert.throws(() => parseReportJson('{not json'), (e: Error) => e instanceof UserError && /not valid JSON/.test(e.message));
    assert.throws(() => parseReportJson('[]'), /expected a JSON object/);
    assert.throws(() => parseReportJson('{"id": "x"}'), /"schemaVersion" field is missing/);
    const newer = { ...seedReport(), schemaVersion: 3 };
    assert.throws(() => parseReportJson(JSON.stringify(newer)), /schema version 3 .*newer Parallel Runner/);
  });

  it('reads a schema-1 report, whose warnings were plain strings', () => {
    const old = { ...seedReport(), schemaVersion: 1, warnings: ['Consider warmupRuns ≥ 1.'] };
    const read = parseReportJson(JSON.stringify(old));
    assert.equal(read.schemaVersion, 2);
    assert.deepEqual(read.warnings, [{ code: 'other', message: 'Consider warmupRuns ≥ 1.' }]);
  });

  it('names the missing or mistyped fields', () => {
    const report = seedReport() as unknown as Record<string, unknown>;
    delete report.summary;
    (report.tasks as Record<string, unknown>[])[3].pid = 'abc';
    assert.throws(() => parseReportJson(JSON.stringify(report)), (e: Error) => {
      assert.match(e.message, /"summary" must be an object/);
      assert.match(e.message, /tasks\[3\]\.pid must be a number/);
      return true;
    });
  });
});

describe('CSV export', () => {
  it('has a header and one row per task, serial before parallel, all the same width', () => {
    const report = seedReport({ repeats: 2 });
    const rows = parseCsv(toCsv(report));
    assert.deepEqual(rows[0], [...CSV_COLUMNS]);
    assert.equal(rows.length, 1 + report.tasks.length);
    for (const row of rows) assert.equal(row.length, CSV_COLUMNS.length);
    const phase = CSV_COLUMNS.indexOf('phase');
    const pid = CSV_COLUMNS.indexOf('pid');
    const thread = CSV_COLUMNS.indexOf('threadId');
    const firstLog = CSV_COLUMNS.indexOf('firstLogLine');
    assert.deepEqual(rows.slice(1, 11).map((r) => r[phase]), Array(10).fill('serial'));
    assert.deepEqual(rows.slice(11).map((r) => r[phase]), Array(10).fill('parallel'));
    assert.equal(rows[11][pid], String(HOST_PID));
    assert.deepEqual(rows.slice(11, 16).map((r) => r[thread]), ['2', '3', '4', '5', '6']);
    assert.equal(rows[11][firstLog], `Child process: ${HOST_PID} · thread 2 - Task: 1`);
  });

  it('quotes commas, quotes and line breaks and defuses formulas, but keeps negative numbers', () => {
    const rows = parseCsv(toCsv(hostileReport()));
    const col = (name: string) => CSV_COLUMNS.indexOf(name);
    const parallel = rows.filter((r) => r[col('phase')] === 'parallel');
    assert.equal(parallel[0][col('args')], `'=HYPERLINK("http://evil.example","click")`);
    assert.equal(parallel[1][col('args')], '"quoted", and, commas');
    assert.equal(parallel[1][col('result')], 'line one\nline two');
    assert.equal(parallel[2][col('errorMessage')], "'+cmd|/C calc");
    assert.equal(parallel[2][col('errorLocation')], '/w/a.ts:3:7');
    assert.equal(parallel[3][col('firstLogLine')], "'@SUM(1,2)");
    assert.equal(parallel[4][col('lane')], '-1');
    assert.equal(parallel[4][col('startUs')], '');
    for (const row of rows.slice(1)) {
      for (const [i, cell] of row.entries()) {
        if (/^[=+@]/.test(cell) || (cell.startsWith('-') && !/^-\d+(\.\d+)?$/.test(cell))) assert.fail(`cell ${CSV_COLUMNS[i]} starts a formula: ${cell}`);
      }
    }
    assert.equal(csvCell('-2+3'), "'-2+3");
    assert.equal(csvCell('\t=1'), "'\t=1");
    assert.equal(csvCell(-1), '-1');
  });
});

describe('Chrome trace export', () => {
  it('has an X event per started task with the fields Perfetto needs, on a separate track group per phase run', () => {
    const report = seedReport({ repeats: 2 });
    const trace = JSON.parse(JSON.stringify(toChromeTrace(report)));
    assert.ok(Array.isArray(trace.traceEvents));
    const tasks = trace.traceEvents.filter((e: { ph: string; cat?: string }) => e.ph === 'X' && e.cat !== 'phase');
    assert.equal(tasks.length, report.tasks.length);
    for (const event of trace.traceEvents) {
      assert.equal(typeof event.ph, 'string');
      assert.equal(typeof event.name, 'string');
      assert.ok(Number.isInteger(event.pid) && Number.isInteger(event.tid), 'pid and tid are integers');
      if (event.ph !== 'M') assert.equal(typeof event.ts, 'number');
      if (event.ph === 'X') assert.ok(typeof event.dur === 'number' && event.dur >= 0);
    }
    const task = tasks.find((e: { cat: string; args: { index: number } }) => e.cat === 'parallel' && e.args.index === 4);
    assert.equal(task.name, 'longTimeTask(5)');
    assert.ok(Math.abs(task.dur - 500_400) < 1, `dur in µs: ${task.dur}`);
    assert.equal(task.args.result, '5');
    assert.equal(task.args.pid, HOST_PID);

    const processNames = new Map<number, string>(
      trace.traceEvents.filter((e: { name: string }) => e.name === 'process_name').map((e: { pid: number; args: { name: string } }) => [e.pid, e.args.name]),
    );
    assert.deepEqual([...processNames.values()], [
      'Serial run · repeat 1',
      'Serial run · repeat 2',
      'Parallel run · 5 worker threads · repeat 1',
      'Parallel run · 5 worker threads · repeat 2',
    ]);
    const sortIndex = trace.traceEvents.filter((e: { name: string }) => e.name === 'process_sort_index').map((e: { args: { sort_index: number } }) => e.args.sort_index);
    assert.deepEqual(sortIndex, [0, 1, 2, 3]);
    const serialPid = [...processNames].find(([, name]) => name === 'Serial run · repeat 1')?.[0];
    const parallelPid = [...processNames].find(([, name]) => name === 'Parallel run · 5 worker threads · repeat 1')?.[0];
    assert.notEqual(serialPid, parallelPid, 'the serial run is its own process even though it shares the real PID');
    const laneNames = trace.traceEvents
      .filter((e: { name: string; pid: number; tid: number }) => e.name === 'thread_name' && e.pid === parallelPid && e.tid > 0)
      .map((e: { args: { name: string } }) => e.args.name);
    assert.deepEqual(laneNames, [2, 3, 4, 5, 6].map((t) => `PID ${HOST_PID} · thread ${t}`));
  });

  it('puts console lines on the task track, records errors, and skips tasks that never started', () => {
    const report = hostileReport();
    const trace = toChromeTrace(report);
    const parallelTasks = trace.traceEvents.filter((e) => e.ph === 'X' && e.cat === 'parallel');
    assert.equal(parallelTasks.length, 4, 'the cancelled task that never reached a worker has no span');
    const failed = parallelTasks.find((e) => e.args?.index === 2);
    assert.equal(failed?.args?.error, 'TypeError: +cmd|/C calc');
    const logs = trace.traceEvents.filter((e) => e.ph === 'i' && e.cat === 'log');
    const firstTaskLog = logs.find((e) => e.name.startsWith('Child process'));
    const firstTask = trace.traceEvents.find((e) => e.ph === 'X' && e.cat === 'serial' && e.args?.index === 0);
    assert.equal(firstTaskLog?.tid, firstTask?.tid);
    assert.equal(firstTaskLog?.pid, firstTask?.pid);
    assert.equal(trace.otherData.backend, 'threads');
  });
});

describe('worker sweep', () => {
  it('keeps each worker count of a sweep apart in the table, the CSV and the trace', () => {
    const report = sweepReport();
    const table = taskTable(report, 'parallel').slice(1).map((line) => line.trim().split(/\s+/));
    assert.deepEqual(table.map((cells) => cells[2]), ['2', '3', '4', '5', '6'], 'the table shows the configured 5-worker run');
    const oneWorker = report.phases.find((run) => run.phase === 'parallel' && run.workers === 1);
    assert.ok(oneWorker);
    assert.deepEqual(new Set(phaseRunTasks(report, oneWorker).map((task) => task.threadId)), new Set([22]));

    const rows = parseCsv(toCsv(report)).slice(1);
    const workers = rows.filter((row) => row[CSV_COLUMNS.indexOf('phase')] === 'parallel').map((row) => row[CSV_COLUMNS.indexOf('workers')]);
    assert.deepEqual(workers, [...Array(5).fill('5'), ...Array(5).fill('1'), ...Array(5).fill('2')]);

    const trace = toChromeTrace(report);
    const names = trace.traceEvents.filter((e) => e.name === 'process_name').map((e) => e.args?.name);
    assert.deepEqual(names, ['Serial run', 'Parallel run · 5 worker threads', 'Parallel run · 1 worker thread', 'Parallel run · 2 worker threads']);
    const twoWorkerPid = trace.traceEvents.find((e) => e.name === 'process_name' && e.args?.name === 'Parallel run · 2 worker threads')?.pid;
    const spans = trace.traceEvents.filter((e) => e.ph === 'X' && e.cat === 'parallel' && e.pid === twoWorkerPid);
    assert.equal(spans.length, 5);
    assert.deepEqual(new Set(spans.map((e) => e.tid)), new Set([1, 2]));
  });
});

describe('text formatting', () => {
  it('formats durations and speedups the way the summary reads', () => {
    assert.equal(formatDuration(1510), '1.51 s');
    assert.equal(formatDuration(120), '120 ms');
    assert.equal(formatDuration(12.34), '12.3 ms');
    assert.equal(formatDuration(0.85), '850 µs');
    assert.equal(formatDuration(125_000), '2 min 05 s');
    assert.equal(formatDuration(510, 's'), '0.51 s');
    assert.equal(formatDuration(5, 's'), '5.00 ms', 'a forced unit that would show 0.00 gives way');
    assert.equal(formatDuration(undefined), '—');
    assert.equal(formatSpeedup(2.9612), '2.96×');
    assert.equal(formatSpeedup(12.44), '12.4×');
  });

  it('summarises serial, parallel, speedup and how close it came to the ideal the task lengths allow', () => {
    const line = summaryLine(seedReport());
    assert.match(line, /^serial 1\.5\d s · parallel 0\.5\d s · speedup 2\.9\d× on 5 workers \(9\d% of ideal\)$/);
  });

  it('shows the spread when repeated, and failures and cancellation', () => {
    assert.match(summaryLine(seedReport({ repeats: 3 })), /speedup 2\.9× ± 0\.1 \(2\.8–3\.0\) on 5 workers/);
    const hostile = summaryLine(hostileReport());
    assert.match(hostile, /· 1 of 5 tasks failed · cancelled after 3 of 5 tasks$/);
    const noSerial = seedReport();
    delete noSerial.summary.serialMs;
    delete noSerial.summary.speedup;
    assert.match(summaryLine(noSerial), /^parallel \d+ ms on 5 workers$/);
    noSerial.summary.workers = 1;
    assert.match(summaryLine(noSerial), /^parallel \d+ ms on 1 worker$/, 'one worker is singular');
    noSerial.options.backend = 'processes';
    assert.match(summaryLine(noSerial), /^parallel \d+ ms on 1 process$/);
  });

  it('tables each task with PID, thread ID and times relative to the phase start', () => {
    const lines = taskTable(seedReport(), 'parallel');
    assert.equal(lines.length, 6);
    assert.match(lines[0], /^task +PID +thread ID +start ms +end ms +duration ms +status +args$/);
    const cells = lines[1].trim().split(/\s+/);
    assert.deepEqual(cells, ['0', String(HOST_PID), '2', '0.1', '100.5', '100.4', 'ok', '1']);
    const serial = taskTable(seedReport(), 'serial');
    assert.ok(serial.slice(1).every((line) => line.trim().split(/\s+/)[2] === '1'), 'the serial run is on one thread');
  });

  it('prefixes captured console lines with where they ran, in time order', () => {
    const report = seedReport();
    const parallel = report.tasks.filter((t) => t.phase === 'parallel');
    assert.equal(logLinePrefix(parallel[1]), `[PID ${HOST_PID} · thread 3 · task 1]`);
    const lines = taskLogLines(parallel);
    assert.equal(lines.length, 10);
    assert.ok(lines.slice(0, 5).every((line) => line.includes('Child process')), 'all tasks start before any finishes');
    assert.equal(lines[9], `[PID ${HOST_PID} · thread 6 · task 4] Result: 5`);
  });
});
