import type { HindsightEvent } from '../src/events.js';
import { deepEqual, describeChanges } from '../src/snapshots/structuralDiff.js';
import { childAt, MISSING } from '../src/tracking/treeOps.js';
import type { PathSegment } from '../src/tracking/paths.js';
import type { StatePatch } from '../src/tracking/patches.js';
import { toLive } from '../src/values/toLive.js';
import { affectsState, applyEvent, ownEvent } from './replay.js';
import { collectSpans, spanKey, type SpanRecord } from './spans.js';
import type { TrackedState } from './SnapshotSource.js';
import type { At, StateReconstructor } from './StateReconstructor.js';

/** A reference to the event that made a change. */
export interface EventRef {
  seq: number;
  t: number;
  name: string;
  traceId?: string;
  spanId?: string;
}

export interface PathChange {
  kind: 'added' | 'removed' | 'changed';
  /** [trackedName, ...path inside its value]. */
  path: unknown[];
  before?: unknown;
  after?: unknown;
  /** The events in (from, to] whose patches touched this path, a parent or a child of it. */
  events: EventRef[];
}

export interface HistoryEntry extends EventRef {
  op: StatePatch['op'];
  /** [trackedName, ...path] the patch addressed. */
  path: unknown[];
  /**
   * The patch's new and old values. When the patch addressed a parent of the
   * queried path (a whole object replaced), these are the values AT the
   * queried path inside it (undefined where it did not exist).
   */
  value?: unknown;
  prev?: unknown;
  index?: number;
}

/** The value under `rest` inside a recorded value; numeric text indexes arrays. */
function valueAt(root: unknown, rest: readonly unknown[]): unknown {
  let cur = root;
  for (const seg of rest) {
    const key = Array.isArray(cur) && typeof seg === 'string' && /^\d+$/.test(seg) ? Number(seg) : seg;
    cur = childAt(cur, key as PathSegment);
    if (cur === MISSING) return undefined;
  }
  return cur;
}

export interface Range {
  from?: At;
  to?: At;
}

function sameSegment(a: unknown, b: unknown): boolean {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) return JSON.stringify(a) === JSON.stringify(b);
  // Paths reached through a number or its string form address the same property.
  return Object.is(a, b) || (typeof a !== typeof b && String(a) === String(b) && (typeof a === 'number' || typeof b === 'number'));
}

/** Whether one path is a prefix of the other (a change at either reaches both). */
export function overlaps(a: readonly unknown[], b: readonly unknown[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (!sameSegment(a[i], b[i])) return false;
  return true;
}

export function patchPath(e: HindsightEvent): unknown[] {
  const p = e.data as StatePatch;
  return [p.name, ...p.path];
}

function ref(e: HindsightEvent): EventRef {
  const r: EventRef = { seq: e.seq, t: e.t, name: e.name };
  if (e.traceId) r.traceId = e.traceId;
  if (e.spanId) r.spanId = e.spanId;
  return r;
}

/**
 * [after, to] in seqs: events with after < seq <= to are in range. `from` is
 * inclusive: a time takes the events at that time, `{ seq }` that event.
 */
async function bounds(rec: StateReconstructor, sessionId: string, range: Range): Promise<[number, number]> {
  const from = range.from === undefined ? 0 : typeof range.from === 'number' ? await rec.seqAt(sessionId, range.from - 1) : Math.max(0, range.from.seq - 1);
  const to = range.to === undefined ? Number.MAX_SAFE_INTEGER : await rec.seqAt(sessionId, range.to);
  return [from, to];
}

/** Changed paths between two instants, with before/after values and the events that changed them. */
export async function diff(rec: StateReconstructor, sessionId: string, from: At, to: At): Promise<PathChange[]> {
  const a = await rec.reconstruct(sessionId, from);
  const b = await rec.reconstruct(sessionId, to);
  const changes = describeChanges(a.state, b.state);
  const [lo, hi] = a.seq <= b.seq ? [a.seq, b.seq] : [b.seq, a.seq];
  const touching: HindsightEvent[] = [];
  for await (const e of rec.reader(a.sessionId).events({ fromSeq: lo + 1, toSeq: hi, kinds: ['state.patch'] })) touching.push(e);
  return changes.map((c) => ({ ...c, events: touching.filter((e) => overlaps(patchPath(e), c.path)).map(ref) }));
}

/** Every recorded change to `path` ([name, ...]) or below or above it, oldest first. */
export async function history(rec: StateReconstructor, sessionId: string, path: readonly unknown[], range: Range = {}): Promise<HistoryEntry[]> {
  const [from, to] = await bounds(rec, sessionId, range);
  const out: HistoryEntry[] = [];
  for await (const e of rec.reader(sessionId).events({ fromSeq: from + 1, toSeq: to, kinds: ['state.patch'] })) {
    const full = patchPath(e);
    if (!overlaps(full, path)) continue;
    const p = e.data as StatePatch;
    const entry: HistoryEntry = { ...ref(e), op: p.op, path: full };
    const rest = path.slice(full.length);
    if (rest.length > 0 && (p.op === 'replace' || p.op === 'add' || p.op === 'remove')) {
      const before = valueAt(p.prev, rest);
      const after = p.op === 'remove' ? undefined : valueAt(p.value, rest);
      // A parent replaced with an equal child leaves this path untouched.
      if (deepEqual(before, after) && 'prev' in p) continue;
      entry.value = toLive(after);
      entry.prev = toLive(before);
      out.push(entry);
      continue;
    }
    if ('value' in p) entry.value = toLive(p.value);
    if ('prev' in p) entry.prev = toLive(p.prev);
    if (p.index !== undefined) entry.index = p.index;
    out.push(entry);
  }
  return out;
}

export interface FindResult {
  seq: number;
  t: number;
  event?: EventRef;
  state: TrackedState;
}

export interface FindOptions extends Range {
  /**
   * 'snapshots' (default) tests the predicate at each checkpoint in range and
   * replays event by event only inside the first interval whose end holds: a
   * condition that turns true and false again between two checkpoints is not
   * seen. 'exhaustive' tests after every state-changing event.
   */
  mode?: 'snapshots' | 'exhaustive';
}

/** The first instant in range at which `predicate(state)` holds, or undefined. */
export async function findFirst(
  rec: StateReconstructor,
  sessionId: string,
  predicate: (state: Readonly<TrackedState>) => boolean,
  options: FindOptions = {},
): Promise<FindResult | undefined> {
  // The state AT `from` is the first candidate (not the one before it).
  const [, toBound] = await bounds(rec, sessionId, options);
  const from = options.from === undefined ? 0 : await rec.seqAt(sessionId, options.from);
  const to = Math.min(toBound, await rec.seqAt(sessionId, { seq: Number.MAX_SAFE_INTEGER }));
  let start = from;
  let stop = to;
  const first = await rec.reconstruct(sessionId, { seq: from });
  if (predicate(first.state)) return { seq: first.seq, t: first.t, state: first.state };
  if (options.mode !== 'exhaustive') {
    // Checkpoints bracket the first interval whose end satisfies the predicate.
    const points = await rec.snapshots.list(sessionId, from + 1, to);
    stop = to;
    for (const p of points) {
      const s = await rec.reconstruct(sessionId, { seq: p.seq });
      if (predicate(s.state)) {
        stop = p.seq;
        break;
      }
      start = p.seq;
    }
    if (stop === to && !predicate((await rec.reconstruct(sessionId, { seq: to })).state)) return undefined;
  }
  let state = (await rec.reconstruct(sessionId, { seq: start })).state;
  for await (const e of rec.reader(sessionId).events({ fromSeq: start + 1, toSeq: stop })) {
    if (!affectsState(e, rec.reducers)) continue;
    state = applyEvent(state, e, rec.reducers);
    if (predicate(state)) return { seq: e.seq, t: e.t, event: ref(e), state: toLive(state) as TrackedState };
  }
  return undefined;
}

/** A span open at an instant, with the open spans below it. */
export interface OpenSpan extends Omit<SpanRecord, 'endT' | 'endSeq'> {
  children: OpenSpan[];
}

/** The spans open at `at` (started at or before it, not yet ended), as trees by parent. */
export async function spansAt(rec: StateReconstructor, sessionId: string, at: At): Promise<OpenSpan[]> {
  const seq = await rec.seqAt(sessionId, at);
  const reader = rec.reader(sessionId);
  // A span open at seq has its start (or its end, if it ended before the
  // block was sealed) at the latest in seq's own block: see RecordingSpanProcessor.
  const block = await reader.blockOf(seq);
  const through = block === undefined ? seq : block[block.length - 1].seq;
  const open = new Map<string, OpenSpan>();
  for (const s of await collectSpans(reader.events({ toSeq: through, kinds: ['span.start', 'span.end'] }))) {
    if (s.startSeq > seq || (s.endSeq !== undefined && s.endSeq <= seq)) continue;
    const { endT: _endT, endSeq: _endSeq, ...start } = s;
    open.set(spanKey(s.traceId, s.spanId), { ...start, parentSpanId: s.parentSpanId, children: [] });
  }
  const roots: OpenSpan[] = [];
  for (const s of open.values()) {
    const parent = s.parentSpanId ? open.get(spanKey(s.traceId, s.parentSpanId)) : undefined;
    if (parent) parent.children.push(s);
    else roots.push(s);
  }
  return roots;
}

/** Calls `callback(event, state)` for every event in range, with the state after it (read-only view). */
export async function replayEvents(
  rec: StateReconstructor,
  sessionId: string,
  range: Range,
  callback: (event: HindsightEvent, state: Readonly<TrackedState>) => void | Promise<void>,
): Promise<number> {
  const [from, to] = await bounds(rec, sessionId, range);
  let state = (await rec.reconstruct(sessionId, { seq: from })).state;
  let n = 0;
  for await (const e of rec.reader(sessionId).events({ fromSeq: from + 1, toSeq: to })) {
    if (affectsState(e, rec.reducers)) state = applyEvent(state, e, rec.reducers);
    await callback(ownEvent(e), state);
    n++;
  }
  return n;
}
