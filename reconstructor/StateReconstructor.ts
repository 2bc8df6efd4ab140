import { ErrorCodes, HindsightError } from '../src/errors.js';
import type { HindsightEvent } from '../src/events.js';
import { LOG_EVENT_NAMES } from '../src/events.js';
import { EventReader } from '../src/log/EventReader.js';
import { resolveSession } from '../src/store/Sessions.js';
import type { Store } from '../src/store/Store.js';
import { toLive } from '../src/values/toLive.js';
import { affectsState, applyEvent, revertEvent, revertsExactly, type Reducers } from './replay.js';
import { noSnapshots, type SnapshotSource, type TrackedState } from './SnapshotSource.js';

/** An instant: a time (integer µs since the epoch, like events' `t`) or a seq. */
export type At = number | { seq: number };

export interface ReconstructionWarning {
  code: string;
  message: string;
  snapshotId?: string;
}

export interface Reconstruction {
  /** `{ [trackedName]: value }` after every event up to `seq`; the caller's own copy. */
  state: TrackedState;
  sessionId: string;
  /** The last event included (0: before the first event). */
  seq: number;
  /** t of that event (the session start for seq 0). */
  t: number;
  /** Where replay started: a snapshot id, 'cache', or 'start'. */
  base: string;
  /** Events replayed on top of the base. */
  replayed: number;
  /** True when a snapshot was corrupt or missing and an earlier base was used. */
  fellBack: boolean;
  /** True when the writer dropped events in the replayed range: the state may lack their changes. */
  incomplete: boolean;
  warnings: ReconstructionWarning[];
}

export interface ReconstructorOptions {
  snapshots?: SnapshotSource;
  reducers?: Reducers;
  /** Materialized states kept per reconstructor for scrubbing (default 8). */
  cacheSize?: number;
  /** Decoded event blocks kept (default 32). */
  cachedBlocks?: number;
  onWarning?: (warning: ReconstructionWarning) => void;
}

interface Working {
  sessionId: string;
  seq: number;
  state: TrackedState;
}

/**
 * Rebuilds the tracked state of a session at any instant: nearest snapshot
 * at or before it (a seek), materialized through its incrementals, then the
 * events after it replayed. A small set of working states makes scrubbing
 * near one point cost O(distance): the nearest one walks forward by applying
 * events or backward by reverting them with their recorded `prev` values.
 */
export class StateReconstructor {
  readonly snapshots: SnapshotSource;
  readonly reducers: Reducers | undefined;
  private readonly readers = new Map<string, EventReader>();
  private readonly working: Working[] = [];
  private readonly cacheSize: number;
  private readonly cachedBlocks: number;
  private readonly onWarning: (w: ReconstructionWarning) => void;
  /** Flags of the most recent reconstruction, for callers of stateAt(). */
  last: Omit<Reconstruction, 'state'> | undefined;

  constructor(
    readonly store: Store,
    options: ReconstructorOptions = {},
  ) {
    this.snapshots = options.snapshots ?? noSnapshots;
    this.reducers = options.reducers;
    this.cacheSize = options.cacheSize ?? 8;
    this.cachedBlocks = options.cachedBlocks ?? 32;
    this.onWarning = options.onWarning ?? (() => {});
  }

  reader(sessionId: string): EventReader {
    let r = this.readers.get(sessionId);
    if (!r) {
      r = new EventReader(this.store, sessionId, { cachedBlocks: this.cachedBlocks });
      this.readers.set(sessionId, r);
    }
    return r;
  }

  /** The state after every event with t <= at (or seq <= at.seq). */
  async stateAt(sessionId: string, at: At): Promise<TrackedState> {
    return (await this.reconstruct(sessionId, at)).state;
  }

  /** The seq of the last event at or before `at` (0 when none). */
  async seqAt(sessionId: string, at: At): Promise<number> {
    const info = await resolveSession(this.store.db, sessionId);
    if (typeof at === 'number') {
      if (!Number.isFinite(at)) throw new HindsightError(ErrorCodes.INVALID_ARGUMENT, `time must be a finite number of µs, got ${at}`);
      return Math.min(await this.reader(info.id).lastSeqAtOrBefore(Math.floor(at)), info.lastSeq);
    }
    if (!at || !Number.isInteger(at.seq) || at.seq < 0) {
      throw new HindsightError(ErrorCodes.INVALID_ARGUMENT, `expected a time in µs or { seq: integer >= 0 }, got ${JSON.stringify(at)}`);
    }
    return Math.min(at.seq, info.lastSeq);
  }

  async reconstruct(sessionId: string, at: At): Promise<Reconstruction> {
    const info = await resolveSession(this.store.db, sessionId);
    const seq = await this.seqAt(info.id, at);
    const result = await this.materialize(info.id, seq);
    const state = toLive(result.state) as TrackedState;
    const t = seq === 0 ? info.startT : ((await this.reader(info.id).get(seq))?.t ?? info.startT);
    const out: Reconstruction = { ...result.meta, sessionId: info.id, seq, t, state };
    const { state: _state, ...meta } = out;
    this.last = meta;
    return out;
  }

  /** Drops cached states and blocks (cold measurements, or after the recording changed). */
  clearCache(): void {
    this.working.length = 0;
    this.readers.clear();
  }

  /**
   * A working state at exactly `seq`. It belongs to the cache: callers copy
   * it before handing it out or mutating it.
   */
  private async materialize(sessionId: string, seq: number): Promise<{ state: TrackedState; meta: Omit<Reconstruction, 'state' | 'sessionId' | 'seq' | 't'> }> {
    const warnings: ReconstructionWarning[] = [];
    const meta = { base: 'start', replayed: 0, fellBack: false, incomplete: false, warnings };
    const near = this.nearestWorking(sessionId, seq);
    const point = await this.snapshots.nearest(sessionId, seq);
    // A cached state closer than the nearest snapshot wins: walking it costs O(distance).
    if (near && (!point || Math.abs(near.seq - seq) <= seq - point.seq)) {
      if (await this.walk(near, seq, meta)) {
        meta.base = 'cache';
        return { state: near.state, meta };
      }
      this.dropWorking(near);
    }
    let base: Working = { sessionId, seq: 0, state: {} };
    let candidate = point;
    while (candidate) {
      try {
        base = { sessionId, seq: candidate.seq, state: await this.snapshots.materialize(candidate) };
        meta.base = candidate.id;
        break;
      } catch (err) {
        const message = `snapshot ${candidate.id} at seq ${candidate.seq} is unusable (${(err as Error).message}); falling back to an earlier base`;
        const w = { code: (err as HindsightError).code ?? ErrorCodes.CORRUPT_SNAPSHOT, message, snapshotId: candidate.id };
        warnings.push(w);
        this.onWarning(w);
        meta.fellBack = true;
        candidate = candidate.seq > 0 ? await this.snapshots.nearest(sessionId, candidate.seq - 1) : undefined;
      }
    }
    await this.walk(base, seq, meta);
    this.keepWorking(base);
    return { state: base.state, meta };
  }

  /**
   * Moves `w` to `seq` in place: forward by applying events, backward by
   * reverting them. Returns false (w is then unusable) when a step back
   * cannot be reverted exactly.
   */
  private async walk(w: Working, seq: number, meta: { replayed: number; incomplete: boolean }): Promise<boolean> {
    const reader = this.reader(w.sessionId);
    if (seq > w.seq) {
      for await (const e of reader.events({ fromSeq: w.seq + 1, toSeq: seq })) {
        this.check(e, meta);
        if (affectsState(e, this.reducers)) {
          w.state = applyEvent(w.state, e, this.reducers);
          meta.replayed++;
        }
        w.seq = e.seq;
      }
      w.seq = seq;
      return true;
    }
    for await (const e of reader.events({ fromSeq: seq + 1, toSeq: w.seq, reverse: true })) {
      this.check(e, meta);
      if (!revertsExactly(e, this.reducers) || !revertEvent(w.state, e, this.reducers)) return false;
      meta.replayed++;
      w.seq = e.seq - 1;
    }
    w.seq = seq;
    return true;
  }

  private check(e: HindsightEvent, meta: { incomplete: boolean }): void {
    if (e.kind === 'log' && e.name === LOG_EVENT_NAMES.dropped) meta.incomplete = true;
  }

  private nearestWorking(sessionId: string, seq: number): Working | undefined {
    let best: Working | undefined;
    for (const w of this.working) {
      if (w.sessionId !== sessionId) continue;
      if (!best || Math.abs(w.seq - seq) < Math.abs(best.seq - seq)) best = w;
    }
    return best;
  }

  private keepWorking(w: Working): void {
    this.working.push(w);
    if (this.working.length > this.cacheSize) this.working.shift();
  }

  private dropWorking(w: Working): void {
    const i = this.working.indexOf(w);
    if (i >= 0) this.working.splice(i, 1);
  }
}
