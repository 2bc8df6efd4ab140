import { describe, expect, it } from 'vitest';
import { NegativeZero } from '../../src/codec/ValueCodec.js';
import { StateTracker } from '../../src/tracking/Tracker.js';
import { NoopPatchSink } from '../../src/tracking/PatchSink.js';
import { compareStates } from '../../replay/compare.js';

const paths = (e: Record<string, unknown>, a: Record<string, unknown>, o = {}) => compareStates(e, a, o).map((d) => `${d.kind} ${d.path}`);

describe('compareStates', () => {
  it('lists changed, added and removed paths with the tracked name first', () => {
    const diffs = compareStates({ s: { a: 1, b: [1, 2, 3], c: { d: 'x' } } }, { s: { a: 2, b: [1, 2], c: { d: 'x', e: true } }, t: {} });
    expect(diffs).toEqual([
      { path: 's.a', kind: 'changed', expected: 1, actual: 2 },
      { path: 's.b.2', kind: 'removed', expected: 3, actual: undefined },
      { path: 's.c.e', kind: 'added', expected: undefined, actual: true },
      { path: 't', kind: 'added', expected: undefined, actual: {} },
    ]);
  });

  it('ignores key order but not array order; compares Maps by key and Sets by member', () => {
    expect(paths({ s: { a: 1, b: 2 } }, { s: { b: 2, a: 1 } })).toEqual([]);
    expect(paths({ s: [1, 2] }, { s: [2, 1] })).toEqual(['changed s.0', 'changed s.1']);
    expect(paths({ s: new Map([['k', 1], ['j', 2]]) }, { s: new Map([['j', 2], ['k', 3], ['l', 0]]) })).toEqual(['changed s.k', 'added s.l']);
    expect(paths({ s: new Set([1, 2]) }, { s: new Set([2, 1]) })).toEqual([]);
    expect(paths({ s: new Set([1, 2]) }, { s: new Set([1, 3]) })).toEqual(['changed s']);
    expect(paths({ s: { d: new Date(5) } }, { s: { d: new Date(6) } })).toEqual(['changed s.d']);
    expect(paths({ s: { d: new Date(5) } }, { s: { d: new Date(5) } })).toEqual([]);
  });

  it('reads the actual state as the recorder would record it', () => {
    class Point {
      constructor(
        public x: number,
        public y: number,
      ) {}
    }
    expect(paths({ s: { p: { x: 1, y: 2 } } }, { s: { p: new Point(1, 2) } })).toEqual([]);
    expect(paths({ s: { z: NegativeZero.instance } }, { s: { z: -0 } })).toEqual([]);
    expect(paths({ s: { z: 0 } }, { s: { z: -0 } })).toEqual(['changed s.z']);
    expect(paths({ s: { n: NaN } }, { s: { n: NaN } })).toEqual([]);
    expect(paths({ s: { f: { '@hindsight': 'function', name: 'go' } } }, { s: { f: function go() {} } })).toEqual([]);
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(paths({ s: { a: 1, self: { '@hindsight': 'cycle' } } }, { s: cyclic })).toEqual([]);
    const tracker = new StateTracker(new NoopPatchSink());
    const proxy = tracker.track('s', { items: [{ q: 1 }] });
    expect(paths({ s: { items: [{ q: 1 }] } }, { s: proxy })).toEqual([]);
    proxy.items[0].q = 2;
    expect(paths({ s: { items: [{ q: 1 }] } }, { s: proxy })).toEqual(['changed s.items.0.q']);
  });

  it('matches ignore patterns segment by segment, with * and **, covering everything below a match', () => {
    const e = { s: { users: [{ id: 'a', seen: 1 }, { id: 'b', seen: 2 }], meta: { at: 1, deep: { id: 'x' } } } };
    const a = { s: { users: [{ id: 'A', seen: 1 }, { id: 'B', seen: 3 }], meta: { at: 2, deep: { id: 'y' } } } };
    expect(paths(e, a)).toEqual(['changed s.users.0.id', 'changed s.users.1.id', 'changed s.users.1.seen', 'changed s.meta.at', 'changed s.meta.deep.id']);
    expect(paths(e, a, { ignore: ['s.users.*.id'] })).toEqual(['changed s.users.1.seen', 'changed s.meta.at', 'changed s.meta.deep.id']);
    expect(paths(e, a, { ignore: ['**.id'] })).toEqual(['changed s.users.1.seen', 'changed s.meta.at']);
    expect(paths(e, a, { ignore: ['s.meta', 's.users.1'] })).toEqual(['changed s.users.0.id']);
    expect(paths(e, a, { ignore: ['s.users.**', 's.meta.*'] })).toEqual([]);
    expect(paths(e, a, { ignore: ['s.user'] })).toHaveLength(5);
    // An ignored path that exists on one side only is ignored too.
    expect(paths({ s: { a: 1 } }, { s: { a: 1, at: 5 } }, { ignore: ['s.at'] })).toEqual([]);
  });

  it('applies an absolute or relative tolerance to numbers only', () => {
    expect(paths({ s: { v: 1 } }, { s: { v: 1.05 } }, { tolerance: 0.1 })).toEqual([]);
    expect(paths({ s: { v: 1 } }, { s: { v: 1.2 } }, { tolerance: 0.1 })).toEqual(['changed s.v']);
    expect(paths({ s: { v: 1000 } }, { s: { v: 1001 } }, { tolerance: { relative: 0.01 } })).toEqual([]);
    expect(paths({ s: { v: 1 } }, { s: { v: 1.5 } }, { tolerance: { absolute: 0.1, relative: 0.01 } })).toEqual(['changed s.v']);
    expect(paths({ s: { v: '1' } }, { s: { v: 1 } }, { tolerance: 1 })).toEqual(['changed s.v']);
    expect(paths({ s: { v: NaN } }, { s: { v: 1 } }, { tolerance: 10 })).toEqual(['changed s.v']);
    expect(paths({ s: { v: Infinity } }, { s: { v: Infinity } }, { tolerance: 10 })).toEqual([]);
  });

  it('stops at maxDifferences and reports copies of the actual values', () => {
    const actual = { s: { o: { n: 1 }, a: 1, b: 1, c: 1 } };
    const diffs = compareStates({ s: { o: { n: 0 }, a: 0, b: 0, c: 0 } }, actual, { maxDifferences: 2 });
    expect(diffs).toHaveLength(2);
    const whole = compareStates({ s: {} }, { s: { o: actual.s.o } });
    actual.s.o.n = 9;
    expect(whole[0].actual).toEqual({ n: 1 });
  });
});

describe('redacted leaves', () => {
  it('match whatever today\'s code holds there', () => {
    expect(compareStates({ cfg: { token: '[REDACTED]', n: 1 } }, { cfg: { token: 'live-secret', n: 1 } })).toEqual([]);
    expect(compareStates({ cfg: { token: '[REDACTED]', n: 1 } }, { cfg: { token: 'live-secret', n: 2 } }).map((d) => d.path)).toEqual(['cfg.n']);
  });
});
