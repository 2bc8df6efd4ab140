import { describe, expect, it } from 'vitest';
import { NegativeZero } from '../../src/codec/ValueCodec.js';
import { copyValue } from '../../src/values/copyValue.js';
import { toLive } from '../../src/values/toLive.js';
import { deepEqualExact } from '../fixtures/deepEqualExact.js';

describe('toLive', () => {
  it('unboxes NegativeZero anywhere', () => {
    const v = toLive({ a: NegativeZero.instance, b: [NegativeZero.instance], m: new Map([[1, NegativeZero.instance]]) }) as any;
    expect(Object.is(v.a, -0)).toBe(true);
    expect(Object.is(v.b[0], -0)).toBe(true);
    expect(Object.is(v.m.get(1), -0)).toBe(true);
  });

  it('returns a copy that shares nothing with its input', () => {
    const input = { o: { x: 1 }, arr: [{ y: 1 }], map: new Map([[{ k: 1 }, { v: 1 }]]), set: new Set([{ s: 1 }]), d: new Date(1), u8: new Uint8Array([1]) };
    const out = toLive(input) as typeof input;
    expect(deepEqualExact(out, input)).toBeUndefined();
    expect(out.o).not.toBe(input.o);
    expect(out.arr[0]).not.toBe(input.arr[0]);
    expect([...out.map.keys()][0]).not.toBe([...input.map.keys()][0]);
    expect([...out.set][0]).not.toBe([...input.set][0]);
    expect(out.d).not.toBe(input.d);
    expect(out.u8.buffer).not.toBe(input.u8.buffer);
  });

  it('inverts copyValue on supported types', () => {
    const v = { a: -0, b: [undefined, null, 1n], c: new Map<unknown, unknown>([[{ k: 1 }, new Set([-0])]]) };
    expect(deepEqualExact(toLive(copyValue(v)), v)).toBeUndefined();
  });
});
