// Finds the part of a task's return value that structured clone would reject, so it becomes a task error instead of a dead worker.

const LEAF_TYPES: Array<abstract new (...args: never[]) => unknown> = [Date, RegExp, ArrayBuffer, Boolean, String, Number, BigInt as never, Error];
const REJECTED_TYPES: Array<[abstract new (...args: never[]) => unknown, string]> = [
  [Promise, 'a Promise (await it inside the function)'],
  [WeakMap, 'a WeakMap'],
  [WeakSet, 'a WeakSet'],
  [WeakRef, 'a WeakRef'],
];

function describeKey(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/**
 * Returns where the value can't be cloned (`result.items[2].callback is a function`), or undefined when it can.
 * Walking is far cheaper than a trial clone, so every result is checked before piscina posts it.
 */
export function findUncloneable(value: unknown): string | undefined {
  // Most results are primitives: answer those without allocating a Set and a stack. (Arrays are walked: an extra
  // property holding a function would otherwise slip through.)
  const kind = typeof value;
  if (value === null || (kind !== 'object' && kind !== 'function' && kind !== 'symbol')) return undefined;
  const seen = new Set<object>();
  const stack: Array<[unknown, string]> = [[value, 'the result']];
  while (stack.length > 0) {
    const [current, where] = stack.pop()!;
    const kind = typeof current;
    if (kind === 'function') return `${where} is a function`;
    if (kind === 'symbol') return `${where} is a Symbol`;
    if (kind !== 'object' || current === null) continue;
    const object = current as object;
    if (seen.has(object)) continue;
    seen.add(object);
    if (ArrayBuffer.isView(object)) continue;
    if (LEAF_TYPES.some((type) => object instanceof type)) continue;
    const rejected = REJECTED_TYPES.find(([type]) => object instanceof type);
    if (rejected) return `${where} is ${rejected[1]}`;
    if (Array.isArray(object)) {
      for (let i = object.length - 1; i >= 0; i--) {
        const item: unknown = object[i];
        // Arrays of numbers and strings are the common large result: skip the push for primitives.
        if (item !== null && (typeof item === 'object' || typeof item === 'function' || typeof item === 'symbol')) stack.push([item, `${where}[${i}]`]);
      }
      continue;
    }
    if (object instanceof Map) {
      let i = 0;
      for (const [key, item] of object) {
        stack.push([key, `${where} key #${i}`], [item, `${where}.get(${typeof key === 'string' ? JSON.stringify(key) : `key #${i}`})`]);
        i++;
      }
      continue;
    }
    if (object instanceof Set) {
      let i = 0;
      for (const item of object) stack.push([item, `${where} entry #${i++}`]);
      continue;
    }
    for (const key of Object.keys(object)) stack.push([(object as Record<string, unknown>)[key], `${where}${describeKey(key)}`]);
  }
  return undefined;
}
