import { checksum } from '../codec/checksum.js';
import { packStandalone, unpackStandalone } from '../codec/ValueCodec.js';
import { MAX_U64, Prefix, prefixRange, sessionRange, snapshotIdKey, snapshotKey, snapshotTimeKey, snapshotTimeRange } from '../store/keys.js';
import type { Store } from '../store/Store.js';
import { corruptSnapshot } from './SnapshotCodec.js';
import { MemorySnapshotStore, type SnapshotStore, type SnapshotWrite } from './SnapshotStore.js';
import type { SnapshotConfig, SnapshotMeta } from './types.js';
import { ErrorCodes, HindsightError } from '../errors.js';

/**
 * 'disk': snapshots in the recording's LevelDB, beside the event log.
 *
 *   N <sid> 0 <seq u64> <id>         the record (SnapshotCodec format)
 *   N <sid> 1 <t u64> <seq u64> <id> time index (empty value)
 *   I <id>                           u16 length | the N key | metadata (msgpack) | checksum (8)
 *
 * The I value carries the metadata so the registry loads without reading a
 * single record; its own checksum covers it. A batch writes or deletes all
 * three keys of a snapshot at once.
 */
export class LevelSnapshotStore implements SnapshotStore {
  readonly kind: 'disk' | 'hybrid' = 'disk';
  readonly freshReads: boolean;

  constructor(protected readonly store: Store) {
    // memory-level hands out the Buffer it holds; classic-level a new one per get.
    this.freshReads = store.dir !== undefined;
  }

  async loadMetas(onCorrupt: (err: Error) => void): Promise<SnapshotMeta[]> {
    const out: SnapshotMeta[] = [];
    for await (const [key, value] of this.store.db.iterator(prefixRange(Prefix.snapshotId))) {
      try {
        out.push(decodeIndexValue(key.subarray(1).toString('utf8'), value));
      } catch (err) {
        onCorrupt(err as Error);
      }
    }
    return out;
  }

  async write(batch: SnapshotWrite[]): Promise<void> {
    const ops: { type: 'put' | 'del'; key: Buffer; value?: Buffer }[] = [];
    for (const w of batch) {
      const m = w.meta;
      const nKey = snapshotKey(m.sessionId, m.seq, m.id);
      if (w.type === 'del') {
        ops.push({ type: 'del', key: nKey }, { type: 'del', key: snapshotTimeKey(m.sessionId, m.t, m.seq, m.id) }, { type: 'del', key: snapshotIdKey(m.id) });
      } else {
        ops.push(
          { type: 'put', key: nKey, value: w.record },
          { type: 'put', key: snapshotTimeKey(m.sessionId, m.t, m.seq, m.id), value: Buffer.alloc(0) },
          { type: 'put', key: snapshotIdKey(m.id), value: encodeIndexValue(nKey, m) },
        );
      }
    }
    await this.store.db.batch(ops as never);
  }

  async getRecord(meta: SnapshotMeta): Promise<Buffer | undefined> {
    return this.store.db.get(snapshotKey(meta.sessionId, meta.seq, meta.id));
  }

  async nearestBySeq(sessionId: string, seq: number, accept: (id: string) => boolean): Promise<string | undefined> {
    const { gte } = sessionRange(Prefix.snapshot, sessionId);
    const lte = Buffer.concat([snapshotKey(sessionId, Math.min(seq, MAX_U64), ''), Buffer.from([0xff])]);
    for await (const key of this.store.db.keys({ gte, lte, reverse: true })) {
      const id = key.subarray(gte.length + 8).toString('utf8');
      if (accept(id)) return id;
    }
    return undefined;
  }

  async nearestByTime(sessionId: string, t: number, accept: (id: string) => boolean): Promise<string | undefined> {
    const { gte } = snapshotTimeRange(sessionId);
    const lte = Buffer.concat([snapshotTimeKey(sessionId, Math.min(t, MAX_U64), MAX_U64, ''), Buffer.from([0xff])]);
    for await (const key of this.store.db.keys({ gte, lte, reverse: true })) {
      const id = key.subarray(gte.length + 16).toString('utf8');
      if (accept(id)) return id;
    }
    return undefined;
  }

  /** The store (and its LevelDB) belongs to the caller: nothing to release. */
  async close(): Promise<void> {}
}

function encodeIndexValue(nKey: Buffer, meta: SnapshotMeta): Buffer {
  const len = Buffer.allocUnsafe(2);
  len.writeUInt16BE(nKey.length);
  const body = Buffer.concat([len, nKey, packStandalone(meta)]);
  return Buffer.concat([body, Buffer.from(checksum(body), 'hex')]);
}

function decodeIndexValue(id: string, value: Buffer): SnapshotMeta {
  const body = value.subarray(0, value.length - 8);
  if (value.length < 10 || checksum(body) !== value.toString('hex', value.length - 8)) throw corruptSnapshot(id, undefined, 'index entry checksum mismatch');
  const nLen = body.readUInt16BE(0);
  try {
    const meta = unpackStandalone(body.subarray(2 + nLen)) as SnapshotMeta;
    if (meta.id !== id) throw new Error('id mismatch');
    return meta;
  } catch (err) {
    throw corruptSnapshot(id, undefined, `undecodable index entry: ${(err as Error).message}`);
  }
}

/**
 * 'hybrid': the disk store plus the most recent records in memory, so the
 * usual reads (the latest checkpoints) skip LevelDB. Cached bytes are
 * verified on every read like any other (the manager does it).
 */
export class HybridSnapshotStore extends LevelSnapshotStore {
  override readonly kind = 'hybrid' as const;
  override readonly freshReads = false;
  private readonly cache = new Map<string, Buffer>();
  private cachedBytes = 0;

  constructor(store: Store, private readonly maxCacheBytes = 64 * 1024 * 1024) {
    super(store);
  }

  override async write(batch: SnapshotWrite[]): Promise<void> {
    await super.write(batch);
    for (const w of batch) {
      this.evict(w.meta.id);
      if (w.type === 'put') this.remember(w.meta.id, w.record);
    }
  }

  override async getRecord(meta: SnapshotMeta): Promise<Buffer | undefined> {
    const hit = this.cache.get(meta.id);
    if (hit) {
      // Refresh its place in the insertion order (LRU).
      this.cache.delete(meta.id);
      this.cache.set(meta.id, hit);
      return hit;
    }
    const record = await super.getRecord(meta);
    if (record) this.remember(meta.id, record);
    return record;
  }

  private remember(id: string, record: Buffer): void {
    if (record.length > this.maxCacheBytes / 4) return;
    this.cache.set(id, record);
    this.cachedBytes += record.length;
    for (const [oldId] of this.cache) {
      if (this.cachedBytes <= this.maxCacheBytes) break;
      this.evict(oldId);
    }
  }

  private evict(id: string): void {
    const old = this.cache.get(id);
    if (!old) return;
    this.cache.delete(id);
    this.cachedBytes -= old.length;
  }
}

/** The backend a configuration asks for ('hybrid' without persistence is memory only). */
export function createSnapshotStore(config: Pick<SnapshotConfig, 'storageType' | 'persistenceEnabled'>, store: Store | undefined): SnapshotStore {
  if (config.storageType === 'memory' || (config.storageType === 'hybrid' && !config.persistenceEnabled)) return new MemorySnapshotStore();
  if (!store) {
    throw new HindsightError(ErrorCodes.INVALID_ARGUMENT, `storageType '${config.storageType}' needs the recording's store (options.store); use 'memory' without one`);
  }
  return config.storageType === 'disk' ? new LevelSnapshotStore(store) : new HybridSnapshotStore(store);
}
