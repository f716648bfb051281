// Parsing the inputs box: JSON or a JS expression, starmap argument lists, and the messages for bad inputs.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { UserError } from '../../src/core/api';
import { countInputs, defaultInputs, parseInputs, parseInputsInSlices } from '../../src/core/inputs';
import type { TargetInfo } from '../../src/shared/report';

function throwsUserError(run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof UserError, `expected UserError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
}

test('a JSON array of argument lists gives one task per list (starmap)', () => {
  assert.deepEqual(parseInputs('[[1, 2], [1, 1]]'), [[1, 2], [1, 1]]);
  assert.deepEqual(parseInputs(' [["a", {"b": [true, null]}]] '), [['a', { b: [true, null] }]]);
});

test('a flat list of non-arrays gives one argument per task', () => {
  assert.deepEqual(parseInputs('[1, 2, 3]'), [[1], [2], [3]]);
  assert.deepEqual(parseInputs([{ n: 1 }, 'x']), [[{ n: 1 }], ['x']]);
});

test('a JS expression is evaluated into argument lists', () => {
  assert.deepEqual(parseInputs('Array.from({length: 5}, (_, i) => [i, i + 1])'), [
    [0, 1],
    [1, 2],
    [2, 3],
    [3, 4],
    [4, 5],
  ]);
  assert.deepEqual(parseInputs('const xs = []; for (let i = 0; i < 3; i++) xs.push([i * 10]); xs'), [[0], [10], [20]]);
});

test('Dates, Maps, Sets and typed arrays are available and arrive as real instances', () => {
  const [[date, map, set, bytes]] = parseInputs('[[new Date(0), new Map([["k", 1]]), new Set([2]), new Uint8Array([3, 4])]]');
  assert.ok(date instanceof Date, 'a host-realm Date');
  assert.equal((date as Date).getTime(), 0);
  assert.ok(map instanceof Map && map.get('k') === 1);
  assert.ok(set instanceof Set && set.has(2));
  assert.ok(bytes instanceof Uint8Array && bytes[1] === 4);
});

test('the expression runs without Node APIs, so it cannot touch the host', () => {
  throwsUserError(() => parseInputs('[[process.pid]]'), /the inputs expression threw ReferenceError: process is not defined/);
  throwsUserError(() => parseInputs('[[require("fs")]]'), /require is not defined/);
});

test('an endless loop in the expression times out instead of hanging', () => {
  const started = Date.now();
  throwsUserError(() => parseInputs('(() => { while (true) {} })()'), /ran longer than 1 s \(an endless loop\?\)/);
  assert.ok(Date.now() - started < 5000);
});

test('no tasks is refused with an example', () => {
  throwsUserError(() => parseInputs('[]'), /^no inputs: give at least one argument list, e\.g\. \[\[1\], \[2\]\]$/);
  throwsUserError(() => parseInputs('   '), /^no inputs: give at least one argument list/);
  throwsUserError(() => parseInputs([]), /^no inputs/);
});

test('a value that is not an array is refused, saying what it was and showing an example', () => {
  throwsUserError(() => parseInputs('42'), /inputs must be an array of argument lists, e\.g\. \[\[1, 2\], \[3, 4\]\].*; got a number/);
  throwsUserError(() => parseInputs('{"a": 1}'), /got an object/);
});

test('text that is neither JSON nor JavaScript says both and shows an example', () => {
  throwsUserError(() => parseInputs('[[1, 2], [3, 4'), /inputs are neither JSON \(.+\) nor a JavaScript expression \(.+\); e\.g\. \[\[1, 2\], \[3, 4\]\]/);
});

test('an expression that throws reports the error', () => {
  throwsUserError(() => parseInputs('(() => { throw new RangeError("too big") })()'), /the inputs expression threw RangeError: too big/);
});

test('a Promise is refused: inputs are data, not work', () => {
  throwsUserError(() => parseInputs('Promise.resolve([[1]])'), /gave a Promise/);
});

test('mixing argument lists and single arguments names the index', () => {
  throwsUserError(() => parseInputs('[[1], [2], 3]'), /inputs\[2\] is a number but inputs\[0\] is an array/);
  throwsUserError(() => parseInputs('[1, [2]]'), /inputs\[1\] is an array but inputs\[0\] is a number/);
  throwsUserError(() => parseInputs('[[1], , [3]]'), /inputs\[1\] is missing/);
});

test('a value that cannot be sent to a worker is named by its position', () => {
  throwsUserError(
    () => parseInputs('[1, 2, 3, () => 4]'),
    /^inputs\[3\] is a function, which cannot be sent to a worker; use plain data \(numbers, strings, arrays, objects, Dates, Maps, typed arrays\)$/,
  );
  throwsUserError(() => parseInputs('[[1, {cb: function () {}}]]'), /^inputs\[0\]\[1\]\.cb is a function, which cannot be sent/);
  throwsUserError(() => parseInputs('[[Symbol("s")]]'), /^inputs\[0\]\[0\] is a symbol/);
  throwsUserError(() => parseInputs('[[new WeakMap()]]'), /^inputs\[0\]\[0\] is a WeakMap/);
  throwsUserError(() => parseInputs([[1], [new Map([['k', () => 1]])]]), /^inputs\[1\]\[0\]\.get\("k"\) is a function/);
});

test('default inputs have one number per parameter, for four tasks', () => {
  const target = (params: string[]): TargetInfo => ({ file: '/x.ts', name: 'f', kind: 'function', line: 1, column: 1, params, isAsync: false });
  assert.equal(defaultInputs(target(['n'])), '[[1], [2], [3], [4]]');
  assert.equal(defaultInputs(target(['a', 'b'])), '[[1, 2], [3, 4], [5, 6], [7, 8]]');
  assert.equal(defaultInputs(target([])), '[[], [], [], []]');
  assert.equal(defaultInputs(target(['a', '...rest'])), '[[1], [2], [3], [4]]');
  assert.deepEqual(parseInputs(defaultInputs(target(['a', 'b']))).length, 4, 'the default parses');
});

test('an endless loop typed into the inputs box is cut off at the short as-you-type budget, named in the message', () => {
  assert.throws(() => parseInputs('(() => { for (;;) {} })()', { timeoutMs: 100 }), /ran longer than 100 ms \(an endless loop\?\)/);
});

test('countInputs counts tasks with the same checks and messages as parseInputs, without copying', () => {
  assert.equal(countInputs('[[1, 2], [1, 1]]'), 2);
  assert.equal(countInputs([1, 2, 3]), 3);
  assert.equal(countInputs('Array.from({ length: 5 }, (_, i) => [i])'), 5);
  const mixed = /inputs\[1\] is .* but inputs\[0\] is .*: give every task its arguments as an array/;
  assert.throws(() => countInputs([[1], 2]), mixed);
  assert.throws(() => parseInputs([[1], 2]), mixed);
  assert.throws(() => countInputs('[]'), /no inputs: give at least one argument list/);
});

test('a big list is copied in slices: every task in order, a copy (not the caller’s arrays), the bad element named by its index', async () => {
  const given = Array.from({ length: 25_000 }, (_, i) => [i, { at: i }]);
  const copied = await parseInputsInSlices(given);
  assert.equal(copied.length, 25_000);
  assert.ok(copied.every((args, i) => args[0] === i && (args[1] as { at: number }).at === i), 'every task, in input order');
  assert.notEqual(copied[12_345], given[12_345], 'the run works on a copy');
  assert.deepEqual(await parseInputsInSlices(Array.from({ length: 20_001 }, (_, i) => i)).then((flat) => flat[20_000]), [20_000], 'a flat list: one argument per task');
  const bad: unknown[][] = given.slice();
  bad[23_456] = [1, () => 2];
  await assert.rejects(parseInputsInSlices(bad), (error: unknown) => error instanceof UserError && /^inputs\[23456\]\[1\] is a function, which cannot be sent to a worker/.test(error.message));
});
