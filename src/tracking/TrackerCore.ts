/**
 * The engine behind StateTracker: proxies, links and patch emission. Nodes
 * (the proxy handlers) call back into it; StateTracker is the public face.
 */
import { isSpanContextValid, trace } from '@opentelemetry/api';
import type { EventInput } from '../events.js';
import { copyValue } from '../values/copyValue.js';
import { rawOf, registerProxy } from '../values/proxyRegistry.js';
import { createArrayMethods, setArrayLength } from './arrayMethods.js';
import { createMapMethods, createSetMethods } from './collectionMethods.js';
import { ArrayNode, DateNode, DETACHED, MapNode, NO_KEY, Node, ObjectNode, SetNode } from './nodes.js';
import { linkTree, locate } from './links.js';
import type { PatchSink } from './PatchSink.js';
import type { StatePatch } from './patches.js';
import { isRefSegment, type PathSegment } from './paths.js';

export interface ActiveContext {
  traceId: string;
  spanId: string;
}

/** The last active span looked at, and its ids when valid (a span's context never changes). */
let lastSpan: object | undefined;
let lastContext: ActiveContext | undefined;

/**
 * The active OpenTelemetry span's ids, when it has valid ones. A request
 * changes state several times under one span: its verdict is kept, since
 * the validity check (two regular expressions) is most of the lookup's cost.
 */
export function otelActiveContext(): ActiveContext | undefined {
  const span = trace.getActiveSpan();
  if (span === undefined) return undefined;
  if (span !== lastSpan) {
    const sc = span.spanContext();
    lastContext = isSpanContextValid(sc) ? sc : undefined;
    lastSpan = span;
  }
  return lastContext;
}

/** Longer parent chains are treated as cycles (an object stored inside itself). */
const MAX_DEPTH = 10_000;

export class TrackerCore {
  readonly nodes = new WeakMap<object, Node>();
  /** Root nodes of the tracked names (StateTracker keeps it current). */
  readonly roots = new Set<Node>();
  readonly arrayMethods: Record<string | symbol, unknown>;
  readonly mapMethods: Record<string | symbol, unknown>;
  readonly setMethods: Record<string | symbol, unknown>;
  private readonly dateMethods = new Map<unknown, unknown>();
  private readonly rawMethods = new Map<unknown, unknown>();

  patches = 0;
  detachedWrites = 0;
  errors = 0;

  // Outputs of pathFor, kept in fields because returning a tuple would allocate on every nested write.
  private pathRoot: Node | undefined = undefined;
  private cut = 0;

  constructor(
    private readonly sink: PatchSink,
    private readonly activeContext: () => ActiveContext | undefined,
    private readonly onError: (err: unknown) => void,
  ) {
    this.arrayMethods = createArrayMethods(this);
    this.mapMethods = createMapMethods(this);
    this.setMethods = createSetMethods(this);
  }

  // ---- proxies and links -------------------------------------------------

  /** The node for a raw object or one of our proxies, creating it if the object can be tracked. */
  nodeFor(value: object): Node | undefined {
    const n = this.nodes.get(value);
    return n !== undefined ? n : this.createNode(value);
  }

  private createNode(value: object): Node | undefined {
    const raw = rawOf(value);
    if (raw !== value) {
      // Another tracker's proxy: track its target here.
      const n = this.nodes.get(raw) ?? this.createNode(raw);
      if (n !== undefined) this.nodes.set(value, n);
      return n;
    }
    let node: Node;
    if (Array.isArray(raw)) {
      if (Object.isFrozen(raw)) return undefined;
      node = new ArrayNode(this, raw);
    } else {
      const proto = Object.getPrototypeOf(raw);
      if (proto === Object.prototype || proto === null) {
        if (Object.isFrozen(raw)) return undefined;
        node = new ObjectNode(this, raw);
      } else if (raw instanceof Map) node = new MapNode(this, raw);
      else if (raw instanceof Set) node = new SetNode(this, raw);
      else if (raw instanceof Date) node = new DateNode(this, raw);
      else return undefined;
    }
    this.nodes.set(raw, node);
    this.nodes.set(node.proxy, node);
    registerProxy(node.proxy, raw);
    return node;
  }

  /** A child read through `parent`: its cached proxy, relinked to where it was read. */
  child(parent: Node, key: unknown, value: object): any {
    let n = this.nodes.get(value);
    if (n === undefined) {
      n = this.createNode(value);
      if (n === undefined) return value;
    }
    if (n.rootName === undefined && n !== parent && (n.parent !== parent || n.key !== key)) {
      // A read through a container that left the state must not take the link
      // of an object that was put back elsewhere (the walk runs only when the link changes).
      if (n.parent === undefined || this.isAttached(parent)) {
        n.parent = parent;
        n.key = key;
      }
    }
    return n.proxy;
  }

  /** Whether following parent links from `node` reaches a tracked root. */
  private isAttached(node: Node): boolean {
    let n = node;
    for (let depth = 0; n.parent !== undefined; depth++) {
      if (depth > MAX_DEPTH) return false;
      n = n.parent;
    }
    return n.rootName !== undefined;
  }

  /** A value leaving the state (pop, splice...): its proxy if it has or can have one, without relinking. */
  detachedProxy(value: unknown): unknown {
    if (typeof value !== 'object' || value === null) return value;
    const n = this.nodeFor(value);
    return n === undefined ? value : n.proxy;
  }

  nodeOf(thisArg: unknown): Node | undefined {
    return typeof thisArg === 'object' && thisArg !== null ? this.nodes.get(thisArg) : undefined;
  }

  /** What gets stored in the raw tree for an assigned value: raw objects, never our proxies. */
  rawValue(value: unknown): unknown {
    return rawOf(value);
  }

  /** The other identity of an object (raw ↔ our proxy), for lookups in containers that may hold either. */
  altForm(value: object): object | undefined {
    const raw = rawOf(value);
    if (raw !== value) return raw;
    const n = this.nodes.get(value);
    return n !== undefined && n.proxy !== value ? n.proxy : undefined;
  }

  /** The key as a Map/Set holds it (raw or proxy form), or the raw form if absent. */
  storedKey(c: Map<unknown, unknown> | Set<unknown>, key: unknown): unknown {
    if (c.has(key) || typeof key !== 'object' || key === null) return key;
    const alt = this.altForm(key);
    if (alt !== undefined && c.has(alt)) return alt;
    return rawOf(key);
  }

  /**
   * After `value` was stored at `key` under `parent`: relink its node, and
   * the nodes of tracked objects inside it (e.g. a filtered copy of a tracked
   * array holds its element proxies), so that proxies the program kept
   * record at the new path.
   */
  link(parent: Node, key: unknown, value: unknown): void {
    if (typeof value !== 'object' || value === null) return;
    const n = linkTree(this, value, new Set());
    if (n !== undefined && n.rootName === undefined && n !== parent) {
      n.parent = parent;
      n.key = key;
    }
  }

  /**
   * A value that left `parent`: mark its node detached, so writes through a
   * proxy kept by the program (a job shifted off a queue) cost O(1) instead
   * of a search. Inserting it again relinks it. Unless it is still in
   * `parent`, put there before the old place was emptied (a Map entry
   * renamed by set-then-delete, a swap): at the key its node records, or,
   * when `search` (a splice, which already costs O(length)), anywhere in the
   * array (an unshift then a splice of the old slot).
   */
  private detach(parent: Node, value: unknown, search = false): void {
    if (typeof value !== 'object' || value === null) return;
    const n = this.nodes.get(value);
    if (n !== undefined && n.parent === parent && !(search ? parent.segmentOf(n) !== DETACHED : parent.holds(n))) {
      n.parent = undefined;
      n.key = undefined;
    }
  }

  /** Relink the nodes of elements moved inside an array, without descending. */
  relinkMoved(node: Node, from: number, to: number): void {
    const t = node.target as unknown[];
    for (let i = from; i < to; i++) {
      const c = t[i];
      if (typeof c === 'object' && c !== null) {
        const n = this.nodes.get(c);
        if (n !== undefined && n.rootName === undefined) {
          n.parent = node;
          n.key = i;
        }
      }
    }
  }

  /**
   * The path of `node` with `tail` empty slots appended, or undefined when
   * the node is no longer reachable from a tracked root. Sets pathRoot and
   * cut (the length of the prefix marked dirty).
   */
  private pathFor(node: Node, tail: number, mayLocate = true): PathSegment[] | undefined {
    let depth = 0;
    let n = node;
    while (n.parent !== undefined) {
      n = n.parent;
      if (++depth > MAX_DEPTH) return undefined;
    }
    if (n.rootName === undefined) return undefined;
    const path: PathSegment[] = new Array(depth + tail);
    let cut = depth + tail;
    let c = node;
    for (let i = depth - 1; i >= 0; i--) {
      const p = c.parent!;
      const seg = p.segmentOf(c);
      if (seg === DETACHED) {
        // c is not where it was last seen: find it (once), then retry.
        return mayLocate && locate(this, c) ? this.pathFor(node, tail, false) : undefined;
      }
      path[i] = seg;
      if (p.coarse || isRefSegment(seg)) cut = i;
      c = p;
    }
    this.pathRoot = n;
    this.cut = cut;
    return path;
  }

  // ---- emission ------------------------------------------------------------

  private append(name: string, data: StatePatch): void {
    const ctx = this.activeContext();
    const event: EventInput =
      ctx === undefined
        ? { kind: 'state.patch', name, data }
        : { kind: 'state.patch', name, data, traceId: ctx.traceId, spanId: ctx.spanId };
    this.sink.append(event);
    this.patches++;
  }

  fail(err: unknown): void {
    this.errors++;
    try {
      this.onError(err);
    } catch {
      // onError itself failed: the counter is all that is left.
    }
  }

  /**
   * One change of the child at `seg` under `node`. `refKey` is the raw Map
   * key when seg is a ref (kept in add/remove patches so readers can rebuild it).
   */
  recordChild(
    node: Node,
    seg: PathSegment,
    op: 'add' | 'replace' | 'remove',
    value: unknown,
    prev: unknown,
    refKey: unknown = NO_KEY,
  ): void {
    try {
      let path: PathSegment[] | undefined;
      let root: Node;
      let cut: number;
      if (node.parent === undefined) {
        // Fast path: a top-level write needs no link walk.
        if (node.rootName === undefined) {
          this.detachedWrites++;
          return;
        }
        path = [seg];
        root = node;
        cut = 1;
      } else {
        path = this.pathFor(node, 1);
        if (path === undefined) {
          this.detachedWrites++;
          return;
        }
        path[path.length - 1] = seg;
        root = this.pathRoot!;
        cut = this.cut;
      }
      if (node.coarse || isRefSegment(seg)) cut = Math.min(cut, path.length - 1);
      const name = root.rootName!;
      let patch: StatePatch;
      if (op === 'replace') patch = { name, op, path, value: copyValue(value), prev: copyValue(prev) };
      else if (op === 'add') {
        patch =
          refKey === NO_KEY
            ? { name, op, path, value: copyValue(value) }
            : { name, op, path, key: copyValue(refKey), value: copyValue(value) };
      } else {
        patch =
          refKey === NO_KEY
            ? { name, op, path, prev: copyValue(prev) }
            : { name, op, path, key: copyValue(refKey), prev: copyValue(prev) };
      }
      this.append(name, patch);
      root.dirty?.mark(path, cut, op === 'add');
      if (op !== 'add') this.detach(node, prev);
    } catch (err) {
      this.fail(err);
    }
  }

  /** One splice of the array of `node`; relinks what moved and what was inserted. */
  recordSplice(node: Node, index: number, removed: unknown[], inserted: unknown[]): void {
    try {
      const path = this.pathOfNode(node);
      if (path !== undefined) {
        const root = this.pathRoot!;
        const name = root.rootName!;
        this.append(name, { name, op: 'splice', path, index, prev: copyValue(removed), value: copyValue(inserted) });
        root.dirty?.mark(path, Math.min(this.cut, path.length), false);
      }
      for (let i = 0; i < removed.length; i++) this.detach(node, removed[i], true);
      for (let i = 0; i < inserted.length; i++) this.link(node, index + i, inserted[i]);
      if (removed.length !== inserted.length) this.relinkMoved(node, index + inserted.length, node.target.length);
    } catch (err) {
      this.fail(err);
    }
  }

  /** A change of the node's own value: a Date set in place (replace) or a Map/Set cleared. Takes copies. */
  recordSelf(node: Node, op: 'replace' | 'clear', valueCopy: unknown, prevCopy: unknown): void {
    try {
      const path = this.pathOfNode(node);
      if (path === undefined) return;
      const root = this.pathRoot!;
      const name = root.rootName!;
      const patch: StatePatch =
        op === 'replace' ? { name, op, path, value: valueCopy, prev: prevCopy } : { name, op, path, prev: prevCopy };
      this.append(name, patch);
      root.dirty?.mark(path, Math.min(this.cut, path.length), false);
    } catch (err) {
      this.fail(err);
    }
  }

  /** A name's first record (or a re-track): replace at []. */
  recordRoot(root: Node, prev: unknown, hasPrev: boolean): void {
    try {
      const name = root.rootName!;
      const value = copyValue(root.target);
      this.append(name, hasPrev ? { name, op: 'replace', path: [], value, prev: copyValue(prev) } : { name, op: 'replace', path: [], value });
      root.dirty?.mark([], 0, false);
    } catch (err) {
      this.fail(err);
    }
  }

  private pathOfNode(node: Node): PathSegment[] | undefined {
    const path = node.parent === undefined && node.rootName !== undefined ? [] : this.pathFor(node, 0);
    if (path === undefined) {
      this.detachedWrites++;
      return undefined;
    }
    if (node.parent === undefined) {
      this.pathRoot = node;
      this.cut = 0;
    }
    return path;
  }

  // ---- methods that must run on the raw receiver --------------------------

  setArrayLength(node: Node, value: unknown): boolean {
    return setArrayLength(this, node, value);
  }

  /** A Date method: setters record a replace of the Date when its time changed. */
  dateMethod(fn: (...args: unknown[]) => unknown): unknown {
    let wrapped = this.dateMethods.get(fn);
    if (wrapped !== undefined) return wrapped;
    const isSetter = fn.name.startsWith('set');
    const nodeOf = (thisArg: unknown) => this.nodeOf(thisArg);
    const recordSelf = (node: Node, value: Date, prev: Date) => this.recordSelf(node, 'replace', value, prev);
    wrapped = function (this: unknown, ...args: unknown[]) {
      const node = nodeOf(this);
      if (node === undefined) return fn.apply(this, args);
      const d = node.target as Date;
      if (!isSetter) return fn.apply(d, args);
      const before = d.getTime();
      const result = fn.apply(d, args);
      if (!Object.is(before, d.getTime())) recordSelf(node, new Date(d.getTime()), new Date(before));
      return result;
    };
    this.dateMethods.set(fn, wrapped);
    return wrapped;
  }

  /** Any other method of a Map/Set: run it on the raw object (built-ins reject a proxy receiver). */
  rawMethod(fn: (...args: unknown[]) => unknown): unknown {
    let wrapped = this.rawMethods.get(fn);
    if (wrapped !== undefined) return wrapped;
    wrapped = function (this: unknown, ...args: unknown[]) {
      return fn.apply(rawOf(this), args);
    };
    this.rawMethods.set(fn, wrapped);
    return wrapped;
  }
}
