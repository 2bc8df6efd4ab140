import { randomBytes } from 'node:crypto';
import { preparePayload, sealRecord, type StoredMeta } from './SnapshotCodec.js';
import { storedFields } from './SnapshotReader.js';
import type { CreateSnapshotOptions, SnapshotConfig, SnapshotMeta, SnapshotType } from './types.js';

/** Ids, metadata and re-encoded records, under the manager's settings. */
export class RecordFactory {
  private counter = 0;

  constructor(
    private readonly config: Readonly<SnapshotConfig>,
    private readonly key: Buffer | undefined,
    private readonly now: () => number,
  ) {}

  newFields(sessionId: string, stamp: { seq: number; t: number }, type: SnapshotType, baseId: string | undefined, o: CreateSnapshotOptions): StoredMeta {
    const fields: StoredMeta = { id: this.newId(), sessionId, seq: stamp.seq, t: stamp.t, type, tags: o.tags ?? [], rawSize: 0, creationMs: 0, createdAt: this.now(), compressed: false, encrypted: false };
    if (baseId !== undefined) fields.baseId = baseId;
    if (o.description !== undefined) fields.description = o.description;
    return fields;
  }

  shouldCompress(rawLength: number, force: boolean | undefined): boolean {
    return force === true || (this.config.compressionEnabled && rawLength >= this.config.compressionThreshold);
  }

  /** A snapshot's record again, with a new payload and type: rebases and expanded exports. */
  reencode(m: SnapshotMeta, type: SnapshotType, baseId: string | undefined, raw: Buffer): { record: Buffer; meta: SnapshotMeta } {
    const fields = storedFields(m);
    fields.type = type;
    if (baseId === undefined) delete fields.baseId;
    else fields.baseId = baseId;
    return sealRecord(fields, preparePayload(raw, { compress: this.shouldCompress(raw.length, m.compressed), key: this.key }));
  }

  /** Time-ordered, then a per-manager counter (ties in the store's key order follow creation), then randomness. */
  private newId(): string {
    return `s${this.now().toString(36).padStart(9, '0')}-${(this.counter++).toString(36).padStart(5, '0')}-${randomBytes(3).toString('hex')}`;
  }
}
