import { ErrorCodes, HindsightError } from '../errors.js';
import { packStandalone } from '../codec/ValueCodec.js';
import { corruptSnapshot, rawPayload, readRecord, unpackPayload, type RecordView, type StoredMeta } from './SnapshotCodec.js';
import type { SnapshotRegistry } from './SnapshotRegistry.js';
import type { SnapshotStore } from './SnapshotStore.js';
import { applyOps, type DiffOp } from './structuralDiff.js';
import { boxNegativeZeros } from './stateValue.js';
import type { SnapshotMeta } from './types.js';

export interface ReaderConfig {
  verify: boolean;
  key: Buffer | undefined;
}

/**
 * Reads records back: every read goes through readRecord, which verifies the
 * checksum when checksumValidation is on (there is no cache of decoded
 * states to skip it), and reconstruct follows base → incrementals exactly.
 */
export class SnapshotReader {
  constructor(
    private readonly store: SnapshotStore,
    private readonly registry: SnapshotRegistry,
    private readonly config: ReaderConfig,
  ) {}

  /** The stored record, verified and parsed. */
  async view(meta: SnapshotMeta): Promise<RecordView> {
    const record = await this.store.getRecord(meta);
    if (!record) throw corruptSnapshot(meta.id, meta.seq, 'record missing from the store');
    const view = readRecord(record, this.config.verify, { id: meta.id, seq: meta.seq });
    if (view.meta.type !== meta.type || view.meta.baseId !== meta.baseId) throw corruptSnapshot(meta.id, meta.seq, 'record and index disagree');
    return view;
  }

  async raw(meta: SnapshotMeta): Promise<Buffer> {
    return rawPayload(await this.view(meta), this.config.key);
  }

  async ops(meta: SnapshotMeta): Promise<DiffOp[]> {
    const ops = unpackPayload(meta, await this.raw(meta));
    if (!Array.isArray(ops)) throw corruptSnapshot(meta.id, meta.seq, 'incremental payload is not a list of ops');
    return ops as DiffOp[];
  }

  /** [full, incremental..., meta]: the chain reconstruct applies. */
  chain(meta: SnapshotMeta): SnapshotMeta[] {
    const out = [meta];
    let cur = meta;
    while (cur.type === 'incremental') {
      const base = cur.baseId === undefined ? undefined : this.registry.get(cur.baseId);
      if (!base || out.length > this.registry.size) {
        throw corruptSnapshot(meta.id, meta.seq, `base ${cur.baseId ?? '(none)'} of incremental ${cur.id} is missing`);
      }
      out.push(base);
      cur = base;
    }
    return out.reverse();
  }

  /**
   * The state at `meta`, decoded (real -0), a fresh tree the caller owns.
   * A promotion or a rebase may rewrite a record of the chain under the same
   * id while it is read (those run in the session's queue, reads do not):
   * the record then disagrees with the metadata taken before, and the chain
   * is read again from the registry's current metadata, the same state.
   */
  async state(meta: SnapshotMeta): Promise<unknown> {
    let chain = this.chain(meta);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.applyChain(chain);
      } catch (err) {
        const now = this.registry.get(meta.id);
        if (attempt === 3 || now === undefined || chain.every((m) => this.registry.get(m.id) === m)) throw err;
        chain = this.chain(now);
      }
    }
  }

  private async applyChain([full, ...incs]: SnapshotMeta[]): Promise<unknown> {
    let state = unpackPayload(full, await this.raw(full));
    for (const inc of incs) {
      const ops = await this.ops(inc);
      try {
        state = applyOps(state, ops);
      } catch (err) {
        throw corruptSnapshot(inc.id, inc.seq, `ops do not apply to the state of ${inc.baseId}: ${(err as Error).message}`);
      }
    }
    return state;
  }

  /** The state at `meta` packed as a full payload (stored form: -0 boxed). */
  async packedState(meta: SnapshotMeta): Promise<Buffer> {
    if (meta.type === 'full') return this.raw(meta);
    return packStandalone(boxNegativeZeros(await this.state(meta)));
  }
}

export function resolveMeta(registry: SnapshotRegistry, idOrMeta: string | SnapshotMeta): SnapshotMeta {
  const id = typeof idOrMeta === 'string' ? idOrMeta : idOrMeta?.id;
  if (typeof id !== 'string' || id === '') throw new HindsightError(ErrorCodes.INVALID_ARGUMENT, 'expected a snapshot id or a snapshot');
  const meta = registry.get(id);
  if (!meta) throw new HindsightError(ErrorCodes.UNKNOWN_SNAPSHOT, `no snapshot with id ${id}`, { snapshotId: id });
  return meta;
}

/** The metadata fields a record stores (all but storedSize and checksum). */
export function storedFields(meta: SnapshotMeta): StoredMeta {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { storedSize, checksum, ...rest } = meta;
  return rest;
}
