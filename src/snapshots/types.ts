/** The shapes the SnapshotManager, its stores and its export format share. */

export type SnapshotType = 'full' | 'incremental';

/**
 * What the payload of a snapshot holds: a whole state ('state'), or a list of
 * DiffOps to apply to the state of `baseId` ('ops'). Tracked and plain
 * incrementals both store DiffOps, so one fold covers every chain.
 */
export type PayloadKind = 'state' | 'ops';

export interface SnapshotMeta {
  id: string;
  sessionId: string;
  /** Seq of the last event the snapshot includes (0: before any event). */
  seq: number;
  /** Event time (µs since the epoch) of that event: never the wall time of the write. */
  t: number;
  type: SnapshotType;
  /** Incrementals: the snapshot whose state the ops apply to (full or incremental). */
  baseId?: string;
  tags: string[];
  description?: string;
  /** Packed (msgpack) payload bytes before compression and encryption. */
  rawSize: number;
  /** Bytes of the stored record (header, metadata, payload, checksum). */
  storedSize: number;
  /** Truncated SHA-256 (hex) over the whole stored record but its last 8 bytes. */
  checksum: string;
  /** Program-thread milliseconds the snapshot cost to take. */
  creationMs: number;
  /**
   * SHA-256 of the canonical packed full state (object keys sorted). Absent on
   * tracked incrementals, whose O(changes) budget does not allow hashing the state.
   */
  stateHash?: string;
  /** Wall-clock ms at which the record was written: informational only. */
  createdAt: number;
  compressed: boolean;
  encrypted: boolean;
  /** A checkpoint of tracked state `{ [name]: value }` (the reconstructor uses only these). */
  tracked?: boolean;
}

/** A snapshot with its materialized state, as getSnapshot returns it. */
export interface Snapshot<S = unknown> extends SnapshotMeta {
  state: S;
}

export type StorageType = 'memory' | 'disk' | 'hybrid';

export interface SnapshotConfig {
  /** Ms between automatic checkpoints of a started session (0: no timer). Default 30,000. */
  automaticInterval: number;
  /** Automatic checkpoint every N events of an attached session (0: off). Default 0. */
  eventInterval: number;
  /** Ms a snapshot is kept at most, by its createdAt (0: forever). Default 24 h. */
  maxRetentionTime: number;
  /** Snapshots kept per session at most (0: unbounded). Default 1,000. */
  maxSnapshots: number;
  compressionEnabled: boolean;
  /** Raw payloads below this many bytes are stored uncompressed. Default 1,024. */
  compressionThreshold: number;
  storageType: StorageType;
  /** With storageType 'hybrid': false keeps the records in memory only. Default true. */
  persistenceEnabled: boolean;
  incrementalEnabled: boolean;
  /** Verify the checksum of every record on every read. Default true. */
  checksumValidation: boolean;
  /** Retention keeps only tagged snapshots (plus the newest of each session). Default false. */
  taggedSnapshotsOnly: boolean;
  /** A full checkpoint at least every K incrementals. Default 16. */
  maxIncrementalChain: number;
  /**
   * A checkpoint of tracked state is a full, read from the tracker, while
   * the last one's chain holds fewer stored-raw bytes than this: for a small
   * state that is as cheap as an incremental, and spares the fold a worker
   * would soon run. 0: incrementals whatever the size. Default 65,536.
   */
  fullBelowBytes: number;
  /**
   * AES-256-GCM key (32 bytes, or 64 hex chars, or base64) for encryption at
   * rest; falls back to env HINDSIGHT_SNAPSHOT_KEY. Absent: no encryption.
   */
  encryptionKey?: string | Uint8Array;
}

export interface CreateSnapshotOptions {
  tags?: string[];
  description?: string;
  /** Default: incremental when enabled and the session has a base, else full. */
  type?: SnapshotType;
  /** Compress even below compressionThreshold (and even when compression is off). */
  forceCompression?: boolean;
  /** Last event included; defaults to the attached EventLog's lastSeq/lastEventT. */
  seq?: number;
  t?: number;
}

export interface SearchOptions {
  sessionId?: string;
  /** Snapshots carrying every one of these tags. */
  tags?: string[];
  /** Inclusive bounds on the event time t (µs). */
  timeRange?: { start?: number; end?: number };
  type?: SnapshotType;
  sortBy?: 'time' | 'size';
  sortDirection?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
}

export type ChangeKind = 'added' | 'removed' | 'changed';

export interface StateChange {
  kind: ChangeKind;
  path: unknown[];
  before?: unknown;
  after?: unknown;
}

export interface SnapshotComparison {
  from: SnapshotMeta;
  to: SnapshotMeta;
  changes: StateChange[];
  summary: { added: number; removed: number; changed: number; totalChanges: number };
}

export interface SnapshotStatistics {
  snapshots: { total: number; full: number; incremental: number; sessions: number };
  storage: { rawBytes: number; storedBytes: number; compressionRatio: number };
  performance: { meanCreationMs: number; p95CreationMs: number };
  automatic: { activeSessions: number; taken: number; failed: number; pendingFolds: number };
}

export interface ExportOptions {
  format?: 'json' | 'binary';
  /** Store every exported incremental as a full (the export needs no base). */
  expandIncrementals?: boolean;
  tags?: string[];
  timeRange?: { start?: number; end?: number };
}

export interface ImportOptions {
  overwriteExisting?: boolean;
  /** Also decode every payload (decrypt, decompress, unpack) before importing. Default true. */
  validateIntegrity?: boolean;
}

export interface ImportResult {
  imported: number;
  /** Ids already present and kept (overwriteExisting false). */
  skipped: string[];
  ids: string[];
}
