import { ErrorCodes, HindsightError } from '../errors.js';

/**
 * Reads a block's flat data column (or its integer column) in order. Forms
 * take a variable number of slots; reading past the end means the block
 * lies about its contents.
 */
export class ColumnCursor {
  private at = 0;

  constructor(private readonly values: ArrayLike<unknown>) {}

  next(): unknown {
    if (this.at >= this.values.length) throw new HindsightError(ErrorCodes.CORRUPT_BLOCK, 'data column ends early');
    return this.values[this.at++];
  }

  get done(): boolean {
    return this.at === this.values.length;
  }
}

/** A plain object (not a class instance, array, Map or null-prototype object): the only data the compact forms take. */
export function isPlain(data: unknown): data is Record<string, unknown> {
  return typeof data === 'object' && data !== null && Object.getPrototypeOf(data) === Object.prototype;
}

/** Whether `o` has exactly one enumerable key, `key`. */
export function hasOnlyKey(o: Record<string, unknown>, key: string): boolean {
  let keys = 0;
  for (const k in o) if (k !== key || ++keys > 1) return false;
  return keys === 1;
}
