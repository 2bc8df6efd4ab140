import { ErrorCodes, HindsightError } from '../src/errors.js';
import { EventReader } from '../src/log/EventReader.js';
import { resolveSession, type SessionInfo } from '../src/store/Sessions.js';
import type { Store } from '../src/store/Store.js';
import { toLive } from '../src/values/toLive.js';
import { affectsState, applyEvent, revertEvent, revertsExactly, type Reducers } from './replay.js';
import { applyCached, noteDropped, revertCached, walkCached } from './cachedWalk.js';
import { noSnapshots, type SnapshotPoint, type SnapshotSource, type TrackedState } from './SnapshotSource.js';

/** Within this many events of a cached working state, the snapshot lookup is skipped. */
const NEAR_EVENTS = 4096;

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

interface ReplayMeta {
  base: string;
  replayed: number;
  fellBack: boolean;
  incomplete: boolean;
  warnings: ReconstructionWarning[];
  /** Background work stops as soon as this says so (the cache was cleared). */
  abort?: () => boolean;
}

const ABORTED = new Error('background preparation abandoned');

interface Working {
  sessionId: string;
  seq: number;
  state: TrackedState;
  /**
   * An independent copy of the state (at its own seq), prepared between
   * requests: handing `state` out and promoting the spare costs O(distance)
   * instead of an O(state) copy on the request path.
   */
  spare?: { sessionId: string; seq: number; state: TrackedState };
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
  private readonly sessions = new Map<string, SessionInfo>();
  /** Requests in progress: background preparation waits for none to be. */
  private inFlight = 0;
  /** Bumped by clearCache(): background work of an older generation is dropped. */
  private generation = 0;
  /** Program-thread ms spent preparing spares and working states between requests. */
  backgroundMs = 0;
  private queue: Promise<unknown> = Promise.resolve();
  /** Background jobs waiting for the requests in flight to finish. */
  private idleWaiters: (() => void)[] = [];

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

  /**
   * Session metadata, read once per reconstructor (a recording opened for
   * reading is not written meanwhile; clearCache() forgets it).
   */
  async session(idOrName?: string): Promise<SessionInfo> {
    const key = idOrName ?? '';
    let info = this.sessions.get(key);
    if (!info) {
      info = await resolveSession(this.store.db, idOrName);
      // A session still being written grows: read its metadata every time.
      if (info.status !== 'running') this.sessions.set(key, info);
    }
    return info;
  }

  /** The seq of the last event at or before `at` (0 when none). */
  async seqAt(sessionId: string, at: At): Promise<number> {
    return this.seqIn(await this.session(sessionId), at);
  }

  /** seqAt for a session whose metadata is already in hand (a request reads it once). */
  private async seqIn(info: SessionInfo, at: At): Promise<number> {
    if (typeof at === 'number') {
      if (!Number.isFinite(at)) throw new HindsightError(ErrorCodes.INVALID_ARGUMENT, `time must be a finite number of µs, got ${at}`);
      return Math.min(await this.reader(info.id).lastSeqAtOrBefore(Math.floor(at)), info.lastSeq);
    }
    if (!at || !Number.isInteger(at.seq) || at.seq < 0) {
      throw new HindsightError(ErrorCodes.INVALID_ARGUMENT, `expected a time in µs or { seq: integer >= 0 }, got ${JSON.stringify(at)}`);
    }
    return Math.min(at.seq, info.lastSeq);
  }

  /**
   * Requests run one at a time: two walks of one cached working state at
   * once would interleave their events.
   */
  reconstruct(sessionId: string, at: At): Promise<Reconstruction> {
    const run = this.queue.then(() => this.reconstructNow(sessionId, at));
    this.queue = run.catch(() => {});
    return run;
  }

  private async reconstructNow(sessionId: string, at: At): Promise<Reconstruction> {
    this.inFlight++;
    try {
      const info = await this.session(sessionId);
      const seq = await this.seqIn(info, at);
      const result = await this.materialize(info.id, seq);
      const t = seq === 0 ? info.startT : await this.tOf(info.id, seq, info.startT);
      const out: Reconstruction = { ...result.meta, sessionId: info.id, seq, t, state: result.state };
      const { state: _state, ...meta } = out;
      this.last = meta;
      return out;
    } finally {
      if (--this.inFlight === 0 && this.idleWaiters.length > 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) setImmediate(w);
      }
    }
  }

  private async tOf(sessionId: string, seq: number, fallback: number): Promise<number> {
    return (await this.reader(sessionId).get(seq))?.t ?? fallback;
  }

  /** Drops cached states, blocks and session metadata (cold measurements, or after the recording changed). */
  clearCache(): void {
    this.working.length = 0;
    this.readers.clear();
    this.sessions.clear();
    this.generation++;
  }

  /**
   * The state at exactly `seq`, owned by the caller. From a cached working
   * state: walk it, hand it out and promote its spare (or copy it when no
   * spare is ready). Cold: materialize a fresh state and hand it out as is;
   * a working state for later requests is prepared between requests.
   */
  private async materialize(sessionId: string, seq: number): Promise<{ state: TrackedState; meta: Omit<Reconstruction, 'state' | 'sessionId' | 'seq' | 't'> }> {
    const warnings: ReconstructionWarning[] = [];
    const meta = { base: 'start', replayed: 0, fellBack: false, incomplete: false, warnings };
    const near = this.nearestWorking(sessionId, seq);
    // Walking a few thousand cached events beats any snapshot: skip the lookup.
    const point = near && Math.abs(near.seq - seq) <= NEAR_EVENTS ? undefined : await this.snapshots.nearest(sessionId, seq);
    // A cached state closer than the nearest snapshot wins: walking it costs O(distance).
    if (near && (!point || Math.abs(near.seq - seq) <= seq - point.seq)) {
      let walked = false;
      try {
        walked = await this.walk(near, seq, meta);
      } finally {
        // A walk that failed or threw midway leaves a state nobody can trust.
        if (!walked) this.dropWorking(near);
      }
      if (walked) {
        meta.base = 'cache';
        return { state: this.handOut(near), meta };
      }
    }
    const fresh = await this.fromSnapshot(sessionId, point, seq, meta);
    this.prepareWorking(sessionId, seq);
    return { state: fresh.state, meta };
  }

  /** The nearest usable snapshot at or before `point` (falling back past broken ones), walked to `seq`. */
  private async fromSnapshot(sessionId: string, point: SnapshotPoint | undefined, seq: number, meta: ReplayMeta, silent = false): Promise<Working> {
    let base: Working = { sessionId, seq: 0, state: {} };
    let candidate = point;
    while (candidate) {
      try {
        base = { sessionId, seq: candidate.seq, state: await this.snapshots.materialize(candidate) };
        if (meta.abort?.()) throw ABORTED;
        meta.base = candidate.id;
        break;
      } catch (err) {
        if (err === ABORTED) throw err;
        const message = `snapshot ${candidate.id} at seq ${candidate.seq} is unusable (${(err as Error).message}); falling back to an earlier base`;
        const w = { code: (err as HindsightError).code ?? ErrorCodes.CORRUPT_SNAPSHOT, message, snapshotId: candidate.id };
        meta.warnings.push(w);
        if (!silent) this.onWarning(w);
        meta.fellBack = true;
        candidate = candidate.seq > 0 ? await this.snapshots.nearest(sessionId, candidate.seq - 1) : undefined;
      }
    }
    await this.walk(base, seq, meta);
    return base;
  }

  /** Gives `w.state` to the caller and keeps an independent state in the cache. */
  private handOut(w: Working): TrackedState {
    const spare = w.spare;
    w.spare = undefined;
    if (!spare || !walkCached(this.reader(w.sessionId), this.reducers, spare, w.seq)) {
      this.prepareSpare(w);
      return toLive(w.state) as TrackedState;
    }
    const out = w.state;
    w.state = spare.state;
    this.prepareSpare(w);
    return out;
  }

  /** Runs `job` once no request is in progress, unless the cache was cleared meanwhile. */
  private whenIdle(job: () => void | Promise<void>): void {
    const generation = this.generation;
    const attempt = (): void => {
      if (generation !== this.generation) return;
      if (this.inFlight > 0) {
        this.idleWaiters.push(attempt);
        return;
      }
      const t0 = performance.now();
      void Promise.resolve(job())
        .catch(() => {})
        .finally(() => (this.backgroundMs += performance.now() - t0));
    };
    setImmediate(attempt);
  }

  private prepareSpare(w: Working): void {
    this.whenIdle(() => {
      if (w.spare || !this.working.includes(w)) return;
      w.spare = { sessionId: w.sessionId, seq: w.seq, state: toLive(w.state) as TrackedState };
    });
  }

  /** After a cold request, builds a working state near `seq` for the requests that follow. */
  private prepareWorking(sessionId: string, seq: number): void {
    const generation = this.generation;
    this.whenIdle(async () => {
      const meta: ReplayMeta = { base: 'start', replayed: 0, fellBack: false, incomplete: false, warnings: [], abort: () => generation !== this.generation };
      // Silent: the request this prepares for has already reported its warnings.
      const w = await this.fromSnapshot(sessionId, await this.snapshots.nearest(sessionId, seq), seq, meta, true);
      if (generation !== this.generation || this.nearestWorking(sessionId, seq)?.seq === seq) return;
      this.keepWorking(w);
      this.prepareSpare(w);
    });
  }

  /**
   * Moves `w` to `seq` in place: forward by applying events, backward by
   * reverting them. Returns false (w is then unusable) when a step back
   * cannot be reverted exactly.
   */
  private async walk(w: Working, seq: number, meta: ReplayMeta): Promise<boolean> {
    const reader = this.reader(w.sessionId);
    if (seq > w.seq) {
      meta.replayed += applyCached(reader, this.reducers, w, seq, meta);
      if (w.seq >= seq) return true;
      for await (const e of reader.events({ fromSeq: w.seq + 1, toSeq: seq })) {
        if (meta.abort?.()) throw ABORTED;
        noteDropped(e, meta);
        if (e.seq !== w.seq + 1) this.gap(w.seq + 1, e.seq - 1, meta);
        if (affectsState(e, this.reducers)) {
          w.state = applyEvent(w.state, e, this.reducers);
          meta.replayed++;
        }
        w.seq = e.seq;
      }
      if (w.seq < seq) this.gap(w.seq + 1, seq, meta);
      w.seq = seq;
      return true;
    }
    // Backwards through blocks already decoded, without I/O, then from the store.
    if (!revertCached(reader, this.reducers, w, seq, meta)) return false;
    if (w.seq <= seq) return true;
    for await (const e of reader.events({ fromSeq: seq + 1, toSeq: w.seq, reverse: true })) {
      noteDropped(e, meta);
      if (!revertsExactly(e, this.reducers) || !revertEvent(w.state, e, this.reducers)) return false;
      meta.replayed++;
      w.seq = e.seq - 1;
    }
    w.seq = seq;
    return true;
  }

  /** Events missing from the log (a write that failed): the state may lack their changes. */
  private gap(from: number, to: number, meta: { incomplete: boolean; warnings?: ReconstructionWarning[] }): void {
    meta.incomplete = true;
    const w = { code: ErrorCodes.CORRUPT_BLOCK, message: `events ${from}..${to} are missing from the log; the state may lack their changes` };
    meta.warnings?.push(w);
    this.onWarning(w);
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
