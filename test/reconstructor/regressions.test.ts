/** Regression tests for reconstructor findings from review. */
import { describe, expect, it } from 'vitest';
import { Recorder } from '../../instrumentation/Recorder.js';
import { Recording } from '../../reconstructor/Recording.js';
import { noSnapshots } from '../../reconstructor/SnapshotSource.js';
import { ManualClock } from '../../src/Clock.js';
import { openStore } from '../../src/store/Store.js';

const idle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

async function listSession(n: number) {
  const store = await openStore({ memory: true });
  const clock = new ManualClock(1_000_000);
  const rec = await Recorder.open({ store, clock, snapshots: false, blockEvents: 4 });
  const s = rec.track('s', { list: [] as number[] });
  for (let i = 0; i < n; i++) {
    clock.advance(1);
    s.list.push(i);
  }
  await rec.log.close();
  return { store, rec };
}

describe('reconstructor regressions', () => {
  it('concurrent requests on one reconstructor do not share a walk', async () => {
    const { store, rec } = await listSession(400);
    const session = await Recording.fromStore(store, { snapshots: () => noSnapshots }).session(rec.sessionId);
    await session.stateAt({ seq: 10 });
    await idle();
    const [a, b] = await Promise.all([session.stateAt({ seq: 300 }), session.stateAt({ seq: 350 })]);
    expect((a.s as { list: number[] }).list).toHaveLength(299);
    expect((b.s as { list: number[] }).list).toHaveLength(349);
  });

  it('events handed to user code are copies: mutating them cannot rewrite the past', async () => {
    const store = await openStore({ memory: true });
    const rec = await Recorder.open({ store, clock: new ManualClock(), snapshots: false });
    const s = rec.track('s', { v: { a: 1 } });
    s.v = { a: 2 };
    rec.record('set', { items: [1] });
    rec.record('add', { item: 2 });
    await rec.log.close();
    const recording = Recording.fromStore(store, {
      snapshots: () => noSnapshots,
      reducers: {
        set: (st, e) => {
          st.cart = e.data;
        },
        add: (st, e) => {
          (st.cart as { items: number[] }).items.push((e.data as { item: number }).item);
        },
      },
    });
    const session = await recording.session();
    const cursor = await session.cursor({ seq: 1 });
    const e = (await cursor.next())!;
    (e.data as any).value.a = 999;
    expect(await session.stateAt({ seq: 2 })).toMatchObject({ s: { v: { a: 2 } } });
    await session.stateAt({ seq: 4 });
    expect(await session.stateAt({ seq: 3 })).toMatchObject({ cart: { items: [1] } });
    const seen: unknown[] = [];
    await session.replayEvents({}, (ev) => {
      seen.push(ev.data);
      if (ev.name === 'set') (ev.data as { items: number[] }).items.push(42);
    });
    expect(await session.stateAt({ seq: 3 })).toMatchObject({ cart: { items: [1] } });
  });

  it('a live session is read fresh on every request', async () => {
    const store = await openStore({ memory: true });
    const rec = await Recorder.open({ store, clock: new ManualClock(), snapshots: false });
    const c = rec.track('c', { n: 0 });
    c.n = 1;
    await rec.flush();
    const session = await Recording.fromStore(store, { snapshots: () => noSnapshots }).session(rec.sessionId);
    expect(await session.stateAt({ seq: 100 })).toEqual({ c: { n: 1 } });
    c.n = 2;
    await rec.flush();
    expect(await session.stateAt({ seq: 100 })).toEqual({ c: { n: 2 } });
    await rec.stop();
  });

  it('plain snapshots of other state in the same session are never taken for tracked state', async () => {
    const store = await openStore({ memory: true });
    const rec = await Recorder.open({ store, clock: new ManualClock(), snapshots: { automaticInterval: 0, eventInterval: 0 } });
    const cart = rec.track('cart', { total: 0 });
    cart.total = 5;
    await rec.snapshots!.createSnapshot(rec.sessionId, { featureFlags: { beta: true } });
    cart.total = 6;
    await rec.stop();
    const session = await Recording.fromStore(store).session(rec.sessionId);
    for (let seq = 0; seq <= session.info.lastSeq; seq++) expect(Object.keys(await session.stateAt({ seq }))).not.toContain('featureFlags');
    expect(await session.stateAt({ seq: session.info.lastSeq })).toEqual({ cart: { total: 6 } });
  });

  it('a gap in the log (a lost write) marks the reconstruction incomplete with a warning', async () => {
    const store = await openStore({ memory: true });
    const db = store.db as any;
    const realBatch = db.batch.bind(db);
    const rec = await Recorder.open({ store, clock: new ManualClock(), snapshots: false, blockEvents: 1 });
    const c = rec.track('c', { n: 0 });
    await rec.flush();
    c.n = 1;
    await rec.flush();
    db.batch = () => Promise.reject(new Error('disk full'));
    c.n = 2;
    await rec.flush();
    db.batch = realBatch;
    c.n = 3;
    await rec.log.close();
    const r = await (await Recording.fromStore(store, { snapshots: () => noSnapshots }).session(rec.sessionId)).reconstruct({ seq: 4 });
    expect(r.incomplete).toBe(true);
    expect(r.warnings.map((w) => w.message).join()).toContain('events 3..3 are missing');
  });

  it('a negative time is before everything, not an error', async () => {
    const { store, rec } = await listSession(3);
    const session = await Recording.fromStore(store, { snapshots: () => noSnapshots }).session(rec.sessionId);
    expect(await session.stateAt(-1)).toEqual({});
  });
});
