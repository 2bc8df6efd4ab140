import { describe, expect, it } from 'vitest';
import { giveWorkspace, takeWorkspace } from '../../src/codec/Workspace.js';

describe('encoding workspace', () => {
  it('narrows gaps and indexes to the smallest width that holds them, as views of the first n values', () => {
    const ws = takeWorkspace(4);
    ws.gap.set([0, 3, 255, 7]);
    ws.kind.set([0, 1, -1, 2]);
    const small = ws.gaps(3, 255);
    expect(small).toBeInstanceOf(Uint8Array);
    expect([...small]).toEqual([0, 3, 255]);
    expect(ws.gaps(4, 256)).toBeInstanceOf(Uint16Array);
    ws.gap[1] = 2 ** 31;
    expect(ws.gaps(2, 2 ** 31)).toBeInstanceOf(Uint32Array);
    expect([...ws.gaps(2, 2 ** 31)]).toEqual([0, 2 ** 31]);
    ws.gap[1] = 2 ** 32;
    expect(ws.gaps(2, 2 ** 32)).toBeInstanceOf(Float64Array);
    expect([...ws.gaps(2, 2 ** 32)]).toEqual([0, 2 ** 32]);
    expect(ws.indexes(0, 4, 127)).toBeInstanceOf(Int8Array);
    expect([...ws.indexes(0, 4, 128)]).toEqual([0, 1, -1, 2]);
    expect(ws.indexes(0, 4, 128)).toBeInstanceOf(Int16Array);
    expect(ws.indexes(0, 4, 0x8000)).toBeInstanceOf(Int32Array);
    giveWorkspace(ws);
  });

  it('keeps form integers in 32 bits until one does not fit, and empties them for the next block', () => {
    const ws = takeWorkspace(4);
    for (const v of [0, -1, 2 ** 31 - 1, -(2 ** 31)]) ws.int(v);
    expect(ws.intColumn()).toBeInstanceOf(Int32Array);
    expect([...ws.intColumn()]).toEqual([0, -1, 2 ** 31 - 1, -(2 ** 31)]);
    ws.int(-(2 ** 40));
    expect(ws.intColumn()).toBeInstanceOf(Float64Array);
    expect([...ws.intColumn()].at(-1)).toBe(-(2 ** 40));
    giveWorkspace(ws);
    const next = takeWorkspace(4);
    expect(next.intColumn()).toHaveLength(0);
    next.int(7);
    expect(next.intColumn()).toBeInstanceOf(Int32Array);
    giveWorkspace(next);
  });

  it('hands a block encoded while another is its own workspace, and reuses one with an empty table', () => {
    const outer = takeWorkspace(10);
    outer.table.intern('a');
    const inner = takeWorkspace(10);
    expect(inner).not.toBe(outer);
    inner.table.intern('b');
    giveWorkspace(inner);
    expect(outer.table.intern('a')).toBe(0);
    expect(outer.table.intern('b')).toBe(1);
    giveWorkspace(outer);
    const next = takeWorkspace(10);
    expect(next).toBe(outer);
    expect(next.table.intern('b')).toBe(0);
    expect(takeWorkspace(100_000).size).toBe(100_000);
  });
});
