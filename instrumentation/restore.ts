/**
 * Live restore: set tracked objects back to their recorded state at an
 * instant, through their proxies, so the restore is itself recorded as
 * ordinary patches and the timeline stays true (a restore is undone by
 * restoring to the instant before it).
 *
 * instrumentation/ may not import reconstructor/ (see the design guide), so
 * the state at an instant is rebuilt here from src/ alone: the nearest good
 * tracked checkpoint of the SnapshotManager, then the stored `state.patch`
 * events replayed with applyPatch. Tests check it against StateReconstructor.
 */
import { ErrorCodes, HindsightError } from '../src/errors.js';
import { EventReader } from '../src/log/EventReader.js';
import type { SnapshotManager } from '../src/snapshots/SnapshotManager.js';
import type { SnapshotMeta } from '../src/snapshots/types.js';
import { deepEqual } from '../src/snapshots/structuralDiff.js';
import type { Store } from '../src/store/Store.js';
import { applyToState, type StatePatch } from '../src/tracking/patches.js';
import { rawOf } from '../src/values/proxyRegistry.js';
import { copyValue } from '../src/values/copyValue.js';
import { isMarker } from '../src/values/markers.js';
import { REDACTED } from './redact.js';

/** A time (µs), `{ seq }`, a snapshot id or a mark label of the recorder's own session. */
export type RestoreTarget = number | { seq: number } | string;

export interface RestoreOptions {
  /** Only these tracked names (selective restore); all tracked names when omitted. */
  names?: readonly string[];
}

export interface RestoreResult {
  /** The instant restored to: the last event included in the target state. */
  to: { seq: number; t: number };
  /** Names set back (their live objects may have needed no change). */
  names: string[];
  /** Names left alone because they did not exist yet at the target (only when `names` was omitted). */
  skipped: string[];
  /** The last seq before the restore's own patches: `restore({ seq: before })` undoes it. */
  before: number;
  /** Seq of the `restore` event that closes the restore. */
  eventSeq: number;
  /** rollbackLast: the checkpoint restored to, and newer ones passed over as unusable. */
  snapshotId?: string;
  unusable?: string[];
}

export const RESTORE_EVENT = { kind: 'restore', name: 'hindsight.restore' } as const;

export type TrackedState = Record<string, unknown>;

export interface StateAt {
  state: TrackedState;
  seq: number;
  t: number;
}

const invalid = (message: string, details: Record<string, unknown> = {}) => new HindsightError(ErrorCodes.INVALID_ARGUMENT, message, details);

/** Tracked checkpoints of a session at or before `seq`, newest first. */
async function checkpointsAtOrBefore(manager: SnapshotManager, sessionId: string, seq: number): Promise<SnapshotMeta[]> {
  const all = await manager.searchSnapshots({ sessionId });
  return all.filter((m) => m.tracked && m.seq <= seq).sort((a, b) => b.seq - a.seq || (a.id < b.id ? 1 : -1));
}

/** The state in a checkpoint, checksums verified; throws CORRUPT_SNAPSHOT when damaged. */
export async function checkpointState(manager: SnapshotManager, meta: SnapshotMeta): Promise<TrackedState> {
  const state = await manager.reconstructState(meta);
  if (typeof state !== 'object' || state === null || Array.isArray(state) || state instanceof Map) {
    throw new HindsightError(ErrorCodes.CORRUPT_SNAPSHOT, `snapshot ${meta.id} does not hold tracked state`, { snapshotId: meta.id });
  }
  return state as TrackedState;
}

/**
 * The tracked state of a session after every stored event up to `seq`
 * (Infinity: everything stored, e.g. of a crashed session). Falls back past
 * damaged checkpoints; a damaged event block throws (CORRUPT_BLOCK).
 */
export async function stateAtSeq(store: Store, manager: SnapshotManager | undefined, sessionId: string, seq: number, startT = 0): Promise<StateAt> {
  let out: StateAt = { state: {}, seq: 0, t: startT };
  for (const meta of manager ? await checkpointsAtOrBefore(manager, sessionId, seq) : []) {
    try {
      out = { state: await checkpointState(manager!, meta), seq: meta.seq, t: meta.t };
      break;
    } catch (err) {
      if (!(err instanceof HindsightError)) throw err;
    }
  }
  const reader = new EventReader(store, sessionId);
  for await (const e of reader.events({ fromSeq: out.seq + 1, toSeq: Number.isFinite(seq) ? seq : undefined })) {
    if (e.kind === 'state.patch') applyToState(out.state, e.data as StatePatch);
    out.seq = e.seq;
    out.t = e.t;
  }
  return out;
}

/** The seq a restore target names in the recorder's own session (already flushed). */
export async function resolveTarget(store: Store, manager: SnapshotManager | undefined, sessionId: string, lastSeq: number, at: RestoreTarget): Promise<number> {
  if (typeof at === 'number') {
    if (!Number.isFinite(at)) throw invalid(`restore: time must be a finite number of µs, got ${at}`);
    return Math.min(await new EventReader(store, sessionId).lastSeqAtOrBefore(Math.floor(at)), lastSeq);
  }
  if (typeof at === 'string') {
    const meta = manager?.getMetadata(at);
    if (meta) {
      if (meta.sessionId !== sessionId) throw invalid(`restore: snapshot ${at} belongs to session ${meta.sessionId}, not ${sessionId}`, { snapshotId: at });
      return meta.seq;
    }
    for await (const e of new EventReader(store, sessionId).events({ kinds: ['marker'], names: [at], reverse: true, limit: 1 })) return e.seq;
    throw invalid(`restore: ${JSON.stringify(at)} is neither a snapshot id nor a mark label of this session`, { at });
  }
  if (typeof at !== 'object' || at === null || !Number.isInteger(at.seq) || at.seq < 0) {
    throw invalid(`restore: expected a time in µs, { seq: integer >= 0 }, a snapshot id or a mark label, got ${JSON.stringify(at)}`);
  }
  return Math.min(at.seq, lastSeq);
}

type Kind = 'object' | 'array' | 'map' | 'set' | 'date' | 'other';

export function kindOf(v: unknown): Kind {
  if (typeof v !== 'object' || v === null) return 'other';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Map) return 'map';
  if (v instanceof Set) return 'set';
  if (v instanceof Date) return 'date';
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null ? 'object' : 'other';
}

export interface LiveRoot {
  name: string;
  proxy: object;
}

/** Throws INVALID_ARGUMENT (before anything changed) unless every live root and its target are containers of one kind. */
export function checkShapes(roots: readonly LiveRoot[], target: TrackedState): void {
  for (const { name, proxy } of roots) {
    const live = kindOf(rawOf(proxy));
    const want = kindOf(target[name]);
    if (live === 'other' || live !== want) {
      throw invalid(`restore: "${name}" is a live ${live} but was a ${want === 'other' ? typeof target[name] : want} at the target`, { name, live, target: want });
    }
  }
}

/**
 * Makes the live value behind `proxy` equal `target` (content and iteration
 * order), writing only through the proxy and only where they differ, so
 * nested objects of the same kind keep their identity too. `target` must be
 * a fresh tree owned by the caller: its objects are stored as they are.
 */
export function reconcile(proxy: any, target: any, censor: string = REDACTED): void {
  const raw = rawOf(proxy);
  switch (kindOf(raw)) {
    case 'object':
      return reconcileObject(proxy, raw, target, censor);
    case 'array':
      return reconcileArray(proxy, raw, target, censor);
    case 'map':
    case 'set':
      if (!deepEqual(raw, target)) {
        proxy.clear();
        if (raw instanceof Map) for (const [k, v] of target as Map<unknown, unknown>) proxy.set(k, v);
        else for (const v of target as Set<unknown>) proxy.add(v);
      }
      return;
    case 'date':
      if (!Object.is(raw.getTime(), target.getTime())) proxy.setTime(target.getTime());
      return;
  }
}

/**
 * What the recording cannot give back: a redacted leaf (the censor string) or
 * a marker standing for a function, symbol, cycle or uncopyable value. Writing
 * it would put a placeholder where the program keeps a secret or a function.
 */
function unrestorable(value: unknown, censor: string): boolean {
  return value === censor || isMarker(value);
}

/** Assigns `value` at `key`, or reconciles in place when both sides are containers of one kind. */
function put(proxy: any, raw: any, key: string | number, value: unknown, censor: string): void {
  const has = Object.hasOwn(raw, key);
  const cur = raw[key];
  // The live value stays: the recording holds only its placeholder.
  if (unrestorable(value, censor)) return;
  if (has && kindOf(cur) !== 'other' && kindOf(cur) === kindOf(value)) return reconcile(proxy[key], value, censor);
  // A class instance the recording holds as a plain copy: unchanged when its copy matches.
  if (has && typeof cur === 'object' && cur !== null && deepEqual(copyValue(cur), value)) return;
  if (!has || !deepEqual(cur, value)) proxy[key] = value;
}

function reconcileObject(proxy: any, raw: Record<string, unknown>, target: Record<string, unknown>, censor: string): void {
  for (const k of Object.keys(raw)) if (!Object.hasOwn(target, k)) delete proxy[k];
  const want = Object.keys(target);
  for (const k of want) put(proxy, raw, k, target[k], censor);
  // Iteration order is state too: re-add, in order, the keys from the first one out of place.
  const have = Object.keys(raw);
  const first = want.findIndex((k, i) => have[i] !== k);
  if (first < 0) return;
  for (const k of want.slice(first)) {
    const v = raw[k];
    delete proxy[k];
    proxy[k] = v;
  }
}

function reconcileArray(proxy: any, raw: unknown[], target: unknown[], censor: string): void {
  if (raw.length === target.length) {
    for (let i = 0; i < target.length; i++) put(proxy, raw, i, target[i], censor);
    return;
  }
  let pre = 0;
  const max = Math.min(raw.length, target.length);
  while (pre < max && deepEqual(raw[pre], target[pre])) pre++;
  let suf = 0;
  while (suf < max - pre && deepEqual(raw[raw.length - 1 - suf], target[target.length - 1 - suf])) suf++;
  proxy.splice(pre, raw.length - pre - suf, ...target.slice(pre, target.length - suf));
}
