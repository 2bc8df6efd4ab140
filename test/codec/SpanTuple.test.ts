import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ColumnCursor } from '../../src/codec/columns.js';
import { readAnnouncedSpanStart, readSpanEnd, readSpanStart, writeSpanEnd, writeSpanStart } from '../../src/codec/SpanTuple.js';
import { Workspace } from '../../src/codec/Workspace.js';
import { EventLog } from '../../src/log/EventLog.js';
import { openStore } from '../../src/store/Store.js';
import { deepEqualExact } from '../fixtures/deepEqualExact.js';
import { readEvents } from '../fixtures/stores.js';

/** A form's integer slots, then its data slots; undefined (and nothing written anywhere) when the form does not apply. */
const startForm = (data: unknown): unknown[] | undefined => {
  const ws = new Workspace(16);
  return writeSpanStart(data, ws, 1000) ? [...ws.intColumn()] : (expect(ws.intColumn()).toHaveLength(0), undefined);
};
const endForm = (data: unknown): unknown[] | undefined => {
  const ws = new Workspace(16);
  return writeSpanEnd(data, ws, 0) ? [...ws.intColumn(), ...ws.takeValues()] : (expect([...ws.intColumn(), ...ws.takeValues()]).toEqual([]), undefined);
};

function spanEnd(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const data: Record<string, unknown> = {
    kind: 1,
    parentSpanId: 'a1b2c3d4e5f60718',
    attributes: { 'http.method': 'GET', 'http.status_code': 200, tags: ['a', 'b'] },
    status: { code: 2, message: 'boom' },
    events: [{ name: 'retry', tUs: 1_700_000_000_000_123, attributes: { attempt: 2 } }],
    links: undefined,
    scope: '@opentelemetry/instrumentation-http',
    startUs: 1_700_000_000_000_000,
    durationUs: 1234,
    dropped: undefined,
    startSeq: undefined,
    startT: undefined,
  };
  return Object.assign(data, overrides);
}

async function roundTrip(events: { kind: 'span.start' | 'span.end'; data: unknown }[]): Promise<unknown[]> {
  const store = await openStore({ memory: true });
  const log = await EventLog.create(store);
  for (const e of events) log.append({ kind: e.kind, name: 'GET /', traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', data: e.data });
  await log.close();
  const got = (await readEvents(store, log.sessionId)).map((e) => e.data);
  await store.close();
  return got;
}

describe('span forms', () => {
  it('take exactly the span processor shapes, nothing else', () => {
    expect(startForm({ parentSpanId: undefined })).toEqual([-1]);
    expect(startForm({ parentSpanId: 'ab' })).toEqual([0]);
    expect(startForm({})).toBeUndefined();
    expect(startForm({ parentSpanId: 'ab', extra: 1 })).toBeUndefined();
    expect(startForm({ parentSpanId: 7 })).toBeUndefined();
    expect(startForm(new Map())).toBeUndefined();
    // Announced at a seal: where the span started, its time relative to the block.
    expect(startForm({ parentSpanId: 'ab', startSeq: 12, startT: 990 })).toEqual([0, 12, -10]);
    expect(startForm({ parentSpanId: 'ab', startSeq: 12 })).toBeUndefined();
    expect(startForm({ parentSpanId: 'ab', startT: 990, startSeq: 12 })).toBeUndefined();
    for (const [startSeq, startT] of [[0, 990], [1.5, 990], [12, 990.5], ['12', 990], [12, undefined], [2 ** 53, 990]]) {
      expect(startForm({ parentSpanId: 'ab', startSeq, startT })).toBeUndefined();
    }
    // Seven slots, plus one per optional field present (this one has events).
    expect(endForm(spanEnd())).toHaveLength(8);
    expect(endForm(spanEnd({ events: undefined }))).toHaveLength(7);
    expect(endForm(spanEnd({ links: [], dropped: { attributes: 1 } }))).toHaveLength(10);
    // A status of exactly { code } with a status code travels in the head.
    expect(endForm(spanEnd({ status: { code: 1 } }))).toHaveLength(7);
    expect(endForm(spanEnd({ status: { code: 3 } }))).toHaveLength(8);
    expect(endForm(spanEnd({ status: { code: 1, message: undefined } }))).toHaveLength(8);
    // The shape before startSeq/startT (format 4's processor) is compact too.
    const { startSeq: _s, startT: _t, ...formatFour } = spanEnd();
    expect(endForm(formatFour)).toHaveLength(8);
    expect(endForm({ ...formatFour, startSeq: 1 })).toBeUndefined();
    // A span.end that says where its span started: two more slots.
    expect(endForm(spanEnd({ startSeq: 40, startT: -3 }))).toHaveLength(10);
    for (const start of [{ startSeq: 40 }, { startT: 7 }, { startSeq: 0, startT: 7 }, { startSeq: 40, startT: 1.5 }, { startSeq: '40', startT: 7 }]) {
      expect(endForm(spanEnd(start))).toBeUndefined();
    }
    expect(endForm(spanEnd({ kind: 16 }))).toBeUndefined();
    expect(endForm(spanEnd({ kind: -1 }))).toBeUndefined();
    expect(endForm({ ...spanEnd(), extra: 1 })).toBeUndefined();
    const reordered = spanEnd();
    delete reordered.kind;
    reordered.kind = 1;
    expect(endForm(reordered)).toBeUndefined();
    // A field of the wrong type, at any position, leaves nothing written.
    for (const bad of [{ kind: '1' }, { parentSpanId: 5 }, { scope: 3 }, { startUs: 1.5 }, { durationUs: 2 ** 60 }, { durationUs: '12' }]) {
      expect(endForm(spanEnd(bad))).toBeUndefined();
    }
    expect(endForm({ kind: 1, parentSpanId: undefined })).toBeUndefined();
  });

  it('store span events of any data unchanged through the log', async () => {
    const datas: { kind: 'span.start' | 'span.end'; data: unknown }[] = [
      { kind: 'span.start', data: { parentSpanId: undefined } },
      { kind: 'span.start', data: { parentSpanId: 'a1b2c3d4e5f60718' } },
      { kind: 'span.start', data: { parentSpanId: 'x', other: true } },
      { kind: 'span.start', data: undefined },
      { kind: 'span.start', data: { parentSpanId: undefined, startSeq: 1, startT: 1_700_000_000_000_000 } },
      { kind: 'span.start', data: { parentSpanId: 'a1b2c3d4e5f60718', startSeq: 2 ** 40, startT: 0 } },
      { kind: 'span.start', data: { parentSpanId: 'x', startSeq: -1, startT: 0 } },
      { kind: 'span.end', data: spanEnd() },
      { kind: 'span.end', data: spanEnd({ parentSpanId: undefined, scope: undefined, status: { code: 0 }, events: undefined, startUs: 5 }) },
      { kind: 'span.end', data: spanEnd({ startSeq: 3, startT: 1_699_999_999_999_000 }) },
      { kind: 'span.end', data: spanEnd({ startSeq: 3 }) },
      { kind: 'span.end', data: (({ startSeq: _s, startT: _t, ...rest }) => rest)(spanEnd()) },
      { kind: 'span.end', data: { ...spanEnd(), note: 'not the processor shape' } },
      { kind: 'span.end', data: 'text' },
    ];
    const got = await roundTrip(datas);
    expect(deepEqualExact(got, datas.map((d) => d.data))).toBeUndefined();
  });

  it('store odd statuses, -0 and far starts exactly as a record would, reading a status getter once', async () => {
    let reads = 0;
    const flaky = {
      ...spanEnd(),
      get status() {
        return reads++ === 0 ? { code: 7 } : { code: 1 };
      },
    };
    // Keep the processor's key order: status is the fourth key.
    const ordered = Object.fromEntries(Object.keys(spanEnd()).map((k) => [k, k === 'status' ? undefined : (spanEnd() as Record<string, unknown>)[k]]));
    Object.defineProperty(ordered, 'status', { get: Object.getOwnPropertyDescriptor(flaky, 'status')!.get, enumerable: true });
    const datas: { kind: 'span.end'; data: unknown }[] = [
      { kind: 'span.end', data: spanEnd({ status: Object.defineProperty({}, 'code', { value: 1 }) }) },
      { kind: 'span.end', data: ordered },
      { kind: 'span.end', data: spanEnd({ durationUs: -0 }) },
      { kind: 'span.end', data: spanEnd({ startUs: Number.MIN_SAFE_INTEGER }) },
    ];
    // Not whole numbers (a fraction would vanish in the subtraction from the block's time; a BigInt throws there).
    const odd = [0.01, 1_700_000_000_000_000.5, '1700000000000005', null, true, 123n, new Date(5)];
    for (const startUs of odd) datas.push({ kind: 'span.end', data: spanEnd({ startUs }) });
    const got = (await roundTrip(datas)) as Record<string, unknown>[];
    expect(got[0].status).toEqual({});
    expect(reads).toBe(1);
    expect(got[1].status).toEqual({ code: 7 });
    expect(Object.is(got[2].durationUs, 0)).toBe(true);
    expect(got[3].startUs).toBe(Number.MIN_SAFE_INTEGER);
    expect(got.slice(4).map((d) => d.startUs)).toEqual(odd);
  });

  it('refuse integer slots the encoder never writes', () => {
    const read = (ints: number[], data: unknown[] = [{}, {}]) => () => readSpanEnd(new ColumnCursor(data), new ColumnCursor(ints), ['s'], 0);
    expect(read([1, -1, 0, 5, 10])).not.toThrow();
    expect(read([2 ** 32 + 129, -1, 0, 5, 10])).toThrow(/head|slot/);
    expect(read([1, -1, 0, 5.5, 10])).toThrow(/slot/);
    expect(read([1, -1, 0, 5, NaN])).toThrow(/slot/);
    expect(read([1, 3, 0, 5, 10])).toThrow(/outside the table/);
    expect(() => readSpanStart(new ColumnCursor([1]), ['s'])).toThrow(/outside the table/);
    expect(() => readSpanStart(new ColumnCursor([-2]), ['s'])).toThrow(/outside the table/);
    expect(readAnnouncedSpanStart(new ColumnCursor([0, 7, -5]), ['s'], 100)).toEqual({ parentSpanId: 's', startSeq: 7, startT: 95 });
    expect(() => readAnnouncedSpanStart(new ColumnCursor([0, 7.5, 0]), ['s'], 100)).toThrow(/slot/);
    expect(read([1 | (1 << 9) | (1 << 10), -1, 0, 5, 10, 40, -3])).not.toThrow();
    expect(read([1 | (1 << 9) | (1 << 10), -1, 0, 5, 10])).toThrow(/ends early/);
    expect(read([1 | (1 << 9), -1, 0, 5, 10, 40, -3])).toThrow(/without its keys/);
    expect(read([1 << 11, -1, 0, 5, 10])).toThrow(/slot/);
  });

  it('round-trip random span.end data exactly (seeded)', async () => {
    const optionalString = fc.option(fc.string({ maxLength: 20 }), { nil: undefined });
    const attrValue = fc.oneof(fc.string(), fc.double({ noNaN: true }).filter((x) => !Object.is(x, -0)), fc.integer(), fc.boolean(), fc.array(fc.string(), { maxLength: 3 }));
    const data = fc.record({
      kind: fc.integer({ min: 0, max: 15 }),
      parentSpanId: optionalString,
      attributes: fc.dictionary(fc.string({ maxLength: 12 }), attrValue, { maxKeys: 6 }),
      status: fc.oneof(fc.record({ code: fc.integer({ min: -1, max: 3 }) }), fc.record({ code: fc.integer({ min: 0, max: 2 }), message: optionalString }), fc.constant(undefined)),
      events: fc.option(fc.array(fc.record({ name: fc.string(), tUs: fc.maxSafeNat() }), { maxLength: 2 }), { nil: undefined }),
      links: fc.option(fc.array(fc.record({ traceId: fc.string({ maxLength: 4 }), spanId: fc.string({ maxLength: 4 }) }), { maxLength: 2 }), { nil: undefined }),
      scope: optionalString,
      startUs: fc.integer({ min: 0, max: 2 ** 52 }),
      durationUs: fc.nat(),
      dropped: fc.option(fc.record({ attributes: fc.nat() }), { nil: undefined }),
      startSeq: fc.constant(undefined),
      startT: fc.constant(undefined),
    });
    const withStart = fc.tuple(data, fc.option(fc.tuple(fc.integer({ min: 1, max: 2 ** 40 }), fc.integer({ min: 0, max: 2 ** 52 })), { nil: undefined })).map(([d, start]) => (start ? { ...d, startSeq: start[0], startT: start[1] } : d));
    await fc.assert(
      fc.asyncProperty(fc.array(withStart, { minLength: 1, maxLength: 20 }), async (datas) => {
        const got = await roundTrip(datas.map((d) => ({ kind: 'span.end' as const, data: d })));
        expect(deepEqualExact(got, datas)).toBeUndefined();
      }),
      { seed: 4242, numRuns: 60 },
    );
  });
});
