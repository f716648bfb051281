// The engine's messages in the extension's language: once activate() hands over the l10n bundle, the same real runs on
// both backends give their warnings, the account's advice, the task errors (made in the workers) and the errors about
// the user's inputs and target from the bundle, and the CLI, which hands over none, stays English. A pseudo-localized
// bundle (every letter accented) makes any message that bypasses it stand out as plain ASCII words.
// Its own test file: the bundle is configured once per process, as in the extension host.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getL10nPseudoLocalized, type l10nJsonFormat } from '@vscode/l10n-dev';
import { UserError } from '../../src/core/api';
import { Engine } from '../../src/core/engine';
import { accountLines, summaryLine } from '../../src/core/format';
import { useL10nBundle } from '../../src/shared/l10n';
import type { BackendKind, RunReport } from '../../src/shared/report';
import { repoRoot } from '../harness/codeServer';

const DIST = path.join(repoRoot, 'dist');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parallel-runner-l10n-engine-'));
const WORKLOAD = path.join(scratch, 'work.ts');

// Each task goes wrong in its own way: a result that cannot be sent back, a thrown non-Error, a task past the timeout.
fs.writeFileSync(
  WORKLOAD,
  `export function work(kind: string, n: number): unknown {
  if (kind === 'fn') return () => n;
  if (kind === 'null') throw null;
  if (kind === 'spin') { const end = Date.now() + n; while (Date.now() < end); }
  return n;
}
`,
);
const INPUTS = JSON.stringify([['ok', 1], ['fn', 2], ['null', 3], ['spin', 3000], ['ok', 5]]);

/** What a user reads of one run: warnings, the account, task errors, the output channel's summary and account block. */
function messagesOf(report: RunReport): string[] {
  const account = report.summary.account;
  return [
    ...report.warnings.map((warning) => `warning ${warning.code}: ${warning.message}`),
    ...(account?.largestLoss ? [`advice: ${account.largestLoss.advice}`] : []),
    ...(account?.unavailable ?? []).map((text) => `not computed: ${text}`),
    ...report.tasks.filter((task) => task.error).map((task) => `task ${task.phase} ${task.index} (${task.error!.code}): ${task.error!.message}`),
    `summary: ${summaryLine(report)}`,
    ...(account ? accountLines(account).map((line) => `account: ${line}`) : []),
  ];
}

async function userErrorOf(engine: Engine, request: Parameters<Engine['run']>[0]): Promise<string> {
  const error = await engine.run(request).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
  return `user error: ${error.message}`;
}

/** Every message of the runs on both backends, and the user errors for bad inputs, an unknown target and a bad option. */
async function runAll(): Promise<string[]> {
  const engine = new Engine({ distDir: DIST, cacheDir: path.join(scratch, 'cache'), idleTimeoutMs: 5_000 });
  try {
    const messages: string[] = [];
    for (const backend of ['threads', 'processes'] as BackendKind[]) {
      const { report } = await engine.run({ file: WORKLOAD, target: { name: 'work' }, inputs: INPUTS, options: { backend, workers: 8, taskTimeoutSeconds: 0.5 } });
      messages.push(...messagesOf(report).map((message) => `${backend} ${message}`));
    }
    messages.push(await userErrorOf(engine, { file: WORKLOAD, target: { name: 'work' }, inputs: '[[1], 2]', options: { workers: 2 } }));
    messages.push(await userErrorOf(engine, { file: WORKLOAD, target: { name: 'nowhere' }, inputs: '[[1]]', options: { workers: 2 } }));
    messages.push(await userErrorOf(engine, { file: WORKLOAD, target: { name: 'work' }, inputs: '[[1]]', options: { workers: 0 } }));
    return messages;
  } finally {
    await engine.dispose();
  }
}

/** The user's own words (file, function, argument kinds), units and names that stay as they are in every language. */
function withoutNames(message: string): string {
  return message
    .replaceAll(scratch, '')
    .replace(/^(threads|processes) /, '')
    .replace(/^(warning [a-z-]+|task (serial|parallel) \d+ \([a-z-]+\)|user error|advice|not computed|summary|account):/, '')
    // An option's name that starts its error (`workers must be…`) and JavaScript's type names (`a number`) are code.
    .replace(/^ (workers|warmupRuns|repeats) /, ' ')
    .replace(/\b(work|nowhere|fn|spin|ok|ts|ms|µs|PID|CPU|CPUs|JSON|piscina|number|string|boolean|bigint|symbol|undefined)\b/g, '');
}

const ENGLISH_WORD = /\b[A-Za-z]{3,}\b/;

describe('the engine speaks the language of the bundle it is given', { timeout: 240_000 }, () => {
  let english: string[] = [];
  let pseudo: string[] = [];

  before(async () => {
    english = await runAll();
    const bundle = getL10nPseudoLocalized(JSON.parse(fs.readFileSync(path.join(repoRoot, 'l10n', 'bundle.l10n.json'), 'utf8')) as l10nJsonFormat);
    const bundleFile = path.join(scratch, 'bundle.l10n.qps-ploc.json');
    fs.writeFileSync(bundleFile, JSON.stringify(bundle));
    useL10nBundle(bundleFile);
    pseudo = await runAll();
  });

  after(() => {
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('without a bundle (the CLI) the runs report their problems in English: warnings, advice, task errors, user errors', () => {
    const kinds = (messages: string[], pattern: RegExp): number => messages.filter((message) => pattern.test(message)).length;
    for (const backend of ['threads', 'processes']) {
      assert.ok(kinds(english, new RegExp(`^${backend} warning `)) >= 2, `${backend}: too few warnings\n${english.join('\n')}`);
      assert.ok(kinds(english, new RegExp(`^${backend} task parallel `)) >= 3, `${backend}: too few failed tasks\n${english.join('\n')}`);
    }
    assert.equal(kinds(english, /^user error: /), 3);
    for (const message of english) assert.match(withoutNames(message), ENGLISH_WORD, `not English: ${message}`);
  });

  it('with a pseudo-localized bundle the same messages come out translated, with no English word left', () => {
    // Warnings depend on the machine's moment (another program busy, an outlier), and so does which account terms are big
    // enough to print; the failed tasks, the kinds of text and the user errors do not.
    const shape = (messages: string[]): string[] => [
      ...new Set(messages.filter((message) => !/^\w+ warning /.test(message)).map((message) => /^((threads|processes) )?(task \w+ \d+ \([a-z-]+\)|user error|advice|not computed|summary|account)/.exec(message)?.[0] ?? message)),
    ];
    assert.deepEqual(shape(pseudo), shape(english), 'the pseudo-localized runs did not report the same things');
    for (const backend of ['threads', 'processes']) assert.ok(pseudo.filter((message) => message.startsWith(`${backend} warning `)).length >= 2, `${backend}: too few warnings`);
    const untranslated = pseudo.filter((message) => ENGLISH_WORD.test(withoutNames(message)));
    assert.deepEqual(untranslated, [], 'English left in the engine’s messages with a pseudo-localized bundle');
  });
});
