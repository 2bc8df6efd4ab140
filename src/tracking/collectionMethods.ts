/**
 * Map and Set methods of tracked collections. Built-in methods reject a proxy
 * receiver, so each runs on the raw collection. Reads return proxies of
 * object values (Map keys are returned raw: an object used as a key is
 * recorded by value when inserted, and mutating it later is not tracked).
 * set/delete/clear/add record one patch each. A collection may hold an
 * object in raw or proxy form (a fresh Set built from tracked elements holds
 * proxies), so lookups try both forms.
 */
import { copyValue } from '../values/copyValue.js';
import { rawOf } from '../values/proxyRegistry.js';
import { NO_KEY, type MapNode, type SetNode } from './nodes.js';
import { isRefKey, type PathSegment } from './paths.js';
import type { TrackerCore } from './TrackerCore.js';

type AnyMap = Map<unknown, unknown>;
type AnySet = Set<unknown>;

const M = Map.prototype;
const S = Set.prototype;

function keySegment(key: unknown): PathSegment {
  return key === 0 ? 0 : (key as PathSegment);
}

function wrap(core: TrackerCore, node: MapNode | SetNode, key: unknown, v: unknown): unknown {
  return typeof v === 'object' && v !== null ? core.child(node, key, v) : v;
}

/**
 * Deletes the present entry `k` of a tracked Map or Set and records its
 * removal with `prev`. A Map's object key travels in the patch (`withKey`)
 * so readers can rebuild it; a Set element is its own `prev`.
 */
function removeEntry(core: TrackerCore, node: MapNode | SetNode, t: AnyMap | AnySet, k: unknown, prev: unknown, withKey: boolean): void {
  const ref = isRefKey(k);
  const seg: PathSegment = ref ? { ref: node.refOrdinal(k) } : keySegment(k);
  t.delete(k);
  if (ref && node.refs > 0) node.refs--;
  core.recordChild(node, seg, 'remove', undefined, prev, ref && withKey ? k : NO_KEY);
}

export function createMapMethods(core: TrackerCore): Record<string | symbol, unknown> {
  const m: Record<string | symbol, unknown> = Object.create(null);
  const nodeOf = (thisArg: unknown) => core.nodeOf(thisArg) as MapNode | undefined;

  m.get = function get(this: unknown, key: unknown) {
    const node = nodeOf(this);
    if (node === undefined) return M.get.call(this as AnyMap, key);
    const t = node.target as AnyMap;
    const k = core.storedKey(t, key);
    return wrap(core, node, k, t.get(k));
  };

  m.has = function has(this: unknown, key: unknown) {
    const node = nodeOf(this);
    if (node === undefined) return M.has.call(this as AnyMap, key);
    const t = node.target as AnyMap;
    return t.has(core.storedKey(t, key));
  };

  m.set = function set(this: unknown, key: unknown, value: unknown) {
    const node = nodeOf(this);
    if (node === undefined) return M.set.call(this as AnyMap, key, value);
    const t = node.target as AnyMap;
    const k = core.storedKey(t, key);
    const had = t.has(k);
    const prev = had ? t.get(k) : undefined;
    const raw = rawOf(value);
    const ref = isRefKey(k);
    // The ref position is taken before the insert changes it.
    const seg: PathSegment = ref ? { ref: had ? node.refOrdinal(k) : node.refCount() } : keySegment(k);
    t.set(k, raw);
    if (ref && !had) node.refs++;
    if (!(had && Object.is(prev, raw))) {
      if (had) core.recordChild(node, seg, 'replace', raw, prev);
      else core.recordChild(node, seg, 'add', raw, undefined, ref ? k : NO_KEY);
    }
    core.link(node, k, raw);
    return this;
  };

  m.delete = function del(this: unknown, key: unknown) {
    const node = nodeOf(this);
    if (node === undefined) return M.delete.call(this as AnyMap, key);
    const t = node.target as AnyMap;
    const k = core.storedKey(t, key);
    if (!t.has(k)) return false;
    removeEntry(core, node, t, k, t.get(k), true);
    return true;
  };

  m.clear = function clear(this: unknown) {
    const node = nodeOf(this);
    if (node === undefined) return M.clear.call(this as AnyMap);
    clearCollection(core, node);
  };

  m.forEach = function forEach(this: unknown, cb: (v: unknown, k: unknown, m: unknown) => void, thisArg?: unknown) {
    const node = nodeOf(this);
    if (node === undefined) return M.forEach.call(this as AnyMap, cb, thisArg);
    (node.target as AnyMap).forEach((v, k) => cb.call(thisArg, wrap(core, node, k, v), k, this));
  };

  m.keys = function keys(this: unknown) {
    const node = nodeOf(this);
    return M.keys.call(node === undefined ? (this as AnyMap) : (node.target as AnyMap));
  };

  m.values = function values(this: unknown) {
    const node = nodeOf(this);
    if (node === undefined) return M.values.call(this as AnyMap);
    return mapValues(core, node);
  };

  m.entries = function entries(this: unknown) {
    const node = nodeOf(this);
    if (node === undefined) return M.entries.call(this as AnyMap);
    return mapEntries(core, node);
  };
  m[Symbol.iterator] = m.entries;

  return m;
}

function* mapValues(core: TrackerCore, node: MapNode): Generator<unknown> {
  for (const [k, v] of node.target as AnyMap) yield wrap(core, node, k, v);
}

function* mapEntries(core: TrackerCore, node: MapNode): Generator<[unknown, unknown]> {
  for (const [k, v] of node.target as AnyMap) yield [k, wrap(core, node, k, v)];
}

function* setValues(core: TrackerCore, node: SetNode): Generator<unknown> {
  for (const v of node.target as AnySet) yield wrap(core, node, v, v);
}

function* setEntries(core: TrackerCore, node: SetNode): Generator<[unknown, unknown]> {
  for (const v of node.target as AnySet) {
    const w = wrap(core, node, v, v);
    yield [w, w];
  }
}

function clearCollection(core: TrackerCore, node: MapNode | SetNode): void {
  const t = node.target as AnyMap | AnySet;
  if (t.size === 0) return;
  const prev = copyValue(t);
  t.clear();
  node.refs = 0;
  core.recordSelf(node, 'clear', undefined, prev);
}

export function createSetMethods(core: TrackerCore): Record<string | symbol, unknown> {
  const m: Record<string | symbol, unknown> = Object.create(null);
  const nodeOf = (thisArg: unknown) => core.nodeOf(thisArg) as SetNode | undefined;

  m.has = function has(this: unknown, value: unknown) {
    const node = nodeOf(this);
    if (node === undefined) return S.has.call(this as AnySet, value);
    const t = node.target as AnySet;
    return t.has(core.storedKey(t, value));
  };

  m.add = function add(this: unknown, value: unknown) {
    const node = nodeOf(this);
    if (node === undefined) return S.add.call(this as AnySet, value);
    const t = node.target as AnySet;
    const v = core.storedKey(t, value);
    if (t.has(v)) return this;
    const ref = isRefKey(v);
    const seg: PathSegment = ref ? { ref: node.refCount() } : keySegment(v);
    t.add(v);
    if (ref) node.refs++;
    core.recordChild(node, seg, 'add', v, undefined);
    core.link(node, v, v);
    return this;
  };

  m.delete = function del(this: unknown, value: unknown) {
    const node = nodeOf(this);
    if (node === undefined) return S.delete.call(this as AnySet, value);
    const t = node.target as AnySet;
    const v = core.storedKey(t, value);
    if (!t.has(v)) return false;
    removeEntry(core, node, t, v, v, false);
    return true;
  };

  m.clear = function clear(this: unknown) {
    const node = nodeOf(this);
    if (node === undefined) return S.clear.call(this as AnySet);
    clearCollection(core, node);
  };

  m.forEach = function forEach(this: unknown, cb: (v: unknown, k: unknown, s: unknown) => void, thisArg?: unknown) {
    const node = nodeOf(this);
    if (node === undefined) return S.forEach.call(this as AnySet, cb, thisArg);
    (node.target as AnySet).forEach((v) => {
      const w = wrap(core, node, v, v);
      cb.call(thisArg, w, w, this);
    });
  };

  m.values = function values(this: unknown) {
    const node = nodeOf(this);
    if (node === undefined) return S.values.call(this as AnySet);
    return setValues(core, node);
  };
  m.keys = m.values;
  m[Symbol.iterator] = m.values;

  m.entries = function entries(this: unknown) {
    const node = nodeOf(this);
    if (node === undefined) return S.entries.call(this as AnySet);
    return setEntries(core, node);
  };

  return m;
}
