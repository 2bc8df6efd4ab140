/**
 * The patch format: one patch per mutation of a tracked value, small and
 * msgpack-able (immer-style), carrying enough of the old value (`prev`) to be
 * reverted in O(size of the patch) without replaying.
 *
 * | op       | path ends at                | fields                                         |
 * |----------|-----------------------------|------------------------------------------------|
 * | replace  | the replaced value          | value (new), prev (old; absent for the first   |
 * |          | ([] = the whole tracked value) | record of a name)                           |
 * | add      | the new property / Map entry / Set element | value; key (Map ref key only)   |
 * | remove   | the removed property / entry / element     | prev (old value or element); key (Map ref key only) |
 * | splice   | the array                   | index, prev (removed items), value (inserted)  |
 * | clear    | the Map or Set              | prev (the whole Map/Set before)                |
 *
 * - Arrays never get add/remove: push/pop/shift/unshift/splice, a length
 *   change, and a write past the end are one splice each; sort, reverse,
 *   fill and copyWithin are one splice covering the changed range; an
 *   in-range index write (or `delete arr[i]`, recorded as undefined) is a replace.
 * - Set element paths: see paths.ts. A Set add/remove of a primitive ends its
 *   path with the element; of an object, with `{ ref: n }` (n = the position
 *   among object elements: for add, the new last one; for remove, the one removed).
 * - A Date mutated in place (setTime, setFullYear...) is a replace of the Date.
 * - Values (`value`, `prev`, `key`) are copyValue copies. applyPatch and
 *   revertPatch copy them again (toLive) before they enter a state tree.
 * - Reverting restores contents exactly; a reverted remove of a property or of
 *   a primitive-keyed entry puts it back last in iteration order (finding its
 *   old position would cost O(size) per live delete). Ref entries go back to
 *   their ref position, so later ref segments stay exact.
 */
import { ErrorCodes, HindsightError } from '../errors.js';
import { setOwn } from '../values/setOwn.js';
import { toLive } from '../values/toLive.js';
import type { PathSegment } from './paths.js';
import { addChild, removeChild, replaceChild, resolvePath, restoreChild, spliceInPlace } from './treeOps.js';

export type { PathSegment, RefSegment } from './paths.js';

export type PatchOp = 'add' | 'replace' | 'remove' | 'splice' | 'clear';

export interface StatePatch {
  /** The tracked name whose value this patch changes. */
  name: string;
  op: PatchOp;
  path: PathSegment[];
  /** add/replace: the new value; splice: the inserted items. */
  value?: unknown;
  /** replace/remove: the old value; splice: the removed items; clear: the Map/Set before. */
  prev?: unknown;
  /** splice: where the removed items started. */
  index?: number;
  /** add/remove of a Map entry with a ref key (`{ ref }` segment): the key. */
  key?: unknown;
}

function invalid(patch: StatePatch, why: string): HindsightError {
  return new HindsightError(ErrorCodes.INVALID_ARGUMENT, `invalid ${String(patch.op)} patch for ${patch.name}: ${why}`, {
    name: patch.name,
    op: patch.op,
  });
}

function items(patch: StatePatch, field: 'value' | 'prev'): unknown[] {
  const v = patch[field];
  if (!Array.isArray(v)) throw invalid(patch, `${field} must be an array`);
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = toLive(v[i]);
  return out;
}

function count(patch: StatePatch, field: 'value' | 'prev'): number {
  const v = patch[field];
  if (!Array.isArray(v)) throw invalid(patch, `${field} must be an array`);
  return v.length;
}

function spliceIndex(patch: StatePatch): number {
  if (typeof patch.index !== 'number') throw invalid(patch, 'index missing');
  return patch.index;
}

/**
 * Apply a patch to a plain state tree (the value of patch.name) in place.
 * Returns the root, which is new when the path is [].
 */
export function applyPatch(root: unknown, patch: StatePatch): unknown {
  const path = patch.path;
  const last = path.length - 1;
  switch (patch.op) {
    case 'replace':
      if (last < 0) return toLive(patch.value);
      replaceChild(resolvePath(root, path, last), path[last], toLive(patch.value));
      return root;
    case 'add':
      if (last < 0) throw invalid(patch, 'empty path');
      addChild(resolvePath(root, path, last), path[last], toLive(patch.value), toLive(patch.key));
      return root;
    case 'remove':
      if (last < 0) throw invalid(patch, 'empty path');
      removeChild(resolvePath(root, path, last), path[last]);
      return root;
    case 'splice': {
      const arr = resolvePath(root, path, path.length);
      if (!Array.isArray(arr)) throw invalid(patch, 'path is not an array');
      spliceInPlace(arr, spliceIndex(patch), count(patch, 'prev'), items(patch, 'value'));
      return root;
    }
    case 'clear': {
      const c = resolvePath(root, path, path.length);
      if (!(c instanceof Map || c instanceof Set)) throw invalid(patch, 'path is not a Map or Set');
      c.clear();
      return root;
    }
    default:
      throw invalid(patch, 'unknown op');
  }
}

/** Applies a patch to the named state of a session (`state[patch.name]`), in place. */
export function applyToState(state: Record<string, unknown>, patch: StatePatch): void {
  const next = applyPatch(state[patch.name], patch);
  if (next !== state[patch.name] || !(patch.name in state)) setOwn(state, patch.name, next);
}

/**
 * Undo a patch on the state it was applied to, in place, in O(size of the
 * patch) (a ref entry's re-insertion costs O(size of its Map/Set)).
 * Returns the root, which is new when the path is [] (undefined before a name's first record).
 */
export function revertPatch(root: unknown, patch: StatePatch): unknown {
  const path = patch.path;
  const last = path.length - 1;
  switch (patch.op) {
    case 'replace':
      if (last < 0) return 'prev' in patch ? toLive(patch.prev) : undefined;
      replaceChild(resolvePath(root, path, last), path[last], toLive(patch.prev));
      return root;
    case 'add':
      if (last < 0) throw invalid(patch, 'empty path');
      removeChild(resolvePath(root, path, last), path[last]);
      return root;
    case 'remove':
      if (last < 0) throw invalid(patch, 'empty path');
      restoreChild(resolvePath(root, path, last), path[last], toLive(patch.prev), toLive(patch.key));
      return root;
    case 'splice': {
      const arr = resolvePath(root, path, path.length);
      if (!Array.isArray(arr)) throw invalid(patch, 'path is not an array');
      spliceInPlace(arr, spliceIndex(patch), count(patch, 'value'), items(patch, 'prev'));
      return root;
    }
    case 'clear': {
      const c = resolvePath(root, path, path.length);
      const prev = toLive(patch.prev);
      if (c instanceof Map && prev instanceof Map) for (const [k, v] of prev) c.set(k, v);
      else if (c instanceof Set && prev instanceof Set) for (const v of prev) c.add(v);
      else throw invalid(patch, 'path is not a Map or Set, or prev does not match');
      return root;
    }
    default:
      throw invalid(patch, 'unknown op');
  }
}
