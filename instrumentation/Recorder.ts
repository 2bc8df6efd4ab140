import { EventLog, type EventLogOptions } from '../src/log/EventLog.js';
import { SnapshotManager, type SnapshotManagerOptions } from '../src/snapshots/SnapshotManager.js';
import type { SnapshotConfig } from '../src/snapshots/types.js';
import { openStore, type Store } from '../src/store/Store.js';
import { StateTracker } from '../src/tracking/Tracker.js';
import { otelActiveContext, type ActiveContext } from '../src/tracking/TrackerCore.js';
import type { PatchSink } from '../src/tracking/PatchSink.js';
import { copyValue } from '../src/values/copyValue.js';
import { rawOf } from '../src/values/proxyRegistry.js';
import { toLive } from '../src/values/toLive.js';
import { ErrorCodes, HindsightError } from '../src/errors.js';
import type { Redactor } from './redact.js';
import { checkpointState, checkShapes, kindOf, reconcile, resolveTarget, RESTORE_EVENT, stateAtSeq, type LiveRoot, type RestoreOptions, type RestoreResult, type RestoreTarget, type StateAt } from './restore.js';
import { loadResumePoint, RESUME_ENV, RESUMED_EVENT, type ResumePoint, type ResumeSource } from './resume.js';

export interface RecorderOptions extends Omit<EventLogOptions, 'onError'> {
  /** Recording directory (default `.hindsight`); ignored with `memory` or `store`. */
  dir?: string;
  /** Record into an in-memory store (tests, in-process use). */
  memory?: boolean;
  /** Record into a store that is already open (the recorder will not close it). */
  store?: Store;
  /** Trace/span ids for each event; defaults to the active OpenTelemetry span. */
  activeContext?: () => ActiveContext | undefined;
  /** The recorder's own failures; it never throws into the host program. */
  onError?: (err: unknown) => void;
  /**
   * Checkpoints of the tracked state (SnapshotManager config), or false for
   * none. Defaults: an incremental every 10,000 events and every 30 s, a
   * full at least every 16 incrementals, stored in the recording itself.
   */
  snapshots?: Omit<SnapshotManagerOptions, 'store' | 'snapshotStore'> | false;
  /**
   * Applied before anything is stored: state patches, checkpoints of the
   * tracked state, custom events and markers (and, through the
   * RecordingSpanProcessor, span attributes). None by default here;
   * startRecording passes the default deny-list.
   */
  redactor?: Redactor;
  /**
   * Start tracked names from the last recorded state of an earlier session
   * (`'latest'`, a session id or name) instead of their initial values; false
   * for never. Defaults to the HINDSIGHT_RESUME environment variable.
   */
  resume?: ResumeSource | false;
}

export interface TrackOptions {
  /**
   * Start from this name's last recorded state in an earlier session: true
   * for the recorder's `resume` source (else 'latest'), false for `initial`.
   * A source other than the recorder's must be loaded first (loadResume).
   */
  resume?: ResumeSource | boolean;
}

const SNAPSHOT_DEFAULTS: Partial<SnapshotConfig> = { eventInterval: 10_000, automaticInterval: 30_000, maxSnapshots: 0, maxRetentionTime: 0 };

/**
 * One recording session: the event log, the state tracker and the producers
 * of custom events and markers. Every producer copies what it records, so
 * the past never changes when the program mutates its objects later.
 */
export class Recorder {
  readonly log: EventLog;
  readonly tracker: StateTracker;
  /** Checkpoints of the tracked state; undefined when disabled. */
  readonly snapshots: SnapshotManager | undefined;
  /** The redaction every producer of this recorder applies; undefined when off. */
  readonly redactor: Redactor | undefined;
  private readonly activeContext: () => ActiveContext | undefined;
  private readonly onError: (err: unknown) => void;
  private stopped = false;
  private readonly stopHooks: (() => unknown)[] = [];
  /** The proxy handed out for each tracked name: restores write through it. */
  private readonly roots = new Map<string, object>();
  private readonly resumePoints = new Map<string, ResumePoint | undefined>();
  private readonly defaultResume: ResumeSource | undefined;
  /** Restores run one at a time. */
  private restoring: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly store: Store,
    private readonly ownsStore: boolean,
    log: EventLog,
    snapshots: SnapshotManager | undefined,
    options: RecorderOptions,
  ) {
    this.log = log;
    this.snapshots = snapshots;
    this.activeContext = options.activeContext ?? otelActiveContext;
    this.redactor = options.redactor;
    this.onError = options.onError ?? (() => {});
    this.tracker = new StateTracker(redactingSink(log, this.redactor), { activeContext: this.activeContext, onError: options.onError });
    const resume = options.resume ?? process.env[RESUME_ENV];
    this.defaultResume = resume === false || resume === '' ? undefined : resume;
  }

  static async open(options: RecorderOptions = {}): Promise<Recorder> {
    const store = options.store ?? (await openStore(options.memory ? { memory: true } : { dir: options.dir ?? '.hindsight' }));
    const onError = options.onError ?? (() => {});
    let snapshots: SnapshotManager | undefined;
    try {
      const log = await EventLog.create(store, { ...options, onError: (e) => onError(e) });
      if (options.snapshots !== false) {
        snapshots = new SnapshotManager({ ...SNAPSHOT_DEFAULTS, ...options.snapshots, store });
        snapshots.on('error', (e: { error: unknown }) => onError(e.error));
        await snapshots.ready();
        snapshots.attachLog(log);
      }
      const recorder = new Recorder(store, !options.store, log, snapshots, options);
      if (snapshots) {
        await snapshots.attachTracker(log.sessionId, redactedView(recorder.tracker, recorder.redactor), log);
        if (snapshots.config.automaticInterval > 0 || snapshots.config.eventInterval > 0) snapshots.startAutomaticSnapshots(log.sessionId);
      }
      if (recorder.defaultResume !== undefined) {
        // Resume is best effort at startup: a recording it cannot read is reported, and names start from their initial values.
        await recorder.loadResume(recorder.defaultResume).catch((err: unknown) => {
          onError(err);
          recorder.resumePoints.set(recorder.defaultResume!, undefined);
        });
      }
      return recorder;
    } catch (err) {
      // A recorder that failed to start must not leave the directory locked.
      await snapshots?.shutdown().catch(() => {});
      if (!options.store) await store.close().catch(() => {});
      throw err;
    }
  }

  get sessionId(): string {
    return this.log.sessionId;
  }

  /**
   * Tracks `initial` under `name`: every mutation through the returned proxy
   * becomes a `state.patch` event. With a resume source, the name starts
   * from its last recorded state there (when it has one of the same kind as
   * `initial`), and a `hindsight.resumed` session event records where from.
   */
  track<T extends object>(name: string, initial: T, options?: TrackOptions): T {
    const r = options?.resume;
    const source = r === undefined ? this.defaultResume : r === true ? (this.defaultResume ?? 'latest') : r === false ? undefined : r;
    let value: T = initial;
    if (source !== undefined) {
      if (!this.resumePoints.has(source)) {
        throw new HindsightError(ErrorCodes.INVALID_ARGUMENT, `track("${name}"): resume source ${JSON.stringify(source)} is not loaded; await recorder.loadResume(source) first`, { name, source });
      }
      const point = this.resumePoints.get(source);
      const last = point?.state[name];
      if (point && kindOf(last) !== 'other' && kindOf(last) === kindOf(rawOf(initial))) {
        // Into the program's own object, keeping what the recording cannot give
        // back (redacted secrets, functions) at their initial values.
        reconcile(rawOf(initial), toLive(last), this.redactor?.censor);
        value = initial;
        this.log.append({ ...RESUMED_EVENT, data: { fromSession: point.fromSession, fromSeq: point.fromSeq, fromT: point.fromT, names: [name] } });
      }
    }
    const proxy = this.tracker.track(name, value);
    this.roots.set(name, proxy);
    return proxy;
  }

  /**
   * Reads the last recorded state of an earlier session for track(..., { resume: source });
   * undefined when no such session exists.
   */
  async loadResume(source: ResumeSource = 'latest'): Promise<ResumePoint | undefined> {
    if (typeof source !== 'string' || source === '') throw new HindsightError(ErrorCodes.INVALID_ARGUMENT, 'loadResume(source): source must be a non-empty string');
    const point = await loadResumePoint(this.store, this.snapshots, this.sessionId, source);
    this.resumePoints.set(source, point);
    return point;
  }

  /**
   * Sets the live tracked objects (all, or `options.names`) back to their
   * state at `at`: a time (µs), `{ seq }`, a snapshot id or a mark label of
   * this session. Validates everything first (a failed restore changes
   * nothing), keeps the identity of the tracked objects, and is recorded as
   * patches plus a `restore` event: `restore({ seq: result.before })` undoes it.
   */
  restore(at: RestoreTarget, options: RestoreOptions = {}): Promise<RestoreResult> {
    return this.serialRestore(async () => {
      this.liveRoots(options.names);
      await this.log.flush();
      const seq = await resolveTarget(this.store, this.snapshots, this.sessionId, this.log.lastSeq, at);
      const target = await stateAtSeq(this.store, this.snapshots, this.sessionId, seq, this.log.session.startT);
      return this.applyRestore(this.liveRoots(options.names), target, options.names !== undefined);
    });
  }

  /**
   * Restores every tracked name to the newest checkpoint whose checksums
   * hold and that holds every tracked name, passing over damaged ones to
   * older ones (emergency restore). Throws, changing nothing, when none is
   * usable (CORRUPT_SNAPSHOT when some were damaged, else UNKNOWN_SNAPSHOT).
   */
  rollbackLast(): Promise<RestoreResult> {
    return this.serialRestore(async () => {
      const manager = this.snapshots;
      if (!manager) throw new HindsightError(ErrorCodes.INVALID_ARGUMENT, 'rollbackLast: checkpoints are disabled (snapshots: false)');
      await this.log.flush();
      const metas = (await manager.searchSnapshots({ sessionId: this.sessionId })).filter((m) => m.tracked).sort((a, b) => b.seq - a.seq || (a.id < b.id ? 1 : -1));
      const unusable: string[] = [];
      for (const m of metas) {
        let state;
        try {
          state = await checkpointState(manager, m);
        } catch (err) {
          if (!(err instanceof HindsightError)) throw err;
          unusable.push(m.id);
          continue;
        }
        // One taken before a name was tracked would restore only part of the state: keep looking.
        const roots = this.liveRoots(undefined);
        if (!roots.every((r) => Object.hasOwn(state, r.name))) continue;
        return { ...this.applyRestore(roots, { state, seq: m.seq, t: m.t }, true), snapshotId: m.id, unusable };
      }
      const code = unusable.length > 0 ? ErrorCodes.CORRUPT_SNAPSHOT : ErrorCodes.UNKNOWN_SNAPSHOT;
      throw new HindsightError(code, `rollbackLast: no usable checkpoint of every tracked name in session ${this.sessionId} (${unusable.length} damaged)`, { unusable });
    });
  }

  private serialRestore<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.restoring.then(fn);
    this.restoring = run.catch(() => {});
    return run;
  }

  private liveRoots(names: readonly string[] | undefined): LiveRoot[] {
    if (names !== undefined && !Array.isArray(names)) throw new HindsightError(ErrorCodes.INVALID_ARGUMENT, 'restore: names must be an array of tracked names');
    return (names ?? this.tracker.names()).map((name) => {
      const proxy = this.roots.get(name);
      if (proxy === undefined || rawOf(proxy) !== this.tracker.raw(name)) {
        throw new HindsightError(ErrorCodes.INVALID_ARGUMENT, `restore: "${name}" was not tracked through recorder.track`, { name });
      }
      return { name, proxy };
    });
  }

  /** Synchronous from validation to the restore event: the program cannot interleave a write. */
  private applyRestore(roots: LiveRoot[], target: StateAt, explicit: boolean): RestoreResult {
    const present = roots.filter((r) => Object.hasOwn(target.state, r.name));
    const skipped = roots.filter((r) => !Object.hasOwn(target.state, r.name)).map((r) => r.name);
    if (explicit && skipped.length > 0) {
      throw new HindsightError(ErrorCodes.INVALID_ARGUMENT, `restore: ${skipped.map((n) => `"${n}"`).join(', ')} did not exist at seq ${target.seq}`, { names: skipped });
    }
    checkShapes(present, target.state);
    const before = this.log.lastSeq;
    for (const r of present) reconcile(r.proxy, target.state[r.name], this.redactor?.censor);
    const to = { seq: target.seq, t: target.t };
    const names = present.map((r) => r.name);
    const eventSeq = this.log.append({ ...RESTORE_EVENT, data: { to, names, before } });
    return { to, names, skipped, before, eventSeq };
  }

  /** Records a domain event (`custom`) holding a copy of `data`; returns its seq (-1 if refused). */
  record(name: string, data?: unknown): number {
    return this.append('custom', name, data);
  }

  /** Records a `marker` event, a named instant to come back to. */
  mark(label: string, data?: unknown): number {
    return this.append('marker', label, data);
  }

  flush(): Promise<void> {
    return this.log.flush();
  }

  /** Takes a checkpoint of the tracked state now (O(changes)); its id, or undefined when nothing changed. */
  checkpoint(): Promise<string | undefined> {
    return this.snapshots ? this.snapshots.checkpoint(this.sessionId) : Promise.resolve(undefined);
  }

  /**
   * Runs `hook` first when the recorder stops, latest added first (what
   * started on top of it, an SDK or process hooks, stops before it).
   */
  onStop(hook: () => unknown): void {
    this.stopHooks.unshift(hook);
  }

  /** Flushes, ends the session and closes the store if the recorder opened it. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const hook of this.stopHooks) {
      try {
        await hook();
      } catch (err) {
        this.onError(err);
      }
    }
    if (this.snapshots) await this.snapshots.shutdown();
    await this.log.close();
    if (this.ownsStore) await this.store.close();
  }

  private append(kind: string, name: string, data: unknown): number {
    const ctx = this.activeContext();
    const copy = copyValue(data);
    return this.log.append({ kind, name, data: this.redactor ? this.redactor.value(copy) : copy, traceId: ctx?.traceId, spanId: ctx?.spanId });
  }
}

/** The tracker's patches, redacted on their way to the log (the tracker's events are fresh objects). */
function redactingSink(log: EventLog, redactor: Redactor | undefined): PatchSink {
  if (!redactor) return log;
  return {
    append(event) {
      event.data = redactor.patch(event.data);
      log.append(event);
    },
  };
}

/**
 * What the checkpoints read of the tracker, redacted by the same rule as the
 * patches, so replaying redacted patches over a redacted checkpoint is exact.
 */
function redactedView(tracker: StateTracker, redactor: Redactor | undefined): StateTracker {
  if (!redactor) return tracker;
  const view = Object.create(tracker) as StateTracker;
  view.readPaths = (name, paths) =>
    tracker.readPaths(name, paths).map((e) => ('value' in e ? { ...e, value: redactor.valueAt([name, ...e.path], e.value) } : e));
  view.current = (name) => redactor.valueAt([name], tracker.current(name));
  return view;
}
