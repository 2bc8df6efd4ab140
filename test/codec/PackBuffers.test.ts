import { describe, expect, it } from 'vitest';
import { PackBuffers } from '../../src/codec/PackBuffers.js';
import { createPackr, createUnpackr, packStandalone, unpackStandalone } from '../../src/codec/ValueCodec.js';

describe('PackBuffers', () => {
  it('packs into the buffer it is given, and whatever packs next writes elsewhere', () => {
    const pool = new PackBuffers();
    const structures: unknown[] = [];
    const packr = createPackr(structures);
    const buffer = pool.take()!;
    const value = { a: 1, list: Array.from({ length: 100 }, (_, i) => `v${i}`) };
    const raw = pool.pack(packr, value, buffer);
    expect(raw.buffer).toBe(buffer.buffer);
    const kept = Buffer.from(raw);
    // Other packers (another log, snapshots) share msgpackr's buffer state.
    const other = packStandalone({ other: 'x'.repeat(5000) });
    const again = packr.pack({ b: 2 });
    expect(other.buffer).not.toBe(buffer.buffer);
    expect(again.buffer).not.toBe(buffer.buffer);
    expect(raw).toEqual(kept);
    expect(createUnpackr(structures).unpack(raw)).toEqual(value);
    expect(unpackStandalone(other)).toEqual({ other: 'x'.repeat(5000) });
  });

  it('hands back the buffer given back last, and grows buffers after a block outgrew one', () => {
    const pool = new PackBuffers();
    const a = pool.take()!;
    const b = pool.take()!;
    expect(a).not.toBe(b);
    pool.give(a);
    pool.give(b);
    expect(pool.take()).toBe(b);
    const structures: unknown[] = [];
    const big = { s: 'y'.repeat(a.length + 1000) };
    const raw = pool.pack(createPackr(structures), big, a);
    expect(raw.buffer).not.toBe(a.buffer);
    expect(createUnpackr(structures).unpack(raw)).toEqual(big);
    // Smaller buffers are not kept any more: the next one fits such a block.
    pool.give(a);
    const next = pool.take()!;
    expect(next).not.toBe(a);
    expect(next.length).toBeGreaterThan(raw.length);
  });

  it('leaves msgpackr usable when packing throws', () => {
    const pool = new PackBuffers();
    const structures: unknown[] = [];
    const packr = createPackr(structures);
    const buffer = pool.take()!;
    expect(() => pool.pack(packr, { s: Symbol('x') }, buffer)).toThrow();
    const raw = packr.pack({ ok: true });
    expect(raw.buffer).not.toBe(buffer.buffer);
    expect(createUnpackr(structures).unpack(raw)).toEqual({ ok: true });
  });
});
