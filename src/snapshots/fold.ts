import { packStandalone } from '../codec/ValueCodec.js';
import { rawPayload, readRecord, sealRecord, preparePayload, unpackPayload, corruptSnapshot, type StoredMeta } from './SnapshotCodec.js';
import { applyOps, type DiffOp } from './structuralDiff.js';
import { boxNegativeZeros, rawStateHash } from './stateValue.js';
import type { SnapshotMeta } from './types.js';

/** What a fold needs: the records of a chain (full first), and the metadata of the full it makes. */
export interface FoldRequest {
  records: Uint8Array[];
  /** id and seq of each record, in order, to check them against and to name in errors. */
  expect: { id: string; seq: number }[];
  target: StoredMeta;
  verify: boolean;
  compress: boolean;
  key?: Uint8Array;
}

export interface FoldResult {
  record: Buffer;
  meta: SnapshotMeta;
  foldMs: number;
}

/**
 * Folds a chain (full + incrementals, as stored bytes) into the record of a
 * full snapshot of its last state. Pure: it runs in the fold worker, or
 * inline when no worker can start. Every input record is verified like any read.
 */
export function foldRecords(req: FoldRequest): FoldResult {
  const t0 = performance.now();
  const key = req.key ? Buffer.from(req.key) : undefined;
  let state: unknown;
  req.records.forEach((bytes, i) => {
    const view = readRecord(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), req.verify, req.expect[i]);
    const value = unpackPayload(view.meta, rawPayload(view, key));
    if (i === 0) {
      if (view.meta.type !== 'full') throw corruptSnapshot(view.meta.id, view.meta.seq, 'a fold must start at a full snapshot');
      state = value;
      return;
    }
    try {
      state = applyOps(state, value as DiffOp[]);
    } catch (err) {
      throw corruptSnapshot(view.meta.id, view.meta.seq, `ops do not apply: ${(err as Error).message}`);
    }
  });
  boxNegativeZeros(state);
  const raw = packStandalone(state);
  const prepared = preparePayload(raw, { compress: req.compress, key });
  const { record, meta } = sealRecord({ ...req.target, stateHash: rawStateHash(raw) }, prepared);
  return { record, meta, foldMs: performance.now() - t0 };
}

/** A Uint8Array that owns its whole ArrayBuffer (pooled small Buffers do not), so it can be transferred. */
export function ownedBytes(b: Uint8Array): Uint8Array {
  if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer) return b;
  return new Uint8Array(b);
}
