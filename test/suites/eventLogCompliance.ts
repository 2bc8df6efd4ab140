import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ManualClock } from '../../src/Clock.js';
import { HindsightError, ErrorCodes } from '../../src/errors.js';
import type { EventInput, HindsightEvent } from '../../src/events.js';
import { EventLog } from '../../src/log/EventLog.js';
import { EventReader, type EventQuery } from '../../src/log/EventReader.js';
import { NegativeZero } from '../../src/codec/ValueCodec.js';
import { blockKey } from '../../src/store/keys.js';
import { listSessions, readSessionInfo, resolveSession } from '../../src/store/Sessions.js';
import { readEvents, type StoreFactory } from '../fixtures/stores.js';

async function collect(reader: EventReader, q: EventQuery = {}): Promise<HindsightEvent[]> {
  const out: HindsightEvent[] = [];
  for await (const e of reader.events(q)) out.push(e);
  return out;
}

/** Records `steps` (µs advance, event) with a manual clock; returns the live ground truth. */
async function record(factory: StoreFactory, steps: { dt: number; kind: string; name: string; trace?: boolean; flush?: boolean }[], blockEvents = 7) {
  const store = await factory.open();
  const clock = new ManualClock(1_700_000_000_000_000);
  const log = await EventLog.create(store, { clock, blockEvents, name: 'prop' });
  const truth: HindsightEvent[] = [];
  for (const [i, s] of steps.entries()) {
    clock.advance(s.dt);
    const e = { kind: s.kind, name: s.name, data: { i, nested: { v: [i, `s${i}`] } }, ...(s.trace ? { traceId: `t${i % 3}`, spanId: `s${i}` } : {}) };
    const seq = log.append(e);
    truth.push({ seq, t: clock.nowUs(), ...e });
    // A partial block, then later ones in the arrays the log reuses: nothing stale may leak into them.
    if (s.flush) await log.flush();
  }
  await log.close();
  return { store, log, reader: new EventReader(store, log.sessionId), truth };
}

const stepArb = fc.record({
  dt: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1000 })),
  kind: fc.constantFrom('custom', 'state.patch', 'span.start', 'log'),
  name: fc.constantFrom('a', 'b', 'c'),
  trace: fc.boolean(),
  flush: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});

/**
 * The behaviour every EventLog backend must show (abstract-level's model:
 * one suite, run against memory and disk).
 */
export function eventLogCompliance(factory: StoreFactory): void {
  describe(`EventLog compliance on ${factory.name}`, () => {
    afterAll(() => factory.cleanup());

    it('assigns contiguous seqs and reads back exactly what was appended', async () => {
      const { reader, truth, store } = await record(factory, Array.from({ length: 50 }, (_, i) => ({ dt: i % 3, kind: 'custom', name: `n${i % 4}`, trace: i % 2 === 0 })));
      expect(truth.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(await collect(reader)).toEqual(truth);
      expect(await collect(reader, { reverse: true })).toEqual([...truth].reverse());
      await store.close();
    });

    it('round-trips Date, Map, Set, BigInt, typed arrays, undefined and -0', async () => {
      const store = await factory.open();
      const log = await EventLog.create(store);
      const data = { d: new Date(12345), m: new Map<unknown, unknown>([[1, 'a'], ['k', { x: 1 }]]), s: new Set([1, 'two']), b: 2n ** 70n, u8: new Uint8Array([1, 2, 3]), u: undefined, z: NegativeZero.instance, arr: [1, undefined, 3] };
      log.append({ kind: 'custom', name: 'types', data });
      await log.flush();
      const [e] = await collect(new EventReader(store, log.sessionId));
      const got = e.data as any;
      expect(got.d).toEqual(new Date(12345));
      expect(got.m).toEqual(new Map<unknown, unknown>([[1, 'a'], ['k', { x: 1 }]]));
      expect(got.s).toEqual(new Set([1, 'two']));
      expect(got.b).toBe(2n ** 70n);
      expect(got.u8).toEqual(new Uint8Array([1, 2, 3]));
      expect('u' in got && got.u === undefined).toBe(true);
      expect(Object.is(got.z, -0)).toBe(true);
      expect(got.arr).toEqual([1, undefined, 3]);
      await log.close();
      await store.close();
    });

    it('decodes many distinct record shapes across blocks with a fresh reader', async () => {
      const store = await factory.open();
      const log = await EventLog.create(store, { blockEvents: 16 });
      const data = Array.from({ length: 300 }, (_, i) => ({ [`k${i % 120}`]: i, [`j${i % 7}`]: { [`n${i % 45}`]: [i, { [`deep${i % 33}`]: i }] } }));
      for (const d of data) log.append({ kind: 'custom', name: 'shape', data: d });
      await log.close();
      const events = await collect(new EventReader(store, log.sessionId));
      expect(events.map((e) => e.data)).toEqual(data);
      await store.close();
    });

    it('keeps each block its own bytes while later blocks pack into reused buffers', async () => {
      const store = await factory.open();
      const log = await EventLog.create(store, { blockEvents: 16 });
      // Bursts seal many blocks while earlier ones are still being compressed,
      // and some blocks outgrow the pool's buffers (a 300 KB value).
      const data = Array.from({ length: 2000 }, (_, i) => ({ i, text: `${i}`.repeat(i % 50), big: i % 700 === 3 ? 'x'.repeat(300_000 + i) : undefined }));
      for (const [i, d] of data.entries()) {
        log.append({ kind: 'custom', name: 'burst', data: d });
        if (i % 300 === 299) await new Promise((r) => setImmediate(r));
      }
      await log.close();
      const events = await collect(new EventReader(store, log.sessionId));
      expect(events.map((e) => e.data)).toEqual(data);
      await store.close();
    });

    it('answers seq and time ranges, both directions, with filters, like a brute-force scan (property)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 60 }), fc.nat(), fc.nat(), fc.boolean(), async (steps, a, b, reverse) => {
          const { reader, truth, store } = await record(factory, steps);
          const t0 = truth[0].t;
          const span = truth[truth.length - 1].t - t0 + 2;
          const [fromT, toT] = [t0 - 1 + (a % span), t0 - 1 + (b % span)].sort((x, y) => x - y);
          const [fromSeq, toSeq] = [1 + (a % (truth.length + 1)), 1 + (b % (truth.length + 1))].sort((x, y) => x - y);
          const byTime = truth.filter((e) => e.t >= fromT && e.t <= toT && e.kind !== 'log');
          const bySeq = truth.filter((e) => e.seq >= fromSeq && e.seq <= toSeq && e.name === 'a');
          const order = (xs: HindsightEvent[]) => (reverse ? [...xs].reverse() : xs);
          expect(await collect(reader, { fromT, toT, reverse, kinds: ['custom', 'state.patch', 'span.start'] })).toEqual(order(byTime));
          expect(await collect(reader, { fromSeq, toSeq, reverse, names: ['a'] })).toEqual(order(bySeq));
          expect(await collect(reader, { traceId: 't1', reverse, limit: 3 })).toEqual(order(truth.filter((e) => e.traceId === 't1')).slice(0, 3));
          const at = fromT;
          const lastBefore = [...truth].reverse().find((e) => e.t <= at);
          expect((await reader.lastAtOrBefore(at))?.seq).toBe(lastBefore?.seq);
          expect((await reader.firstAfter(at))?.seq).toBe(truth.find((e) => e.t > at)?.seq);
          await store.close();
        }),
        { seed: 20261124, numRuns: 40 },
      );
    });

    it('keeps sessions apart and records their metadata', async () => {
      const store = await factory.open();
      const first = await EventLog.create(store, { name: 'alpha' });
      const second = await EventLog.create(store, { name: 'beta' });
      first.append({ kind: 'custom', name: 'x' });
      second.append({ kind: 'custom', name: 'y' });
      second.append({ kind: 'custom', name: 'z' });
      await first.close();
      await second.close();
      const sessions = await listSessions(store.db);
      expect(sessions.map((s) => [s.name, s.status, s.eventCount])).toEqual([
        ['alpha', 'ended', 1],
        ['beta', 'ended', 2],
      ]);
      expect(sessions[0]).toMatchObject({ pid: process.pid, nodeVersion: process.version });
      expect((await resolveSession(store.db)).id).toBe(second.sessionId);
      expect((await resolveSession(store.db, 'alpha')).id).toBe(first.sessionId);
      expect((await collect(new EventReader(store, first.sessionId))).map((e) => e.name)).toEqual(['x']);
      await expect(resolveSession(store.db, 'nope')).rejects.toMatchObject({ code: ErrorCodes.UNKNOWN_SESSION });
      await store.close();
    });

    it('detects a corrupt block, names its range, and can skip past it', async () => {
      const { reader, truth, store, log } = await record(factory, Array.from({ length: 30 }, () => ({ dt: 1, kind: 'custom', name: 'n' })), 10);
      const key = blockKey(log.sessionId, 11);
      const value = Buffer.from((await store.db.get(key))!);
      value[value.length - 3] ^= 0xff;
      await store.db.put(key, value);
      const err = await collect(reader).catch((e) => e);
      expect(err).toBeInstanceOf(HindsightError);
      expect(err.code).toBe(ErrorCodes.CORRUPT_BLOCK);
      expect(err.message).toContain('seq 11..20');
      const skipped: HindsightError[] = [];
      const rest = await collect(reader, { skipCorrupt: true, onCorrupt: (e) => skipped.push(e) });
      expect(rest.map((e) => e.seq)).toEqual(truth.filter((e) => e.seq < 11 || e.seq > 20).map((e) => e.seq));
      expect(skipped.map((e) => e.details.firstSeq)).toEqual([11]);
      await store.close();
    });

    it('bounds memory with the drop policy and records the drop count in the log', async () => {
      const store = await factory.open();
      const log = await EventLog.create(store, { maxPendingEvents: 100, blockEvents: 50 });
      const seqs: number[] = [];
      for (let i = 0; i < 1000; i++) seqs.push(log.append({ kind: 'custom', name: 'burst', data: i }));
      const accepted = seqs.filter((s) => s > 0);
      expect(accepted.length).toBe(100);
      expect(log.stats().dropped).toBe(900);
      await log.flush();
      await log.close();
      const events = await collect(new EventReader(store, log.sessionId));
      expect(events.filter((e) => e.name === 'burst').map((e) => e.seq)).toEqual(accepted);
      const drop = events.find((e) => e.name === 'hindsight.dropped');
      expect(drop).toMatchObject({ kind: 'log', data: { count: 900, total: 900 } });
      expect((await readSessionInfo(store.db, log.sessionId))!.dropped).toBe(900);
      await store.close();
    });

    it('never throws into the caller, even after close, and counts the refusals', async () => {
      const store = await factory.open();
      const log = await EventLog.create(store);
      await log.close();
      expect(log.append({ kind: 'custom', name: 'late' })).toBe(-1);
      expect(log.stats().dropped).toBe(1);
      await store.close();
    });

    it('refuses what is not an event object, reports it, and keeps the rest of its block', async () => {
      const store = await factory.open();
      const errors: string[] = [];
      const log = await EventLog.create(store, { onError: (e) => errors.push(e.message) });
      const seqs = [log.append({ kind: 'custom', name: 'before' })];
      for (const bad of [null, undefined, 'custom', 42]) seqs.push(log.append(bad as unknown as EventInput));
      seqs.push(log.append({ kind: 'custom', name: 'after' }));
      await log.close();
      expect(seqs).toEqual([1, -1, -1, -1, -1, 2]);
      expect(errors).toEqual(['null', 'undefined', 'string', 'number'].map((t) => `HINDSIGHT_INVALID_ARGUMENT: append() takes an event object, got ${t}`));
      expect((await readEvents(store, log.sessionId)).map((e) => [e.seq, e.name])).toEqual([[1, 'before'], [2, 'after']]);
      expect(log.stats()).toMatchObject({ written: 2, lost: 0, errors: 4 });
      await store.close();
    });

    it('finds the nearest event by time with a seek, not a scan', async () => {
      const { reader, store } = await record(factory, Array.from({ length: 2000 }, () => ({ dt: 10, kind: 'custom', name: 'n' })), 16);
      let reads = 0;
      for (const method of ['iterator', 'keys', 'values', 'get'] as const) {
        const original = (store.db as any)[method].bind(store.db);
        (store.db as any)[method] = (...args: unknown[]) => {
          reads++;
          return original(...args);
        };
      }
      const e = await reader.lastAtOrBefore(1_700_000_000_000_000 + 10 * 1500 + 5);
      expect(e?.seq).toBe(1500);
      // A seek in the time index, a get of the block and of the structures
      // (classic-level routes keys() through iterator()); a scan would touch 125 blocks.
      expect(reads).toBeLessThanOrEqual(4);
      await store.close();
    });
  });
}
