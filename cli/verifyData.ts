/**
 * Integrity walks for `verify`, `snapshots verify` and `stats`. Blocks are
 * checked one by one (not through a streaming read, which stops at the first
 * damaged block or skips it silently), so every damaged block is reported
 * with the seq range it held, and a gap between blocks is reported too.
 */
import { peekBlockInfo } from '../src/codec/BlockCodec.js';
import { EventReader } from '../src/log/EventReader.js';
import type { SnapshotManager } from '../src/snapshots/SnapshotManager.js';
import { readRecord } from '../src/snapshots/SnapshotCodec.js';
import { Prefix, keyU64, sessionRange, snapshotKey } from '../src/store/keys.js';
import type { SessionInfo } from '../src/store/Sessions.js';
import type { Store } from '../src/store/Store.js';

export interface LostRange {
  fromSeq: number;
  toSeq: number;
  /** Known when the damaged block's header is still readable. */
  fromT?: number;
  toT?: number;
  reason: 'corrupt' | 'missing';
  error?: string;
}

export interface BlockWalk {
  blocks: number;
  /** Events in readable blocks. */
  events: number;
  storedBytes: number;
  /** Packed bytes before lz4, from each block header. */
  rawBytes: number;
  byKind: Record<string, number>;
  lost: LostRange[];
}

/** Header offset of the raw (pre-lz4) length, see the block layout in src/codec/BlockCodec.ts. */
const RAW_LENGTH_AT = 29;

export async function walkBlocks(store: Store, info: SessionInfo, onProgress?: (doneSeq: number, lastSeq: number) => void): Promise<BlockWalk> {
  const reader = new EventReader(store, info.id);
  const walk: BlockWalk = { blocks: 0, events: 0, storedBytes: 0, rawBytes: 0, byKind: {}, lost: [] };
  const refs: { firstSeq: number; size: number; raw: number; peek: ReturnType<typeof peekBlockInfo> }[] = [];
  for await (const [key, value] of store.db.iterator(sessionRange(Prefix.block, info.id))) {
    const peek = peekBlockInfo(value);
    refs.push({ firstSeq: keyU64(key, info.id, 0), size: value.length, raw: value.length >= RAW_LENGTH_AT + 4 ? value.readUInt32BE(RAW_LENGTH_AT) : 0, peek });
  }
  let expected = 1;
  for (let i = 0; i < refs.length; i++) {
    const ref = refs[i];
    walk.blocks++;
    walk.storedBytes += ref.size;
    walk.rawBytes += ref.raw;
    if (ref.firstSeq > expected) walk.lost.push({ fromSeq: expected, toSeq: ref.firstSeq - 1, reason: 'missing' });
    const nextFirst = i + 1 < refs.length ? refs[i + 1].firstSeq : Math.max(info.lastSeq, ref.peek?.lastSeq ?? 0) + 1;
    try {
      const events = await reader.blockOf(ref.firstSeq);
      if (!events || events[0].seq !== ref.firstSeq) throw new Error(`block at seq ${ref.firstSeq} cannot be read back`);
      for (const e of events) walk.byKind[e.kind] = (walk.byKind[e.kind] ?? 0) + 1;
      walk.events += events.length;
      expected = events[events.length - 1].seq + 1;
    } catch (err) {
      // The next block's key bounds what this one held, even when its own header is damaged.
      const lost: LostRange = { fromSeq: ref.firstSeq, toSeq: nextFirst - 1, reason: 'corrupt', error: (err as Error).message };
      if (ref.peek && ref.peek.firstSeq === ref.firstSeq && ref.peek.lastSeq === nextFirst - 1) {
        lost.fromT = ref.peek.firstT;
        lost.toT = ref.peek.lastT;
      }
      walk.lost.push(lost);
      expected = nextFirst;
    }
    onProgress?.(expected - 1, info.lastSeq);
  }
  if (expected <= info.lastSeq) walk.lost.push({ fromSeq: expected, toSeq: info.lastSeq, reason: 'missing' });
  return walk;
}

export interface SnapshotCheck {
  id: string;
  sessionId: string;
  seq: number;
  t: number;
  type: string;
  ok: boolean;
  /** The first failure: the record's own checksum, else its chain or payload. */
  error?: string;
}

/** Checks each snapshot's own record checksum, then that its state can be rebuilt through its chain. */
export async function verifySnapshots(manager: SnapshotManager, store: Store, sessionIds: string[], onProgress?: (done: number, total: number) => void): Promise<SnapshotCheck[]> {
  const metas = [];
  for (const sid of sessionIds) metas.push(...(await manager.searchSnapshots({ sessionId: sid })));
  const out: SnapshotCheck[] = [];
  for (let i = 0; i < metas.length; i++) {
    const m = metas[i];
    const check: SnapshotCheck = { id: m.id, sessionId: m.sessionId, seq: m.seq, t: m.t, type: m.type, ok: true };
    try {
      const record = await store.db.get(snapshotKey(m.sessionId, m.seq, m.id));
      if (!record) throw new Error(`snapshot ${m.id} at seq ${m.seq}: record missing from the store`);
      readRecord(record, true, { id: m.id, seq: m.seq });
      await manager.reconstructState(m.id);
    } catch (err) {
      check.ok = false;
      check.error = (err as Error).message;
    }
    out.push(check);
    onProgress?.(i + 1, metas.length);
  }
  return out;
}
