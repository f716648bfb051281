// Turns the user's inputs text (JSON or a JS expression) into one argument list per task, as starmap takes them.
import * as vm from 'node:vm';
import { UserError } from './api';
import type { TargetInfo } from '../shared/report';

const EXAMPLE = 'e.g. [[1, 2], [3, 4]] or Array.from({length: 8}, (_, i) => [i])';
const PLAIN_DATA = 'use plain data (numbers, strings, arrays, objects, Dates, Maps, typed arrays)';
const EVALUATION_TIMEOUT_MS = 1000;

export interface ParseInputsOptions {
  /** Cap on evaluating an expression; checking as the user types uses a shorter one so the host never stalls. */
  timeoutMs?: number;
}

/** Above this many tasks, a run's inputs are copied a slice at a time (parseInputsInSlices). */
const CLONE_SLICE_TASKS = 10_000;

/** One argument list per task. A flat list of non-arrays means one argument per task. Throws UserError. */
export function parseInputs(inputs: string | unknown[], options: ParseInputsOptions = {}): unknown[][] {
  const { value, firstIsList } = checkedInputs(inputs, options);
  return cloneInputs(value, firstIsList, 0);
}

/**
 * parseInputs for a run: a list of more than CLONE_SLICE_TASKS tasks is copied a slice at a time with a turn of the
 * event loop between slices. In an extension host with a large heap, copying 100,000 argument lists at once blocked it
 * for ~200 ms.
 */
export async function parseInputsInSlices(inputs: string | unknown[], options: ParseInputsOptions = {}): Promise<unknown[][]> {
  const { value, firstIsList } = checkedInputs(inputs, options);
  if (value.length <= CLONE_SLICE_TASKS) return cloneInputs(value, firstIsList, 0);
  const copied: unknown[][] = [];
  for (let at = 0; at < value.length; at += CLONE_SLICE_TASKS) {
    if (at > 0) await new Promise((resolve) => setImmediate(resolve));
    for (const args of cloneInputs(value.slice(at, at + CLONE_SLICE_TASKS), firstIsList, at)) copied.push(args);
  }
  return copied;
}

/** A copy of checked inputs (starting at inputs[offset]) as argument lists; names the element that can't be copied. */
function cloneInputs(value: unknown[], firstIsList: boolean, offset: number): unknown[][] {
  // One clone of the whole list is several times faster than one per task (100,000 tasks: ~50 ms instead of ~160 ms);
  // only when it fails are the elements cloned one by one, to name the one at fault.
  let cloned: unknown[];
  try {
    cloned = structuredClone(value);
  } catch {
    // Array.from, not .map: a list made in the inputs context would make its copy in that context too.
    return Array.from(value, (element, index) => cloneArguments(firstIsList ? (element as unknown[]) : [element], `inputs[${offset + index}]`, firstIsList));
  }
  return firstIsList ? (cloned as unknown[][]) : cloned.map((element) => [element]);
}

/**
 * How many tasks the inputs make, after the same checks as parseInputs (same messages) but without copying them: in an
 * extension host with a large heap, cloning 100,000 argument lists only to count them blocked it for half a second.
 * Values that can't be cloned are still found by parseInputs when the run starts.
 */
export function countInputs(inputs: string | unknown[], options: ParseInputsOptions = {}): number {
  return checkedInputs(inputs, options).value.length;
}

/** The inputs evaluated (text) and checked to be a non-empty list of argument lists, or of single arguments. */
function checkedInputs(inputs: string | unknown[], options: ParseInputsOptions): { value: unknown[]; firstIsList: boolean } {
  const value = typeof inputs === 'string' ? evaluateInputsText(inputs, options.timeoutMs ?? EVALUATION_TIMEOUT_MS) : inputs;
  if (!Array.isArray(value)) {
    throw new UserError(`inputs must be an array of argument lists, ${EXAMPLE}; got ${describe(value)}`);
  }
  if (value.length === 0) throw new UserError('no inputs: give at least one argument list, e.g. [[1], [2]]');
  const firstIsList = Array.isArray(value[0]);
  for (let index = 0; index < value.length; index++) {
    if (!(index in value)) {
      throw new UserError(`inputs[${index}] is missing (a hole in the array); give every task's arguments, ${EXAMPLE}`);
    }
    if (Array.isArray(value[index]) !== firstIsList) {
      throw new UserError(
        `inputs[${index}] is ${describe(value[index])} but inputs[0] is ${describe(value[0])}: give every task its arguments as an array ` +
          '([[1, 2], [3, 4]]), or give one argument per task ([1, 2, 3])',
      );
    }
  }
  return { value, firstIsList };
}

/** A starting inputs text for the target: four tasks with as many numbers as it has parameters. */
export function defaultInputs(target: TargetInfo): string {
  const fixed = target.params.filter((param) => !param.startsWith('...')).length;
  const count = fixed === 0 && target.params.length > 0 ? 1 : fixed;
  let next = 1;
  const tasks = Array.from({ length: 4 }, () => `[${Array.from({ length: count }, () => String(next++)).join(', ')}]`);
  return `[${tasks.join(', ')}]`;
}

function evaluateInputsText(text: string, timeoutMs: number): unknown {
  const trimmed = text.trim();
  if (trimmed === '') throw new UserError('no inputs: give at least one argument list, e.g. [[1], [2]]');
  let jsonError: string;
  try {
    return JSON.parse(trimmed);
  } catch (error) {
    jsonError = (error as Error).message;
  }
  return evaluateExpression(trimmed, jsonError, timeoutMs);
}

/** Runs the text in a fresh V8 context (its own Date, Map, typed arrays…; no Node APIs) with a timeout. */
function evaluateExpression(text: string, jsonError: string, timeoutMs: number): unknown {
  const context = vm.createContext({}, { codeGeneration: { strings: false, wasm: false }, microtaskMode: 'afterEvaluate' });
  let script: vm.Script;
  try {
    // Parenthesised first so `{…}` reads as an object; a statement list (`const a = []; …; a`) is tried next.
    script = new vm.Script(`(${text}\n)`, { filename: 'inputs' });
  } catch {
    try {
      script = new vm.Script(text, { filename: 'inputs' });
    } catch (error) {
      throw new UserError(
        `inputs are neither JSON (${jsonError}) nor a JavaScript expression (${(error as Error).message}); ${EXAMPLE}`,
      );
    }
  }
  let value: unknown;
  try {
    value = script.runInContext(context, { timeout: timeoutMs, breakOnSigint: true });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new UserError(`the inputs expression ran longer than ${formatLimit(timeoutMs)} (an endless loop?); ${EXAMPLE}`);
    }
    // Errors from the context are of its own realm: `instanceof Error` is false for them.
    const isErrorLike = typeof error === 'object' && error !== null && 'message' in error;
    const message = isErrorLike ? String((error as Error).message) : String(error);
    const name = isErrorLike ? String((error as Error).name) : 'non-Error';
    throw new UserError(`the inputs expression threw ${name}: ${message}; ${EXAMPLE}`);
  }
  if (value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function') {
    throw new UserError(`the inputs expression gave a Promise; give the argument lists themselves, ${EXAMPLE}`);
  }
  return value;
}

/** A copy made with structuredClone, so what runs is exactly what a worker would receive; names the first bad element. */
function cloneArguments(args: unknown[], label: string, isArgumentList: boolean): unknown[] {
  try {
    return structuredClone(args);
  } catch (error) {
    // In a flat list, inputs[i] is the argument itself rather than a list of them.
    const found = isArgumentList ? findUncloneable(args, label, true, new Set()) : findUncloneable(args[0], label, false, new Set());
    if (found) throw new UserError(`${found.path} is ${found.what}, which cannot be sent to a worker; ${PLAIN_DATA}`);
    throw new UserError(`${label} cannot be sent to a worker (${(error as Error).message}); ${PLAIN_DATA}`);
  }
}

function findUncloneable(value: unknown, path: string, isArgumentList: boolean, seen: Set<unknown>): { path: string; what: string } | undefined {
  if (typeof value === 'function') return { path, what: 'a function' };
  if (typeof value === 'symbol') return { path, what: 'a symbol' };
  if (value === null || typeof value !== 'object' || seen.has(value)) return undefined;
  seen.add(value);
  try {
    structuredClone(value);
    return undefined;
  } catch {
    // Look deeper for the element at fault; report this object when nothing inside is.
  }
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((element, index) => [`${path}[${index}]`, element])
    : value instanceof Map
      ? [...value.entries()].flatMap(([key, element], index) => [
          [`${path} key #${index}`, key] as [string, unknown],
          [`${path}.get(${describeKey(key)})`, element] as [string, unknown],
        ])
      : value instanceof Set
        ? [...value].map((element, index) => [`${path} element #${index}`, element])
        : Object.entries(value).map(([key, element]) => [`${path}${/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`}`, element]);
  for (const [childPath, element] of entries) {
    const found = findUncloneable(element, childPath, false, seen);
    if (found) return found;
  }
  return isArgumentList ? undefined : { path, what: describe(value) };
}

function describeKey(key: unknown): string {
  return typeof key === 'string' ? JSON.stringify(key) : String(key);
}

/** `a number`, `a string`, `an array`, `a Promise`, `null` — for messages. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') {
    const name = Object.prototype.toString.call(value).slice(8, -1);
    return name === 'Object' ? 'an object' : `a ${name}`;
  }
  return /^[aeiou]/.test(typeof value) ? `an ${typeof value}` : `a ${typeof value}`;
}

function formatLimit(ms: number): string {
  return ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
}
