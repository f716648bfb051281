// What a Python task can receive: JSON values. A JS expression may build others (Map, Date, undefined, NaN), which JSON
// would turn silently into something else, so they are refused with the place and the fix.
import * as l10n from '@vscode/l10n';
import { UserError } from '../api';

function describe(value: unknown): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : l10n.t('{0}, which JSON cannot hold', String(value));
  if (value === undefined) return 'undefined';
  if (typeof value !== 'object') return l10n.t('a {0}', typeof value);
  if (Array.isArray(value)) return undefined;
  const prototype = Object.getPrototypeOf(value) as object | null;
  if (prototype === Object.prototype || prototype === null) return undefined;
  const name = (value as object).constructor?.name;
  return name ? l10n.t('a {0}', name) : l10n.t('a non-plain object');
}

/** Throws UserError naming the first argument (by its path) that JSON would not carry to Python as it is. */
export function checkPythonInputs(inputs: unknown[][]): void {
  const stack: Array<[unknown, string]> = [];
  for (let i = inputs.length - 1; i >= 0; i--) stack.push([inputs[i], `inputs[${i}]`]);
  while (stack.length > 0) {
    const [value, where] = stack.pop()!;
    const problem = describe(value);
    if (problem) {
      throw new UserError(
        l10n.t(
          '{0} is {1}, which cannot be sent to Python as it is. Python tasks take JSON values: numbers, strings, booleans, null, arrays and plain objects (a Date as a string or a number).',
          where,
          problem,
        ),
      );
    }
    if (Array.isArray(value)) for (let k = value.length - 1; k >= 0; k--) stack.push([value[k], `${where}[${k}]`]);
    else if (value !== null && typeof value === 'object') for (const [key, child] of Object.entries(value)) stack.push([child, `${where}.${key}`]);
  }
}
