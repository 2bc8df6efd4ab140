import { packStandalone } from '../codec/ValueCodec.js';
import { preparePayload, sealRecord } from './SnapshotCodec.js';
import { diffStates } from './structuralDiff.js';
import { rawStateHash, stateHash } from './stateValue.js';
import type { ManagerInternals } from './managerTypes.js';
import type { CreateSnapshotOptions, SnapshotConfig, SnapshotMeta, SnapshotType } from './types.js';

/**
 * Writes a checkpoint of plain state (already copied, stored form) inside the
 * session's queue: a full, or an incremental holding the structural diff
 * against the previous snapshot's state, which the session keeps in memory
 * (stored form) so no record is read back to diff.
 */
export async function writePlain(
  m: ManagerInternals,
  config: Readonly<SnapshotConfig>,
  sessionId: string,
  stored: unknown,
  o: CreateSnapshotOptions,
  stamp: { seq: number; t: number },
  copyMs: number,
): Promise<SnapshotMeta> {
  const t0 = performance.now();
  const s = m.session(sessionId);
  const base = s.base && m.registry.get(s.base.id);
  const type = chooseType(m, config, o.type, base);
  const raw = type === 'full' ? packStandalone(stored) : packStandalone(diffStates(s.base!.stored, stored));
  const fields = m.newFields(sessionId, stamp, type, type === 'incremental' ? base!.id : undefined, o);
  fields.stateHash = type === 'full' ? rawStateHash(raw) : stateHash(stored);
  const prepared = preparePayload(raw, { compress: m.shouldCompress(raw.length, o.forceCompression), key: m.key });
  fields.creationMs = copyMs + performance.now() - t0;
  const { record, meta } = sealRecord(fields, prepared);
  await m.commit([{ type: 'put', meta, record }]);
  s.base = { id: meta.id, stored };
  return meta;
}

/** Full unless an incremental is asked for (or incrementals are on) and the chain has room. */
function chooseType(m: ManagerInternals, config: Readonly<SnapshotConfig>, requested: SnapshotType | undefined, base: SnapshotMeta | undefined): SnapshotType {
  if (requested === 'full' || !base) return 'full';
  if (requested === undefined && !config.incrementalEnabled) return 'full';
  return m.registry.chainLength(base) + 1 > config.maxIncrementalChain ? 'full' : 'incremental';
}
