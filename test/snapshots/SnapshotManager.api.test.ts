import { describe, expect, it } from 'vitest';
import { ErrorCodes, HindsightError } from '../../src/errors.js';
import { openStore } from '../../src/store/Store.js';
import { snapshotIdKey } from '../../src/store/keys.js';
import { SnapshotManager } from '../../src/snapshots/SnapshotManager.js';
import { deepEqualExact } from '../fixtures/deepEqualExact.js';
import { tempDir } from '../fixtures/stores.js';

const at = (seq: number) => ({ seq, t: 1_000_000 + seq });

async function code(p: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    expect(err).toBeInstanceOf(HindsightError);
    expect((err as Error).message).not.toContain('\n');
    return (err as HindsightError).code;
  }
  return undefined;
}

describe('SnapshotManager API', () => {
  it('validates arguments with one-line INVALID_ARGUMENT errors', async () => {
    expect(await code(() => new SnapshotManager({ maxIncrementalChain: 0 }))).toBe(ErrorCodes.INVALID_ARGUMENT);
    expect(await code(() => new SnapshotManager({ storageType: 'disk' }))).toBe(ErrorCodes.INVALID_ARGUMENT);
    expect(await code(() => new SnapshotManager({ encryptionKey: 'short' }))).toBe(ErrorCodes.INVALID_ARGUMENT);
    const m = new SnapshotManager();
    const bad: (() => unknown)[] = [
      () => m.createSnapshot('bad id!', {}, at(1)),
      () => m.createSnapshot('s', {}, { seq: 1 } as never),
      () => m.createSnapshot('s', {}),
      () => m.createSnapshot('s', {}, { ...at(1), tags: [''] }),
      () => m.createSnapshot('s', {}, { ...at(1), type: 'delta' as never }),
      () => m.searchSnapshots({ sortBy: 'name' as never }),
      () => m.searchSnapshots({ limit: -1 }),
      () => m.findNearestSnapshot('s', 'x' as never),
      () => m.exportSnapshots('s', { format: 'xml' as never }),
      () => m.getSnapshot(''),
      () => m.startAutomaticSnapshots('s'),
      () => m.checkpoint('s'),
    ];
    for (const f of bad) expect(await code(f)).toBe(ErrorCodes.INVALID_ARGUMENT);
    expect(await code(m.reconstructState('nope'))).toBe(ErrorCodes.UNKNOWN_SNAPSHOT);
    expect(await m.getSnapshot('nope')).toBeUndefined();
    expect(await m.deleteSnapshot('nope')).toBe(false);
    await m.shutdown();
    expect(await code(() => m.createSnapshot('s', {}, at(1)))).toBe(ErrorCodes.CLOSED);
  });

  it('emits lifecycle events and keeps real statistics', async () => {
    const m = new SnapshotManager({ compressionThreshold: 0 });
    const seen: string[] = [];
    for (const e of ['snapshot_created', 'snapshot_deleted', 'snapshots_imported', 'shutdown_complete']) m.on(e, () => seen.push(e));
    const big = { rows: Array.from({ length: 500 }, (_, i) => ({ i, name: `row ${i % 7}` })) };
    const a = await m.createSnapshot('s', big, at(1));
    big.rows[3].name = 'changed';
    const b = await m.createSnapshot('s', big, at(2));
    await m.createSnapshot('s', big, { ...at(3), type: 'full', tags: ['t1'] });
    const st = m.getStatistics();
    expect(st.snapshots).toMatchObject({ total: 3, full: 2, incremental: 1, sessions: 1 });
    const metas = [a, b].map((id) => m.getMetadata(id)!);
    expect(metas[1].rawSize).toBeLessThan(metas[0].rawSize / 20);
    expect(st.storage.rawBytes).toBeGreaterThan(st.storage.storedBytes);
    expect(st.storage.compressionRatio).toBeCloseTo(st.storage.rawBytes / st.storage.storedBytes);
    expect(st.performance.p95CreationMs).toBeGreaterThanOrEqual(st.performance.meanCreationMs * 0.99 - 1e-9);
    expect(await m.deleteSnapshot(a)).toBe(true);
    expect(m.getMetadata(b)!.type).toBe('full');
    expect(deepEqualExact(await m.reconstructState(b), big)).toBeUndefined();
    await m.importSnapshots(await m.exportSnapshots('s'), {});
    await m.shutdown();
    expect(seen).toEqual(['snapshot_created', 'snapshot_created', 'snapshot_created', 'snapshot_deleted', 'snapshots_imported', 'shutdown_complete']);
  });

  it('searches by session, tags, time range and type, sorted by time or size, paged', async () => {
    const m = new SnapshotManager({ incrementalEnabled: false });
    for (let i = 1; i <= 6; i++) await m.createSnapshot(i % 2 ? 'odd' : 'even', { pad: 'x'.repeat(i * 10) }, { ...at(i), tags: i % 3 === 0 ? ['three'] : [] });
    expect((await m.searchSnapshots({ sessionId: 'odd' })).map((x) => x.seq)).toEqual([1, 3, 5]);
    expect((await m.searchSnapshots({ tags: ['three'] })).map((x) => x.seq)).toEqual([3, 6]);
    expect((await m.searchSnapshots({ timeRange: { start: at(2).t, end: at(4).t } })).map((x) => x.seq)).toEqual([2, 3, 4]);
    expect((await m.searchSnapshots({ sortBy: 'size', sortDirection: 'desc', limit: 2, offset: 1 })).map((x) => x.seq)).toEqual([5, 4]);
    expect(await m.searchSnapshots({ type: 'incremental' })).toEqual([]);
  });

  it('compares snapshots with a structured diff and summary counts', async () => {
    const m = new SnapshotManager();
    const s: any = { a: 1, b: { c: [1, 2, 3] }, m: new Map([['k', 1]]), set: new Set([1]) };
    const x = await m.createSnapshot('s', s, at(1));
    s.a = 2;
    delete s.b;
    s.d = 'new';
    s.m.set('k2', 2);
    s.set.add(2);
    const y = await m.createSnapshot('s', s, at(2));
    const cmp = await m.compareSnapshots(x, y);
    expect(cmp.summary).toEqual({ added: 3, removed: 1, changed: 1, totalChanges: 5 });
    expect(cmp.changes).toContainEqual({ kind: 'changed', path: ['a'], before: 1, after: 2 });
    expect(cmp.changes).toContainEqual({ kind: 'removed', path: ['b'], before: { c: [1, 2, 3] } });
  });

  it('handles root type changes, -0, undefined and key order exactly', async () => {
    const m = new SnapshotManager();
    const states: unknown[] = [{ a: -0, u: undefined, b: 1 }, [1, -0], new Map([['x', -0]]), 5n, { b: 1, a: -0 }, undefined, { z: new Date(3) }];
    const ids = [];
    for (const [i, st] of states.entries()) ids.push(await m.createSnapshot('s', st, at(i + 1)));
    for (const [i, id] of ids.entries()) expect(deepEqualExact(await m.reconstructState(id), states[i]), `state ${i}`).toBeUndefined();
    expect(m.getMetadata(ids[1])!.type).toBe('incremental');
  });

  it('persists to disk: snapshots survive a reopen; a damaged index entry is reported, not fatal', async () => {
    const dir = tempDir();
    let store = await openStore({ dir });
    let m = new SnapshotManager({ store, storageType: 'disk' });
    const ids = [await m.createSnapshot('s', { v: 1 }, at(1)), await m.createSnapshot('s', { v: 2 }, at(2)), await m.createSnapshot('s', { v: 3 }, at(3))];
    await m.shutdown();
    const raw = (await store.db.get(snapshotIdKey(ids[2])))!;
    raw[raw.length - 1] ^= 1;
    await store.db.put(snapshotIdKey(ids[2]), raw);
    await store.close();
    store = await openStore({ dir });
    m = new SnapshotManager({ store, storageType: 'disk' });
    const errors: unknown[] = [];
    m.on('error', (e) => errors.push(e));
    await m.ready();
    expect(errors.length).toBe(1);
    expect(await m.reconstructState(ids[1])).toEqual({ v: 2 });
    expect((await m.findNearestSnapshot('s', { seq: 10 }))?.id).toBe(ids[1]);
    await m.shutdown();
    await store.close();
  });

  it('a reconstructed state never aliases the stored bytes (uncompressed, in memory)', async () => {
    const m = new SnapshotManager({ compressionEnabled: false });
    const id = await m.createSnapshot('s', { bytes: new Uint8Array([1, 2, 3]), f: new Float64Array([1.5]), buf: Buffer.from([4, 5]) }, at(1));
    const first = (await m.reconstructState(id)) as { bytes: Uint8Array; f: Float64Array; buf: Buffer };
    first.buf[0] = 42;
    first.bytes[0] = 99;
    first.f[0] = 7;
    expect(await m.reconstructState(id)).toEqual({ bytes: new Uint8Array([1, 2, 3]), f: new Float64Array([1.5]), buf: Buffer.from([4, 5]) });
  });

  it('takes the encryption key from HINDSIGHT_SNAPSHOT_KEY', async () => {
    process.env.HINDSIGHT_SNAPSHOT_KEY = Buffer.alloc(32, 7).toString('base64');
    try {
      const m = new SnapshotManager();
      const id = await m.createSnapshot('s', { secret: 1 }, at(1));
      expect(m.getMetadata(id)!.encrypted).toBe(true);
      expect(await m.reconstructState(id)).toEqual({ secret: 1 });
    } finally {
      delete process.env.HINDSIGHT_SNAPSHOT_KEY;
    }
  });

  it('without checksumValidation a damaged encrypted record still never decodes to garbage', async () => {
    const m = new SnapshotManager({ checksumValidation: false, encryptionKey: 'c'.repeat(64) });
    const id = await m.createSnapshot('s', { v: 'x'.repeat(100) }, at(1));
    const rec: Buffer = await (m as any).store.getRecord(m.getMetadata(id));
    rec[rec.length - 20] ^= 1;
    expect(await code(m.reconstructState(id))).toBe(ErrorCodes.CORRUPT_SNAPSHOT);
  });
});
