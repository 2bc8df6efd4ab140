import { describe, expect, it } from 'vitest';
import { ColumnCursor } from '../../src/codec/columns.js';
import { readPatch, writePatch } from '../../src/codec/PatchTuple.js';
import { Workspace } from '../../src/codec/Workspace.js';
import { EventLog } from '../../src/log/EventLog.js';
import { openStore } from '../../src/store/Store.js';
import { readEvents } from '../fixtures/stores.js';

const patches = [
  { name: 'c', op: 'replace', path: [], value: { a: 1 } },
  { name: 'c', op: 'replace', path: ['a'], value: 2, prev: 1 },
  { name: 'c', op: 'add', path: ['m', 1], value: 'x', key: { k: 1 } },
  { name: 'c', op: 'remove', path: ['b'], prev: undefined },
  { name: 'c', op: 'splice', path: ['list'], index: 0, prev: [1], value: [] },
  { name: 'c', op: 'add', path: ['m'], key: 'k', value: 1 },
  { name: 'c', op: 'replace', path: ['a'], prev: 1, value: 2 },
  { name: 'c', op: 'clear', path: ['s'], prev: new Set([1]) },
];

describe('patch forms', () => {
  it('round-trip every op with exactly the fields present, back to back in one column', () => {
    const ws = new Workspace(16);
    for (const p of patches) expect(writePatch(p, 'c', ws)).toBe(true);
    const c = new ColumnCursor(ws.takeValues());
    const ints = new ColumnCursor(ws.intColumn());
    for (const p of patches) {
      const back = readPatch(c, ints, 'c');
      expect(back).toStrictEqual(p);
      expect(Object.keys(back)).toEqual(Object.keys(p));
    }
    expect(c.done && ints.done).toBe(true);
  });

  it('read each field once, and count only the fields read (a getter deleting a later field)', () => {
    let reads = 0;
    const p: Record<string, unknown> = { name: 'c', op: 'replace', path: ['a'] };
    Object.defineProperty(p, 'value', {
      enumerable: true,
      configurable: true,
      get() {
        reads++;
        delete p.prev;
        return 7;
      },
    });
    p.prev = 6;
    const ws = new Workspace(16);
    expect(writePatch(p, 'c', ws)).toBe(true);
    expect(reads).toBe(1);
    const data = new ColumnCursor(ws.takeValues());
    const ints = new ColumnCursor(ws.intColumn());
    expect(readPatch(data, ints, 'c')).toEqual({ name: 'c', op: 'replace', path: ['a'], value: 7 });
    expect(data.done && ints.done).toBe(true);
  });

  it('read no value of a patch that is not of the shape (it goes as a record, its getters untouched)', () => {
    let reads = 0;
    const p = { name: 'c', op: 'replace', path: ['a'], get value() {
      reads++;
      return 1;
    }, extra: true };
    expect(writePatch(p, 'c', new Workspace(16))).toBe(false);
    expect(reads).toBe(0);
  });

  it('read a patch back whatever Object.prototype carries (an inherited `prev` is no field of the patch)', () => {
    Object.defineProperty(Object.prototype, 'prev', { value: 'inherited', configurable: true, writable: true });
    try {
      const ws = new Workspace(16);
      const p = { name: 'c', op: 'replace', path: ['a'], value: 2, prev: 1 };
      expect(writePatch(p, 'c', ws)).toBe(true);
      expect(readPatch(new ColumnCursor(ws.takeValues()), new ColumnCursor(ws.intColumn()), 'c')).toEqual(p);
    } finally {
      delete (Object.prototype as Record<string, unknown>).prev;
    }
  });

  it('refuse heads the encoder never writes: a field twice, stray high bits', () => {
    const read = (head: number) => () => readPatch(new ColumnCursor([[], 1, 2]), new ColumnCursor([head]), 'c');
    const head = (op: number, ids: number[]) => op | ((ids.reduce((o, id, i) => o | (id << (3 + 2 * i)), 0) | ids.length) << 3);
    expect(read(head(1, [0, 1]))).not.toThrow();
    expect(read(head(1, [0, 0]))).toThrow(/twice/);
    expect(read(head(1, [0, 1]) | (1 << 13))).toThrow(/count/);
    expect(read(2 ** 35 + 1)).toThrow(/op/);
  });

  it('leave anything that is not exactly a patch of the event name as it is, writing nothing', () => {
    const ws = new Workspace(16);
    expect(writePatch({ ...patches[1], extra: true }, 'c', ws)).toBe(false);
    expect(writePatch(patches[1], 'other', ws)).toBe(false);
    expect(writePatch([1, 2], 'c', ws)).toBe(false);
    expect(writePatch({ name: 'c', op: 'move', path: [] }, 'c', ws)).toBe(false);
    expect(writePatch({ op: 'add', name: 'c', path: ['a'], value: 1 }, 'c', ws)).toBe(false);
    expect(writePatch({ name: 'c', op: 'add', path: ['a'], toString: 1 }, 'c', ws)).toBe(false);
    expect(ws.takeValues()).toEqual([]);
    expect(ws.intColumn()).toHaveLength(0);
  });

  it('store state.patch events of any data unchanged through the log, key order included', async () => {
    const store = await openStore({ memory: true });
    const log = await EventLog.create(store);
    const datas = [...patches, [1, 2, 3], { name: 'c', op: 'replace', path: ['a'], value: 1, extra: 'kept' }, 'text', undefined];
    for (const data of datas) log.append({ kind: 'state.patch', name: 'c', data });
    await log.close();
    const got = (await readEvents(store, log.sessionId)).map((e) => e.data);
    expect(got).toStrictEqual(datas);
    expect(got.map((d) => (typeof d === 'object' && d !== null ? Object.keys(d) : d))).toEqual(datas.map((d) => (typeof d === 'object' && d !== null ? Object.keys(d) : d)));
  });
});
