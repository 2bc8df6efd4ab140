import type { EventLog } from '../log/EventLog.js';
import type { Store } from '../store/Store.js';
import type { FoldRunner } from './FoldRunner.js';
import type { FoldResult } from './fold.js';
import type { StoredMeta } from './SnapshotCodec.js';
import type { SnapshotReader } from './SnapshotReader.js';
import type { SnapshotRegistry } from './SnapshotRegistry.js';
import type { SnapshotStore, SnapshotWrite } from './SnapshotStore.js';
import type { CreateSnapshotOptions, SnapshotConfig, SnapshotMeta, SnapshotType } from './types.js';

export interface SnapshotManagerOptions extends Partial<SnapshotConfig> {
  /** The recording's store: required for 'disk' and 'hybrid' (snapshots go in its LevelDB). */
  store?: Store;
  /** A custom backend; overrides storageType. */
  snapshotStore?: SnapshotStore;
  /** Fold tracked fulls in a worker thread (default true; false folds inline). */
  foldInWorker?: boolean;
  /** Wall clock in ms, for createdAt and maxRetentionTime only (tests inject one). */
  now?: () => number;
}

/** What the manager keeps per session. */
export interface SessionState {
  log?: EventLog;
  /** The last snapshot's state in stored form, to diff the next one against. */
  base?: { id: string; stored: unknown };
  source?: () => unknown;
  automatic?: boolean;
  timer?: NodeJS.Timeout;
  queue: Promise<unknown>;
}

/** What the manager shares with TrackedCheckpoints and SnapshotTransfer (not public API). */
export interface ManagerInternals {
  readonly registry: SnapshotRegistry;
  readonly reader: SnapshotReader;
  readonly key: Buffer | undefined;
  /** Per tracked session, the id of its last checkpoint (the next incremental's base). */
  readonly lastTracked: Map<string, string>;
  serial<T>(sessionId: string, fn: () => Promise<T>): Promise<T>;
  session(sessionId: string): SessionState;
  newFields(sessionId: string, stamp: { seq: number; t: number }, type: SnapshotType, baseId: string | undefined, o: CreateSnapshotOptions): StoredMeta;
  shouldCompress(rawLength: number, force: boolean | undefined): boolean;
  commit(writes: SnapshotWrite[]): Promise<void>;
  reencode(m: SnapshotMeta, type: SnapshotType, baseId: string | undefined, raw: Buffer): { record: Buffer; meta: SnapshotMeta };
  retain(sessionId: string): Promise<string[]>;
  readonly store: SnapshotStore;
  readonly folds: FoldRunner;
  foldChain(meta: SnapshotMeta): Promise<FoldResult>;
  report(type: string, err: unknown, sessionId?: string): void;
  /** Background work shutdown() waits for. */
  track(p: Promise<unknown>): void;
}
