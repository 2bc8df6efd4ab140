import { describe, expect, it } from 'vitest';
import { PackBuffers } from '../../src/codec/PackBuffers.js';
import { createPackr, createUnpackr, packStandalone, unpackStandalone } from '../../src/codec/ValueCodec.js';

const value = { a: 1, list: Array.from({ length: 100 }, (_, i) => `v${i}`) };

function fresh(): { pool: PackBuffers; structures: unknown[]; packr: ReturnType<typeof createPackr> } {
  const structures: unknown[] = [];
  return { pool: new PackBuffers(), structures, packr: createPackr(structures) };
}

describe('PackBuffers', () => {
  it('packs into a buffer of its own, and whatever packs next writes elsewhere', () => {
    const { pool, structures, packr } = fresh();
    const { raw, buffer } = pool.pack(packr, value);
    expect(raw.buffer).toBe(buffer!.buffer);
    const kept = Buffer.from(raw);
    // Other packers (another log, snapshots) share msgpackr's buffer state.
    const other = packStandalone({ other: 'x'.repeat(5000) });
    const again = packr.pack({ b: 2 });
    expect(other.buffer).not.toBe(buffer!.buffer);
    expect(again.buffer).not.toBe(buffer!.buffer);
    expect(raw).toEqual(kept);
    expect(createUnpackr(structures).unpack(raw)).toEqual(value);
    expect(unpackStandalone(other)).toEqual({ other: 'x'.repeat(5000) });
  });

  it('hands back the buffer given back last, and reuses none given back as still read', () => {
    const pool = new PackBuffers();
    const packr = createPackr([]);
    const a = pool.pack(packr, value).buffer!;
    const b = pool.pack(packr, value).buffer!;
    expect(a === b).toBe(false);
    pool.give(a);
    pool.give(b);
    expect(pool.pack(packr, value).buffer).toBe(b);
    pool.give(b, false);
    expect(pool.pack(packr, value).buffer).toBe(a);
  });

  it('lends at most four buffers at once: blocks waiting beyond that pack into msgpackr buffers', () => {
    const { pool, structures, packr } = fresh();
    const lent = Array.from({ length: 4 }, () => pool.pack(packr, value));
    expect(lent.every((p) => p.buffer !== undefined)).toBe(true);
    const fifth = pool.pack(packr, value);
    expect(fifth.buffer).toBeUndefined();
    expect(createUnpackr(structures).unpack(fifth.raw)).toEqual(value);
    pool.give(lent[0].buffer!);
    expect(pool.pack(packr, value).buffer).toBe(lent[0].buffer);
  });

  it('grows its buffers after a block outgrew one, up to a bound', () => {
    const { pool, structures, packr } = fresh();
    const small = pool.pack(packr, value).buffer!;
    pool.give(small);
    const big = { s: 'y'.repeat(small.length + 1000) };
    const outgrown = pool.pack(packr, big);
    expect(outgrown.buffer).toBeUndefined();
    expect(createUnpackr(structures).unpack(outgrown.raw)).toEqual(big);
    const next = pool.pack(packr, value).buffer!;
    expect(next === small).toBe(false);
    expect(next.length).toBeGreaterThanOrEqual(3 * outgrown.raw.length);
    pool.give(next);
    // A block far beyond the bound packs in msgpackr's buffer and leaves the pool as it was.
    expect(pool.pack(packr, { s: 'z'.repeat(3_000_000) }).buffer).toBeUndefined();
    expect(pool.pack(packr, value).buffer).toBe(next);
  });

  it('serves a block that is mostly one long string once it has grown for it', () => {
    // msgpackr reserves 3 bytes per character before writing a string.
    const { pool, structures, packr } = fresh();
    const block = { s: 'a'.repeat(100_000), n: 1 };
    const served: boolean[] = [];
    for (let i = 0; i < 4; i++) {
      const { raw, buffer } = pool.pack(packr, block);
      expect(createUnpackr(structures).unpack(raw)).toEqual(block);
      served.push(buffer !== undefined);
      if (buffer) pool.give(buffer);
    }
    expect(served).toEqual([false, true, true, true]);
  });

  it('gives its buffer back and leaves msgpackr usable when packing throws', () => {
    const { pool, structures, packr } = fresh();
    const first = pool.pack(packr, value).buffer!;
    pool.give(first);
    expect(() => pool.pack(packr, { s: Symbol('x') })).toThrow();
    const raw = packr.pack({ ok: true });
    expect(raw.buffer).not.toBe(first.buffer);
    expect(createUnpackr(structures).unpack(raw)).toEqual({ ok: true });
    expect(pool.pack(packr, value).buffer).toBe(first);
  });

  it('keeps nothing once cleared', () => {
    const pool = new PackBuffers();
    const packr = createPackr([]);
    const a = pool.pack(packr, value).buffer!;
    pool.clear();
    pool.give(a);
    expect(pool.pack(packr, value).buffer).toBeUndefined();
  });
});
