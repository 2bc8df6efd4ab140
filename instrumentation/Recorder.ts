import { EventLog, type EventLogOptions } from '../src/log/EventLog.js';
import { SnapshotManager, type SnapshotManagerOptions } from '../src/snapshots/SnapshotManager.js';
import type { SnapshotConfig } from '../src/snapshots/types.js';
import { openStore, type Store } from '../src/store/Store.js';
import { StateTracker } from '../src/tracking/Tracker.js';
import { otelActiveContext, type ActiveContext } from '../src/tracking/TrackerCore.js';
import type { PatchSink } from '../src/tracking/PatchSink.js';
import { copyValue } from '../src/values/copyValue.js';
import type { Redactor } from './redact.js';

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

  /** Tracks `initial` under `name`: every mutation through the returned proxy becomes a `state.patch` event. */
  track<T extends object>(name: string, initial: T): T {
    return this.tracker.track(name, initial);
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
