// Short, display-safe renderings of a task's arguments and result for the report.
import { inspect } from 'node:util';

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

const PLAIN_STRING = /^[\x20-\x26\x28-\x5b\x5d-\x7e]*$/;

/** util.inspect on one line, bounded in depth and length so a huge value cannot stall the host. */
export function previewValue(value: unknown, maxChars: number): string {
  // Numbers and short plain strings are most results; rendering them by hand keeps per-task cost in the nanoseconds.
  if (typeof value === 'number' && !Object.is(value, -0)) return truncate(String(value), maxChars);
  if (typeof value === 'string' && value.length <= maxChars && PLAIN_STRING.test(value)) return truncate(`'${value}'`, maxChars);
  if (typeof value === 'boolean' || value === undefined || value === null) return String(value);
  return truncate(inspect(value, { depth: 4, breakLength: Infinity, maxArrayLength: 50, maxStringLength: maxChars, compact: true }), maxChars);
}

export function previewArgs(args: unknown[], maxChars: number): string {
  return truncate(args.map((arg) => previewValue(arg, maxChars)).join(', '), maxChars);
}
