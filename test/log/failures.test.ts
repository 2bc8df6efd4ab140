/**
 * Regression tests for the writer's failure paths (found in review): a
 * failed batch, an unpackable value, a spill racing its fold, a failed spill,
 * events appended while close() runs. The recorder must lose nothing it
 * reports as written, never throw into the caller, and say what it lost.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventLog } from '../../src/log/EventLog.js';
import { readEvents, scratchDirs } from '../fixtures/stores.js';
import { readSessionInfo } from '../../src/store/Sessions.js';
import { openStore } from '../../src/store/Store.js';

async function readAll(store: Awaited<ReturnType<typeof openStore>>, sessionId: string) {
  return (await readEvents(store, sessionId)).map((e) => ({ seq: e.seq, name: e.name, data: e.data }));
}

describe('EventLog failure paths', () => {
  const scratch = scratchDirs();

  it('a failed batch loses only its own events, records their range, and later blocks stay readable', async () => {
    const store = await openStore({ memory: true });
    const db = store.db as any;
    const realBatch = db.batch.bind(db);
    let fail = 1;
    db.batch = (ops: unknown) => (fail-- > 0 ? Promise.reject(new Error('disk full')) : realBatch(ops));
    const errors: Error[] = [];
    const log = await EventLog.create(store, { onError: (e) => errors.push(e) });
    log.append({ kind: 'custom', name: 'a', data: { user: 'x', n: 1 } });
    await log.flush();
    log.append({ kind: 'custom', name: 'b', data: { user: 'y', n: 2 } });
    await log.close();
    expect(await readAll(store, log.sessionId)).toEqual([{ seq: 2, name: 'b', data: { user: 'y', n: 2 } }]);
    expect(errors).toHaveLength(1);
    expect(log.stats().lost).toBe(1);
    expect((await readSessionInfo(store.db, log.sessionId))!.lost).toEqual([[1, 1]]);
  });

  it('an unpackable value never throws into the caller and becomes a marker', async () => {
    const store = await openStore({ memory: true });
    const log = await EventLog.create(store, { blockEvents: 2 });
    const seqs = [log.append({ kind: 'custom', name: 'a', data: 1 })];
    expect(() => seqs.push(log.append({ kind: 'custom', name: 'b', data: { s: Symbol('x') } }))).not.toThrow();
    seqs.push(log.append({ kind: 'custom', name: 'c', data: 3 }), log.append({ kind: 'custom', name: 'd', data: 4 }));
    await log.close();
    const events = await readAll(store, log.sessionId);
    expect(events.map((e) => e.seq)).toEqual(seqs);
    expect(events[1].data).toMatchObject({ '@hindsight': 'uncopyable' });
    expect(events.map((e) => e.data)).toEqual([1, events[1].data, 3, 4]);
  });

  it('events appended by a getter while a block is being encoded land intact, in seq order', async () => {
    const store = await openStore({ memory: true });
    const log = await EventLog.create(store, { blockEvents: 2 });
    let inner = 0;
    const noisy = (label: string) => ({
      get n() {
        // Enough appends to fill a block while the outer one is being packed.
        for (let i = 0; i < 3; i++) log.append({ kind: 'custom', name: `${label}.inner${inner++}`, data: { i } });
        return label;
      },
    });
    log.append({ kind: 'custom', name: 'a', data: noisy('a') });
    log.append({ kind: 'state.patch', name: 'cart', data: { name: 'cart', op: 'add', path: ['x'], value: noisy('b') } });
    log.append({ kind: 'custom', name: 'c', data: 3 });
    await log.close();
    const events = await readAll(store, log.sessionId);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const byName = new Map(events.map((e) => [e.name, e.data]));
    expect(byName.get('a')).toEqual({ n: 'a' });
    expect(byName.get('cart')).toMatchObject({ op: 'add', path: ['x'], value: { n: 'b' } });
    expect(byName.get('c')).toBe(3);
    expect(events.filter((e) => e.name.includes('.inner')).map((e) => e.data)).toEqual(Array.from({ length: inner }, (_, i) => ({ i: i % 3 })));
    expect(log.stats().lost + log.stats().dropped).toBe(0);
  });

  it('a getter appending to another log while a block is packed leaves both logs intact', async () => {
    const store = await openStore({ memory: true });
    const a = await EventLog.create(store, { blockEvents: 3 });
    const b = await EventLog.create(store, { blockEvents: 2 });
    const into = (log: EventLog, label: string) => ({
      get n() {
        for (let i = 0; i < 3; i++) log.append({ kind: 'custom', name: `${label}.inner`, data: { i } });
        return label;
      },
    });
    for (let j = 0; j < 4; j++) {
      a.append({ kind: 'custom', name: `a${j}`, data: into(b, `a${j}`) });
      b.append({ kind: 'custom', name: `b${j}`, data: into(a, `b${j}`) });
    }
    await a.close();
    await b.close();
    for (const [log, own] of [
      [a, 'a'],
      [b, 'b'],
    ] as const) {
      const events = await readAll(store, log.sessionId);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      expect(events.filter((e) => !e.name.endsWith('.inner')).map((e) => e.data)).toEqual([0, 1, 2, 3].map((j) => ({ n: `${own}${j}` })));
      expect(events.filter((e) => e.name.endsWith('.inner'))).toHaveLength(12);
    }
  });

  it("overflow 'wait' keeps (over the cap) what a getter appends while a block is packed, and spills nothing then", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hindsight-wait-'));
    try {
      const store = await openStore({ dir });
      const log = await EventLog.create(store, { blockEvents: 2, maxPendingEvents: 4, overflow: 'wait' });
      for (let j = 0; j < 4; j++) {
        log.append({
          kind: 'custom',
          name: `a${j}`,
          data: {
            get n() {
              for (let i = 0; i < 3; i++) log.append({ kind: 'custom', name: 'inner', data: { i } });
              return j;
            },
          },
        });
      }
      await log.close();
      const events = await readAll(store, log.sessionId);
      expect(log.stats().dropped).toBe(0);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      expect(events.filter((e) => e.name !== 'inner').map((e) => e.data)).toEqual([0, 1, 2, 3].map((n) => ({ n })));
      expect(events).toHaveLength(16);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('flush() called by a getter while a block is packed waits for that block', async () => {
    const store = await openStore({ memory: true });
    const log = await EventLog.create(store, { blockEvents: 2 });
    let flushed: Promise<void> | undefined;
    log.append({
      kind: 'custom',
      name: 'a',
      data: {
        get n() {
          flushed ??= log.flush();
          return 1;
        },
      },
    });
    log.append({ kind: 'custom', name: 'b', data: 2 });
    await flushed;
    expect(log.stats().written).toBe(2);
    expect((await readAll(store, log.sessionId)).map((e) => e.data)).toEqual([{ n: 1 }, 2]);
    await log.close();
  });

  it('onError after a block failed to encode runs outside packing: a synchronous flush from it works, once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hindsight-onerror-'));
    try {
      const store = await openStore({ dir });
      const other = await EventLog.create(store, { name: 'other' });
      let calls = 0;
      const log = await EventLog.create(store, {
        blockEvents: 2,
        onError: () => {
          calls++;
          other.flushSync();
          log.flushSync('crashed');
        },
      });
      for (let i = 0; i < 5; i++) other.append({ kind: 'custom', name: 'tick', data: { i } });
      // Frozen with unpackable data: not even the uncopyable marker can replace it, so the block is lost.
      log.append(Object.freeze({ kind: 'custom', name: 'bad', data: Symbol('x') }));
      log.append({ kind: 'custom', name: 'next' });
      expect(calls).toBe(1);
      expect(other.stats().written).toBe(5);
      expect(log.stats().lost).toBe(2);
      await other.close();
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('frames spilled while the spill is being folded are kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hindsight-test-'));
    try {
      const store = await openStore({ dir });
      const log = await EventLog.create(store, { overflow: 'wait', maxPendingEvents: 8, blockEvents: 4 });
      let accepted = 0;
      const put = (n: number) => {
        for (let i = 0; i < n; i++) if (log.append({ kind: 'custom', name: 'e', data: i }) > 0) accepted++;
      };
      put(20);
      const db = store.db as any;
      const realGet = db.get.bind(db);
      let once = true;
      // Host code running while the fold awaits LevelDB.
      db.get = (k: Buffer, ...rest: unknown[]) => {
        if (once && (k[0] === 0x53 || k[0] === 0x58)) {
          once = false;
          put(20);
        }
        return realGet(k, ...rest);
      };
      await log.flush();
      await log.close();
      expect((await readAll(store, log.sessionId)).length).toBe(accepted);
      expect(accepted).toBe(40);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a failed spill is counted lost and does not wedge the log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hindsight-test-'));
    try {
      const store = await openStore({ dir });
      writeFileSync(join(dir, 'spill'), 'x'); // the spill directory cannot be made
      const errors: Error[] = [];
      const log = await EventLog.create(store, { overflow: 'wait', maxPendingEvents: 8, blockEvents: 4, onError: (e) => errors.push(e) });
      for (let i = 0; i < 20; i++) log.append({ kind: 'custom', name: 'e', data: i });
      rmSync(join(dir, 'spill'));
      await log.flush();
      expect(log.append({ kind: 'custom', name: 'after', data: 1 })).toBeGreaterThan(0);
      expect(errors.length).toBeGreaterThan(0);
      expect(log.stats().lost).toBeGreaterThan(0);
      await log.close();
      const names = (await readAll(store, log.sessionId)).map((e) => e.name);
      expect(names[names.length - 1]).toBe('after');
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses events once close() has begun, so the metadata stays true', async () => {
    const store = await openStore({ memory: true });
    const log = await EventLog.create(store);
    for (let i = 0; i < 10; i++) log.append({ kind: 'custom', name: 'before', data: i });
    const closing = log.close();
    const late = log.append({ kind: 'custom', name: 'during', data: 1 });
    await closing;
    expect(late).toBe(-1);
    expect((await readAll(store, log.sessionId)).length).toBe(10);
    expect((await readSessionInfo(store.db, log.sessionId))!).toMatchObject({ lastSeq: 10, status: 'ended' });
  });

  it('flush() waits for the events before it, not for a writer kept busy after it', async () => {
    const store = await openStore({ memory: true });
    const log = await EventLog.create(store, { blockEvents: 8 });
    for (let i = 0; i < 100; i++) log.append({ kind: 'custom', name: 'x', data: i });
    let stop = false;
    const pump = (async () => {
      while (!stop) {
        for (let i = 0; i < 8; i++) log.append({ kind: 'custom', name: 'y', data: i });
        await new Promise((r) => setImmediate(r));
      }
    })();
    await log.flush();
    stop = true;
    await pump;
    expect(log.stats().written).toBeGreaterThanOrEqual(100);
    await log.close();
  });

  it('an onError that flushes synchronously runs only once a block is packed (a getter calling flushSync() is reported then)', async () => {
    const dir = scratch();
    let store = await openStore({ dir });
    const errors: Error[] = [];
    const log: EventLog = await EventLog.create(store, {
      blockEvents: 4,
      onError: (e) => {
        errors.push(e);
        log.flushSync('crashed');
      },
    });
    for (let i = 0; i < 3; i++) log.append({ kind: 'custom', name: 'e', data: { i } });
    log.append({
      kind: 'custom',
      name: 'g',
      data: {
        get g() {
          log.append({ kind: 'custom', name: 'in', data: 1 });
          log.flushSync();
          return 3;
        },
      },
    });
    log.append({ kind: 'custom', name: 'after', data: 5 });
    await log.close();
    await store.close();
    store = await openStore({ dir });
    expect((await readAll(store, log.sessionId)).map((e) => e.name)).toEqual(['e', 'e', 'e', 'g', 'in', 'after']);
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/flushSync\(\) called while a block is being encoded/)]);
    await store.close();
  });

  it('a getter that throws halfway through a block costs only its own event, and later blocks decode', async () => {
    const store = await openStore({ memory: true });
    const log = await EventLog.create(store, { blockEvents: 3 });
    log.append({ kind: 'span.end', name: 's', data: { kind: 1, parentSpanId: undefined, attributes: { a: 1 }, status: { code: 0 }, events: undefined, links: undefined, scope: 'x', startUs: 1, durationUs: 2, dropped: undefined } });
    log.append({ kind: 'state.patch', name: 'c', data: { name: 'c', op: 'replace', path: ['a'], get value() {
      throw new Error('getter broke');
    }, prev: 1 } });
    log.append({ kind: 'state.patch', name: 'c', data: { name: 'c', op: 'add', path: ['b'], value: 2 } });
    for (let i = 0; i < 4; i++) log.append({ kind: 'state.patch', name: 'c', data: { name: 'c', op: 'replace', path: ['n'], value: i, prev: i - 1 } });
    await log.close();
    const events = await readAll(store, log.sessionId);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(events[1].data).toMatchObject({ '@hindsight': 'uncopyable' });
    expect(events[2].data).toEqual({ name: 'c', op: 'add', path: ['b'], value: 2 });
    expect(events.slice(3).map((e) => (e.data as { value: number }).value)).toEqual([0, 1, 2, 3]);
  });

  it('blocks larger than the arrays a log starts with (blockEvents above 65,536) grow them and read back exactly', async () => {
    const store = await openStore({ memory: true });
    const log = await EventLog.create(store, { blockEvents: 70_000, maxPendingEvents: 200_000 });
    const n = 70_005;
    for (let i = 0; i < n; i++) log.append({ kind: 'custom', name: 'n', data: i });
    await log.close();
    const events = await readEvents(store, log.sessionId);
    expect(log.stats().blocks).toBe(2);
    expect(events.length).toBe(n);
    expect(events.every((e, i) => e.seq === i + 1 && e.data === i)).toBe(true);
  });
});
