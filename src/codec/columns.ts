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
