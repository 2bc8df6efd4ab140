import type { SnapshotMeta } from './types.js';

/** One change of a batch: all of a batch lands or none of it does. */
export type SnapshotWrite = { type: 'put'; meta: SnapshotMeta; record: Buffer } | { type: 'del'; meta: SnapshotMeta };

/**
 * Where snapshot records live (the OpenTelemetry model: one interface per
 * role, an in-memory companion beside the real backend). Stores hold bytes
 * and answer seeks; verifying and decoding records is the manager's job, so a
 * store never hands out anything but what was put.
 */
export interface SnapshotStore {
  readonly kind: 'memory' | 'disk' | 'hybrid';
  /**
   * True when getRecord returns a new Buffer on every call (classic-level on
   * disk), which the fold may transfer to its worker; otherwise it is the
   * stored Buffer itself, and only a copy may leave.
   */
  readonly freshReads: boolean;
  /** Every snapshot's metadata, for the manager's registry (read once, at start); damaged entries go to onCorrupt. */
  loadMetas(onCorrupt: (err: Error) => void): Promise<SnapshotMeta[]>;
  write(batch: SnapshotWrite[]): Promise<void>;
  /** The stored record, exactly as put (undefined when absent). */
  getRecord(meta: SnapshotMeta): Promise<Buffer | undefined>;
  /**
   * Id of the latest snapshot with seq <= `seq` (ties: the last created) that
   * `accept`s (the manager skips ids whose index entry was damaged). One
   * reverse seek, O(log n), plus one step per refused id.
   */
  nearestBySeq(sessionId: string, seq: number, accept: (id: string) => boolean): Promise<string | undefined>;
  /** Likewise for t <= `t` (ties: the highest seq, then the last created). */
  nearestByTime(sessionId: string, t: number, accept: (id: string) => boolean): Promise<string | undefined>;
  close(): Promise<void>;
}

interface Entry {
  meta: SnapshotMeta;
  record: Buffer;
}

/** Orders (a, b, id) tuples: the order of the LevelDB keys, so both backends agree on ties. */
function compareBy(x: [number, number, string], y: [number, number, string]): number {
  return x[0] - y[0] || x[1] - y[1] || (x[2] < y[2] ? -1 : x[2] > y[2] ? 1 : 0);
}

/** Index of the last element <= probe in a sorted array, or -1. */
function lastAtOrBefore<T>(sorted: T[], probe: (e: T) => boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (probe(sorted[mid])) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

function walkBack(list: SnapshotMeta[], from: number, accept: (id: string) => boolean): string | undefined {
  for (let i = from; i >= 0; i--) if (accept(list[i].id)) return list[i].id;
  return undefined;
}

/**
 * 'memory': records in process only. Per session, two arrays sorted like the
 * LevelDB keys (by seq, and by t) make nearest lookups a binary search.
 */
export class MemorySnapshotStore implements SnapshotStore {
  readonly kind = 'memory' as const;
  readonly freshReads = false;
  private readonly entries = new Map<string, Entry>();
  private readonly bySeq = new Map<string, SnapshotMeta[]>();
  private readonly byTime = new Map<string, SnapshotMeta[]>();

  async loadMetas(_onCorrupt: (err: Error) => void): Promise<SnapshotMeta[]> {
    return [...this.entries.values()].map((e) => e.meta);
  }

  async write(batch: SnapshotWrite[]): Promise<void> {
    for (const w of batch) {
      const old = this.entries.get(w.meta.id);
      if (old) this.unindex(old.meta);
      if (w.type === 'del') {
        this.entries.delete(w.meta.id);
        continue;
      }
      this.entries.set(w.meta.id, { meta: w.meta, record: w.record });
      this.insert(this.bySeq, w.meta, (m) => [m.seq, 0, m.id]);
      this.insert(this.byTime, w.meta, (m) => [m.t, m.seq, m.id]);
    }
  }

  async getRecord(meta: SnapshotMeta): Promise<Buffer | undefined> {
    return this.entries.get(meta.id)?.record;
  }

  async nearestBySeq(sessionId: string, seq: number, accept: (id: string) => boolean): Promise<string | undefined> {
    const list = this.bySeq.get(sessionId) ?? [];
    return walkBack(list, lastAtOrBefore(list, (m) => m.seq <= seq), accept);
  }

  async nearestByTime(sessionId: string, t: number, accept: (id: string) => boolean): Promise<string | undefined> {
    const list = this.byTime.get(sessionId) ?? [];
    return walkBack(list, lastAtOrBefore(list, (m) => m.t <= t), accept);
  }

  async close(): Promise<void> {}

  private insert(index: Map<string, SnapshotMeta[]>, meta: SnapshotMeta, key: (m: SnapshotMeta) => [number, number, string]): void {
    let list = index.get(meta.sessionId);
    if (!list) index.set(meta.sessionId, (list = []));
    const k = key(meta);
    const at = lastAtOrBefore(list, (m) => compareBy(key(m), k) <= 0) + 1;
    list.splice(at, 0, meta);
  }

  private unindex(meta: SnapshotMeta): void {
    for (const index of [this.bySeq, this.byTime]) {
      const list = index.get(meta.sessionId);
      const at = list?.findIndex((m) => m.id === meta.id) ?? -1;
      if (list && at >= 0) list.splice(at, 1);
    }
  }
}
