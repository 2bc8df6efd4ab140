import type { Unpackr } from 'msgpackr';
import { ErrorCodes, HindsightError } from '../errors.js';
import type { HindsightEvent } from '../events.js';
import { createUnpackr, unpackStandalone } from '../codec/ValueCodec.js';
import { decodeBlock, structuresNeeded } from '../codec/BlockCodec.js';
import { MAX_U64, Prefix, blockKey, keyU64, sessionRange, structuresKey, timeKey } from '../store/keys.js';
import type { Store } from '../store/Store.js';
import { LruCache } from '../util/LruCache.js';

export interface EventQuery {
  /** Inclusive seq bounds. */
  fromSeq?: number;
  toSeq?: number;
  /** Inclusive time bounds, µs since the epoch. */
  fromT?: number;
  toT?: number;
  reverse?: boolean;
  kinds?: readonly string[];
  names?: readonly string[];
  traceId?: string;
  /** Stop after this many matching events. */
  limit?: number;
  /**
   * Skip corrupt blocks instead of throwing HINDSIGHT_CORRUPT_BLOCK; each
   * skipped block is reported to onCorrupt with the range it covered.
   */
  skipCorrupt?: boolean;
  onCorrupt?: (err: HindsightError) => void;
}

export interface EventReaderOptions {
  /**
   * Decoded blocks kept for reuse (default 0). Cached events are shared
   * between calls: only readers that never mutate them (the reconstructor,
   * which copies every value it applies) should turn this on.
   */
  cachedBlocks?: number;
}

interface BlockRef {
  firstSeq: number;
  value: Buffer;
}

/**
 * Reads one session's events. Every positioning step is a LevelDB seek on
 * the block key (by seq) or the time index (by t): O(log n), never a scan.
 */
export class EventReader {
  private unpackr: Unpackr;
  private structureCount = 0;
  private readonly cache: LruCache<number, HindsightEvent[]>;

  constructor(
    readonly store: Store,
    readonly sessionId: string,
    options: EventReaderOptions = {},
  ) {
    this.unpackr = createUnpackr([]);
    this.cache = new LruCache(options.cachedBlocks ?? 0);
  }

  /** The decoded block holding `seq` if it is in the block cache (no I/O), else undefined. */
  cachedBlockOf(seq: number): HindsightEvent[] | undefined {
    for (const [first, events] of this.cache.entries()) {
      if (first <= seq && seq < first + events.length) return events;
    }
    return undefined;
  }

  /** The decoded block holding `seq` (its events in seq order), or undefined past the end. */
  async blockOf(seq: number): Promise<HindsightEvent[] | undefined> {
    for await (const ref of this.blocksReverse(seq)) {
      const events = await this.decode(ref);
      return seq <= events[events.length - 1].seq ? events : undefined;
    }
    return undefined;
  }

  /** Events matching `query`, in seq order (or reverse), decoded block by block. */
  async *events(query: EventQuery = {}): AsyncGenerator<HindsightEvent> {
    const fromSeq = query.fromSeq ?? 1;
    const toSeq = query.toSeq ?? MAX_U64;
    const fromT = query.fromT ?? 0;
    const toT = query.toT ?? MAX_U64;
    if (fromSeq > toSeq || fromT > toT) return;
    const kinds = query.kinds ? new Set(query.kinds) : undefined;
    const names = query.names ? new Set(query.names) : undefined;
    let remaining = query.limit ?? Infinity;
    if (remaining <= 0) return;
    const blocks = query.reverse
      ? this.blocksReverse(Math.min(toSeq, await this.lastSeqAtOrBefore(toT)))
      : this.blocksForward(Math.max(fromSeq, await this.firstSeqAtOrAfter(fromT)));
    for await (const ref of blocks) {
      let events: HindsightEvent[];
      try {
        events = await this.decode(ref);
      } catch (err) {
        if (query.skipCorrupt && err instanceof HindsightError && err.code === ErrorCodes.CORRUPT_BLOCK) {
          query.onCorrupt?.(err);
          continue;
        }
        throw err;
      }
      const n = events.length;
      for (let j = 0; j < n; j++) {
        const e = events[query.reverse ? n - 1 - j : j];
        if (query.reverse ? e.seq < fromSeq || e.t < fromT : e.seq > toSeq || e.t > toT) return;
        if (e.seq < fromSeq || e.seq > toSeq || e.t < fromT || e.t > toT) continue;
        if (kinds && !kinds.has(e.kind)) continue;
        if (names && !names.has(e.name)) continue;
        if (query.traceId !== undefined && e.traceId !== query.traceId) continue;
        yield e;
        if (--remaining <= 0) return;
      }
    }
  }

  /** The last event with t <= at, or undefined. */
  async lastAtOrBefore(at: number): Promise<HindsightEvent | undefined> {
    return at < 0 ? undefined : (await this.seekTime(at)).event;
  }

  /** The first event with t > at, or undefined. */
  async firstAfter(at: number): Promise<HindsightEvent | undefined> {
    for await (const e of this.events({ fromT: at + 1, limit: 1 })) return e;
    return undefined;
  }

  /** One event by seq, or undefined. */
  async get(seq: number): Promise<HindsightEvent | undefined> {
    // A block decoded moments ago (a reconstruction just walked it) answers without I/O.
    const block = this.cachedBlockOf(seq);
    if (block) return block[seq - block[0].seq];
    for await (const e of this.events({ fromSeq: seq, toSeq: seq })) return e;
    return undefined;
  }

  /** Seq of the last event with t <= at (0 when none): one time-index seek plus one block. */
  async lastSeqAtOrBefore(at: number): Promise<number> {
    if (at >= MAX_U64) return MAX_U64;
    if (at < 0) return 0;
    return (await this.seekTime(at)).seq;
  }

  /** The last event with t <= at and its seq (0 when none). */
  private async seekTime(at: number): Promise<{ seq: number; event?: HindsightEvent }> {
    const range = sessionRange(Prefix.timeIndex, this.sessionId);
    const keys = await this.store.db.keys({ ...range, lte: timeKey(this.sessionId, Math.min(at, MAX_U64), MAX_U64), reverse: true, limit: 1 }).all();
    if (keys.length === 0) return { seq: 0 };
    const firstSeq = keyU64(keys[0], this.sessionId, 1);
    const ref = await this.blockAt(firstSeq);
    if (!ref) return { seq: 0 };
    const events = await this.decode(ref);
    for (let i = events.length - 1; i >= 0; i--) if (events[i].t <= at) return { seq: events[i].seq, event: events[i] };
    return { seq: firstSeq - 1 };
  }

  /** Seq of the first event with t >= at (MAX when none). */
  async firstSeqAtOrAfter(at: number): Promise<number> {
    if (at <= 0) return 1;
    const last = await this.lastSeqAtOrBefore(at - 1);
    return last + 1;
  }

  private async blockAt(firstSeq: number): Promise<BlockRef | undefined> {
    const value = await this.store.db.get(blockKey(this.sessionId, firstSeq));
    return value ? { firstSeq, value } : undefined;
  }

  /** Blocks from the one holding `seq` onwards. */
  private async *blocksForward(seq: number): AsyncGenerator<BlockRef> {
    const range = sessionRange(Prefix.block, this.sessionId);
    const start = await this.store.db.keys({ ...range, lte: blockKey(this.sessionId, seq), reverse: true, limit: 1 }).all();
    const gte = start.length ? start[0] : range.gte;
    for await (const [key, value] of this.store.db.iterator({ gte, lt: range.lt })) {
      yield { firstSeq: keyU64(key, this.sessionId, 0), value };
    }
  }

  /** Blocks from the one holding `seq` backwards. */
  private async *blocksReverse(seq: number): AsyncGenerator<BlockRef> {
    if (seq <= 0) return;
    const range = sessionRange(Prefix.block, this.sessionId);
    for await (const [key, value] of this.store.db.iterator({ gte: range.gte, lte: blockKey(this.sessionId, seq), reverse: true })) {
      yield { firstSeq: keyU64(key, this.sessionId, 0), value };
    }
  }

  private async decode(ref: BlockRef): Promise<HindsightEvent[]> {
    const cached = this.cache.get(ref.firstSeq);
    if (cached) return cached;
    // Structures only grow; a writer may have added some since we loaded them.
    if (structuresNeeded(ref.value) > this.structureCount) await this.reloadStructures();
    const events = decodeBlock(this.unpackr, this.sessionId, ref.firstSeq, ref.value, this.structureCount);
    this.cache.set(ref.firstSeq, events);
    return events;
  }

  private async reloadStructures(): Promise<void> {
    const v = await this.store.db.get(structuresKey(this.sessionId));
    const structures = v ? (unpackStandalone(v) as unknown[]) : [];
    this.structureCount = structures.length;
    this.unpackr = createUnpackr(structures);
  }
}
