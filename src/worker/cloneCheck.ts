// Finds the part of a task's return value that can't reach the host, so it becomes a task error instead of a dead worker or a
// message the host silently drops.
import { types } from 'node:util';
import * as l10n from '@vscode/l10n';

const LEAF_TYPES: Array<abstract new (...args: never[]) => unknown> = [Date, RegExp, ArrayBuffer, Boolean, String, Number, BigInt as never, Error];
/** Each with the sentence naming it at a path (made when used: the l10n bundle is read after this module loads). */
const REJECTED_TYPES: Array<[abstract new (...args: never[]) => unknown, (where: string) => string]> = [
  [Promise, (where) => l10n.t('{0} is a Promise (await it inside the function)', where)],
  [WeakMap, (where) => l10n.t('{0} is a WeakMap', where)],
  [WeakSet, (where) => l10n.t('{0} is a WeakSet', where)],
  [WeakRef, (where) => l10n.t('{0} is a WeakRef', where)],
];
/** Prototypes of the plain containers: anything else (a class instance, a host object) gets a trial clone of its own. */
const PLAIN_PROTOTYPES = new Set<unknown>([Object.prototype, Array.prototype, Map.prototype, Set.prototype, null]);

/**
 * Deepest nesting a result may have. The receiving side's deserializer recurses once per level and gives up on stack
 * overflow: a Node worker then drops the message without an error (the run waited forever), and a child's IPC reply
 * throws in the host's channel reader (the host crashed). 2,000 levels failed in a CLI host, 1,800 passed; the extension
 * host receives on a deeper stack, so the bound leaves room.
 */
export const MAX_CLONE_DEPTH = 1000;

export interface CloneCheckOptions {
  /** False for child processes: a SharedArrayBuffer can be shared between threads but not sent over IPC. */
  sharedMemory: boolean;
}

function describeKey(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** A path 1,000 levels deep is 2,000+ characters: keep its start and end. */
function shortPath(where: string): string {
  return where.length > 120 ? `${where.slice(0, 60)}…${where.slice(-40)}` : where;
}

/** `Error: text` for anything thrown while examining a value, without letting that description throw in turn. */
export function describeThrownSafely(thrown: unknown): string {
  try {
    if (thrown instanceof Error) return `${thrown.name}: ${thrown.message}`;
    return typeof thrown === 'string' ? JSON.stringify(thrown) : String(thrown);
  } catch {
    return l10n.t('a value that cannot be read either');
  }
}

/**
 * Returns where the value can't be cloned (`result.items[2].callback is a function`), or undefined when it can.
 * Walking is far cheaper than a trial clone, so every result is checked before it is posted. Examining the value runs the
 * task's getters and Proxy traps: when one throws, that is the answer too, and the caller fails only this task.
 */
export function findUncloneable(value: unknown, options: CloneCheckOptions = { sharedMemory: true }): string | undefined {
  // Most results are primitives: answer those without allocating a Set and a stack. (Arrays are walked: an extra
  // property holding a function would otherwise slip through.)
  const kind = typeof value;
  if (value === null || (kind !== 'object' && kind !== 'function' && kind !== 'symbol')) return undefined;
  let where = l10n.t('the result');
  try {
    return walk(value, where, options, (at) => (where = at));
  } catch (thrown) {
    return l10n.t('examining {0} threw {1} (a getter or Proxy trap in the value?)', shortPath(where), describeThrownSafely(thrown));
  }
}

function walk(value: unknown, root: string, options: CloneCheckOptions, visiting: (where: string) => void): string | undefined {
  const seen = new Set<object>();
  /** A host object's failed trial clone: reported only when nothing more precise turns up inside it. */
  let hostObjectProblem: string | undefined;
  const stack: Array<[unknown, string, number]> = [[value, root, 0]];
  while (stack.length > 0) {
    const [current, where, depth] = stack.pop()!;
    visiting(where);
    const kind = typeof current;
    if (kind === 'function') return l10n.t('{0} is a function', shortPath(where));
    if (kind === 'symbol') return l10n.t('{0} is a Symbol', shortPath(where));
    if (kind !== 'object' || current === null) continue;
    const object = current as object;
    if (seen.has(object)) continue;
    seen.add(object);
    if (types.isProxy(object)) return l10n.t('{0} is a Proxy, which structured clone rejects (return the plain object behind it)', shortPath(where));
    if (depth >= MAX_CLONE_DEPTH) {
      return l10n.t(
        'it is nested more than {0} levels deep ({1}), deeper than a worker can send back without the message being lost. Flatten it, or return it as a JSON string',
        MAX_CLONE_DEPTH.toLocaleString('en-US'),
        shortPath(where),
      );
    }
    if (!options.sharedMemory && types.isSharedArrayBuffer(object)) {
      return l10n.t("{0} is a SharedArrayBuffer, which can't be sent to another process (shared memory works between worker threads only; copy it into an ArrayBuffer)", shortPath(where));
    }
    if (ArrayBuffer.isView(object)) {
      if (!options.sharedMemory && types.isSharedArrayBuffer(object.buffer)) {
        return l10n.t("{0} is a view on a SharedArrayBuffer, which can't be sent to another process (copy it with .slice())", shortPath(where));
      }
      continue;
    }
    if (LEAF_TYPES.some((type) => object instanceof type)) continue;
    const rejected = REJECTED_TYPES.find(([type]) => object instanceof type);
    if (rejected) return rejected[1](shortPath(where));
    const next = depth + 1;
    if (Array.isArray(object)) {
      for (let i = object.length - 1; i >= 0; i--) {
        const item: unknown = object[i];
        // Arrays of numbers and strings are the common large result: skip the push for primitives.
        if (needsWalk(item)) stack.push([item, `${where}[${i}]`, next]);
      }
      continue;
    }
    // Maps and Sets too: a primitive is never the problem, and its path is not worth making.
    if (object instanceof Map) {
      let i = 0;
      for (const [key, item] of object) {
        if (needsWalk(key)) stack.push([key, l10n.t('{0} key #{1}', where, i), next]);
        if (needsWalk(item)) stack.push([item, `${where}.get(${typeof key === 'string' ? JSON.stringify(key) : l10n.t('key #{0}', i)})`, next]);
        i++;
      }
      continue;
    }
    if (object instanceof Set) {
      let i = 0;
      for (const item of object) {
        if (needsWalk(item)) stack.push([item, l10n.t('{0} entry #{1}', where, i), next]);
        i++;
      }
      continue;
    }
    if (!PLAIN_PROTOTYPES.has(Object.getPrototypeOf(object))) {
      // A class instance clones as a plain object, but a host object (a socket, a stream, a KeyObject) does not: one trial
      // clone of it here names it, where a failed post would end the worker with nothing better than an exit code.
      if (hostObjectProblem === undefined) hostObjectProblem = trialClone(object, shortPath(where));
    }
    for (const key of Object.keys(object)) {
      const at = `${where}${describeKey(key)}`;
      // Reading runs a getter: a failure is reported at its own path.
      visiting(at);
      stack.push([(object as Record<string, unknown>)[key], at, next]);
    }
  }
  return hostObjectProblem;
}

/** Objects, functions and symbols: what the walk has to look at; any other value clones. */
function needsWalk(value: unknown): boolean {
  return value !== null && (typeof value === 'object' || typeof value === 'function' || typeof value === 'symbol');
}

/** `where is a Socket object, which structured clone rejects (…)`, or undefined when the object clones. */
function trialClone(object: object, where: string): string | undefined {
  try {
    structuredClone(object);
    return undefined;
  } catch (error) {
    const name = (object as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name
      ? l10n.t('{0} is a {1} object, which structured clone rejects ({2})', where, name, describeThrownSafely(error))
      : l10n.t('{0} is an object, which structured clone rejects ({1})', where, describeThrownSafely(error));
  }
}
