import { ROOT_CONTEXT, context, trace, type Context, type ContextManager } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { NegativeZero } from '../../src/codec/ValueCodec.js';
import type { EventInput } from '../../src/events.js';
import { InMemoryPatchSink } from '../../src/tracking/PatchSink.js';
import { applyPatch, type StatePatch } from '../../src/tracking/patches.js';
import { StateTracker, type StateTrackerOptions } from '../../src/tracking/Tracker.js';
import { isTrackerProxy } from '../../src/values/proxyRegistry.js';
import { deepEqualExact } from '../fixtures/deepEqualExact.js';

function setup<T extends object>(initial: T, options: StateTrackerOptions = {}) {
  const sink = new InMemoryPatchSink();
  const tracker = new StateTracker(sink, { activeContext: () => undefined, ...options });
  const s = tracker.track('s', initial);
  const patches = () => sink.events.slice(1).map((e) => e.data as StatePatch);
  const replay = () => sink.events.reduce<unknown>((st, e) => applyPatch(st, e.data as StatePatch), undefined);
  const expectReplayed = () => expect(deepEqualExact(tracker.raw('s'), replay())).toBeUndefined();
  return { sink, tracker, s, patches, expectReplayed };
}

describe('StateTracker basics', () => {
  it('records the initial value first, as a replace at [] holding a copy', () => {
    const initial = { a: 1, list: [1] };
    const { sink } = setup(initial);
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]).toMatchObject({ kind: 'state.patch', name: 's', data: { name: 's', op: 'replace', path: [], value: { a: 1, list: [1] } } });
    initial.list.push(2);
    expect((sink.events[0].data as StatePatch).value).toStrictEqual({ a: 1, list: [1] });
  });

  it('returns cached proxies: identities are stable', () => {
    const key = { k: 1 };
    const { s } = setup({ items: [{ id: 1 }] as object[], map: new Map([[key, { v: 1 }]]), set: new Set([{ e: 1 }]) });
    expect(s.items).toBe(s.items);
    expect(s.items[0]).toBe(s.items[0]);
    expect(s.map.get(key)).toBe(s.map.get(key));
    expect([...s.set][0]).toBe([...s.set][0]);
    expect(isTrackerProxy(s.items)).toBe(true);
    const later = { x: 1 };
    s.items.push(later);
    expect(s.items[1]).toBe(s.items[1]);
    expect(s.items[1]).not.toBe(later);
    expect(s.items.includes(s.items[1])).toBe(true);
    expect(s.items.indexOf(later as any)).toBe(1);
    expect(Array.isArray(s.items)).toBe(true);
    expect(s.map instanceof Map).toBe(true);
    expect(s.map.size).toBe(1);
  });

  it('tracks objects assigned later once they are read', () => {
    const { s, patches, expectReplayed } = setup<{ user?: { name: string; tags: string[] } }>({});
    s.user = { name: 'a', tags: [] };
    s.user.tags.push('x');
    s.user.name = 'b';
    expect(patches().map((p) => [p.op, p.path])).toEqual([
      ['add', ['user']],
      ['splice', ['user', 'tags']],
      ['replace', ['user', 'name']],
    ]);
    expectReplayed();
  });

  it('records nothing for writes that change nothing', () => {
    const { s, patches } = setup({ a: 1, z: -0, list: [3, 1, 2].sort() });
    s.a = 1;
    s.z = -0;
    s.list.sort();
    s.list.fill(2, 1, 2);
    s.list.copyWithin(0, 0);
    expect(patches()).toHaveLength(0);
    s.z = 0;
    expect(patches()).toHaveLength(1);
    expect(patches()[0].prev).toBe(NegativeZero.instance);
  });
});

describe('one patch per mutation', () => {
  it('array methods each record one splice', () => {
    const { s, patches, expectReplayed } = setup({ l: [5, 1, 4, 2, 3] });
    const ops: [string, () => unknown][] = [
      ['push', () => s.l.push(6, 7)],
      ['pop', () => s.l.pop()],
      ['shift', () => s.l.shift()],
      ['unshift', () => s.l.unshift(0, 0.5)],
      ['splice', () => s.l.splice(1, 2, 9, 9, 9)],
      ['sort', () => s.l.sort((a, b) => a - b)],
      ['reverse', () => s.l.reverse()],
      ['fill', () => s.l.fill(8, 2, 4)],
      ['copyWithin', () => s.l.copyWithin(0, 3, 5)],
      ['length shrink', () => (s.l.length = 3)],
      ['length grow', () => (s.l.length = 5)],
      ['write past the end', () => (s.l[7] = 1)],
    ];
    for (const [what, op] of ops) {
      const before = patches().length;
      op();
      expect(patches().length - before, what).toBe(1);
      expect(patches().at(-1)!.op, what).toBe('splice');
      expectReplayed();
    }
    const splice = patches()[4];
    expect(splice).toMatchObject({ op: 'splice', path: ['l'], index: 1 });
    expect((splice.prev as unknown[]).length).toBe(2);
    expect(splice.value).toEqual([9, 9, 9]);
  });

  it('sort/reverse record only the changed range', () => {
    const { s, patches } = setup({ l: [1, 2, 9, 8, 5] });
    s.l.sort((a, b) => a - b);
    expect(patches()[0]).toMatchObject({ op: 'splice', index: 2, prev: [9, 8, 5], value: [5, 8, 9] });
  });

  it('splice returns removed items and a shift of a 10k array is one patch', () => {
    const { s, patches, expectReplayed } = setup({ l: Array.from({ length: 10_000 }, (_, i) => ({ i })) });
    const removed = s.l.splice(0, 2);
    expect(removed.map((r) => r.i)).toEqual([0, 1]);
    s.l.shift();
    expect(patches()).toHaveLength(2);
    s.l[0].i = -1;
    expect(patches()[2].path).toEqual(['l', 0, 'i']);
    expectReplayed();
  });

  it('Map set/delete/clear and Set add/delete/clear', () => {
    const objKey = { k: 1 };
    const { s, patches, expectReplayed } = setup({ m: new Map<unknown, unknown>([['a', 1]]), t: new Set<unknown>([1]) });
    s.m.set('a', 2);
    s.m.set(objKey, { v: 1 });
    s.m.set(-0, 'zero');
    s.m.delete('a');
    s.m.delete('absent');
    s.t.add(2);
    s.t.add(2);
    s.t.add({ o: 1 });
    s.t.delete(1);
    expect(patches().map((p) => [p.op, p.path])).toEqual([
      ['replace', ['m', 'a']],
      ['add', ['m', { ref: 0 }]],
      ['add', ['m', 0]],
      ['remove', ['m', 'a']],
      ['add', ['t', 2]],
      ['add', ['t', { ref: 0 }]],
      ['remove', ['t', 1]],
    ]);
    expect(patches()[1].key).toStrictEqual({ k: 1 });
    (s.m.get(objKey) as { v: number }).v = 2;
    expect(patches().at(-1)!.path).toEqual(['m', { ref: 0 }, 'v']);
    for (const el of s.t) if (typeof el === 'object') (el as { o: number }).o = 2;
    expect(patches().at(-1)!.path).toEqual(['t', { ref: 0 }, 'o']);
    s.m.clear();
    s.t.clear();
    expect(patches().slice(-2).map((p) => p.op)).toEqual(['clear', 'clear']);
    expectReplayed();
  });

  it('Date setters record one replace of the Date', () => {
    const { s, patches, expectReplayed } = setup({ when: new Date(0) });
    s.when.setUTCFullYear(2024);
    expect(s.when.getUTCFullYear()).toBe(2024);
    expect(patches()).toHaveLength(1);
    expect(patches()[0]).toMatchObject({ op: 'replace', path: ['when'] });
    expect((patches()[0].prev as Date).getTime()).toBe(0);
    expectReplayed();
  });

  it('delete records a remove with the old value', () => {
    const { s, patches } = setup<{ a?: { x: number } }>({ a: { x: 1 } });
    delete s.a;
    expect(patches()[0]).toMatchObject({ op: 'remove', path: ['a'], prev: { x: 1 } });
  });
});

describe('paths follow the objects', () => {
  it('a proxy kept across moves records at the current path; one that left records nothing', () => {
    const { s, tracker, patches, expectReplayed } = setup<{ list: { n: number }[]; other?: { n: number } }>({ list: [{ n: 0 }, { n: 1 }, { n: 2 }] });
    const third = s.list[2];
    s.list.shift();
    third.n = 20;
    expect(patches().at(-1)!.path).toEqual(['list', 1, 'n']);
    s.list.reverse();
    third.n = 21;
    expect(patches().at(-1)!.path).toEqual(['list', 0, 'n']);
    s.other = third;
    s.list.splice(0, 1);
    third.n = 22;
    expect(patches().at(-1)!.path).toEqual(['other', 'n']);
    const gone = s.list.pop()!;
    const count = patches().length;
    gone.n = 99;
    expect(patches()).toHaveLength(count);
    expect(tracker.stats.detachedWrites).toBe(1);
    expectReplayed();
  });

  it('finds an object read through a container that left the state', () => {
    const { s, patches, expectReplayed } = setup<Record<string, any>>({ box: { inner: { n: 0 } } });
    const box = s.box;
    delete s.box;
    const inner = box.inner;
    s.moved = inner;
    void box.inner; // a read through the detached box points inner's link at it again
    inner.n = 1;
    expect(patches().at(-1)!.path).toEqual(['moved', 'n']);
    expectReplayed();
  });

  it('a value shifted off a queue is detached at once (no search)', () => {
    const { s, tracker, patches } = setup({ queue: [{ status: 'new' }, { status: 'new' }] });
    const job = s.queue.shift()!;
    job.status = 'running';
    expect(patches()).toHaveLength(1);
    expect(tracker.stats.detachedWrites).toBe(1);
  });

  it('follows tracked objects placed inside fresh values (a filtered copy)', () => {
    const { s, patches, expectReplayed } = setup({ todos: [{ id: 1, done: false }, { id: 2, done: false }] });
    const second = s.todos[1];
    s.todos = s.todos.filter((t) => t.id !== 1);
    second.done = true;
    expect(patches().at(-1)!.path).toEqual(['todos', 0, 'done']);
    expectReplayed();
  });
});

describe('values the copy cannot hold', () => {
  it('functions, symbols and cycles become markers and never crash', () => {
    const { s, patches, expectReplayed } = setup<Record<string, unknown>>({});
    s.fn = function handler() {};
    s.sym = Symbol('s');
    const cyc: Record<string, unknown> = {};
    cyc.self = cyc;
    s.cyc = cyc;
    expect(patches().map((p) => p.value)).toEqual([
      { '@hindsight': 'function', name: 'handler' },
      { '@hindsight': 'symbol', description: 's' },
      { self: { '@hindsight': 'cycle' } },
    ]);
    expect(() => replayOf(patches())).not.toThrow();
    void expectReplayed;
  });

  it('class instances are stored raw and recorded as plain objects', () => {
    class Box {
      v = 1;
    }
    const { s, patches } = setup<{ box?: Box }>({});
    s.box = new Box();
    expect(s.box).toBeInstanceOf(Box);
    expect(isTrackerProxy(s.box)).toBe(false);
    expect(patches()[0].value).toStrictEqual({ v: 1 });
  });
});

function replayOf(patches: StatePatch[]): unknown {
  return patches.reduce<unknown>((st, p) => applyPatch(st, p), {});
}

describe('trace context', () => {
  afterEach(() => {
    context.disable();
  });

  it('attaches traceId/spanId from the activeContext option', () => {
    let active: { traceId: string; spanId: string } | undefined = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) };
    const { s, sink } = setup({ n: 0 }, { activeContext: () => active });
    s.n = 1;
    expect(sink.events.at(-1)).toMatchObject({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) });
    active = undefined;
    s.n = 2;
    expect(sink.events.at(-1)!.traceId).toBeUndefined();
    expect('traceId' in sink.events.at(-1)!).toBe(false);
  });

  it('reads the active OpenTelemetry span by default, only when valid', () => {
    let current: Context = ROOT_CONTEXT;
    const manager: ContextManager = {
      active: () => current,
      with(ctx, fn, thisArg, ...args) {
        const prev = current;
        current = ctx;
        try {
          return fn.call(thisArg, ...args);
        } finally {
          current = prev;
        }
      },
      bind: (_ctx, target) => target,
      enable() {
        return this;
      },
      disable() {
        current = ROOT_CONTEXT;
        return this;
      },
    };
    context.setGlobalContextManager(manager);
    const sink = new InMemoryPatchSink();
    const s = new StateTracker(sink).track('s', { n: 0 });
    const spanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };
    context.with(trace.setSpanContext(ROOT_CONTEXT, spanContext), () => {
      s.n = 1;
    });
    expect(sink.events.at(-1)).toMatchObject({ traceId: spanContext.traceId, spanId: spanContext.spanId });
    context.with(trace.setSpanContext(ROOT_CONTEXT, { traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 }), () => {
      s.n = 2;
    });
    expect(sink.events.at(-1)!.traceId).toBeUndefined();
    s.n = 3;
    expect(sink.events.at(-1)!.traceId).toBeUndefined();
    // Spans in turn, valid or not, each context used more than once: every write carries its own.
    const other = { traceId: '1bf7651916cd43dd8448eb211c80319d', spanId: 'c7ad6b7169203332', traceFlags: 1 };
    const ctxs = [spanContext, other, { traceId: 'f'.repeat(31), spanId: '0'.repeat(16), traceFlags: 0 }].map((sc) => trace.setSpanContext(ROOT_CONTEXT, sc));
    const order = [0, 0, 1, 0, 2, 2, 1, 1, 0];
    for (const i of order) context.with(ctxs[i], () => s.n++);
    expect(sink.events.slice(-order.length).map((e) => e.spanId)).toEqual(order.map((i) => [spanContext.spanId, other.spanId, undefined][i]));
  });
});

describe('dirty paths and incremental reads', () => {
  it('coarsens: ancestors win, arrays and Sets are marked whole, Map primitive keys per entry', () => {
    const { s, tracker } = setup({
      a: { b: { c: 1 }, d: 1 },
      l: [{ x: 1 }, 2],
      m: new Map<unknown, unknown>([['k', { v: 1 }], ['j', 1]]),
      t: new Set([1]),
    });
    tracker.takeDirty();
    s.a.b.c = 2;
    s.a.d = 2;
    s.a.b = { c: 3 };
    (s.l[0] as { x: number }).x = 2;
    s.l.push(3);
    (s.m.get('k') as { v: number }).v = 2;
    s.m.set('j', 2);
    s.t.add(2);
    expect(tracker.takeDirty().get('s')).toEqual([['a', 'b'], ['a', 'd'], ['l'], ['m', 'k', 'v'], ['m', 'j'], ['t']]);
    expect(tracker.takeDirty().size).toBe(0);
  });

  it('a key removed and added again marks its container (iteration order)', () => {
    const { s, tracker } = setup<Record<string, number>>({ a: 1, b: 2 });
    tracker.takeDirty();
    delete s.a;
    s.a = 3;
    expect(tracker.takeDirty().get('s')).toEqual([[]]);
  });

  it('readPaths returns copies and removals; a 1M-entry Map costs O(changes)', () => {
    const big = new Map<number, { v: number }>();
    for (let i = 0; i < 1_000_000; i++) big.set(i, { v: i });
    const { s, tracker } = setup({ big });
    tracker.takeDirty();
    s.big.get(10)!.v = -1;
    s.big.delete(20);
    s.big.set(2_000_000, { v: 1 });
    const paths = tracker.takeDirty('s').get('s')!;
    expect(paths).toEqual([['big', 10, 'v'], ['big', 20], ['big', 2_000_000]]);
    expect(tracker.readPaths('s', paths)).toEqual([
      { path: ['big', 10, 'v'], value: -1 },
      { path: ['big', 20], removed: true },
      { path: ['big', 2_000_000], value: { v: 1 } },
    ]);
  });

  it('current, names and raw', () => {
    const { s, tracker } = setup({ a: -0 });
    tracker.track('t', [1]);
    expect(tracker.names()).toEqual(['s', 't']);
    expect(tracker.raw('s')).not.toBe(s);
    expect(tracker.current('s')).toStrictEqual({ a: NegativeZero.instance });
  });
});

describe('robustness', () => {
  it('validates track() arguments', () => {
    const tracker = new StateTracker(new InMemoryPatchSink());
    expect(() => tracker.track('', {})).toThrow(/HINDSIGHT_INVALID_ARGUMENT/);
    expect(() => tracker.track('x', Object.freeze({}))).toThrow(/HINDSIGHT_INVALID_ARGUMENT/);
    expect(() => tracker.track('x', new (class A {})())).toThrow(/HINDSIGHT_INVALID_ARGUMENT/);
    const shared = {};
    tracker.track('a', shared);
    expect(() => tracker.track('b', shared)).toThrow(/already tracked/);
    expect(() => tracker.raw('nope')).toThrow(/HINDSIGHT_INVALID_ARGUMENT/);
  });

  it('re-tracking a name records a replace at [] with prev', () => {
    const { tracker, sink } = setup({ v: 1 });
    const old = tracker.raw('s');
    const s2 = tracker.track('s', { v: 2 });
    expect(sink.events.at(-1)!.data).toMatchObject({ op: 'replace', path: [], value: { v: 2 }, prev: { v: 1 } });
    s2.v = 3;
    expect((old as { v: number }).v).toBe(1);
  });

  it('a key hidden and made enumerable again keeps its place in the replayed key order', () => {
    const { s, patches, expectReplayed } = setup({ top: { a: 1, b: 2, c: 3 } as Record<string, number>, last: { x: 1 } as Record<string, number> });
    Object.defineProperty(s.top, 'a', { enumerable: false });
    expectReplayed();
    Object.defineProperty(s.top, 'a', { enumerable: true });
    s.top.d = 4;
    expect(Object.keys(s.top)).toEqual(['a', 'b', 'c', 'd']);
    // Last in order anyway: an add says it exactly.
    Object.defineProperty(s.last, 'x', { enumerable: false });
    Object.defineProperty(s.last, 'x', { enumerable: true });
    expectReplayed();
    expect(patches().map((p) => [p.op, p.path])).toEqual([
      ['remove', ['top', 'a']],
      ['replace', ['top']],
      ['add', ['top', 'd']],
      ['remove', ['last', 'x']],
      ['add', ['last', 'x']],
    ]);
  });

  it('a tracked object written to a hidden key is stored raw, so showing the key records no proxy', () => {
    const { s, tracker, expectReplayed } = setup({ a: { n: 1 } as object, b: new Set([1]) as object, c: 0 });
    Object.defineProperty(s, 'a', { enumerable: false });
    const set = s.b;
    delete (s as { b?: object }).b;
    s.a = set;
    expect(isTrackerProxy((tracker.raw('s') as { a: object }).a)).toBe(false);
    Object.defineProperty(s, 'a', { enumerable: true });
    expectReplayed();
  });

  it('a failing sink never throws into the program', () => {
    const errors: unknown[] = [];
    const sink = {
      append(_e: EventInput) {
        throw new Error('disk on fire');
      },
    };
    const tracker = new StateTracker(sink, { activeContext: () => undefined, onError: (e) => errors.push(e) });
    const s = tracker.track('s', { n: 0, l: [] as number[] });
    s.n = 1;
    s.l.push(1);
    expect(s.n).toBe(1);
    expect(s.l).toEqual([1]);
    expect(errors.length).toBe(3);
    expect(tracker.stats.errors).toBe(3);
  });

  it('non-extensible objects with non-writable props read back without invariant errors', () => {
    const inner = { x: 1 };
    const sealed: { fixed: typeof inner; free: { z: number } } = Object.defineProperty({ free: { z: 1 } } as any, 'fixed', {
      value: inner,
      enumerable: true,
      writable: false,
      configurable: false,
    });
    Object.preventExtensions(sealed);
    expect(Object.isFrozen(sealed)).toBe(false);
    const { s } = setup({ sealed, frozen: Object.freeze({ o: { y: 1 } }) });
    expect(s.sealed.fixed).toBe(inner);
    expect(isTrackerProxy(s.sealed.free)).toBe(true);
    expect(s.frozen.o.y).toBe(1);
  });
});

describe('a child put in its new place before its old place is emptied', () => {
  // Writes through a handle the program kept must still be recorded afterwards.
  const cases: [string, () => { tracker: StateTracker; expectReplayed: () => void; write: () => void }][] = [
    ['a Map entry renamed by set, then delete', () => {
      const t = setup({ users: new Map([['u1', { id: 'u1' }]]) });
      const u = t.s.users.get('u1')!;
      return { ...t, write: () => (t.s.users.set('u2', u), t.s.users.delete('u1'), (u.id = 'u2')) };
    }],
    ['an object key renamed by assignment, then delete', () => {
      const t = setup({ users: { u1: { id: 'u1' } } as Record<string, { id: string }> });
      const u = t.s.users.u1;
      return { ...t, write: () => ((t.s.users.u2 = u), delete t.s.users.u1, (u.id = 'u2')) };
    }],
    ['two array elements swapped by destructuring', () => {
      const t = setup({ list: [{ id: 'a' }, { id: 'b' }] as { id: string; top?: boolean }[] });
      const b = t.s.list[1];
      return { ...t, write: () => (([t.s.list[0], t.s.list[1]] = [t.s.list[1], t.s.list[0]]), (b.top = true)) };
    }],
    ['an element moved to the front by unshift, then splice of its old slot', () => {
      const t = setup({ list: [{ id: 'a' }, { id: 'b' }] as { id: string; top?: boolean }[] });
      const b = t.s.list[1];
      return { ...t, write: () => (t.s.list.unshift(b), t.s.list.splice(2, 1), (b.top = true)) };
    }],
    ['two properties swapped', () => {
      const t = setup({ p: { left: { n: 1 }, right: { n: 2 } } });
      const a = t.s.p.left;
      const b = t.s.p.right;
      return { ...t, write: () => ((t.s.p.left = b), (t.s.p.right = a), (b.n = 20)) };
    }],
  ];
  for (const [name, make] of cases) {
    it(name, () => {
      const t = make();
      t.write();
      expect(t.tracker.stats.detachedWrites).toBe(0);
      t.expectReplayed();
    });
  }
});

describe('tracking a name again', () => {
  it('records writes through handles kept from before, when the new value holds them', () => {
    const sink = new InMemoryPatchSink();
    const tracker = new StateTracker(sink, { activeContext: () => undefined });
    const cart = tracker.track('cart', { items: [] as string[] });
    const items = cart.items;
    tracker.track('cart', { ...cart, total: 0 });
    items.push('widget');
    const replayed = sink.events.reduce<unknown>((st, e) => applyPatch(st, e.data as StatePatch), undefined);
    expect(tracker.stats.detachedWrites).toBe(0);
    expect(deepEqualExact(tracker.raw('cart'), replayed)).toBeUndefined();
    expect(replayed).toEqual({ items: ['widget'], total: 0 });
  });
});
