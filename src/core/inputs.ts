// Turns the user's inputs text (JSON or a JS expression) into one argument list per task, as starmap takes them.
import * as vm from 'node:vm';
import * as l10n from '@vscode/l10n';
import { UserError } from './api';
import type { TargetInfo } from '../shared/report';

/** The closing hint of most messages (made when used: the l10n bundle is read after this module loads). */
function example(): string {
  return l10n.t('e.g. {0} or {1}', '[[1, 2], [3, 4]]', 'Array.from({length: 8}, (_, i) => [i])');
}

function plainData(): string {
  return l10n.t('use plain data (numbers, strings, arrays, objects, Dates, Maps, typed arrays)');
}
const EVALUATION_TIMEOUT_MS = 1000;
/**
 * Reading and copying an expression's value has a limit of its own: long enough for a million argument lists on a busy
 * machine (~1-2 s), short enough that a getter which never returns is reported instead of spinning the host.
 */
const COPY_TIMEOUT_MS = 5000;

export interface ParseInputsOptions {
  /** Cap on evaluating an expression; checking as the user types uses a shorter one so the host never stalls. */
  timeoutMs?: number;
  /** Cap on reading and copying the expression's value (its getters run then); the longer of this and timeoutMs applies. */
  copyTimeoutMs?: number;
}

/** Above this many tasks, a run's inputs are copied a slice at a time (parseInputsInSlices). */
const CLONE_SLICE_TASKS = 10_000;

/**
 * Deepest nesting an argument may have. A worker's deserializer recurses once per level: past ~1,800 levels a worker thread
 * drops the message without an error (the run would wait forever) and a child process's IPC reader throws.
 */
const MAX_INPUT_DEPTH = 1000;

interface CheckedInputs {
  value: unknown[];
  firstIsList: boolean;
}

/** One argument list per task. A flat list of non-arrays means one argument per task. Throws UserError. */
export function parseInputs(inputs: string | unknown[], options: ParseInputsOptions = {}): unknown[][] {
  return readInputs(inputs, options, 'copy', ({ value, firstIsList }) => cloneInputs(value, firstIsList, 0));
}

/**
 * parseInputs for a run: a list of more than CLONE_SLICE_TASKS tasks is copied a slice at a time with a turn of the
 * event loop between slices. In an extension host with a large heap, copying 100,000 argument lists at once blocked it
 * for ~200 ms. (An expression's value is copied at once, inside its time limit: its getters must not run unbounded.)
 */
export async function parseInputsInSlices(inputs: string | unknown[], options: ParseInputsOptions = {}): Promise<unknown[][]> {
  let checked: CheckedInputs | undefined;
  const copied = readInputs(inputs, options, 'copy', (found, isExpression) => {
    if (isExpression || found.value.length <= CLONE_SLICE_TASKS) return cloneInputs(found.value, found.firstIsList, 0);
    checked = found;
    return undefined;
  });
  if (copied) return copied;
  const { value, firstIsList } = checked!;
  const slices: unknown[][] = [];
  for (let at = 0; at < value.length; at += CLONE_SLICE_TASKS) {
    if (at > 0) await new Promise((resolve) => setImmediate(resolve));
    // A loop, not push(...slice): the slices add up to every task.
    for (const args of cloneInputs(value.slice(at, at + CLONE_SLICE_TASKS), firstIsList, at)) slices.push(args);
  }
  return slices;
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
  return readInputs(inputs, options, 'check', ({ value }) => value.length);
}

/**
 * For the inputs box, checked on every keystroke: how many tasks, and a copy of the first `first` argument lists. Everything
 * is checked, only those few are copied, all inside the time limit, so a big or hostile list never holds the host long.
 */
export function previewInputs(inputs: string, options: ParseInputsOptions, first: number): { count: number; firstTasks: unknown[][] } {
  return readInputs(inputs, options, 'check', ({ value, firstIsList }) => ({
    count: value.length,
    firstTasks: cloneInputs(value.slice(0, first), firstIsList, 0),
  }));
}

/**
 * Evaluates the inputs (JSON, or an expression) and hands them, checked, to `use`. For an expression, checking and `use`
 * run inside a time limit of their own: they read the value, and reading runs the expression's getters and Proxy traps
 * (`Object.defineProperty([[1]], 0, { get() { for (;;); } })` would otherwise spin the host beyond reach of the limit).
 */
function readInputs<T>(inputs: string | unknown[], options: ParseInputsOptions, purpose: 'check' | 'copy', use: (checked: CheckedInputs, isExpression: boolean) => T): T {
  if (typeof inputs !== 'string') return use(checkInputs(inputs), false);
  const trimmed = inputs.trim();
  if (trimmed === '') throw new UserError(l10n.t('no inputs: give at least one argument list, e.g. {0}', '[[1], [2]]'));
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch (error) {
    const timeoutMs = options.timeoutMs ?? EVALUATION_TIMEOUT_MS;
    const limits = { timeoutMs, readTimeoutMs: purpose === 'copy' ? Math.max(timeoutMs, options.copyTimeoutMs ?? COPY_TIMEOUT_MS) : timeoutMs };
    return evaluateExpression(trimmed, (error as Error).message, limits, purpose, (value) => use(checkInputs(value), true));
  }
  return use(checkInputs(parsed), false);
}

/** The inputs checked to be a non-empty list of argument lists, or of single arguments, none nested too deep. */
function checkInputs(value: unknown): CheckedInputs {
  if (!Array.isArray(value)) {
    throw new UserError(l10n.t('inputs must be an array of argument lists, {0}; got {1}', example(), describe(value)));
  }
  if (value.length === 0) throw new UserError(l10n.t('no inputs: give at least one argument list, e.g. {0}', '[[1], [2]]'));
  const firstIsList = Array.isArray(value[0]);
  for (let index = 0; index < value.length; index++) {
    if (!(index in value)) {
      throw new UserError(l10n.t("inputs[{0}] is missing (a hole in the array); give every task's arguments, {1}", index, example()));
    }
    const element: unknown = value[index];
    if (Array.isArray(element) !== firstIsList) {
      throw new UserError(
        l10n.t(
          'inputs[{0}] is {1} but inputs[0] is {2}: give every task its arguments as an array ({3}), or give one argument per task ({4})',
          index,
          describe(element),
          describe(value[0]),
          '[[1, 2], [3, 4]]',
          '[1, 2, 3]',
        ),
      );
    }
    if (element !== null && typeof element === 'object' && !isFlatList(element)) {
      const tooDeep = nestedDeeperThan(element, MAX_INPUT_DEPTH, `inputs[${index}]`);
      if (tooDeep) {
        throw new UserError(
          l10n.t(
            '{0} is nested more than {1} levels deep inside the inputs, deeper than a worker can receive; pass it flatter, or as a JSON string the function parses',
            tooDeep,
            MAX_INPUT_DEPTH.toLocaleString('en-US'),
          ),
        );
      }
    }
  }
  return { value, firstIsList };
}

/** Where `value` nests more than `limit` arrays, objects, Maps or Sets deep (a shortened path), or undefined. */
/** An array of numbers, strings and other primitives: most argument lists, answered without a Set and a stack. */
function isFlatList(value: object): boolean {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (item !== null && typeof item === 'object') return false;
  }
  return true;
}

function nestedDeeperThan(value: object, limit: number, label: string): string | undefined {
  const seen = new Set<object>();
  const stack: Array<[object, number, string]> = [[value, 0, label]];
  while (stack.length > 0) {
    const [current, depth, where] = stack.pop()!;
    if (seen.has(current)) continue;
    seen.add(current);
    if (depth >= limit) return where.length > 100 ? `${where.slice(0, 60)}…${where.slice(-30)}` : where;
    if (ArrayBuffer.isView(current) || current instanceof Date || current instanceof RegExp) continue;
    const children: Iterable<unknown> = Array.isArray(current) ? current : current instanceof Map ? [...current.keys(), ...current.values()] : current instanceof Set ? current : Object.values(current);
    let i = 0;
    for (const child of children) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1, Array.isArray(current) ? `${where}[${i}]` : `${where}…`]);
      i++;
    }
  }
  return undefined;
}

/** A starting inputs text for the target: four tasks with as many numbers as it has parameters. */
export function defaultInputs(target: TargetInfo): string {
  const fixed = target.params.filter((param) => !param.startsWith('...')).length;
  const count = fixed === 0 && target.params.length > 0 ? 1 : fixed;
  let next = 1;
  const tasks = Array.from({ length: 4 }, () => `[${Array.from({ length: count }, () => String(next++)).join(', ')}]`);
  return `[${tasks.join(', ')}]`;
}

/**
 * Runs the text in a fresh V8 context (its own Date, Map, typed arrays…) with a timeout, then `examine`s the value in that
 * context under a second timeout of the same length: checking and copying the value read it, which runs its getters.
 * Not a sandbox: the context's objects lead back to the host's (`this.constructor.constructor('return process')()` reaches
 * `process`), so the expression can do anything the extension host can. That is acceptable only because it is the user's
 * own typing, evaluated in a trusted workspace (the run commands refuse untrusted ones); never evaluate text from a file.
 */
function evaluateExpression<T>(text: string, jsonError: string, limits: { timeoutMs: number; readTimeoutMs: number }, purpose: 'check' | 'copy', examine: (value: unknown) => T): T {
  const context = vm.createContext({}, { codeGeneration: { strings: false, wasm: false }, microtaskMode: 'afterEvaluate' });
  let script: vm.Script;
  try {
    // Parenthesised first so `{…}` reads as an object; a statement list (`const a = []; …; a`) is tried next.
    script = new vm.Script(`(${text}\n)`, { filename: 'inputs' });
  } catch {
    try {
      script = new vm.Script(text, { filename: 'inputs' });
    } catch (error) {
      throw new UserError(l10n.t('inputs are neither JSON ({0}) nor a JavaScript expression ({1}); {2}', jsonError, (error as Error).message, example()));
    }
  }
  let value: unknown;
  try {
    value = script.runInContext(context, { timeout: limits.timeoutMs, breakOnSigint: true });
  } catch (error) {
    throw expressionFailure(error, 'ran', limits.timeoutMs);
  }
  // A host function called from a script in the context reads the value, so the timeout (and Ctrl+C) covers every getter
  // and Proxy trap that reading it runs.
  const holder = context as { [EXAMINE_HOOK]?: () => T };
  holder[EXAMINE_HOOK] = () => {
    if (value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function') {
      throw new UserError(l10n.t('the inputs expression gave a Promise; give the argument lists themselves, {0}', example()));
    }
    return examine(value);
  };
  try {
    return examineScript().runInContext(context, { timeout: limits.readTimeoutMs, breakOnSigint: true }) as T;
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw expressionFailure(error, purpose, limits.readTimeoutMs);
  } finally {
    delete holder[EXAMINE_HOOK];
  }
}

const EXAMINE_HOOK = '__parallelRunnerExamine__';
let examineScriptCache: vm.Script | undefined;

function examineScript(): vm.Script {
  examineScriptCache ??= new vm.Script(`${EXAMINE_HOOK}()`, { filename: 'inputs (reading the value)' });
  return examineScriptCache;
}

/** The UserError for an expression that timed out, was interrupted or threw while running (`ran`) or while being read. */
function expressionFailure(error: unknown, stage: 'ran' | 'copy' | 'check', timeoutMs: number): UserError {
  const code = (error as { code?: string } | null)?.code;
  if (code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
    const limit = formatLimit(timeoutMs);
    if (stage === 'ran') return new UserError(l10n.t('the inputs expression ran longer than {0} (an endless loop?); {1}', limit, example()));
    return new UserError(
      stage === 'copy'
        ? l10n.t('copying the value of the inputs expression took longer than {0} (a getter or Proxy trap in it that never returns?); give plain data, {1}', limit, example())
        : l10n.t('checking the value of the inputs expression took longer than {0} (a getter or Proxy trap in it that never returns?); give plain data, {1}', limit, example()),
    );
  }
  if (code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED') return new UserError(l10n.t('the inputs expression was interrupted (Ctrl+C)'));
  // Errors from the context are of its own realm: `instanceof Error` is false for them.
  let name = 'non-Error';
  let message: string;
  try {
    const isErrorLike = typeof error === 'object' && error !== null && 'message' in error;
    message = isErrorLike ? String((error as Error).message) : String(error);
    if (isErrorLike) name = String((error as Error).name);
  } catch {
    message = l10n.t('a value that cannot be read');
  }
  return new UserError(
    stage === 'ran'
      ? l10n.t('the inputs expression threw {0}: {1}; {2}', name, message, example())
      : l10n.t('reading the value of the inputs expression threw {0}: {1}; {2}', name, message, example()),
  );
}

/** A copy made with structuredClone, so what runs is exactly what a worker would receive; names the first bad element. */
function cloneArguments(args: unknown[], label: string, isArgumentList: boolean): unknown[] {
  try {
    return structuredClone(args);
  } catch (error) {
    // In a flat list, inputs[i] is the argument itself rather than a list of them.
    const found = isArgumentList ? findUncloneable(args, label, true, new Set()) : findUncloneable(args[0], label, false, new Set());
    if (found) throw new UserError(l10n.t('{0} is {1}, which cannot be sent to a worker; {2}', found.path, found.what, plainData()));
    throw new UserError(l10n.t('{0} cannot be sent to a worker ({1}); {2}', label, (error as Error).message, plainData()));
  }
}

function findUncloneable(value: unknown, path: string, isArgumentList: boolean, seen: Set<unknown>): { path: string; what: string } | undefined {
  if (typeof value === 'function') return { path, what: l10n.t('a function') };
  if (typeof value === 'symbol') return { path, what: l10n.t('a symbol') };
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
          [l10n.t('{0} key #{1}', path, index), key] as [string, unknown],
          [`${path}.get(${describeKey(key)})`, element] as [string, unknown],
        ])
      : value instanceof Set
        ? [...value].map((element, index) => [l10n.t('{0} element #{1}', path, index), element])
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
  if (Array.isArray(value)) return l10n.t('an array');
  if (typeof value === 'function') return l10n.t('a function');
  if (typeof value === 'object') {
    const name = Object.prototype.toString.call(value).slice(8, -1);
    // `a Date`, `a Map`: the JavaScript type's name stays as it is.
    return name === 'Object' ? l10n.t('an object') : l10n.t('a {0}', name);
  }
  return /^[aeiou]/.test(typeof value) ? l10n.t('an {0}', typeof value) : l10n.t('a {0}', typeof value);
}

function formatLimit(ms: number): string {
  return ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
}
