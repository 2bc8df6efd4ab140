import { inRange } from './config.js';
import type { SearchOptions, SnapshotMeta, SnapshotStatistics } from './types.js';

/**
 * Every snapshot's metadata, in memory: search, statistics, retention and
 * dependency checks never touch the store. Seeks (findNearest) still go to
 * the store, where they are O(log n) on its keys.
 */
export class SnapshotRegistry {
  private readonly metas = new Map<string, SnapshotMeta>();
  private readonly children = new Map<string, Set<string>>();
  private readonly sessions = new Map<string, Set<string>>();

  get size(): number {
    return this.metas.size;
  }

  get(id: string): SnapshotMeta | undefined {
    return this.metas.get(id);
  }

  has(id: string): boolean {
    return this.metas.has(id);
  }

  set(meta: SnapshotMeta): void {
    this.remove(meta.id);
    this.metas.set(meta.id, meta);
    if (meta.baseId !== undefined) addTo(this.children, meta.baseId, meta.id);
    addTo(this.sessions, meta.sessionId, meta.id);
  }

  remove(id: string): void {
    const old = this.metas.get(id);
    if (!old) return;
    this.metas.delete(id);
    if (old.baseId !== undefined) removeFrom(this.children, old.baseId, id);
    removeFrom(this.sessions, old.sessionId, id);
  }

  /** Snapshots whose baseId is `id`. */
  dependents(id: string): SnapshotMeta[] {
    return [...(this.children.get(id) ?? [])].map((c) => this.metas.get(c)!);
  }

  /** One session's snapshots in key order (seq, then id). */
  session(sessionId: string): SnapshotMeta[] {
    return [...(this.sessions.get(sessionId) ?? [])].map((id) => this.metas.get(id)!).sort(bySeq);
  }

  sessionIds(): string[] {
    return [...this.sessions.keys()];
  }

  all(): SnapshotMeta[] {
    return [...this.metas.values()];
  }

  /** Incrementals between `meta` and its full (0 for a full); Infinity when the chain is broken. */
  chainLength(meta: SnapshotMeta): number {
    let n = 0;
    let cur: SnapshotMeta | undefined = meta;
    while (cur && cur.type === 'incremental') {
      n++;
      if (n > this.metas.size) return Infinity;
      cur = cur.baseId === undefined ? undefined : this.metas.get(cur.baseId);
    }
    return cur ? n : Infinity;
  }

  /** searchSnapshots over the metadata (validated options). */
  search(o: SearchOptions): SnapshotMeta[] {
    const tags = o.tags ?? [];
    const found = (o.sessionId ? this.session(o.sessionId) : this.all()).filter(
      (m) => (!o.type || m.type === o.type) && inRange(m.t, o.timeRange) && tags.every((tag) => m.tags.includes(tag)),
    );
    const dir = o.sortDirection === 'desc' ? -1 : 1;
    const key = o.sortBy === 'size' ? (m: SnapshotMeta) => m.storedSize : (m: SnapshotMeta) => m.t;
    found.sort((a, b) => dir * (key(a) - key(b) || a.seq - b.seq || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
    const offset = o.offset ?? 0;
    return found.slice(offset, o.limit === undefined ? undefined : offset + o.limit);
  }

  statistics(): Omit<SnapshotStatistics, 'automatic'> {
    let full = 0;
    let raw = 0;
    let stored = 0;
    const ms: number[] = [];
    for (const m of this.metas.values()) {
      if (m.type === 'full') full++;
      raw += m.rawSize;
      stored += m.storedSize;
      ms.push(m.creationMs);
    }
    ms.sort((a, b) => a - b);
    const mean = ms.length ? ms.reduce((a, b) => a + b, 0) / ms.length : 0;
    const p95 = ms.length ? ms[Math.min(ms.length - 1, Math.ceil(0.95 * ms.length) - 1)] : 0;
    return {
      snapshots: { total: this.metas.size, full, incremental: this.metas.size - full, sessions: this.sessions.size },
      storage: { rawBytes: raw, storedBytes: stored, compressionRatio: stored ? raw / stored : 1 },
      performance: { meanCreationMs: mean, p95CreationMs: p95 },
    };
  }
}

export function bySeq(a: SnapshotMeta, b: SnapshotMeta): number {
  return a.seq - b.seq || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function addTo(index: Map<string, Set<string>>, key: string, id: string): void {
  let s = index.get(key);
  if (!s) index.set(key, (s = new Set()));
  s.add(id);
}

function removeFrom(index: Map<string, Set<string>>, key: string, id: string): void {
  const s = index.get(key);
  if (!s) return;
  s.delete(id);
  if (s.size === 0) index.delete(key);
}
