/**
 * Navigation and edits of a plain (reader-side) state tree: the containers
 * are plain objects, arrays, Maps, Sets. Used by applyPatch, revertPatch and
 * applyIncremental, and by the tracker to read its own raw tree.
 */
import { ErrorCodes, HindsightError } from '../errors.js';
import { rawOf } from '../values/proxyRegistry.js';
import { setOwn } from '../values/setOwn.js';
import { formatPath, isRecordedRefKey, isRefKey, isRefSegment, type PathSegment } from './paths.js';

export const MISSING: unique symbol = Symbol('hindsight.missing');

/** The child of `container` at `seg`, or MISSING. Tracker proxies met on the way are unwrapped. */
export function childAt(container: unknown, seg: PathSegment, liveKeys = false): unknown {
  const c = rawOf(container);
  if (typeof c !== 'object' || c === null) return MISSING;
  if (Array.isArray(c)) {
    return typeof seg === 'number' && seg >= 0 && seg < c.length ? c[seg] : MISSING;
  }
  if (c instanceof Map) {
    if (isRefSegment(seg)) {
      const k = nthRefKey(c, seg.ref, liveKeys);
      return k === MISSING ? MISSING : c.get(k);
    }
    return c.has(seg) ? c.get(seg) : MISSING;
  }
  if (c instanceof Set) {
    if (!isRefSegment(seg)) return MISSING;
    return nthRefKey(c, seg.ref, liveKeys);
  }
  if (c instanceof Date) return MISSING;
  const key = String(seg);
  return Object.prototype.propertyIsEnumerable.call(c, key) ? (c as Record<string, unknown>)[key] : MISSING;
}

/** The value at path[0..len), which must exist. */
export function resolvePath(root: unknown, path: readonly PathSegment[], len: number): any {
  let cur = root;
  for (let i = 0; i < len; i++) {
    cur = childAt(cur, path[i]);
    if (cur === MISSING) {
      throw new HindsightError(
        ErrorCodes.INVALID_ARGUMENT,
        `path ${formatPath(path)} does not exist in the state (missing at segment ${i})`,
        { path, segment: i },
      );
    }
  }
  return rawOf(cur);
}

/** The n-th ref key of a Map (or ref element of a Set), in insertion order. */
export function nthRefKey(c: Map<unknown, unknown> | Set<unknown>, n: number, liveKeys = false): unknown {
  const isRef = liveKeys ? isRefKey : isRecordedRefKey;
  let i = 0;
  for (const k of c.keys()) {
    if (isRef(k)) {
      if (i === n) return k;
      i++;
    }
  }
  return MISSING;
}

/** Re-insert a ref key so that it becomes the n-th ref key again (O(size)). */
export function insertRefAt(c: Map<unknown, unknown> | Set<unknown>, n: number, key: unknown, value?: unknown): void {
  const anchor = nthRefKey(c, n);
  const add = (k: unknown, v: unknown) => (c instanceof Map ? c.set(k, v) : c.add(k));
  if (anchor === MISSING) {
    add(key, value);
    return;
  }
  const moved: [unknown, unknown][] = [];
  let seen = false;
  for (const [k, v] of c.entries()) {
    if (k === anchor) seen = true;
    if (seen) moved.push([k, v]);
  }
  for (const [k] of moved) c.delete(k);
  add(key, value);
  for (const [k, v] of moved) add(k, v);
}

function refKeyOrThrow(c: Map<unknown, unknown> | Set<unknown>, seg: PathSegment): unknown {
  const k = isRefSegment(seg) ? nthRefKey(c, seg.ref) : seg;
  if (k === MISSING || !c.has(k)) {
    throw new HindsightError(ErrorCodes.INVALID_ARGUMENT, `no entry ${formatPath([seg])} in a ${c instanceof Map ? 'Map' : 'Set'}`, {
      segment: seg,
    });
  }
  return k;
}

/** Swap one Set element for another at the same iteration position (O(size)). */
function replaceInSet(set: Set<unknown>, old: unknown, value: unknown): void {
  const after: unknown[] = [];
  let seen = false;
  for (const v of set) {
    if (seen) after.push(v);
    else if (v === old) seen = true;
  }
  set.delete(old);
  for (const v of after) set.delete(v);
  set.add(value);
  for (const v of after) set.add(v);
}


function containerError(container: unknown, what: string): HindsightError {
  const kind = container === null ? 'null' : Array.isArray(container) ? 'array' : typeof container;
  return new HindsightError(ErrorCodes.INVALID_ARGUMENT, `cannot ${what} on a ${kind}`, { kind });
}

/** Overwrite the existing child at seg. */
export function replaceChild(container: unknown, seg: PathSegment, value: unknown): void {
  if (Array.isArray(container)) container[seg as number] = value;
  else if (container instanceof Map) container.set(refKeyOrThrow(container, seg), value);
  else if (container instanceof Set) {
    if (!isRefSegment(seg)) throw containerError(container, 'replace a primitive element');
    replaceInSet(container, refKeyOrThrow(container, seg), value);
  } else if (typeof container === 'object' && container !== null && !(container instanceof Date)) {
    setOwn(container as Record<string, unknown>, String(seg), value);
  } else throw containerError(container, 'replace a child');
}

/** Add a new child at seg (Map: `key` is the recorded key for a ref segment; Set: value is the element). */
export function addChild(container: unknown, seg: PathSegment, value: unknown, key: unknown): void {
  if (container instanceof Map) container.set(isRefSegment(seg) ? key : seg, value);
  else if (container instanceof Set) container.add(isRefSegment(seg) ? value : seg);
  else if (Array.isArray(container)) container[seg as number] = value;
  else if (typeof container === 'object' && container !== null && !(container instanceof Date)) {
    setOwn(container as Record<string, unknown>, String(seg), value);
  } else throw containerError(container, 'add a child');
}

/** Remove the child at seg. */
export function removeChild(container: unknown, seg: PathSegment): void {
  if (container instanceof Map || container instanceof Set) container.delete(refKeyOrThrow(container, seg));
  else if (Array.isArray(container)) throw containerError(container, 'remove an index (arrays change by splice)');
  else if (typeof container === 'object' && container !== null && !(container instanceof Date)) {
    delete (container as Record<string, unknown>)[String(seg)];
  } else throw containerError(container, 'remove a child');
}

/** Restore a removed child: a ref entry goes back to its ref position; others go last. */
export function restoreChild(container: unknown, seg: PathSegment, value: unknown, key: unknown): void {
  if ((container instanceof Map || container instanceof Set) && isRefSegment(seg)) {
    insertRefAt(container, seg.ref, container instanceof Map ? key : value, value);
  } else addChild(container, seg, value, key);
}

const SPREAD_LIMIT = 8192;

/** arr.splice without spreading huge argument lists onto the stack. */
export function spliceInPlace(arr: unknown[], index: number, deleteCount: number, items: readonly unknown[]): void {
  if (items.length <= SPREAD_LIMIT) {
    arr.splice(index, deleteCount, ...items);
    return;
  }
  const tail = arr.slice(index + deleteCount);
  arr.length = index;
  for (let i = 0; i < items.length; i++) arr.push(items[i]);
  for (let i = 0; i < tail.length; i++) arr.push(tail[i]);
}
