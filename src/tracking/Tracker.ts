/**
 * StateTracker: track(name, initial) returns a deep proxy of `initial`; every
 * mutation made through it (or through any proxy read from it) is appended
 * to the sink as ONE `state.patch` event, whose data is a StatePatch (see
 * patches.ts) holding copies (copyValue) of the new and old values.
 *
 * Identity and paths:
 * - The raw objects stay the state: track() does not copy `initial`, an
 *   assigned object is stored as is (a proxy is unwrapped to its target) and
 *   becomes tracked when read. Reads return cached proxies, one per raw
 *   object (`s.items === s.items`), so the program sees stable identities.
 * - A mutation is recorded at the path where its object is NOW, computed
 *   when it happens from where the object was last read, assigned or moved
 *   to (proxies kept across splices, sorts and moves record at the new
 *   index/key). A proxy whose object has left the state records nothing
 *   (counted in stats.detachedWrites): the live state did not change either.
 * - An object reachable at two paths of the state (aliasing) is recorded as
 *   two independent copies, and a later mutation is recorded only at the
 *   path through which the object was last reached: keep one object at one
 *   place, or track it under its own name. Cycles are recorded as cycle markers.
 * - Mutations must go through a proxy: changing a raw object directly (one
 *   kept from before it was assigned, or a class instance, typed array or
 *   frozen object, which are not proxied) is not recorded.
 *
 * The first event of a name is a replace at [] holding a copy of its value,
 * so a reader rebuilds it from the start of the session.
 */
import { ErrorCodes, HindsightError } from '../errors.js';
import { copyValue } from '../values/copyValue.js';
import { rawOf } from '../values/proxyRegistry.js';
import { DirtyPaths } from './DirtyPaths.js';
import { linkTree } from './links.js';
import type { IncrementalEntry } from './incremental.js';
import type { Node } from './nodes.js';
import type { PatchSink } from './PatchSink.js';
import type { PathSegment } from './paths.js';
import { otelActiveContext, TrackerCore, type ActiveContext } from './TrackerCore.js';
import { childAt, MISSING } from './treeOps.js';

export type { ActiveContext } from './TrackerCore.js';

export interface StateTrackerOptions {
  /** The trace/span ids attached to each patch event; defaults to the active OpenTelemetry span (when valid). */
  activeContext?: () => ActiveContext | undefined;
  /** Called with any failure of the recorder itself (the host program is never thrown at). */
  onError?: (err: unknown) => void;
  /** Keep the dirty paths used by incremental checkpoints (default true). */
  dirtyTracking?: boolean;
}

export interface StateTrackerStats {
  /** Patch events appended. */
  patches: number;
  /** Mutations through proxies whose object is no longer in the tracked state. */
  detachedWrites: number;
  /** Recorder failures reported to onError. */
  errors: number;
}

interface Tracked {
  node: Node;
  dirty: DirtyPaths | undefined;
}

export class StateTracker {
  private readonly core: TrackerCore;
  private readonly tracked = new Map<string, Tracked>();
  private readonly dirtyTracking: boolean;

  constructor(sink: PatchSink, options: StateTrackerOptions = {}) {
    this.core = new TrackerCore(sink, options.activeContext ?? otelActiveContext, options.onError ?? (() => {}));
    this.dirtyTracking = options.dirtyTracking ?? true;
  }

  /**
   * Start tracking `initial` under `name` and return its proxy. Tracking a
   * name again replaces its value (recorded as a replace at [] with prev).
   */
  track<T extends object>(name: string, initial: T): T {
    if (typeof name !== 'string' || name.length === 0) {
      throw new HindsightError(ErrorCodes.INVALID_ARGUMENT, 'track(name, initial): name must be a non-empty string', { name });
    }
    const node = typeof initial === 'object' && initial !== null ? this.core.nodeFor(initial) : undefined;
    if (node === undefined) {
      throw new HindsightError(
        ErrorCodes.INVALID_ARGUMENT,
        `track("${name}", initial): initial must be a plain object, null-prototype object, array, Map, Set or Date that is not frozen`,
        { name },
      );
    }
    if (node.rootName !== undefined && node.rootName !== name) {
      throw new HindsightError(ErrorCodes.INVALID_ARGUMENT, `track("${name}", initial): this object is already tracked as "${node.rootName}"`, {
        name,
        trackedAs: node.rootName,
      });
    }
    const previous = this.tracked.get(name);
    if (previous !== undefined && previous.node !== node) {
      previous.node.rootName = undefined;
      previous.node.dirty = undefined;
      this.core.roots.delete(previous.node);
    }
    const dirty = previous?.dirty ?? (this.dirtyTracking ? new DirtyPaths() : undefined);
    node.parent = undefined;
    node.key = undefined;
    node.rootName = name;
    node.dirty = dirty;
    this.core.roots.add(node);
    this.tracked.set(name, { node, dirty });
    // Tracked objects inside (children of a replaced root, say: track(name, { ...old })) now
    // live under this root: handles the program kept record here. O(size), as the copy below.
    linkTree(this.core, node.target, new Set());
    this.core.recordRoot(node, previous?.node.target, previous !== undefined);
    return node.proxy as T;
  }

  /** Tracked names, in the order they were first tracked. */
  names(): string[] {
    return [...this.tracked.keys()];
  }

  /** The live raw value of a name (no proxy: changes made to it are not recorded). */
  raw(name: string): unknown {
    return this.entry(name).node.target;
  }

  /** A copy (copyValue) of the live value of a name. */
  current(name: string): unknown {
    return copyValue(this.entry(name).node.target);
  }

  /**
   * Per tracked name, the coarsened paths changed since the last take (no
   * path is under another). Changes under an array, a Set, or a Map entry
   * with an object key are marked at that array / Set / Map; a Map entry with
   * a primitive key at `[...mapPath, key]`. Names without changes are left out.
   */
  takeDirty(name?: string): Map<string, PathSegment[][]> {
    const out = new Map<string, PathSegment[][]>();
    const names = name === undefined ? this.tracked.keys() : [name];
    for (const n of names) {
      const dirty = this.entry(n).dirty;
      if (dirty !== undefined && !dirty.isEmpty()) out.set(n, dirty.take());
    }
    return out;
  }

  /** The live values at `paths` (copies), or `removed` where nothing is there any more. */
  readPaths(name: string, paths: readonly PathSegment[][]): IncrementalEntry[] {
    const root = this.entry(name).node.target;
    return paths.map((path) => {
      let cur: unknown = root;
      for (const seg of path) {
        cur = childAt(cur, seg, true);
        if (cur === MISSING) return { path, removed: true as const };
      }
      return { path, value: copyValue(rawOf(cur)) };
    });
  }

  get stats(): StateTrackerStats {
    return { patches: this.core.patches, detachedWrites: this.core.detachedWrites, errors: this.core.errors };
  }

  private entry(name: string): Tracked {
    const t = this.tracked.get(name);
    if (t === undefined) throw new HindsightError(ErrorCodes.INVALID_ARGUMENT, `"${name}" is not tracked`, { name });
    return t;
  }
}
