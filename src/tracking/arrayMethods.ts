/**
 * Array methods of tracked arrays. Each mutating method runs on the raw array
 * (no trap fires) and records ONE splice patch: never one patch per shifted
 * index. sort, reverse, fill and copyWithin record the changed range only.
 * Called with a `this` that is not a tracked array, each behaves natively.
 */
import { rawOf } from '../values/proxyRegistry.js';
import type { Node } from './nodes.js';
import type { TrackerCore } from './TrackerCore.js';

type Method = (this: unknown, ...args: any[]) => unknown;

const A = Array.prototype as unknown as Record<string, Method>;
const SPREAD_LIMIT = 8192;

function toInteger(x: unknown): number {
  const n = Number(x);
  return Number.isNaN(n) ? 0 : Math.trunc(n);
}

function relativeIndex(x: unknown, len: number): number {
  const r = toInteger(x);
  return r < 0 ? Math.max(len + r, 0) : Math.min(r, len);
}

function rawItems(items: unknown[]): unknown[] {
  for (let i = 0; i < items.length; i++) {
    const v = items[i];
    if (typeof v === 'object' && v !== null) items[i] = rawOf(v);
  }
  return items;
}

export function createArrayMethods(core: TrackerCore): Record<string | symbol, unknown> {
  const m: Record<string | symbol, unknown> = Object.create(null);

  m.push = function push(this: unknown, ...items: unknown[]) {
    const node = core.nodeOf(this);
    if (node === undefined) return A.push.apply(this, items);
    const t = node.target as unknown[];
    const start = t.length;
    const result = A.push.apply(t, rawItems(items));
    if (items.length > 0) core.recordSplice(node, start, [], items);
    return result;
  };

  m.unshift = function unshift(this: unknown, ...items: unknown[]) {
    const node = core.nodeOf(this);
    if (node === undefined) return A.unshift.apply(this, items);
    const result = A.unshift.apply(node.target, rawItems(items));
    if (items.length > 0) core.recordSplice(node, 0, [], items);
    return result;
  };

  m.pop = function pop(this: unknown) {
    const node = core.nodeOf(this);
    if (node === undefined) return A.pop.call(this);
    const t = node.target as unknown[];
    if (t.length === 0) return t.pop();
    const index = t.length - 1;
    const removed = t.pop();
    core.recordSplice(node, index, [removed], []);
    return core.detachedProxy(removed);
  };

  m.shift = function shift(this: unknown) {
    const node = core.nodeOf(this);
    if (node === undefined) return A.shift.call(this);
    const t = node.target as unknown[];
    if (t.length === 0) return t.shift();
    const removed = t.shift();
    core.recordSplice(node, 0, [removed], []);
    return core.detachedProxy(removed);
  };

  m.splice = function splice(this: unknown, ...args: unknown[]) {
    const node = core.nodeOf(this);
    if (node === undefined) return A.splice.apply(this, args);
    const t = node.target as unknown[];
    const len = t.length;
    // Normalise start/deleteCount once, as the spec does, so valueOf runs once and the patch index is exact.
    const start = args.length === 0 ? 0 : relativeIndex(args[0], len);
    const deleteCount =
      args.length === 0 ? 0 : args.length === 1 ? len - start : Math.min(Math.max(toInteger(args[1]), 0), len - start);
    const items = rawItems(args.slice(2));
    let removed: unknown[];
    if (items.length <= SPREAD_LIMIT) removed = t.splice(start, deleteCount, ...items);
    else {
      removed = t.slice(start, start + deleteCount);
      const tail = t.slice(start + deleteCount);
      t.length = start;
      for (const v of items) t.push(v);
      for (const v of tail) t.push(v);
    }
    if (removed.length > 0 || items.length > 0) core.recordSplice(node, start, removed, items);
    const out = new Array(removed.length);
    for (let i = 0; i < removed.length; i++) out[i] = core.detachedProxy(removed[i]);
    return out;
  };

  for (const name of ['sort', 'reverse', 'fill', 'copyWithin'] as const) {
    const native = A[name];
    m[name] = function (this: unknown, ...args: unknown[]) {
      const node = core.nodeOf(this);
      if (node === undefined) return native.apply(this, args);
      const t = node.target as unknown[];
      const before = t.slice();
      if (name === 'fill') args[0] = rawOf(args[0]);
      try {
        native.apply(t, args);
      } finally {
        // A comparator that throws leaves the array partly sorted: still record what changed.
        recordRange(core, node, before);
      }
      return node.proxy;
    };
  }

  // Searches compare identities: look for the raw object, then for its other form.
  for (const name of ['indexOf', 'lastIndexOf', 'includes'] as const) {
    const native = A[name];
    m[name] = function (this: unknown, ...args: unknown[]) {
      const node = core.nodeOf(this);
      if (node === undefined) return native.apply(this, args);
      const result = native.apply(node.target, args);
      const search = args[0];
      if (result !== -1 && result !== false) return result;
      if (typeof search !== 'object' || search === null) return result;
      const alt = core.altForm(search);
      if (alt === undefined) return result;
      args[0] = alt;
      return native.apply(node.target, args);
    };
  }

  return m;
}

/** One splice covering the range an in-place reordering changed (none if nothing moved). */
function recordRange(core: TrackerCore, node: Node, before: unknown[]): void {
  const t = node.target as unknown[];
  const n = t.length;
  let lo = 0;
  while (lo < n && Object.is(before[lo], t[lo])) lo++;
  if (lo === n) return;
  let hi = n - 1;
  while (hi > lo && Object.is(before[hi], t[hi])) hi--;
  core.recordSplice(node, lo, before.slice(lo, hi + 1), t.slice(lo, hi + 1));
}

/** `arr.length = n` through the proxy: one splice (removed tail, or undefined padding). */
export function setArrayLength(core: TrackerCore, node: Node, value: unknown): boolean {
  const t = node.target as unknown[];
  const oldLength = t.length;
  const newLength = Number(value);
  const removed = Number.isInteger(newLength) && newLength >= 0 && newLength < oldLength ? t.slice(newLength) : [];
  const ok = Reflect.set(t, 'length', value);
  const now = t.length;
  if (now < oldLength) core.recordSplice(node, now, removed, []);
  else if (now > oldLength) core.recordSplice(node, oldLength, [], new Array(now - oldLength));
  return ok;
}
