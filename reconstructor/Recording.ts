import type { HindsightEvent } from '../src/events.js';
import { EventReader, type EventQuery } from '../src/log/EventReader.js';
import { listSessions, resolveSession, type SessionInfo } from '../src/store/Sessions.js';
import { openStore, type Store } from '../src/store/Store.js';
import { Cursor } from './Cursor.js';
import { diff, findFirst, history, replayEvents, spansAt, type FindOptions, type Range } from './queries.js';
import type { Reducers } from './replay.js';
import type { SnapshotSource, TrackedState } from './SnapshotSource.js';
import { SnapshotManager } from '../src/snapshots/SnapshotManager.js';
import { managerSnapshots } from './ManagerSnapshots.js';
import { StateReconstructor, type At, type ReconstructionWarning } from './StateReconstructor.js';

export interface OpenRecordingOptions {
  reducers?: Reducers;
  /** Checkpoints to start from; defaults to the snapshots stored in the recording (noSnapshots: replay only). */
  snapshots?: (store: Store) => SnapshotSource;
  onWarning?: (warning: ReconstructionWarning) => void;
}

export interface EventFilter {
  from?: At;
  to?: At;
  kinds?: string[];
  names?: string[];
  traceId?: string;
  reverse?: boolean;
  limit?: number;
}

/** A path as an array, or dotted text (`cart.items.3.qty`) whose first segment is the tracked name. */
export type PathLike = string | readonly unknown[];

export function parsePath(path: PathLike): unknown[] {
  if (typeof path !== 'string') return [...path];
  return path.split('.').filter((s) => s.length > 0);
}

/** One session of a recording, read-only. */
export class RecordingSession {
  constructor(
    readonly info: SessionInfo,
    private readonly rec: StateReconstructor,
  ) {}

  get id(): string {
    return this.info.id;
  }

  /** Events in range, as an async iterator; each event is a fresh object the caller owns. */
  async *events(filter: EventFilter = {}): AsyncGenerator<HindsightEvent> {
    const query: EventQuery = { kinds: filter.kinds, names: filter.names, traceId: filter.traceId, reverse: filter.reverse, limit: filter.limit };
    if (typeof filter.from === 'number') query.fromT = filter.from;
    else if (filter.from) query.fromSeq = filter.from.seq;
    if (typeof filter.to === 'number') query.toT = filter.to;
    else if (filter.to) query.toSeq = filter.to.seq;
    // A reader without a block cache: scripts may mutate what they get.
    yield* new EventReader(this.rec.store, this.id).events(query);
  }

  stateAt(at: At): Promise<TrackedState> {
    return this.rec.stateAt(this.id, at);
  }

  /** stateAt with its provenance: seq, t, base snapshot, fallback and completeness flags. */
  reconstruct(at: At) {
    return this.rec.reconstruct(this.id, at);
  }

  cursor(at: At = { seq: 0 }): Promise<Cursor> {
    return Cursor.open(this.rec, this.id, this.info.lastSeq, at);
  }

  diff(from: At, to: At) {
    return diff(this.rec, this.id, from, to);
  }

  history(path: PathLike, range: Range = {}) {
    return history(this.rec, this.id, parsePath(path), range);
  }

  findFirst(predicate: (state: Readonly<TrackedState>) => boolean, options: FindOptions = {}) {
    return findFirst(this.rec, this.id, predicate, options);
  }

  spansAt(at: At) {
    return spansAt(this.rec, this.id, at);
  }

  replayEvents(range: Range, callback: (event: HindsightEvent, state: Readonly<TrackedState>) => void | Promise<void>) {
    return replayEvents(this.rec, this.id, range, callback);
  }
}

/** The checkpoints a recorder stored in the recording itself. */
function storedSnapshots(store: Store): SnapshotSource {
  return managerSnapshots(new SnapshotManager({ store, storageType: 'disk', automaticInterval: 0, eventInterval: 0, maxSnapshots: 0, maxRetentionTime: 0, foldInWorker: false }));
}

/** A recording directory opened for reading by a script, the CLI or a test. */
export class Recording {
  private constructor(
    readonly store: Store,
    private readonly rec: StateReconstructor,
  ) {}

  static async open(dir: string, options: OpenRecordingOptions = {}): Promise<Recording> {
    const store = await openStore({ dir, create: false });
    return Recording.fromStore(store, options);
  }

  /** Reads a store that is already open (an in-memory recording, or the writer's own store). */
  static fromStore(store: Store, options: OpenRecordingOptions = {}): Recording {
    const snapshots = (options.snapshots ?? storedSnapshots)(store);
    return new Recording(store, new StateReconstructor(store, { snapshots, reducers: options.reducers, onWarning: options.onWarning }));
  }

  sessions(): Promise<SessionInfo[]> {
    return listSessions(this.store.db);
  }

  /** By id, else the latest session with that name; the latest session when omitted. */
  async session(idOrName?: string): Promise<RecordingSession> {
    return new RecordingSession(await resolveSession(this.store.db, idOrName), this.rec);
  }

  get reconstructor(): StateReconstructor {
    return this.rec;
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

/** Opens a recording directory read-only (HINDSIGHT_LOCKED, naming the pid, while a recorder holds it). */
export function openRecording(dir: string, options: OpenRecordingOptions = {}): Promise<Recording> {
  return Recording.open(dir, options);
}
