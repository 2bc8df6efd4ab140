/**
 * Keeping node links (parent + key) true. Two mechanisms:
 * - linkTree, on every assignment: walks the assigned value and points every
 *   tracked object inside it at its new container. The walk costs what the
 *   copy recorded for the same assignment costs (O(size of the value)).
 * - locate, when a mutation finds a link that no longer holds (the object is
 *   not where it was last seen): searches the tracked roots for the object
 *   (O(state)) and relinks the path found, or marks it detached. This covers
 *   what links cannot see cheaply, e.g. an object read through a proxy whose
 *   container had left the state, while the object itself was put back
 *   elsewhere. It runs once per stale link: afterwards the link holds, or the
 *   node is marked detached until an assignment attaches it again.
 */
import { isTrackerProxy, rawOf } from '../values/proxyRegistry.js';
import type { Node } from './nodes.js';
import type { TrackerCore } from './TrackerCore.js';

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Calls visit(key, child) for each object child of a container the tracker can proxy. */
function forEachChild(raw: object, visit: (key: unknown, child: object) => void): void {
  const isObj = (c: unknown): c is object => typeof c === 'object' && c !== null;
  if (Array.isArray(raw)) {
    for (let i = 0; i < raw.length; i++) if (isObj(raw[i])) visit(i, raw[i]);
  } else if (raw instanceof Map) {
    for (const [k, v] of raw) if (isObj(v)) visit(k, v);
  } else if (raw instanceof Set) {
    for (const v of raw) if (isObj(v)) visit(v, v);
  } else if (isPlainObject(raw)) {
    for (const k of Object.keys(raw)) {
      const v = (raw as Record<string, unknown>)[k];
      if (isObj(v)) visit(k, v);
    }
  }
}

/**
 * Point every tracked object inside `value` at its container, creating nodes
 * for fresh containers on the way. Returns the node of `value` if it has or
 * now needs one (it contains tracked objects).
 */
export function linkTree(core: TrackerCore, value: object, seen: Set<object>): Node | undefined {
  let self = core.nodes.get(value);
  if (self === undefined && isTrackerProxy(value)) self = core.nodeFor(value);
  const raw: object = self !== undefined ? self.target : value;
  if (seen.has(raw)) return self;
  seen.add(raw);
  let failed = false;
  forEachChild(raw, (k, c) => {
    if (failed) return;
    const cn = linkTree(core, c, seen);
    if (cn === undefined || cn.rootName !== undefined || cn === self) return;
    if (self === undefined) self = core.nodeFor(raw);
    if (self === undefined) failed = true;
    else {
      cn.parent = self;
      cn.key = k;
    }
  });
  return failed ? undefined : self;
}

/**
 * Find `node`'s object under the tracked roots and relink the path to it.
 * Returns false (and marks the node detached) when it is not in the state.
 */
export function locate(core: TrackerCore, node: Node): boolean {
  const seen = new Set<object>();
  const trail: [object, unknown][] = [];
  const search = (raw: object): boolean => {
    if (seen.has(raw)) return false;
    seen.add(raw);
    let found = false;
    forEachChild(raw, (k, c) => {
      if (found) return;
      trail.push([raw, k]);
      if (c === node.target || c === node.proxy || search(rawOf(c))) found = true;
      else trail.pop();
    });
    return found;
  };
  for (const root of core.roots) {
    trail.length = 0;
    if (search(root.target)) {
      let parent: Node | undefined = root;
      for (let i = 0; i < trail.length && parent !== undefined; i++) {
        const child: Node | undefined = i + 1 < trail.length ? core.nodeFor(trail[i + 1][0]) : node;
        if (child !== undefined && child.rootName === undefined) {
          child.parent = parent;
          child.key = trail[i][1];
        }
        parent = child;
      }
      return true;
    }
  }
  node.parent = undefined;
  node.key = undefined;
  return false;
}
