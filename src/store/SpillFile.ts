import { appendFileSync, mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { AbstractLevel } from 'abstract-level';
import { checksum } from '../codec/checksum.js';
import { packStandalone, unpackStandalone } from '../codec/ValueCodec.js';
import { Prefix } from './keys.js';

/**
 * The synchronous durability path. LevelDB writes are asynchronous, so code
 * running in process.on('exit') (or a writer told to wait instead of drop)
 * appends the same put operations it would have batched to a spill file with
 * plain fs.appendFileSync. Whoever opens the directory next folds the file
 * into LevelDB. Frames are checksummed: a torn tail is cut off and reported.
 *
 * Frame: "HSP1" | payload length u32 BE | 8-byte checksum | payload, where
 * payload = msgpack([[key, value], ...]).
 */
const MAGIC = Buffer.from('HSP1');
const HEADER = 4 + 4 + 8;

export type PutOp = [key: Buffer, value: Buffer];

export interface SpillRecovery {
  file: string;
  frames: number;
  ops: number;
  /** Bytes after the last whole frame that could not be recovered. */
  lostBytes: number;
}

export function spillPath(dir: string, sessionId: string): string {
  return join(dir, 'spill', `${sessionId}.spill`);
}

export function appendSpill(file: string, ops: PutOp[]): void {
  const payload = packStandalone(ops);
  const frame = Buffer.allocUnsafe(HEADER + payload.length);
  MAGIC.copy(frame, 0);
  frame.writeUInt32BE(payload.length, 4);
  Buffer.from(checksum(payload), 'hex').copy(frame, 8);
  payload.copy(frame, HEADER);
  mkdirSync(join(file, '..'), { recursive: true });
  appendFileSync(file, frame);
}

export function readSpill(file: string): { ops: PutOp[]; frames: number; lostBytes: number } {
  const buf = readFileSync(file);
  const ops: PutOp[] = [];
  let offset = 0;
  let frames = 0;
  while (offset + HEADER <= buf.length && buf.subarray(offset, offset + 4).equals(MAGIC)) {
    const len = buf.readUInt32BE(offset + 4);
    const end = offset + HEADER + len;
    if (end > buf.length) break;
    const payload = buf.subarray(offset + HEADER, end);
    if (checksum(payload) !== buf.toString('hex', offset + 8, offset + 16)) break;
    for (const [k, v] of unpackStandalone(payload) as PutOp[]) ops.push([Buffer.from(k), Buffer.from(v)]);
    frames++;
    offset = end;
  }
  return { ops, frames, lostBytes: buf.length - offset };
}

type Db = AbstractLevel<Buffer | Uint8Array | string, Buffer, Buffer>;

/** Session metadata and structures only ever grow; keep whichever is further along. */
function isNewer(key: Buffer, incoming: Buffer, existing: Buffer | undefined): boolean {
  if (!existing) return true;
  try {
    if (key[0] === Prefix.session) return (unpackStandalone(incoming).lastSeq ?? 0) >= (unpackStandalone(existing).lastSeq ?? 0);
    if (key[0] === Prefix.structures) return unpackStandalone(incoming).length >= unpackStandalone(existing).length;
  } catch {
    return true;
  }
  return true;
}

export async function recoverSpills(db: Db, dir: string): Promise<SpillRecovery[]> {
  let files: string[];
  try {
    // A `.folding` file is one a writer was folding when it died.
    files = readdirSync(join(dir, 'spill')).filter((f) => f.endsWith('.spill') || f.endsWith('.spill.folding'));
  } catch {
    return [];
  }
  const out: SpillRecovery[] = [];
  for (const name of files) {
    const file = join(dir, 'spill', name);
    const { ops, frames, lostBytes } = readSpill(file);
    await foldOps(db, ops);
    unlinkSync(file);
    out.push({ file, frames, ops: ops.length, lostBytes });
  }
  return out;
}

/** Writes spilled operations; blocks are idempotent, metadata keeps the newest. */
export async function foldOps(db: Db, ops: PutOp[]): Promise<void> {
  const latest = new Map<string, PutOp>();
  for (const op of ops) latest.set(op[0].toString('latin1'), op);
  const batch: { type: 'put'; key: Buffer; value: Buffer }[] = [];
  for (const [key, value] of latest.values()) {
    if (key[0] === Prefix.session || key[0] === Prefix.structures) {
      if (!isNewer(key, value, await db.get(key))) continue;
    }
    batch.push({ type: 'put', key, value });
  }
  if (batch.length) await db.batch(batch);
}
