/**
 * Recorded values as JSON text, exactly as `JSON.stringify(toJson(v))` (the
 * CLI's tagged forms), in one pass: JSON.stringify walks the value and hands
 * only what JSON cannot hold (Map, Set, Date, bigint, undefined, -0...) to
 * toJson. Measured on a 10,000-key state: ~2 ms against ~7 ms for building
 * the toJson copy first, on the path of every state the viewer shows.
 * (An array hole, which no recorded value holds, reads as undefined here.)
 */
import { toJson } from '../output.js';

function isJsonObject(v: object): boolean {
  if (Array.isArray(v)) return true;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  // The holder's own value: `value` has been through toJSON already (a Date is a string by now).
  const raw = this[key];
  switch (typeof raw) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(raw) && !Object.is(raw, -0) ? value : toJson(raw);
    case 'object':
      return raw === null || isJsonObject(raw) ? value : toJson(raw);
    default:
      return toJson(raw);
  }
}

export function renderJson(value: unknown): string {
  return JSON.stringify(value, replacer);
}
