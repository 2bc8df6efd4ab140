/**
 * SnapshotManager: full and incremental checkpoints of a session's state,
 * the API of the Claude Flow snapshot-manager guide, done right:
 * - stamps are the seq/t of the last event included (never wall time);
 * - recorded states are copies (values/copyValue) taken synchronously in the call;
 * - incrementals hold only the changes (structural diff against the previous
 *   snapshot's state, kept in memory in stored form so no re-read is needed),
 *   and reconstruct follows base → incrementals exactly; a full at least every
 *   maxIncrementalChain incrementals;
 * - checksums are verified on every read when checksumValidation is on;
 * - findNearestSnapshot is one reverse seek on the store's keys;
 * - retention and deletion rebase dependents first, so no incremental is orphaned.
 * Public methods validate and enqueue; the `_methods` implement. Work on one
 * session is serialized (a per-session promise chain), so a diff always sees
 * the snapshot before it. Tracked state (O(changes) checkpoints, fulls folded
 * off-thread) lives in TrackedCheckpoints.
 */
import { EventEmitter } from 'node:events';
import { ErrorCodes, HindsightError } from '../errors.js';
import type { EventLog } from '../log/EventLog.js';
import { copyValue } from '../values/copyValue.js';
import { checkCreateOptions, checkRange, checkSearch, checkSessionId, checkTags, invalidArgument, resolveConfig } from './config.js';
import { parseKey } from './SnapshotCodec.js';
import { SnapshotReader, resolveMeta } from './SnapshotReader.js';
import { SnapshotRegistry } from './SnapshotRegistry.js';
import type { SnapshotStore, SnapshotWrite } from './SnapshotStore.js';
import { createSnapshotStore } from './LevelSnapshotStore.js';
import { writePlain } from './PlainCheckpoints.js';
import { encodeExport, parseExport } from './exportImport.js';
import { exportEntries, importEntries } from './SnapshotTransfer.js';
import { planRemoval, planRetention, retentionActive } from './retention.js';
import { describeChanges, summarize } from './structuralDiff.js';
import { FoldRunner } from './FoldRunner.js';
import { RecordFactory } from './RecordFactory.js';
import { TrackedCheckpoints } from './TrackedCheckpoints.js';
import type { ManagerInternals, SessionState, SnapshotManagerOptions } from './managerTypes.js';
import type { StateTracker } from '../tracking/Tracker.js';
import type { CreateSnapshotOptions, ExportOptions, ImportOptions, ImportResult, SearchOptions, Snapshot, SnapshotComparison, SnapshotConfig, SnapshotMeta, SnapshotStatistics } from './types.js';

export type { SnapshotManagerOptions, SessionState, ManagerInternals } from './managerTypes.js';

export class SnapshotManager extends EventEmitter {
  readonly config: Readonly<SnapshotConfig>;
  protected readonly store: SnapshotStore;
  protected readonly registry = new SnapshotRegistry();
  protected readonly reader: SnapshotReader;
  protected readonly key: Buffer | undefined;
  protected readonly sessions = new Map<string, SessionState>();
  protected readonly folds: FoldRunner;
  protected readonly counters = { automaticTaken: 0, automaticFailed: 0, errors: 0 };
  /** @internal */
  readonly internals: ManagerInternals;
  protected readonly tracked: TrackedCheckpoints;
  private readonly background = new Set<Promise<unknown>>();
  private readonly now: () => number;
  private readonly loading: Promise<void>;
  private readonly records: RecordFactory;
  private closed = false;

  constructor(options: SnapshotManagerOptions = {}) {
    super();
    const { store, snapshotStore, foldInWorker, now, ...partial } = options;
    // Without a store there is nowhere to persist: the default is then 'memory', not a crash.
    this.config = Object.freeze(resolveConfig({ ...partial, storageType: partial.storageType ?? (store ? 'hybrid' : 'memory') }));
    this.key = parseKey(this.config.encryptionKey ?? process.env.HINDSIGHT_SNAPSHOT_KEY);
    this.now = now ?? Date.now;
    this.records = new RecordFactory(this.config, this.key, this.now);
    this.store = snapshotStore ?? createSnapshotStore(this.config, store);
    this.reader = new SnapshotReader(this.store, this.registry, { verify: this.config.checksumValidation, key: this.key });
    this.folds = new FoldRunner(foldInWorker ?? true);
    this.internals = {
      registry: this.registry,
      reader: this.reader,
      key: this.key,
      lastTracked: new Map(),
      serial: (sid, fn) => this.serial(sid, fn),
      session: (sid) => this.session(sid),
      newFields: (...a) => this.records.newFields(...a),
      shouldCompress: (n, f) => this.records.shouldCompress(n, f),
      commit: (w) => this.commit(w),
      reencode: (...a) => this.records.reencode(...a),
      retain: (sid) => this.retain(sid),
      store: this.store,
      folds: this.folds,
      foldChain: (m) => this.tracked.foldChain(m),
      report: (...a) => this.report(...a),
      track: (p) => {
        const settled = p.catch(() => {});
        this.background.add(settled);
        void settled.finally(() => this.background.delete(settled));
      },
    };
    this.tracked = new TrackedCheckpoints(this);
    this.loading = this.load();
    // An unhandled rejection here would crash the host; ready() rethrows it to callers.
    this.loading.catch(() => {});
  }

  /** Resolves once the metadata of existing snapshots is loaded (every method awaits it). */
  ready(): Promise<void> {
    return this.loading;
  }

  /** Snapshots of `log.sessionId` default to the log's lastSeq/lastEventT. */
  attachLog(log: EventLog): void {
    this.assertOpen();
    this.session(log.sessionId).log = log;
  }

  getMetadata(id: string): SnapshotMeta | undefined {
    return this.registry.get(id);
  }

  // ---- creation --------------------------------------------------------------

  /** Checkpoints plain (untracked) state; returns the new snapshot's id. The state is copied before this returns. */
  async createSnapshot(sessionId: string, state: unknown, options?: CreateSnapshotOptions): Promise<string> {
    this.assertOpen();
    checkSessionId(sessionId);
    const o = checkCreateOptions(options);
    const t0 = performance.now();
    const stored = copyValue(state);
    const copyMs = performance.now() - t0;
    const stamp = this.stamp(sessionId, o);
    return this.serial(sessionId, () => this._createSnapshot(sessionId, stored, o, stamp, copyMs));
  }

  protected async _createSnapshot(sessionId: string, stored: unknown, o: CreateSnapshotOptions, stamp: { seq: number; t: number }, copyMs: number): Promise<string> {
    const meta = await writePlain(this.internals, this.config, sessionId, stored, o, stamp, copyMs);
    this.emit('snapshot_created', { snapshot: meta });
    await this.retain(sessionId);
    return meta.id;
  }

  protected stamp(sessionId: string, o: CreateSnapshotOptions): { seq: number; t: number } {
    if (o.seq !== undefined && o.t !== undefined) return { seq: o.seq, t: o.t };
    const log = this.sessions.get(sessionId)?.log;
    if (!log) throw invalidArgument(`snapshot of session ${sessionId} needs seq and t: pass them, or attachLog() the session's EventLog`);
    return { seq: log.lastSeq, t: log.lastEventT };
  }

  // ---- tracked state -----------------------------------------------------------

  /**
   * Checkpoints `tracker`'s state for the log's session from now on: takes
   * the first full at once (the names' current values) and resolves with its
   * id. Later checkpoints (checkpoint(), or automatic ones) are O(changes).
   */
  async attachTracker(sessionId: string, tracker: StateTracker, log: EventLog): Promise<string> {
    this.assertOpen();
    checkSessionId(sessionId);
    if (!tracker || typeof tracker.takeDirty !== 'function' || typeof tracker.readPaths !== 'function') throw invalidArgument('tracker must be a StateTracker');
    if (!log || log.sessionId !== sessionId) throw invalidArgument(`log must be the EventLog of session ${sessionId}`);
    if (this.tracked.has(sessionId)) throw invalidArgument(`session ${sessionId} already has a tracker attached`);
    this.session(sessionId).log = log;
    this.tracked.attach(sessionId, tracker, log);
    this.folds.warm();
    return (await this.tracked.checkpoint(sessionId, { tags: ['initial'] }))!;
  }

  /** A checkpoint of an attached tracker now: an incremental at O(changes); undefined when nothing changed. */
  checkpoint(sessionId: string, options?: CreateSnapshotOptions): Promise<string | undefined> {
    this.assertOpen();
    checkSessionId(sessionId);
    if (!this.tracked.has(sessionId)) throw invalidArgument(`session ${sessionId} has no tracker attached`);
    const o = checkCreateOptions(options);
    if (o.seq !== undefined || o.type !== undefined) throw invalidArgument('tracked checkpoints take their seq/t from the log and choose their own type');
    return this.tracked.checkpoint(sessionId, o);
  }

  // ---- reads -------------------------------------------------------------------

  /** Metadata and reconstructed state; undefined for an unknown id; CORRUPT_SNAPSHOT when damaged. */
  async getSnapshot(id: string): Promise<Snapshot | undefined> {
    this.assertOpen();
    if (typeof id !== 'string' || id === '') throw invalidArgument('snapshot id must be a non-empty string');
    await this.loading;
    const meta = this.registry.get(id);
    return meta ? { ...meta, state: await this.reader.state(meta) } : undefined;
  }

  /** The state at a snapshot, following its chain; a fresh tree the caller owns. */
  async reconstructState(snapshotOrId: string | SnapshotMeta): Promise<unknown> {
    this.assertOpen();
    await this.loading;
    return this.reader.state(resolveMeta(this.registry, snapshotOrId));
  }

  /**
   * The latest snapshot at or before `at`: a number or `{ t }` is an event
   * time (µs), `{ seq }` an event seq. One reverse seek: O(log n).
   */
  async findNearestSnapshot(sessionId: string, at: number | { seq: number } | { t: number }): Promise<SnapshotMeta | undefined> {
    this.assertOpen();
    checkSessionId(sessionId);
    const probe = typeof at === 'number' ? { t: at } : at;
    const value = typeof probe === 'object' && probe !== null ? ('seq' in probe ? probe.seq : probe.t) : undefined;
    if (typeof value !== 'number' || Number.isNaN(value)) throw invalidArgument('at must be a time (µs), { t } or { seq }');
    await this.loading;
    if (value < 0) return undefined;
    const known = (id: string) => this.registry.has(id);
    const id = 'seq' in probe ? await this.store.nearestBySeq(sessionId, Math.floor(value), known) : await this.store.nearestByTime(sessionId, Math.floor(value), known);
    return id === undefined ? undefined : this.registry.get(id);
  }

  async searchSnapshots(options?: SearchOptions): Promise<SnapshotMeta[]> {
    this.assertOpen();
    const o = checkSearch(options);
    await this.loading;
    return this.registry.search(o);
  }

  async compareSnapshots(a: string, b: string): Promise<SnapshotComparison> {
    this.assertOpen();
    await this.loading;
    const from = resolveMeta(this.registry, a);
    const to = resolveMeta(this.registry, b);
    const changes = describeChanges(await this.reader.state(from), await this.reader.state(to));
    return { from, to, changes, summary: summarize(changes) };
  }

  getStatistics(): SnapshotStatistics {
    const s = this.registry.statistics();
    const active = [...this.sessions.values()].filter((x) => x.automatic).length;
    return { ...s, automatic: { activeSessions: active, taken: this.counters.automaticTaken, failed: this.counters.automaticFailed, pendingFolds: this.folds.inFlight } };
  }

  // ---- deletion and retention --------------------------------------------------

  /** Deletes one snapshot; its dependents are rebased first. False when unknown. */
  async deleteSnapshot(id: string): Promise<boolean> {
    this.assertOpen();
    if (typeof id !== 'string' || id === '') throw invalidArgument('snapshot id must be a non-empty string');
    await this.loading;
    const meta = this.registry.get(id);
    if (!meta) return false;
    return this.serial(meta.sessionId, async () => {
      if (!this.registry.has(id)) return false;
      await this._remove([id]);
      return true;
    });
  }

  /** Runs retention now for one session or all; returns the removed ids. */
  async applyRetention(sessionId?: string): Promise<string[]> {
    this.assertOpen();
    if (sessionId !== undefined) checkSessionId(sessionId);
    await this.loading;
    const out: string[] = [];
    for (const sid of sessionId ? [sessionId] : this.registry.sessionIds()) out.push(...(await this.serial(sid, () => this.retain(sid))));
    return out;
  }

  /** Inside the session's queue. */
  protected async retain(sessionId: string): Promise<string[]> {
    // Without a policy nothing goes: planning would sort every snapshot of the session after each checkpoint.
    if (!retentionActive(this.config)) return [];
    const protect = new Set<string>();
    const base = this.sessions.get(sessionId)?.base;
    if (base) protect.add(base.id);
    const lastTracked = this.internals.lastTracked.get(sessionId);
    if (lastTracked) protect.add(lastTracked);
    const ids = planRetention(this.registry.session(sessionId), this.config, this.now(), protect);
    if (ids.length) await this._remove(ids);
    return ids;
  }

  protected async _remove(ids: string[]): Promise<void> {
    const writes = await planRemoval(ids, this.registry, this.reader, (m, type, baseId, raw) => this.records.reencode(m, type, baseId, raw));
    await this.commit(writes);
    for (const id of ids) {
      const s = [...this.sessions.values()].find((x) => x.base?.id === id);
      if (s) s.base = undefined;
      this.emit('snapshot_deleted', { snapshotId: id });
    }
  }

  protected async commit(writes: SnapshotWrite[]): Promise<void> {
    if (writes.length === 0) return;
    await this.store.write(writes);
    for (const w of writes) {
      if (w.type === 'put') this.registry.set(w.meta);
      else this.registry.remove(w.meta.id);
    }
  }

  // ---- export / import ------------------------------------------------------------

  /** Exports a session's snapshots (filtered); 'json' gives a string, 'binary' a Buffer. */
  async exportSnapshots(sessionId: string, options: ExportOptions = {}): Promise<string | Buffer> {
    this.assertOpen();
    checkSessionId(sessionId);
    const format = options.format ?? 'json';
    if (format !== 'json' && format !== 'binary') throw invalidArgument(`format must be 'json' or 'binary', got ${String(format)}`);
    checkTags(options.tags);
    checkRange(options.timeRange);
    await this.loading;
    return this.serial(sessionId, async () => encodeExport(sessionId, await exportEntries(this.internals, sessionId, options), format));
  }

  /**
   * Imports all or nothing: a bad, truncated or foreign file (or a chain
   * whose base is neither in the file nor in the store) throws
   * INVALID_IMPORT saying why, and nothing is written.
   */
  async importSnapshots(data: string | Uint8Array, options: ImportOptions = {}): Promise<ImportResult> {
    this.assertOpen();
    if (typeof options !== 'object' || options === null) throw invalidArgument('import options must be an object');
    await this.loading;
    const result = await importEntries(this.internals, parseExport(data), options);
    this.emit('snapshots_imported', result);
    return result;
  }

  // ---- automatic snapshots -----------------------------------------------------------

  /**
   * Checkpoints the session every automaticInterval ms (0: no timer) and, for
   * a tracked session, every eventInterval events. Plain sessions need `source`
   * (returns the state); tracked ones (attachTracker) need none. Failures go
   * to 'error' events and statistics, never to the host.
   */
  startAutomaticSnapshots(sessionId: string, source?: () => unknown): void {
    this.assertOpen();
    checkSessionId(sessionId);
    if (source !== undefined && typeof source !== 'function') throw invalidArgument('source must be a function returning the state');
    const tracked = this.tracked.has(sessionId);
    if (!tracked && !source && !this.sessions.get(sessionId)?.source) throw invalidArgument(`session ${sessionId} has no state source: pass one, or attach a tracker`);
    const s = this.session(sessionId);
    if (source) s.source = source;
    if (s.automatic) return;
    s.automatic = true;
    const run = () => void this.runAutomatic(sessionId);
    const interval = this.config.automaticInterval;
    if (interval > 0) (s.timer = setInterval(run, interval)).unref();
    this.tracked.startEventTrigger(sessionId, this.config.eventInterval, run);
    this.emit('automatic_snapshots_started', { sessionId, interval, eventInterval: this.config.eventInterval });
  }

  stopAutomaticSnapshots(sessionId: string): void {
    checkSessionId(sessionId);
    const s = this.sessions.get(sessionId);
    if (!s?.automatic) return;
    this.tracked.stopEventTrigger(sessionId);
    clearInterval(s.timer);
    s.timer = undefined;
    s.automatic = false;
    this.emit('automatic_snapshots_stopped', { sessionId });
  }

  protected async runAutomatic(sessionId: string): Promise<void> {
    try {
      if (this.closed) return;
      const source = this.sessions.get(sessionId)?.source;
      if (this.tracked.has(sessionId)) await this.tracked.checkpoint(sessionId, { tags: ['automatic'] });
      else if (source) await this.createSnapshot(sessionId, source(), { tags: ['automatic'] });
      else return;
      this.counters.automaticTaken++;
    } catch (err) {
      this.counters.automaticFailed++;
      this.report('automatic_snapshot_failed', err, sessionId);
    }
  }

  /** 'error' events only when someone listens: an unheard 'error' would throw into the host. */
  protected report(type: string, err: unknown, sessionId?: string): void {
    this.counters.errors++;
    if (this.listenerCount('error') > 0) this.emit('error', { type, sessionId, error: err });
  }

  /** Resolves when every queued snapshot is written and every fold (promotion to full) is stored. */
  async idle(): Promise<void> {
    while (true) {
      const pending = [...[...this.sessions.values()].map((s) => s.queue), ...this.background];
      await Promise.allSettled(pending);
      const now = [...[...this.sessions.values()].map((s) => s.queue), ...this.background];
      if (now.length === pending.length && now.every((p, i) => p === pending[i])) return;
    }
  }

  async shutdown(): Promise<void> {
    if (this.closed) return;
    for (const sid of this.sessions.keys()) this.stopAutomaticSnapshots(sid);
    this.closed = true;
    await this.idle();
    await this.folds.close();
    await this.store.close();
    this.emit('shutdown_complete');
  }

  // ---- plumbing ----------------------------------------------------------------------

  protected session(sessionId: string): SessionState {
    let s = this.sessions.get(sessionId);
    if (!s) this.sessions.set(sessionId, (s = { queue: Promise.resolve() }));
    return s;
  }

  /** Runs `fn` after every earlier task of the session (and after loading). */
  protected serial<T>(sessionId: string, fn: () => Promise<T>): Promise<T> {
    const s = this.session(sessionId);
    const run = s.queue.then(() => this.loading).then(fn);
    s.queue = run.catch(() => {});
    return run;
  }

  protected assertOpen(): void {
    if (this.closed) throw new HindsightError(ErrorCodes.CLOSED, 'the snapshot manager was shut down');
  }

  private async load(): Promise<void> {
    const metas = await this.store.loadMetas((err) => this.report('index_entry_corrupt', err));
    for (const m of metas) this.registry.set(m);
  }
}
