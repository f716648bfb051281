// Finding the runnable target from a cursor offset or a name, and the errors a user sees when there is none.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../src/core/api';
import { listTargets, locateTarget, locateTargetBinding } from '../../src/core/locate';

const fixtures = path.join(__dirname, '..', 'fixtures', 'locate');
const fixture = (name: string) => {
  const file = path.join(fixtures, name);
  return { file, source: readFileSync(file, 'utf8') };
};
/** The offset of `needle` in the source, as VS Code's document.offsetAt would give for a cursor there. */
const at = (source: string, needle: string) => {
  const offset = source.indexOf(needle);
  assert.ok(offset >= 0, `fixture lacks ${needle}`);
  return offset;
};

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp): Promise<UserError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof UserError, `expected UserError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return error;
  }
  assert.fail('expected a UserError');
}

test('lists every runnable top-level target of a TypeScript file in source order', async () => {
  const { file, source } = fixture('targets.ts');
  const targets = await listTargets(source, file);
  assert.deepEqual(
    targets.map((t) => `${t.kind}:${t.name}`),
    [
      'function:countPrimes',
      'function:fetchLike',
      'function:square',
      'function:cube',
      'class-run:Worker',
      'static-method:Worker.double',
      'static-method:Primes.count',
      'function:default',
    ],
  );
  const countPrimes = targets[0];
  assert.deepEqual(countPrimes.params, ['limit', '{step, start}', '...rest']);
  assert.equal(countPrimes.file, file);
  assert.deepEqual([countPrimes.line, countPrimes.column], [4, 17]);
  assert.deepEqual(targets[1].params, ['[first, second]', 'ms'], 'the `this` parameter is not an argument');
  assert.equal(targets[1].isAsync, true);
  assert.deepEqual(targets[4].params, ['id', 'label'], "class-run takes the constructor's parameters");
  assert.equal(targets[4].isAsync, true, 'class-run is async when run() is');
});

test('a cursor inside a nested closure picks the enclosing top-level function', async () => {
  const { file, source } = fixture('targets.ts');
  const target = await locateTarget(source, file, { offset: at(source, 'd * d <= n') });
  assert.equal(target.name, 'countPrimes');
  assert.equal(target.kind, 'function');
});

test('a cursor on `export` or a const arrow or function expression picks it', async () => {
  const { file, source } = fixture('targets.ts');
  assert.equal((await locateTarget(source, file, { offset: at(source, 'export const square') })).name, 'square');
  assert.equal((await locateTarget(source, file, { offset: at(source, 'x * x * x') })).name, 'cube');
});

test('a cursor in a static method picks the static method; elsewhere in a class with run() picks class-run', async () => {
  const { file, source } = fixture('targets.ts');
  const statik = await locateTarget(source, file, { offset: at(source, 'n * 2') });
  assert.equal(statik.kind, 'static-method');
  assert.equal(statik.name, 'Worker.double');
  const classRun = await locateTarget(source, file, { offset: at(source, 'return this.id') });
  assert.equal(classRun.kind, 'class-run');
  assert.equal(classRun.name, 'Worker');
});

test('an anonymous default export is named "default"', async () => {
  const { file, source } = fixture('targets.ts');
  const target = await locateTarget(source, file, { offset: at(source, 'n + 1') });
  assert.equal(target.name, 'default');
  assert.equal(target.line, 58);
  const classFile = fixture('default-class.mjs');
  const defaultClass = await locateTarget(classFile.source, classFile.file, { name: 'default' });
  assert.equal(defaultClass.kind, 'class-run');
  assert.deepEqual(defaultClass.params, ['n']);
});

test('targets are found by name, including Class.method', async () => {
  const { file, source } = fixture('targets.ts');
  assert.equal((await locateTarget(source, file, { name: 'Primes.count' })).kind, 'static-method');
  assert.equal((await locateTarget(source, file, { name: 'Worker' })).kind, 'class-run');
});

test('the cursor on an overload signature picks the implementation', async () => {
  const { file, source } = fixture('overloads.ts');
  const target = await locateTarget(source, file, { offset: at(source, 'pad(value: number)') });
  assert.equal(target.name, 'pad');
  assert.equal(target.line, 3);
});

test('CommonJS exports are runnable and known to be CommonJS', async () => {
  const { file, source } = fixture('commonjs.cjs');
  const names = (await listTargets(source, file)).map((t) => t.name);
  assert.deepEqual(names, ['local', 'triple', 'half']);
  const triple = await locateTargetBinding(source, file, { offset: at(source, 'return local(a)') });
  assert.equal(triple.target.name, 'triple');
  assert.equal(triple.moduleFormat, 'cjs');
  assert.equal(triple.accessor, 'module.exports["triple"]');
});

test('every supported extension parses with the right syntax (TS, JSX, both, neither)', async () => {
  const expected: Record<string, string> = {
    'targets.ts': 'countPrimes',
    'tsx-file.tsx': 'Card',
    'module.mts': 'wait',
    'commonjs-ts.cts': 'add',
    'plain.js': 'fib',
    'jsx-file.jsx': 'render',
    'default-class.mjs': 'default',
    'commonjs.cjs': 'local',
  };
  for (const [name, first] of Object.entries(expected)) {
    const { file, source } = fixture(name);
    const targets = await listTargets(source, file);
    assert.equal(targets[0]?.name, first, name);
  }
});

test('a cursor outside any function says what is supported and lists the runnable names', async () => {
  const { file, source } = fixture('targets.ts');
  const error = await rejectsWith(
    locateTarget(source, file, { offset: at(source, "import { cpus }") }),
    /targets\.ts:2:1: the cursor is not inside a runnable top-level target\. Put it in a top-level function declaration.*class with a run\(\) method.*Runnable targets in this file: countPrimes, fetchLike/,
  );
  assert.deepEqual(error.location, { file, line: 2, column: 1 });
});

test('a generator is refused by cursor and by name', async () => {
  const { file, source } = fixture('targets.ts');
  await rejectsWith(locateTarget(source, file, { offset: at(source, 'function* numbers') + 12 }), /numbers is a generator \(function\*\).*return an array/);
  await rejectsWith(locateTarget(source, file, { name: 'numbers' }), /numbers is a generator/);
  await rejectsWith(locateTarget(source, file, { offset: at(source, 'static *generate') }), /Primes\.generate is a generator/);
});

test("an object literal's method is refused with a hint to move it to the top level", async () => {
  const { file, source } = fixture('targets.ts');
  await rejectsWith(locateTarget(source, file, { offset: at(source, 'compute(x') }), /compute is a method of an object literal.*top-level function/);
  await rejectsWith(locateTarget(source, file, { offset: at(source, 'arrow: (y') }), /arrow is a method of an object literal/);
});

test('an unknown name lists the runnable names found', async () => {
  const { file, source } = fixture('targets.ts');
  await rejectsWith(
    locateTarget(source, file, { name: 'nope' }),
    /no runnable target named "nope"\. Runnable targets in this file: countPrimes, fetchLike, square, cube, Worker, Worker\.double, Primes\.count, default\./,
  );
});

test('a class without run() is refused unless the cursor is on a static method', async () => {
  const plain = fixture('plain-class.ts');
  await rejectsWith(locateTarget(plain.source, plain.file, { offset: at(plain.source, 'return key') }), /class Store has no run\(\) method\. Add run\(\)/);
  const { file, source } = fixture('targets.ts');
  await rejectsWith(locateTarget(source, file, { offset: at(source, 'class Primes') }), /class Primes has no run\(\) method/);
  assert.equal((await locateTarget(source, file, { offset: at(source, 'return limit') })).name, 'Primes.count');
});

test('a syntax error is reported as file:line:column with the parser message and a location', async () => {
  const { file, source } = fixture('broken.ts');
  const error = await rejectsWith(locateTarget(source, file, { offset: 0 }), /broken\.ts:5:3: Unexpected keyword 'return'/);
  assert.ok(error.message.startsWith(`${file}:5:3: `));
  assert.deepEqual(error.location, { file, line: 5, column: 3 });
  assert.deepEqual(await listTargets(source, file), [], 'CodeLens gets no targets rather than an error');
});

test('an unsupported file type is refused by locate and ignored by listTargets', async () => {
  await rejectsWith(locateTarget('def f(): pass', '/tmp/x.py', { offset: 0 }), /unsupported file type "\.py"/);
  assert.deepEqual(await listTargets('def f(): pass', '/tmp/x.py'), []);
});

test('offsets are UTF-16 code units, as VS Code gives them', async () => {
  const source = "const label = '😀😀😀';\nexport function after(a: number) {\n  return a;\n}\n";
  const target = await locateTarget(source, '/tmp/emoji.ts', { offset: source.indexOf('return a') });
  assert.equal(target.name, 'after');
  assert.deepEqual([target.line, target.column], [2, 17]);
});
