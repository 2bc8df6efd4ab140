import { ErrorCodes, HindsightError } from '../errors.js';
import type { Clock } from '../Clock.js';

/** What an EventLog is told when it opens, and what it reports. */
export type OverflowPolicy = 'drop' | 'wait';

export interface EventLogOptions {
  sessionId?: string;
  /** Human name; sessions can be looked up by it (the latest wins). */
  name?: string;
  clock?: Clock;
  /** Events per block; larger blocks compress better (default 2048). */
  blockEvents?: number;
  /** How far behind the disk may fall at most, in ms (default 50). */
  flushIntervalMillis?: number;
  /** Events held in memory at most, written or not (default 262,144). */
  maxPendingEvents?: number;
  /**
   * When the writer falls behind by maxPendingEvents: 'drop' refuses new
   * events (counted, and the count is itself recorded as a `log` event once
   * the writer catches up); 'wait' makes append write the backlog
   * synchronously to the spill file (the caller waits for the disk, memory
   * stays bounded). 'wait' needs a disk store.
   */
  overflow?: OverflowPolicy;
  /** Where the recorder's own failures go; it never throws into the host. */
  onError?: (err: Error) => void;
}

export interface EventLogStats {
  appended: number;
  dropped: number;
  /** Events whose write failed (reported through onError). */
  lost: number;
  written: number;
  blocks: number;
  bytesWritten: number;
  pending: number;
  errors: number;
  /** Program-thread time spent encoding blocks, ms (the part of recording the host pays besides append). */
  encodeMs: number;
}

export function positiveInt(n: number, name: string): number {
  if (!Number.isInteger(n) || n <= 0) throw new HindsightError(ErrorCodes.INVALID_ARGUMENT, `${name} must be a positive integer, got ${n}`);
  return n;
}
