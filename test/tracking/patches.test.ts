import { describe, expect, it } from 'vitest';
import { packStandalone, unpackStandalone } from '../../src/codec/ValueCodec.js';
import { ErrorCodes, isHindsightError } from '../../src/errors.js';
import { applyIncremental } from '../../src/tracking/incremental.js';
import { applyPatch, revertPatch, type StatePatch } from '../../src/tracking/patches.js';
import { copyValue } from '../../src/values/copyValue.js';
import { deepEqualExact } from '../fixtures/deepEqualExact.js';

/** A patch as a reader gets it: copied (as the tracker does), encoded and decoded. */
const p = (patch: Omit<StatePatch, 'name'>): StatePatch => unpackStandalone(packStandalone(copyValue({ name: 's', ...patch })));

function roundTrip(before: unknown, patch: StatePatch, after: unknown): void {
  const clone = structuredClone(before);
  const applied = applyPatch(clone, patch);
  expect(deepEqualExact(applied, after)).toBeUndefined();
  const reverted = revertPatch(applied, patch);
  expect(deepEqualExact(reverted, before, { order: 'revert' })).toBeUndefined();
}

describe('applyPatch / revertPatch', () => {
  it('replace at [] sets the root; reverting the first record gives undefined', () => {
    const patch = p({ op: 'replace', path: [], value: { a: 1 } });
    const root = applyPatch(undefined, patch);
    expect(root).toStrictEqual({ a: 1 });
    expect(revertPatch(root, patch)).toBeUndefined();
    const again = p({ op: 'replace', path: [], value: [1], prev: { a: 1 } });
    expect(revertPatch(applyPatch(root, again), again)).toStrictEqual({ a: 1 });
  });

  it('object add / replace / remove', () => {
    roundTrip({ a: { b: 1 } }, p({ op: 'add', path: ['a', 'c'], value: [1] }), { a: { b: 1, c: [1] } });
    roundTrip({ a: { b: 1 } }, p({ op: 'replace', path: ['a', 'b'], value: -0, prev: 1 }), { a: { b: -0 } });
    roundTrip({ a: { b: 1, c: 2 } }, p({ op: 'remove', path: ['a', 'b'], prev: 1 }), { a: { c: 2 } });
  });

  it('array splice (insert, remove, both) and index replace', () => {
    roundTrip([1, 2, 3], p({ op: 'splice', path: [], index: 1, prev: [2], value: ['x', 'y'] }), [1, 'x', 'y', 3]);
    roundTrip({ l: [1, 2, 3] }, p({ op: 'splice', path: ['l'], index: 3, prev: [], value: [4] }), { l: [1, 2, 3, 4] });
    roundTrip({ l: [1, 2, 3] }, p({ op: 'splice', path: ['l'], index: 0, prev: [1, 2], value: [] }), { l: [3] });
    roundTrip({ l: [1, { x: 1 }] }, p({ op: 'replace', path: ['l', 1, 'x'], value: 2, prev: 1 }), { l: [1, { x: 2 }] });
  });

  it('large splices do not overflow the stack', () => {
    const items = Array.from({ length: 200_000 }, (_, i) => i);
    const patch: StatePatch = { name: 's', op: 'splice', path: [], index: 1, prev: [], value: items };
    const arr = applyPatch([0, 1], patch) as number[];
    expect(arr).toHaveLength(200_002);
    expect(arr[200_001]).toBe(1);
    expect(revertPatch(arr, patch)).toStrictEqual([0, 1]);
  });

  it('Map entries with primitive and ref keys', () => {
    const key = { id: 1 };
    const before = new Map<unknown, unknown>([['a', 1], [key, { v: 1 }], [2, 'two'], [{ id: 2 }, 'x']]);
    roundTrip(before, p({ op: 'add', path: [5n], value: 'five' }), new Map<unknown, unknown>([...before, [5n, 'five']]));
    roundTrip(before, p({ op: 'add', path: [{ ref: 2 }], key: { id: 3 }, value: 3 }), new Map<unknown, unknown>([...before, [{ id: 3 }, 3]]));
    roundTrip(before, p({ op: 'replace', path: [{ ref: 0 }, 'v'], value: 2, prev: 1 }), new Map<unknown, unknown>([['a', 1], [key, { v: 2 }], [2, 'two'], [{ id: 2 }, 'x']]));
    // A removed ref entry comes back at its ref position.
    roundTrip(before, p({ op: 'remove', path: [{ ref: 0 }], key: { id: 1 }, prev: { v: 1 } }), new Map<unknown, unknown>([['a', 1], [2, 'two'], [{ id: 2 }, 'x']]));
    roundTrip(before, p({ op: 'clear', path: [], prev: before }), new Map());
  });

  it('Set elements: primitives by value, objects by ref position', () => {
    const before = new Set<unknown>([1, { o: 1 }, 'x', { o: 2 }]);
    roundTrip(before, p({ op: 'add', path: ['y'], value: 'y' }), new Set<unknown>([...before, 'y']));
    roundTrip(before, p({ op: 'add', path: [{ ref: 2 }], value: { o: 3 } }), new Set<unknown>([...before, { o: 3 }]));
    roundTrip(before, p({ op: 'remove', path: [{ ref: 0 }], prev: { o: 1 } }), new Set<unknown>([1, 'x', { o: 2 }]));
    roundTrip(before, p({ op: 'replace', path: [{ ref: 1 }, 'o'], value: 9, prev: 2 }), new Set<unknown>([1, { o: 1 }, 'x', { o: 9 }]));
    // A Date element replaced in place keeps its position.
    const withDate = new Set<unknown>([new Date(1), 'x', { o: 1 }]);
    roundTrip(withDate, p({ op: 'replace', path: [{ ref: 0 }], value: new Date(2), prev: new Date(1) }), new Set<unknown>([new Date(2), 'x', { o: 1 }]));
  });

  it('applying one decoded patch to two states never links them', () => {
    const patch = p({ op: 'add', path: ['a'], value: { nested: [1] } });
    const s1 = applyPatch({}, patch) as any;
    const s2 = applyPatch({}, patch) as any;
    s1.a.nested.push(2);
    expect(s2.a.nested).toStrictEqual([1]);
    expect(patch.value).toStrictEqual({ nested: [1] });
  });

  it('a __proto__ key is data, never a prototype', () => {
    const patch: StatePatch = { name: 's', op: 'add', path: ['__proto__'], value: { polluted: true } };
    const root = applyPatch({}, patch) as any;
    expect(Object.getPrototypeOf(root)).toBe(Object.prototype);
    expect(Object.keys(root)).toEqual(['__proto__']);
    expect(({} as any).polluted).toBeUndefined();
    const inc = applyIncremental({}, [{ path: ['__proto__'], value: { polluted: true } }]) as any;
    expect(Object.getPrototypeOf(inc)).toBe(Object.prototype);
  });

  it('rejects paths that do not exist with INVALID_ARGUMENT', () => {
    const bad = () => applyPatch({ a: 1 }, { name: 's', op: 'replace', path: ['x', 'y'], value: 1, prev: 0 });
    expect(bad).toThrow(/HINDSIGHT_INVALID_ARGUMENT/);
    try {
      bad();
    } catch (err) {
      expect(isHindsightError(err, ErrorCodes.INVALID_ARGUMENT)).toBe(true);
    }
    expect(() => applyPatch([1], { name: 's', op: 'remove', path: [0], prev: 1 })).toThrow(/HINDSIGHT_INVALID_ARGUMENT/);
    expect(() => applyPatch({ m: new Map() }, { name: 's', op: 'remove', path: ['m', { ref: 0 }], prev: 1 })).toThrow(/HINDSIGHT_INVALID_ARGUMENT/);
  });
});

describe('applyIncremental', () => {
  it('sets, removes and replaces the root', () => {
    const state = { a: { b: 1 }, m: new Map<unknown, unknown>([['k', 1]]), l: [1, 2] };
    const out = applyIncremental(state, [
      { path: ['a', 'b'], value: 2 },
      { path: ['m', 'k'], removed: true },
      { path: ['m', 'n'], value: { x: 1 } },
      { path: ['l', 1], value: -0 },
      { path: ['gone'], removed: true },
    ]) as typeof state;
    expect(deepEqualExact(out, { a: { b: 2 }, m: new Map([['n', { x: 1 }]]), l: [1, -0] })).toBeUndefined();
    expect(applyIncremental(out, [{ path: [], value: [1] }])).toStrictEqual([1]);
  });

  it('rejects an entry whose parent is missing', () => {
    expect(() => applyIncremental({}, [{ path: ['a', 'b'], value: 1 }])).toThrow(/HINDSIGHT_INVALID_ARGUMENT/);
  });
});
