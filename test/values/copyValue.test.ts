import { describe, expect, it } from 'vitest';
import { NegativeZero, packStandalone, unpackStandalone } from '../../src/codec/ValueCodec.js';
import { StateTracker } from '../../src/tracking/Tracker.js';
import { NoopPatchSink } from '../../src/tracking/PatchSink.js';
import { copyValue } from '../../src/values/copyValue.js';
import { isTrackerProxy } from '../../src/values/proxyRegistry.js';
import { deepEqualExact } from '../fixtures/deepEqualExact.js';

const roundTrip = (v: unknown) => unpackStandalone(packStandalone(copyValue(v)));

function expectExact(a: unknown, b: unknown): void {
  const d = deepEqualExact(a, b);
  if (d !== undefined) throw new Error(d);
}

describe('copyValue', () => {
  it('returns primitives as they are', () => {
    for (const v of [0, 1, -1.5, NaN, Infinity, 'x', '', true, false, null, undefined, 10n, -(2n ** 80n)]) {
      expect(Object.is(copyValue(v), v)).toBe(true);
    }
  });

  it('boxes -0, and the codec turns the box back into -0', () => {
    expect(copyValue(-0)).toBe(NegativeZero.instance);
    expect(Object.is(roundTrip(-0), -0)).toBe(true);
    expect(Object.is(roundTrip({ a: [-0] }).a[0], -0)).toBe(true);
  });

  it('vitest toEqual does not tell -0 from 0 in every position; deepEqualExact does', () => {
    expect(deepEqualExact([-0], [0])).toBeDefined();
    expect(deepEqualExact({ a: undefined }, {})).toBeDefined();
    expect(deepEqualExact(new Map([[1, 1], [2, 2]]), new Map([[2, 2], [1, 1]]))).toBeDefined();
  });

  it('round-trips every supported type exactly through the codec', () => {
    const nullProto = Object.create(null);
    nullProto.k = 1;
    const value = {
      date: new Date(1_700_000_000_123),
      invalidDate: new Date(NaN),
      map: new Map<unknown, unknown>([
        ['a', 1],
        [2, { nested: [1, -0] }],
        [{ objKey: true }, new Set([1, 'x'])],
        [10n, undefined],
      ]),
      set: new Set<unknown>([1, 'two', { three: 3 }, -1n]),
      big: 2n ** 70n,
      u8: new Uint8Array([1, 2, 255]),
      i16: new Int16Array([-1, 300]),
      f64: new Float64Array([1.5, -0, NaN]),
      big64: new BigInt64Array([-5n, 7n]),
      clamped: new Uint8ClampedArray([9]),
      view: new DataView(new Uint8Array([1, 2, 3, 4]).buffer, 1, 2),
      buffer: new Uint8Array([7, 8]).buffer,
      nodeBuffer: Buffer.from([5, 6]),
      nested: { deep: { list: [1, 'a', null, undefined, true, { x: -0 }] } },
      nullProto,
      regexp: /a+b/gi,
      special: [NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2],
    };
    const back = roundTrip(value);
    expectExact(back, value);
    expect(back.nodeBuffer).toBeInstanceOf(Buffer);
    expect(back.view).toBeInstanceOf(DataView);
    expect(back.view.byteLength).toBe(2);
  });

  it('copies a typed-array view as just its bytes', () => {
    const whole = new Uint8Array([0, 1, 2, 3, 4, 5]);
    const sub = whole.subarray(2, 4);
    const c = copyValue(sub) as Uint8Array;
    expect([...c]).toEqual([2, 3]);
    expect(c.byteOffset).toBe(0);
    expect(c.buffer).not.toBe(whole.buffer);
  });

  it('turns holes into undefined and drops non-index array properties', () => {
    const arr: unknown[] = [1, , 3]; // eslint-disable-line no-sparse-arrays
    (arr as unknown as Record<string, unknown>).extra = 1;
    const c = copyValue(arr) as unknown[];
    expect(c).toHaveLength(3);
    expect(1 in c).toBe(true);
    expect(c[1]).toBeUndefined();
    expect(Object.keys(c)).toEqual(['0', '1', '2']);
  });

  it('copies class instances as plain objects of their own enumerable properties, Errors as name/message/stack', () => {
    class Point {
      constructor(
        public x: number,
        public y: number,
      ) {}
      get sum() {
        return this.x + this.y;
      }
    }
    const c = copyValue(new Point(1, 2)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(c)).toBe(Object.prototype);
    expect(c).toStrictEqual({ x: 1, y: 2 });
    const err = new TypeError('boom');
    expect(copyValue(err)).toStrictEqual({ name: 'TypeError', message: 'boom', stack: err.stack });
  });

  it('replaces functions, symbols and cycles with markers, and never throws', () => {
    function namedFn() {}
    const sym = Symbol('tag');
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    cyclic.list = [cyclic];
    const value = { fn: namedFn, arrow: () => 1, sym, map: new Map<unknown, unknown>([[sym, 1]]), cyclic };
    const c = copyValue(value) as any;
    expect(c.fn).toStrictEqual({ '@hindsight': 'function', name: 'namedFn' });
    expect(c.arrow).toStrictEqual({ '@hindsight': 'function', name: 'arrow' });
    expect(c.sym).toStrictEqual({ '@hindsight': 'symbol', description: 'tag' });
    expect([...c.map.keys()][0]).toStrictEqual({ '@hindsight': 'symbol', description: 'tag' });
    expect(c.cyclic.self).toStrictEqual({ '@hindsight': 'cycle' });
    expect(c.cyclic.list[0]).toStrictEqual({ '@hindsight': 'cycle' });
    expect(() => packStandalone(c)).not.toThrow();
  });

  it('copies an object shared by two branches twice (the copy is a tree)', () => {
    const shared = { n: 1 };
    const c = copyValue({ a: shared, b: shared }) as any;
    expect(c.a).toStrictEqual({ n: 1 });
    expect(c.b).toStrictEqual({ n: 1 });
    expect(c.a).not.toBe(c.b);
  });

  it('marks values it cannot read instead of throwing', () => {
    const throwing = Object.defineProperty({}, 'bad', {
      enumerable: true,
      get() {
        throw new Error('getter failed');
      },
    });
    expect(copyValue(throwing)).toStrictEqual({ '@hindsight': 'uncopyable', message: 'Error: getter failed' });
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect((copyValue(proxy) as any)['@hindsight']).toBe('uncopyable');
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 200_000; i++) deep = { next: deep };
    expect(() => copyValue(deep)).not.toThrow();
  });

  it('keeps an own __proto__ key as data', () => {
    const o = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}');
    const c = copyValue(o) as any;
    expect(Object.getPrototypeOf(c)).toBe(Object.prototype);
    expect(Object.keys(c)).toEqual(['__proto__', 'a']);
    expect(({} as any).polluted).toBeUndefined();
  });

  it('is immune to later mutation of the live value', () => {
    const live = { list: [1, { x: 1 }], map: new Map([['k', { v: 1 }]]), set: new Set([1]), date: new Date(5) };
    const c = copyValue(live) as any;
    const before = packStandalone(c);
    (live.list[1] as any).x = 2;
    live.list.push(3);
    live.map.get('k')!.v = 2;
    live.set.add(2);
    live.date.setTime(6);
    expect(packStandalone(c).equals(before)).toBe(true);
  });

  it('copies a tracker proxy through its target and never records a proxy', () => {
    const tracker = new StateTracker(new NoopPatchSink(), { activeContext: () => undefined });
    const s = tracker.track('s', { items: [{ a: 1 }], map: new Map([['k', { b: 2 }]]), set: new Set([{ c: 3 }]) });
    const c = copyValue({ held: s.items[0], whole: s, fromMap: s.map.get('k') }) as any;
    const noProxy = (v: unknown): boolean => {
      if (typeof v !== 'object' || v === null) return true;
      if (isTrackerProxy(v)) return false;
      if (v instanceof Map) return [...v].every(([k, x]) => noProxy(k) && noProxy(x));
      if (v instanceof Set) return [...v].every(noProxy);
      return Object.values(v).every(noProxy);
    };
    expect(noProxy(c)).toBe(true);
    expectExact(c.whole, tracker.raw('s'));
    expect(c.held).toStrictEqual({ a: 1 });
  });
});
