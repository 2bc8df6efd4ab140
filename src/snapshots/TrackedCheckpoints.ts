/**
 * Checkpoints of tracked state (StateTracker), on the program thread at
 * O(changes):
 * - the session's state is `{ [trackedName]: value }`;
 * - the first checkpoint is a full of the names' current values (copies the
 *   tracker makes, O(initial), once);
 * - every later one is an incremental built from tracker.takeDirty() and
 *   readPaths(): the dirty paths become DiffOps (`['s', [name, ...path], copy]`
 *   or `['d', ...]`), so incrementals of tracked and plain state share one
 *   format and one fold;
 * - a full is never produced by serializing the live graph: when a chain
 *   reaches maxIncrementalChain, its last incremental is "promoted": the
 *   FoldRunner folds the previous full and the chain's incrementals (stored
 *   bytes) in a worker thread, and the result replaces that snapshot's record
 *   under the same id, seq and t (same state, now type full). Incrementals
 *   taken meanwhile keep chaining on it; nothing is ever rebased.
 *   Measured (benchmarks/snapshot.ts, 1,000,000 leaf keys as 10,000 x 100,
 *   classic-level on disk, compiled, this 2-core machine): a checkpoint after
 *   100 changed keys costs the program thread ~0.4-0.8 ms; producing the next
 *   full takes ~0.4-0.6 s in the worker, while the program thread's longest
 *   stall is ~45-60 ms, and that stall is classic-level copying the ~5 MB
 *   record into its write batch (measured alone: 14-55 ms cold, ~1 ms warm),
 *   not serialization. JSON.stringify + gzip of the same state: ~300-380 ms;
 *   a structural diff to find the 100 changes: ~220-320 ms.
 * - the every-N-events trigger polls the log's lastSeq (a 25 ms unref'd
 *   timer): a hook in the tracker's hot path would cost every write.
 */
import type { EventLog } from '../log/EventLog.js';
import type { StateTracker } from '../tracking/Tracker.js';
import { isRemoval } from '../tracking/incremental.js';
import { ErrorCodes, HindsightError } from '../errors.js';
import { packStandalone } from '../codec/ValueCodec.js';
import { corruptSnapshot, preparePayload, sealRecord } from './SnapshotCodec.js';
import { storedFields } from './SnapshotReader.js';
import type { FoldResult } from './fold.js';
import type { DiffOp } from './structuralDiff.js';
import { rawStateHash } from './stateValue.js';
import type { CreateSnapshotOptions, SnapshotMeta } from './types.js';
import type { SnapshotManager } from './SnapshotManager.js';
import type { ManagerInternals } from './managerTypes.js';

const EVENT_POLL_MILLIS = 25;

export interface TrackedSession {
  tracker: StateTracker;
  log: EventLog;
  names: Set<string>;
  lastSeq: number;
  /** Checkpoints read but not yet written. */
  pending: number;
  /** The ops already taken from the tracker did not all reach the store: the next checkpoint must be a full. */
  broken: boolean;
  /** Checkpoints taken (read from the tracker), and the number of the latest full among them. */
  taken: number;
  lastFullTaken: number;
  /** The number of the latest checkpoint whose write failed (0: none). */
  lastFailed: number;
  poll?: NodeJS.Timeout;
  /** Ids being promoted to fulls. */
  promoting: Set<string>;
}

/** Everything TrackedCheckpoints needs from its manager. */
export type CheckpointHost = Pick<SnapshotManager, 'config' | 'emit' | 'getMetadata'> & { readonly internals: ManagerInternals };

export class TrackedCheckpoints {
  private readonly sessions = new Map<string, TrackedSession>();

  constructor(private readonly host: CheckpointHost) {}

  has(sessionId: string): boolean {
    return this.sessions.has(sessionId);
  }

  attach(sessionId: string, tracker: StateTracker, log: EventLog): void {
    this.sessions.set(sessionId, { tracker, log, names: new Set(), lastSeq: -1, pending: 0, broken: false, taken: 0, lastFullTaken: 0, lastFailed: 0, promoting: new Set() });
  }

  detach(sessionId: string): void {
    this.stopEventTrigger(sessionId);
    this.sessions.delete(sessionId);
  }

  /**
   * Takes a checkpoint now. The synchronous part (before the first await)
   * reads the tracker: O(changes) for an incremental. Resolves with the id,
   * or undefined when nothing happened since the last one. A full is read
   * from the tracker (O(state)) for the first checkpoint, when the chain
   * broke (a failed write, or its last snapshot deleted), with incrementals
   * off, or while the state is small (see fullIsCheap).
   */
  checkpoint(sessionId: string, options: CreateSnapshotOptions = {}): Promise<string | undefined> {
    const s = this.sessions.get(sessionId)!;
    const t0 = performance.now();
    const stamp = { seq: s.log.lastSeq, t: s.log.lastEventT };
    // Needed: the first, or after a failed write. Chosen: incrementals off, or a state small enough to read whole.
    const needed = s.broken || (s.pending === 0 && this.lastId(sessionId) === undefined);
    const full = needed || !this.host.config.incrementalEnabled || (s.pending === 0 && this.fullIsCheap(sessionId));
    let payload: unknown;
    if (full) {
      if (!needed && !this.changedSince(s, stamp.seq)) return Promise.resolve(undefined);
      payload = this.fullState(s);
      s.broken = false;
    } else {
      payload = this.changes(s);
      if ((payload as DiffOp[]).length === 0 && stamp.seq === s.lastSeq) return Promise.resolve(undefined);
    }
    s.lastSeq = stamp.seq;
    s.pending++;
    // An incremental holds the changes since the checkpoint taken before it:
    // it is exact only if every checkpoint since the last full reached the store.
    const number = ++s.taken;
    const chainStart = full ? number : s.lastFullTaken;
    if (full) s.lastFullTaken = number;
    const readMs = performance.now() - t0;
    const { internals } = this.host;
    return internals.serial(sessionId, async () => {
      try {
        const t1 = performance.now();
        const baseId = full ? undefined : this.lastId(sessionId);
        if (!full && (s.lastFailed >= chainStart || baseId === undefined)) {
          throw new HindsightError(ErrorCodes.WRITE_FAILED, `checkpoint of session ${sessionId} at seq ${stamp.seq} lost its base; the next one is a full`, { sessionId });
        }
        const raw = packStandalone(payload);
        const fields = internals.newFields(sessionId, stamp, full ? 'full' : 'incremental', baseId, options);
        fields.tracked = true;
        if (full) fields.stateHash = rawStateHash(raw);
        const prepared = preparePayload(raw, { compress: internals.shouldCompress(raw.length, options.forceCompression), key: internals.key });
        fields.creationMs = readMs + performance.now() - t1;
        const { record, meta } = sealRecord(fields, prepared);
        await internals.commit([{ type: 'put', meta, record }]);
        internals.lastTracked.set(sessionId, meta.id);
        this.host.emit('snapshot_created', { snapshot: meta });
        if (!full && this.chainDue(meta)) this.promote(sessionId, meta);
        await internals.retain(sessionId);
        return meta.id;
      } catch (err) {
        // A failure before the latest full taken breaks no chain still growing: that full starts it.
        if (number >= s.lastFullTaken) s.broken = true;
        s.lastFailed = Math.max(s.lastFailed, number);
        throw err;
      } finally {
        s.pending--;
      }
    });
  }

  /**
   * Whether `meta` should become a full: its chain reached
   * maxIncrementalChain, or its incrementals together hold half as many
   * bytes as their full. Reading a chain costs the full plus every
   * incremental, so when each checkpoint changes much of the state (10,000
   * writes over 10,000 keys change ~63% of them) long chains made a cold
   * reconstruction ~4x slower than full snapshots alone (measured, 16-long chains).
   */
  private chainDue(meta: SnapshotMeta): boolean {
    const { internals, config } = this.host;
    if (internals.registry.chainLength(meta) >= config.maxIncrementalChain) return true;
    const [full, ...incs] = internals.reader.chain(meta);
    let bytes = 0;
    for (const m of incs) bytes += m.rawSize;
    return bytes * 2 >= full.rawSize;
  }

  /** Whether anything happened since the last checkpoint taken: events, changed paths or newly tracked names. */
  private changedSince(s: TrackedSession, seq: number): boolean {
    if (seq !== s.lastSeq || s.tracker.names().some((n) => !s.names.has(n))) return true;
    // Nothing appended, yet something may be dirty (a write the closed log refused): takeDirty is what fullState would reset anyway.
    return s.tracker.takeDirty().size > 0;
  }

  /** The dirty paths as ops, plus names tracked since the last checkpoint. */
  private changes(s: TrackedSession): DiffOp[] {
    const ops: DiffOp[] = [];
    for (const [name, paths] of s.tracker.takeDirty()) {
      if (!s.names.has(name)) continue;
      for (const e of s.tracker.readPaths(name, paths)) {
        if (isRemoval(e)) ops.push(e.path.length === 0 ? ['s', [name], undefined] : ['d', [name, ...e.path]]);
        else ops.push(['s', [name, ...e.path], e.value]);
      }
    }
    for (const name of s.tracker.names()) {
      if (s.names.has(name)) continue;
      s.names.add(name);
      ops.push(['s', [name], s.tracker.current(name)]);
    }
    return ops;
  }

  /** The names' current values (copies), resetting the dirty paths at the same instant. */
  private fullState(s: TrackedSession): Record<string, unknown> {
    s.tracker.takeDirty();
    const state: Record<string, unknown> = {};
    for (const name of s.tracker.names()) {
      state[name] = s.tracker.current(name);
      s.names.add(name);
    }
    return state;
  }

  /**
   * Whether the state is small enough to read whole: the last checkpoint's
   * chain (its full and incrementals) bounds its size, plus the changes since,
   * which an incremental would copy too. Incrementals of a small state made
   * their chain due for a fold at every checkpoint (they soon hold half the
   * bytes of their full): a 1-key state cost ~2 ms and a worker round trip
   * per checkpoint, ~5% of a recorded HTTP server's throughput at the
   * recorder's every-10,000-events default.
   */
  private fullIsCheap(sessionId: string): boolean {
    const { config, internals } = this.host;
    const id = this.lastId(sessionId);
    if (config.fullBelowBytes === 0 || id === undefined) return false;
    let bytes = 0;
    try {
      for (const m of internals.reader.chain(this.host.getMetadata(id)!)) bytes += m.rawSize;
    } catch {
      // A chain with a missing base: an incremental on it could not be read back anyway.
      return true;
    }
    return bytes < config.fullBelowBytes;
  }

  private lastId(sessionId: string): string | undefined {
    const id = this.host.internals.lastTracked.get(sessionId);
    return id !== undefined && this.host.getMetadata(id) ? id : undefined;
  }

  /** Folds `meta`'s chain off-thread and stores the result as a full under the same id. */
  private promote(sessionId: string, meta: SnapshotMeta): void {
    const s = this.sessions.get(sessionId);
    if (!s || s.promoting.has(meta.id)) return;
    s.promoting.add(meta.id);
    const { internals } = this.host;
    const done = internals
      .foldChain(meta)
      .then((result) =>
        internals.serial(sessionId, async () => {
          const now = this.host.getMetadata(meta.id);
          // Deleted or rewritten meanwhile: the fold no longer describes it.
          if (!now || now.checksum !== meta.checksum) return;
          await internals.commit([{ type: 'put', meta: result.meta, record: result.record }]);
        }),
      )
      .catch((err) => internals.report('fold_failed', err, sessionId))
      .finally(() => s.promoting.delete(meta.id));
    internals.track(done);
  }

  /** Folds a snapshot's chain into a full record of the same id (off-thread; see FoldRunner). */
  foldChain(meta: SnapshotMeta): Promise<FoldResult> {
    const { internals, config } = this.host;
    const target = storedFields(meta);
    target.type = 'full';
    delete target.baseId;
    return internals.folds.fold(async () => {
      const chain = internals.reader.chain(meta);
      const records = await Promise.all(chain.map((m) => internals.store.getRecord(m)));
      return {
        // Stores that hand out the stored bytes themselves get a copy transferred, never their own.
        records: records.map((r, i) => {
          if (!r) throw corruptSnapshot(chain[i].id, chain[i].seq, 'record missing from the store');
          return internals.store.freshReads ? r : new Uint8Array(r);
        }),
        expect: chain.map((m) => ({ id: m.id, seq: m.seq })),
        target,
        verify: config.checksumValidation,
        compress: config.compressionEnabled,
        key: internals.key,
      };
    });
  }

  startEventTrigger(sessionId: string, every: number, onDue: () => void): void {
    const s = this.sessions.get(sessionId);
    if (!s || s.poll || every <= 0) return;
    s.poll = setInterval(() => {
      if (s.log.lastSeq - Math.max(s.lastSeq, 0) >= every) onDue();
    }, EVENT_POLL_MILLIS);
    s.poll.unref();
  }

  stopEventTrigger(sessionId: string): void {
    const s = this.sessions.get(sessionId);
    if (s?.poll) clearInterval(s.poll);
    if (s) s.poll = undefined;
  }
}
