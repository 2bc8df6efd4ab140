/**
 * Query parameters of the viewer's API, validated: every route names the
 * parameters it takes, so a typo or a value out of range is a 400 with a
 * one-line `{ code, message }` instead of a silently ignored filter.
 */
import { ErrorCodes, HindsightError } from '../../src/errors.js';

/** The one parameter every request may carry (checked by the server, not the route). */
const TOKEN = 'token';
const MAX_TEXT = 256;
const MAX_PATH_TEXT = 8192;
const MAX_VALUES = 32;

/** A bad request: the server answers 400 with its code and message. */
export function bad(message: string): HindsightError {
  return new HindsightError(ErrorCodes.INVALID_ARGUMENT, message);
}

export class Params {
  constructor(
    private readonly query: URLSearchParams,
    allowed: readonly string[],
  ) {
    for (const name of new Set(query.keys())) {
      if (name !== TOKEN && !allowed.includes(name)) throw bad(`unknown parameter ${JSON.stringify(name)} (this route takes ${allowed.join(', ') || 'none'})`);
      if (query.getAll(name).length > MAX_VALUES) throw bad(`too many values for ${name}`);
    }
  }

  /** A text parameter (one value, at most `max` characters), or undefined. */
  text(name: string, max = MAX_TEXT): string | undefined {
    const all = this.query.getAll(name);
    if (all.length === 0) return undefined;
    if (all.length > 1) throw bad(`${name} given ${all.length} times`);
    const v = all[0];
    if (v === '' || v.length > max) throw bad(`${name} must be 1 to ${max} characters`);
    return v;
  }

  /** A repeatable text parameter (`kind=a&kind=b`), or undefined when absent. */
  texts(name: string): string[] | undefined {
    const all = this.query.getAll(name);
    if (all.length === 0) return undefined;
    for (const v of all) if (v === '' || v.length > MAX_TEXT) throw bad(`each ${name} must be 1 to ${MAX_TEXT} characters`);
    return all;
  }

  /** A decimal integer in [min, max], or undefined. */
  integer(name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const v = this.text(name);
    if (v === undefined) return undefined;
    const n = /^\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) throw bad(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return n;
  }

  /** `1`/`true` or `0`/`false`; `fallback` when absent. */
  flag(name: string, fallback: boolean): boolean {
    const v = this.text(name);
    if (v === undefined) return fallback;
    if (v === '1' || v === 'true') return true;
    if (v === '0' || v === 'false') return false;
    throw bad(`${name} must be 1, 0, true or false, got ${JSON.stringify(v)}`);
  }

  required<T>(name: string, value: T | undefined): T {
    if (value === undefined) throw bad(`${name} is required`);
    return value;
  }

  /**
   * A recorded path as a JSON array: [trackedName, ...segments], each a
   * string, a number, a boolean, null (Map keys) or `{ "ref": n }` (an
   * object Map key or Set element). JSON rather than dotted text, so keys
   * holding dots stay exact; deep paths get room (8 KiB).
   */
  path(name: string): unknown[] | undefined {
    const v = this.text(name, MAX_PATH_TEXT);
    if (v === undefined) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      throw bad(`${name} must be a JSON array of path segments, got ${JSON.stringify(v)}`);
    }
    const segment = (s: unknown) =>
      typeof s === 'string' ||
      typeof s === 'boolean' ||
      s === null ||
      (typeof s === 'number' && Number.isFinite(s)) ||
      (typeof s === 'object' && s !== null && Object.keys(s).length === 1 && Number.isSafeInteger((s as { ref?: unknown }).ref));
    if (!Array.isArray(parsed) || parsed.length === 0 || typeof parsed[0] !== 'string' || !parsed.every(segment)) {
      throw bad(`${name} must be a JSON array [trackedName, ...segments] of strings, numbers, booleans, null or {"ref":n}`);
    }
    return parsed;
  }
}
