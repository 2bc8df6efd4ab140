import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blockInfo, compressBlockSync, decodeBlock, packBlock } from '../../src/codec/BlockCodec.js';
import type { EventInput } from '../../src/events.js';
import { checksum } from '../../src/codec/checksum.js';
import { createPackr, createUnpackr } from '../../src/codec/ValueCodec.js';
import { ErrorCodes, HindsightError } from '../../src/errors.js';
import { EventLog } from '../../src/log/EventLog.js';
import { openStore } from '../../src/store/Store.js';
import { deepEqualExact } from '../fixtures/deepEqualExact.js';
import { readEvents } from '../fixtures/stores.js';

const T0 = 1_700_000_000_000_000;

type Timed = EventInput & { t: number };

function roundTrip(timed: Timed[], tamper?: (info: ReturnType<typeof blockInfo>) => void) {
  const structures: unknown[] = [];
  const block = { events: timed.map(({ t: _t, ...e }) => e), times: timed.map((e) => e.t) };
  const packed = packBlock(createPackr(structures), structures, block);
  const info = blockInfo(block, 1);
  tamper?.(info);
  return decodeBlock(createUnpackr(structures), 's', 1, compressBlockSync(info, packed), packed.structures);
}

/** A stored block re-stamped with another format version (its checksum made to match again). */
function restamped(value: Buffer, version: number): Buffer {
  const b = Buffer.from(value);
  b[0] = version;
  Buffer.from(checksum(b.subarray(0, 37), b.subarray(45)), 'hex').copy(b, 37);
  return b;
}

describe('block codec', () => {
  it('encodes one event per time: the events array may be longer (the log reuses its arrays)', () => {
    const structures: unknown[] = [];
    const events: EventInput[] = [
      { kind: 'custom', name: 'a', data: 1 },
      { kind: 'custom', name: 'b', data: 2 },
      { kind: 'custom', name: 'stale', data: 3 },
    ];
    const block = { events, times: [T0, T0 + 5] };
    const packed = packBlock(createPackr(structures), structures, block);
    const info = blockInfo(block, 1);
    const back = decodeBlock(createUnpackr(structures), 's', 1, compressBlockSync(info, packed), packed.structures);
    expect(back.map((e) => [e.seq, e.name, e.data])).toEqual([
      [1, 'a', 1],
      [2, 'b', 2],
    ]);
    expect(info).toMatchObject({ count: 2, lastSeq: 2, lastT: T0 + 5 });
  });

  it('refuses blocks of another format version with a typed error', () => {
    const structures: unknown[] = [];
    const block = { events: [{ kind: 'custom', name: 'n', data: { k: 1 } }], times: [T0] };
    const packed = packBlock(createPackr(structures), structures, block);
    const value = compressBlockSync(blockInfo(block, 1), packed);
    const read = (v: Buffer) => decodeBlock(createUnpackr(structures), 's', 1, v, packed.structures).map((e) => e.data);
    expect(read(restamped(value, value[0]))).toEqual([{ k: 1 }]);
    // Format 5 only added forms: a format 4 block reads as it did.
    expect(read(restamped(value, 4))).toEqual([{ k: 1 }]);
    for (const version of [3, value[0] + 1]) expect(() => read(restamped(value, version))).toThrow(expect.objectContaining({ code: ErrorCodes.UNSUPPORTED_FORMAT }));
  });

  it('round-trips event times over every gap width (one byte, two, four, and beyond 2^32 µs)', () => {
    const gaps = [0, 0, 3, 255, 256, 65_535, 65_536, 2 ** 31, 2 ** 32 + 7, 5];
    let t = T0;
    const events: Timed[] = gaps.map((g, i) => ({ t: (t += g), kind: 'custom', name: `e${i}` }));
    for (const width of [2, 4, 7, 9, gaps.length]) {
      const part = events.slice(0, width);
      expect(roundTrip(part).map((e) => e.t)).toEqual(part.map((e) => e.t));
    }
  });

  it('round-trips kinds, names, ids and data exactly for many distinct strings (wide index columns)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            gap: fc.nat({ max: 100_000 }),
            kind: fc.constantFrom('span.start', 'span.end', 'state.patch', 'custom', 'log'),
            name: fc.string({ maxLength: 6 }),
            traceId: fc.option(fc.string({ minLength: 1, maxLength: 4 }), { nil: undefined }),
            spanId: fc.option(fc.string({ minLength: 1, maxLength: 4 }), { nil: undefined }),
            data: fc.oneof(fc.constant(undefined), fc.integer(), fc.record({ parentSpanId: fc.option(fc.string(), { nil: undefined }) }), fc.record({ name: fc.constant('x'), op: fc.constant('add'), path: fc.array(fc.oneof(fc.string(), fc.nat(), fc.constantFrom('0af7651916cd43dd', '0af7651916cd43dd8448eb211c80319c', 'x')), { maxLength: 3 }), value: fc.integer() })),
          }),
          { minLength: 1, maxLength: 300 },
        ),
        (specs) => {
          let t = T0;
          const events: Timed[] = specs.map(({ gap, ...e }) => {
            // Built in the order decoding writes the fields: the comparison counts key order.
            const out: Timed = { t: (t += gap), kind: e.kind, name: e.name };
            if (e.data !== undefined) out.data = e.data;
            if (e.traceId !== undefined) out.traceId = e.traceId;
            if (e.spanId !== undefined) out.spanId = e.spanId;
            return out;
          });
          const back = roundTrip(events).map(({ seq: _seq, ...e }) => e);
          expect(deepEqualExact(back, events)).toBeUndefined();
        },
      ),
      { seed: 77, numRuns: 80 },
    );
  });

  it('round-trips a block large enough for 32-bit string indexes', () => {
    const events: Timed[] = Array.from({ length: 6000 }, (_, i) => ({ t: T0 + i, kind: 'custom', name: `n${i}`, traceId: `t${i % 3000}`, spanId: `s${i}` }));
    const back = roundTrip(events);
    expect(back.map((e) => [e.t, e.name, e.traceId, e.spanId])).toEqual(events.map((e) => [e.t, e.name, e.traceId, e.spanId]));
  });

  it('keeps a block readable when a JavaScript caller passes kinds, names or ids that are not strings', () => {
    const events = [
      { t: T0, kind: 'custom', name: 42, traceId: null, spanId: 'a' },
      { t: T0 + 1, kind: 'custom', name: '42', traceId: null, spanId: 7 },
      { t: T0 + 2, kind: 'state.patch', name: 42, data: { name: 42, op: 'add', path: [], value: 1 } },
    ] as unknown as Timed[];
    const back = roundTrip(events);
    // Stored as strings (a null id as absent), as EventLog.append documents; data stays exactly as given.
    expect(back.map((e) => [e.name, e.traceId, e.spanId])).toEqual([
      ['42', undefined, 'a'],
      ['42', undefined, '7'],
      ['42', undefined, undefined],
    ]);
    expect(back[2].data).toEqual({ name: 42, op: 'add', path: [], value: 1 });
  });

  it('refuses a block whose header times disagree with its events', () => {
    const events: Timed[] = [
      { t: T0, kind: 'custom', name: 'a' },
      { t: T0 + 10, kind: 'custom', name: 'b' },
    ];
    let caught: unknown;
    try {
      roundTrip(events, (info) => (info.lastT += 1));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(HindsightError);
    expect((caught as HindsightError).code).toBe(ErrorCodes.CORRUPT_BLOCK);
    expect((caught as HindsightError).message).toMatch(/event times disagree/);
  });

  it('stores whole µs even when a custom clock hands out fractions (every block stays readable)', async () => {
    let now = T0 + 0.25;
    const store = await openStore({ memory: true });
    const log = await EventLog.create(store, { clock: { nowUs: () => (now += 0.7) } });
    for (let i = 0; i < 10; i++) log.append({ kind: 'custom', name: `e${i}` });
    await log.close();
    const ts = (await readEvents(store, log.sessionId)).map((e) => e.t);
    await store.close();
    expect(ts).toHaveLength(10);
    for (let i = 0; i < ts.length; i++) {
      expect(Number.isInteger(ts[i])).toBe(true);
      if (i > 0) expect(ts[i]).toBeGreaterThanOrEqual(ts[i - 1]);
    }
  });

  it('stores whole µs when a custom clock starts on a fraction and the first event comes in the same µs', async () => {
    let now = 1_000_000.5;
    const store = await openStore({ memory: true });
    const log = await EventLog.create(store, { clock: { nowUs: () => now } });
    log.append({ kind: 'custom', name: 'a' });
    now += 3;
    log.append({ kind: 'custom', name: 'b' });
    await log.close();
    expect((await readEvents(store, log.sessionId)).map((e) => e.t)).toEqual([1_000_000, 1_000_003]);
    await store.close();
  });
});
