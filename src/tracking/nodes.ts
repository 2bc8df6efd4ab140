/**
 * One Node per raw object the tracker has proxied. The node is the proxy's
 * handler (so a trap finds its node as `this`, with no lookup) and remembers
 * where its object was last seen: `parent` + `key`, refreshed on every read
 * through a proxy, every assignment and every array move. The path of a
 * mutation is computed when it happens by walking these links up and checking
 * each one against the live parent, so a proxy kept across moves and splices
 * records at the object's current path, and one whose object left the state
 * records nothing.
 */
import { copyValue } from '../values/copyValue.js';
import type { DirtyPaths } from './DirtyPaths.js';
import { isRefKey, type PathSegment } from './paths.js';
import type { TrackerCore } from './TrackerCore.js';

export const DETACHED: unique symbol = Symbol('hindsight.detached');
/** recordChild's "no ref key" (undefined is a valid Map key). */
export const NO_KEY: unique symbol = Symbol('hindsight.noKey');
export type Segment = PathSegment | typeof DETACHED;

const hasOwn = Object.prototype.hasOwnProperty;
const isEnumerable = Object.prototype.propertyIsEnumerable;

export abstract class Node {
  readonly proxy: any;
  parent: Node | undefined = undefined;
  /** Key in parent: property name, array index, Map key or Set element, exactly as stored. */
  key: unknown = undefined;
  /** Set while this node is the root of a tracked name. */
  rootName: string | undefined = undefined;
  /** The root's dirty paths (a field, not a WeakMap: no lookup on the per-write path). */
  dirty: DirtyPaths | undefined = undefined;
  /** Changes below a Set are marked dirty at the Set's path. */
  readonly coarse: boolean = false;

  constructor(
    readonly core: TrackerCore,
    readonly target: any,
  ) {
    this.proxy = new Proxy(target, this as ProxyHandler<any>);
  }

  /** Where `child` sits under this node now, or DETACHED. */
  abstract segmentOf(child: Node): Segment;

  /** Whether `child` is at its recorded key under this node: O(1), no search. */
  abstract holds(child: Node): boolean;
}

function isChild(v: unknown, child: Node): boolean {
  return v === child.target || v === child.proxy;
}

/** Canonical array index of a property key, or -1. */
export function arrayIndex(key: string | symbol): number {
  if (typeof key !== 'string') return -1;
  const c = key.charCodeAt(0);
  if (c < 48 || c > 57) return -1;
  const i = Number(key);
  return i < 4294967295 && String(i) === key ? i : -1;
}

export class ObjectNode extends Node {
  /** Non-extensible targets may hold non-writable non-configurable props, whose reads must return the raw value. */
  private guardInvariants: boolean;
  private readonly nullProto: boolean;

  constructor(core: TrackerCore, target: any) {
    super(core, target);
    this.guardInvariants = !Object.isExtensible(target);
    this.nullProto = Object.getPrototypeOf(target) === null;
  }

  get(target: any, key: string | symbol): unknown {
    const v = target[key];
    if (typeof v !== 'object' || v === null || typeof key === 'symbol' || key === '__proto__') return v;
    if (this.guardInvariants && !mayWrap(target, key)) return v;
    return this.core.child(this, key, v);
  }

  set(target: any, key: string | symbol, value: unknown): boolean {
    if (typeof key === 'symbol' || (key === '__proto__' && !this.nullProto)) return Reflect.set(target, key, value);
    const wasEnumerable = isEnumerable.call(target, key);
    const raw = typeof value === 'object' && value !== null ? this.core.rawValue(value) : value;
    // A non-enumerable own property is invisible to copies: write it (raw, as everywhere: it may be
    // shown again), record nothing.
    if (!wasEnumerable && hasOwn.call(target, key)) return Reflect.set(target, key, raw);
    const prev = wasEnumerable ? target[key] : undefined;
    // why, measured: a plain assignment in the trap costs ~40 ns, Reflect.set with a receiver ~226 ns (GUIDE table).
    target[key] = raw;
    const now = target[key];
    if (wasEnumerable && Object.is(prev, now)) return true;
    this.core.recordChild(this, key, wasEnumerable ? 'replace' : 'add', now, prev);
    if (typeof now === 'object' && now !== null) this.core.link(this, key, now);
    return true;
  }

  deleteProperty(target: any, key: string | symbol): boolean {
    if (typeof key === 'symbol' || !isEnumerable.call(target, key)) return Reflect.deleteProperty(target, key);
    const prev = target[key];
    const ok = Reflect.deleteProperty(target, key);
    if (ok) this.core.recordChild(this, key, 'remove', undefined, prev);
    return ok;
  }

  defineProperty(target: any, key: string | symbol, desc: PropertyDescriptor): boolean {
    if (typeof key === 'symbol') return Reflect.defineProperty(target, key, desc);
    const wasEnumerable = isEnumerable.call(target, key);
    const prev = wasEnumerable ? target[key] : undefined;
    // A hidden key made enumerable again keeps its old place among the keys, where an add
    // would put it last on replay: unless it is last anyway, the object's own replace says
    // where (a rare, whole copy).
    const before = !wasEnumerable && desc.enumerable === true && hasOwn.call(target, key) && enumerableAfter(target, key) ? copyValue(target) : NO_COPY;
    if ('value' in desc) desc = { ...desc, value: this.core.rawValue(desc.value) };
    if (!Reflect.defineProperty(target, key, desc)) return false;
    if (desc.configurable === false && desc.writable === false) this.guardInvariants = true;
    const isEnumerableNow = isEnumerable.call(target, key);
    if (isEnumerableNow) {
      const now = target[key];
      if (before !== NO_COPY) this.core.recordSelf(this, 'replace', copyValue(target), before);
      else if (!wasEnumerable || !Object.is(prev, now)) this.core.recordChild(this, key, wasEnumerable ? 'replace' : 'add', now, prev);
      this.core.link(this, key, now);
    } else if (wasEnumerable) this.core.recordChild(this, key, 'remove', undefined, prev);
    return true;
  }

  holds(child: Node): boolean {
    const k = child.key as string;
    return typeof k === 'string' && isEnumerable.call(this.target, k) && isChild(this.target[k], child);
  }

  segmentOf(child: Node): Segment {
    const t = this.target;
    if (this.holds(child)) return child.key as string;
    for (const key of Object.keys(t)) {
      if (isChild(t[key], child)) {
        child.key = key;
        return key;
      }
    }
    return DETACHED;
  }
}

/** Marks "no copy taken" (undefined is a value a copy can be). */
const NO_COPY = Symbol('no copy');

/** Whether an enumerable key follows `key` in the object's key order (an add on replay would put `key` after it). */
function enumerableAfter(target: object, key: string): boolean {
  const names = Object.getOwnPropertyNames(target);
  for (let i = names.indexOf(key) + 1; i < names.length; i++) if (isEnumerable.call(target, names[i])) return true;
  return false;
}

function mayWrap(target: object, key: string): boolean {
  const d = Object.getOwnPropertyDescriptor(target, key);
  return d === undefined || d.configurable === true || d.writable === true;
}

export class ArrayNode extends Node {
  get(target: any, key: string | symbol): unknown {
    const v = target[key];
    if (typeof v === 'object') {
      if (v === null) return v;
      const i = arrayIndex(key);
      return i < 0 ? v : this.core.child(this, i, v);
    }
    if (typeof v === 'function') {
      const m = this.core.arrayMethods[key];
      if (m !== undefined) return m;
    }
    return v;
  }

  set(target: any, key: string | symbol, value: unknown): boolean {
    if (key === 'length') return this.core.setArrayLength(this, value);
    const i = arrayIndex(key);
    if (i < 0) return Reflect.set(target, key, value);
    const raw = typeof value === 'object' && value !== null ? this.core.rawValue(value) : value;
    const len = target.length;
    if (i >= len) {
      target[i] = raw;
      const inserted = new Array(i - len + 1);
      inserted[i - len] = raw;
      this.core.recordSplice(this, len, [], inserted);
      return true;
    }
    const had = hasOwn.call(target, key);
    const prev = target[i];
    target[i] = raw;
    const now = target[i];
    if (had && Object.is(prev, now)) return true;
    this.core.recordChild(this, i, 'replace', now, prev);
    if (typeof now === 'object' && now !== null) this.core.link(this, i, now);
    return true;
  }

  deleteProperty(target: any, key: string | symbol): boolean {
    const i = arrayIndex(key);
    if (i < 0 || i >= target.length || !hasOwn.call(target, key)) return Reflect.deleteProperty(target, key);
    const prev = target[i];
    const ok = Reflect.deleteProperty(target, key);
    // A hole reads as undefined in every copy (see copyValue).
    if (ok && prev !== undefined) this.core.recordChild(this, i, 'replace', undefined, prev);
    return ok;
  }

  defineProperty(target: any, key: string | symbol, desc: PropertyDescriptor): boolean {
    const i = arrayIndex(key);
    if (i < 0 || !('value' in desc)) return Reflect.defineProperty(target, key, desc);
    const len = target.length;
    const prev = target[i];
    if (!Reflect.defineProperty(target, key, { ...desc, value: this.core.rawValue(desc.value) })) return false;
    const now = target[i];
    if (i >= len) {
      const inserted = new Array(i - len + 1);
      inserted[i - len] = now;
      this.core.recordSplice(this, len, [], inserted);
    } else if (!Object.is(prev, now)) {
      this.core.recordChild(this, i, 'replace', now, prev);
      this.core.link(this, i, now);
    }
    return true;
  }

  holds(child: Node): boolean {
    const i = child.key as number;
    return typeof i === 'number' && isChild((this.target as unknown[])[i], child);
  }

  segmentOf(child: Node): Segment {
    const t = this.target as unknown[];
    if (this.holds(child)) return child.key as number;
    let j = t.indexOf(child.target);
    if (j < 0) j = t.indexOf(child.proxy);
    if (j < 0) return DETACHED;
    child.key = j;
    return j;
  }
}

/** Map and Set: both address object keys/elements by their position among the ref keys. */
abstract class KeyedNode extends Node {
  /** Number of ref keys, or -1 until first needed; kept up to date by the tracked methods. */
  refs = -1;

  refCount(): number {
    if (this.refs < 0) {
      let n = 0;
      for (const k of (this.target as Map<unknown, unknown>).keys()) if (isRefKey(k)) n++;
      this.refs = n;
    }
    return this.refs;
  }

  refOrdinal(key: unknown): number {
    let n = 0;
    for (const k of (this.target as Map<unknown, unknown>).keys()) {
      if (k === key) return n;
      if (isRefKey(k)) n++;
    }
    return -1;
  }

  get(target: any, key: string | symbol): unknown {
    const m = this.methods()[key];
    if (m !== undefined) return m;
    const v = Reflect.get(target, key, target);
    return typeof v === 'function' ? this.core.rawMethod(v) : v;
  }

  protected abstract methods(): Record<string | symbol, unknown>;
}

export class MapNode extends KeyedNode {
  protected methods(): Record<string | symbol, unknown> {
    return this.core.mapMethods;
  }

  holds(child: Node): boolean {
    const t = this.target as Map<unknown, unknown>;
    return t.has(child.key) && isChild(t.get(child.key), child);
  }

  segmentOf(child: Node): Segment {
    const t = this.target as Map<unknown, unknown>;
    let k = child.key;
    if (!this.holds(child)) {
      k = DETACHED;
      for (const [key, v] of t) {
        if (isChild(v, child)) {
          k = key;
          child.key = key;
          break;
        }
      }
      if (k === DETACHED) return DETACHED;
    }
    if (isRefKey(k)) return { ref: this.refOrdinal(k) };
    return k === 0 ? 0 : (k as PathSegment);
  }
}

export class SetNode extends KeyedNode {
  override readonly coarse = true;

  protected methods(): Record<string | symbol, unknown> {
    return this.core.setMethods;
  }

  holds(child: Node): boolean {
    return (this.target as Set<unknown>).has(child.key) && isChild(child.key, child);
  }

  segmentOf(child: Node): Segment {
    const t = this.target as Set<unknown>;
    let k = child.key;
    if (!this.holds(child)) {
      if (t.has(child.target)) k = child.target;
      else if (t.has(child.proxy)) k = child.proxy;
      else return DETACHED;
      child.key = k;
    }
    return { ref: this.refOrdinal(k) };
  }
}

export class DateNode extends Node {
  get(target: any, key: string | symbol): unknown {
    const v = target[key];
    return typeof v === 'function' ? this.core.dateMethod(v) : v;
  }

  segmentOf(): Segment {
    return DETACHED;
  }

  holds(): boolean {
    return false;
  }
}
