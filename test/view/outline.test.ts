import { rmSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recorder } from '../../instrumentation/Recorder.js';
import { ManualClock } from '../../src/Clock.js';
import { openStore } from '../../src/store/Store.js';
import { openRecording, type Recording } from '../../reconstructor/Recording.js';
import { blockDensity, blockMarks, eventsAbout, exactDensity, readOutline, type OutlineSpan } from '../../reconstructor/summary.js';
import { waterfall } from '../../cli/view/waterfall.js';
import { tempDir } from '../fixtures/stores.js';
import { makeShopRecording, T0, type ShopRecording } from '../fixtures/cliRecordings.js';

const LIMITS = { markers: 100, errors: 100, spans: 100 };

describe('block-level density (no block decoded)', () => {
  let dir: string;
  let shop: ShopRecording;
  let recording: Recording;
  beforeAll(async () => {
    dir = tempDir('hindsight-outline-');
    shop = await makeShopRecording(dir);
    recording = await openRecording(dir);
  });
  afterAll(async () => {
    await recording.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads where each block starts from the time index', async () => {
    // The shop recording writes 5 events per block.
    expect(await blockMarks(recording.store, shop.shopId)).toEqual([
      { firstSeq: 1, firstT: T0 },
      { firstSeq: 6, firstT: T0 + 4000 },
      { firstSeq: 11, firstT: T0 + 9000 },
    ]);
  });

  it('spreads each block over its time and keeps the total exact', async () => {
    const marks = await blockMarks(recording.store, shop.shopId);
    const info = { lastSeq: 13, lastT: T0 + 11_000 };
    for (const buckets of [1, 2, 11, 300]) {
      const counts = blockDensity(marks, info, T0, T0 + 11_000, buckets);
      expect(counts).toHaveLength(buckets);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(13);
      expect(counts.every((n) => Number.isInteger(n) && n >= 0)).toBe(true);
    }
    // Block 1..5 spans [0, 4000) (1.25 per ms bucket), block 6..10 [4000, 9000) (1 each), block 11..13 [9000, 11000] (1.5 each),
    // rounded on the running total.
    expect(blockDensity(marks, info, T0, T0 + 11_000, 11)).toEqual([1, 2, 1, 1, 1, 1, 1, 1, 1, 2, 1]);
    expect(eventsAbout(marks, info, T0 + 9000, T0 + 11_000)).toBe(3);
    expect(await exactDensity(recording.store, shop.shopId, T0, T0 + 11_000, 11)).toEqual([1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 2]);
  });

  it('adds up to the event count for any block layout, when the window covers the session', () => {
    const layout = fc.array(fc.tuple(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 0, max: 10_000 })), { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(layout, fc.integer({ min: 1, max: 500 }), (blocks, buckets) => {
        let seq = 1;
        let t = T0;
        const marks = blocks.map(([count, gap]) => {
          const m = { firstSeq: seq, firstT: t };
          seq += count;
          t += gap;
          return m;
        });
        const info = { lastSeq: seq - 1, lastT: t };
        const counts = blockDensity(marks, info, T0, t, buckets);
        return counts.reduce((a, b) => a + b, 0) === seq - 1 && counts.every((n) => n >= 0);
      }),
    );
  });
});

describe('session outline', () => {
  it('collects markers, errors (with their message) and spans (failed ones and request targets noted) in one pass', async () => {
    const store = await openStore({ memory: true });
    const clock = new ManualClock(T0);
    const rec = await Recorder.open({ store, clock, name: 'outline', snapshots: false });
    const trace = 'c'.repeat(32);
    clock.advance(10);
    rec.log.append({ kind: 'span.start', name: 'GET', traceId: trace, spanId: '1'.repeat(16), data: { parentSpanId: undefined } });
    rec.mark('begin');
    rec.log.append({ kind: 'error', name: 'TypeError', data: { message: 'x is undefined', stack: '...' }, traceId: trace, spanId: '1'.repeat(16) });
    clock.advance(10);
    rec.log.append({ kind: 'span.end', name: 'GET', traceId: trace, spanId: '1'.repeat(16), data: { kind: 1, status: { code: 2 }, attributes: { 'url.path': '/items/7' } } });
    rec.log.append({ kind: 'span.start', name: 'work', traceId: trace, spanId: '2'.repeat(16), data: { parentSpanId: '1'.repeat(16) } });
    const sessionId = rec.sessionId;
    await rec.stop();
    const outline = await readOutline(store, sessionId, LIMITS);
    expect(outline.markers).toEqual([{ seq: 2, t: T0 + 10, name: 'begin' }]);
    expect(outline.errors).toEqual([{ seq: 3, t: T0 + 10, name: 'TypeError', message: 'x is undefined', traceId: trace, spanId: '1'.repeat(16) }]);
    expect(outline.spans).toEqual([
      { traceId: trace, spanId: '1'.repeat(16), name: 'GET', startT: T0 + 10, startSeq: 1, endT: T0 + 20, endSeq: 4, error: true, target: '/items/7' },
      { traceId: trace, spanId: '2'.repeat(16), parentSpanId: '1'.repeat(16), name: 'work', startT: T0 + 20, startSeq: 5 },
    ]);
    expect(outline.truncated).toBe(false);
    const capped = await readOutline(store, sessionId, { markers: 0, errors: 1, spans: 1 });
    expect(capped).toMatchObject({ markers: [], truncated: true });
    expect(capped.spans).toHaveLength(1);
    await store.close();
  });
});

describe('waterfall', () => {
  const span = (id: string, startT: number, endT: number | undefined, parent?: string): OutlineSpan => ({ traceId: 't', spanId: id, parentSpanId: parent, name: id, startT, startSeq: startT, endT, endSeq: endT });

  it('orders spans depth first, each child after its parent, a span whose parent is not shown as a root', () => {
    const spans = [span('a', 0, 100), span('b', 10, 20, 'a'), span('c', 15, 18, 'b'), span('d', 30, 40, 'a'), span('e', 50, undefined, 'gone')];
    expect(waterfall(spans, 0, 1000, 1000, 10).spans.map((s) => `${s.spanId}${s.depth}`)).toEqual(['a0', 'b1', 'c2', 'd1', 'e0']);
    // Window [25, 60]: a (still running), d, and e (open until the session end).
    expect(waterfall(spans, 25, 60, 1000, 10)).toMatchObject({ total: 3, spans: [{ spanId: 'a', depth: 0 }, { spanId: 'd', depth: 1 }, { spanId: 'e', depth: 0 }] });
    expect(waterfall(spans, 0, 1000, 1000, 2)).toMatchObject({ total: 5, spans: [{ spanId: 'a' }, { spanId: 'b' }] });
  });

  it('still shows spans whose parents form a cycle (a broken recording)', () => {
    const spans = [span('x', 0, 10, 'y'), span('y', 1, 10, 'x')];
    expect(waterfall(spans, 0, 100, 100, 10).spans.map((s) => s.spanId).sort()).toEqual(['x', 'y']);
  });
});
