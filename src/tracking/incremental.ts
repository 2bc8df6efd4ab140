/**
 * Incremental checkpoints: StateTracker.takeDirty gives the coarsened paths
 * changed since the last take, StateTracker.readPaths reads them, and
 * applyIncremental folds the result into a state tree taken at the previous
 * take. Cost is O(changes), not O(state).
 *
 * Entries never contain ref segments (changes under a Set, or under a Map
 * entry with an object key, are coarsened to the Set / Map path), and no
 * entry is the ancestor of another, so their order does not matter for
 * contents. It matters for the iteration order of new keys: entries come in
 * the order their paths were first marked, which is the order keys were added.
 */
import { ErrorCodes, HindsightError } from '../errors.js';
import { toLive } from '../values/toLive.js';
import { formatPath, type PathSegment } from './paths.js';
import { resolvePath } from './treeOps.js';
import { setOwn } from '../values/setOwn.js';

export interface IncrementalValue {
  path: PathSegment[];
  /** copyValue of the live value at path. */
  value: unknown;
}

export interface IncrementalRemoval {
  path: PathSegment[];
  removed: true;
}

export type IncrementalEntry = IncrementalValue | IncrementalRemoval;

export function isRemoval(entry: IncrementalEntry): entry is IncrementalRemoval {
  return (entry as IncrementalRemoval).removed === true;
}

/** Apply entries to a plain state tree in place; returns the root (new when an entry's path is []). */
export function applyIncremental(root: unknown, entries: readonly IncrementalEntry[]): unknown {
  let state = root;
  for (const entry of entries) {
    const path = entry.path;
    const last = path.length - 1;
    if (last < 0) {
      state = isRemoval(entry) ? undefined : toLive(entry.value);
      continue;
    }
    const parent = resolvePath(state, path, last);
    const seg = path[last];
    if (isRemoval(entry)) {
      if (parent instanceof Map) parent.delete(seg);
      else if (typeof parent === 'object' && parent !== null && !Array.isArray(parent) && !(parent instanceof Set)) {
        delete parent[String(seg)];
      } else throw badEntry(path, 'a removal must address an object property or a Map entry');
      continue;
    }
    const value = toLive(entry.value);
    if (parent instanceof Map) parent.set(seg, value);
    else if (Array.isArray(parent)) {
      if (typeof seg !== 'number' || seg >= parent.length) throw badEntry(path, 'array index out of range');
      parent[seg] = value;
    } else if (typeof parent === 'object' && parent !== null && !(parent instanceof Set) && !(parent instanceof Date)) {
      setOwn(parent, String(seg), value);
    } else throw badEntry(path, 'the parent is not an object, array or Map');
  }
  return state;
}

function badEntry(path: readonly PathSegment[], why: string): HindsightError {
  return new HindsightError(ErrorCodes.INVALID_ARGUMENT, `incremental entry at ${formatPath(path)}: ${why}`, { path });
}
