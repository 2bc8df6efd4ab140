import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { compressSync, uncompressSync } from 'lz4-napi';
import { ErrorCodes, HindsightError } from '../errors.js';
import { checksum } from '../codec/checksum.js';
import { packStandalone, unpackStandalone } from '../codec/ValueCodec.js';
import type { SnapshotMeta } from './types.js';

/**
 * One stored snapshot record, self-contained (an export is a list of them):
 *
 *   0   magic 'HSNP'
 *   4   format version u8
 *   5   flags u8: 1 = lz4, 2 = AES-256-GCM
 *   6   raw payload length u32
 *   10  metadata length u32
 *   14  metadata (msgpack; every SnapshotMeta field but storedSize and checksum)
 *   ..  payload: the packed state or ops, lz4-compressed when flagged; when
 *       encrypted: key id (8) | iv (12) | GCM tag (16) | ciphertext
 *   end checksum (8): truncated SHA-256 over every preceding byte
 *
 * Encrypt-then-checksum: corruption is detected without the key, and the key
 * id tells a wrong key apart from damaged bytes. Metadata stays in clear so
 * search and retention never need the key.
 */
export const SNAPSHOT_FORMAT_VERSION = 1;
const MAGIC = Buffer.from('HSNP');
const HEAD = 14;
const SUM = 8;
const FLAG_LZ4 = 1;
const FLAG_AES = 2;
const KEY_ID = 8;
const IV = 12;
const TAG = 16;

export type StoredMeta = Omit<SnapshotMeta, 'storedSize' | 'checksum'>;

export interface EncodeOptions {
  compress: boolean;
  key?: Buffer;
}

/** A parsed, not yet decoded record. */
export interface RecordView {
  meta: SnapshotMeta;
  /** The whole record. */
  bytes: Buffer;
  flags: number;
  rawLength: number;
  payload: Buffer;
}

/** Parses a key given as 32 raw bytes, 64 hex chars or base64; throws INVALID_ARGUMENT. */
export function parseKey(key: string | Uint8Array | undefined): Buffer | undefined {
  if (key === undefined || key === '') return undefined;
  let buf: Buffer;
  if (typeof key !== 'string') buf = Buffer.from(key);
  else if (/^[0-9a-fA-F]{64}$/.test(key)) buf = Buffer.from(key, 'hex');
  else buf = Buffer.from(key, 'base64');
  if (buf.length !== 32) throw new HindsightError(ErrorCodes.INVALID_ARGUMENT, `encryption key must be 32 bytes (64 hex chars or base64), got ${buf.length} bytes`);
  return buf;
}

function keyId(key: Buffer): Buffer {
  return createHash('sha256').update('hindsight-snapshot-key\0').update(key).digest().subarray(0, KEY_ID);
}

/** A payload compressed and encrypted as configured, not yet sealed into a record. */
export interface PreparedPayload {
  rawLength: number;
  flags: number;
  payload: Buffer;
}

/** The costly half of encoding (lz4, AES): callers time it as part of taking a snapshot. */
export function preparePayload(raw: Buffer, options: EncodeOptions): PreparedPayload {
  let flags = 0;
  let payload = raw;
  if (options.compress) {
    const c = compressSync(raw);
    if (c.length < raw.length) {
      payload = c;
      flags |= FLAG_LZ4;
    }
  }
  if (options.key) {
    const iv = randomBytes(IV);
    const cipher = createCipheriv('aes-256-gcm', options.key, iv);
    const body = Buffer.concat([cipher.update(payload), cipher.final()]);
    payload = Buffer.concat([keyId(options.key), iv, cipher.getAuthTag(), body]);
    flags |= FLAG_AES;
  }
  return { rawLength: raw.length, flags, payload };
}

/** Seals a prepared payload and its metadata into a record; returns it with the final metadata. */
export function sealRecord(meta: StoredMeta, prepared: PreparedPayload): { record: Buffer; meta: SnapshotMeta } {
  const { flags, payload } = prepared;
  const stored: StoredMeta = { ...meta, rawSize: prepared.rawLength, compressed: (flags & FLAG_LZ4) !== 0, encrypted: (flags & FLAG_AES) !== 0 };
  const metaBytes = packStandalone(stored);
  const head = Buffer.allocUnsafe(HEAD);
  MAGIC.copy(head, 0);
  head[4] = SNAPSHOT_FORMAT_VERSION;
  head[5] = flags;
  head.writeUInt32BE(prepared.rawLength, 6);
  head.writeUInt32BE(metaBytes.length, 10);
  const sum = checksum(head, metaBytes, payload);
  const record = Buffer.concat([head, metaBytes, payload, Buffer.from(sum, 'hex')]);
  return { record, meta: { ...stored, storedSize: record.length, checksum: sum } };
}

export function encodeRecord(meta: StoredMeta, raw: Buffer, options: EncodeOptions): { record: Buffer; meta: SnapshotMeta } {
  return sealRecord(meta, preparePayload(raw, options));
}

export function corruptSnapshot(id: string | undefined, seq: number | undefined, reason: string, details: Record<string, unknown> = {}): HindsightError {
  const what = `snapshot ${id ?? '?'}${seq !== undefined ? ` at seq ${seq}` : ''}`;
  return new HindsightError(ErrorCodes.CORRUPT_SNAPSHOT, `${what} is corrupt (${reason})`, { snapshotId: id, seq, ...details });
}

/**
 * Parses a record's header and metadata. With `verify` the checksum is
 * checked first; `expect` (from the key the record was found under) names
 * the snapshot in errors and must agree with the metadata.
 */
export function readRecord(value: Uint8Array, verify: boolean, expect: { id?: string; seq?: number } = {}): RecordView {
  const b = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const fail = (reason: string) => corruptSnapshot(expect.id, expect.seq, reason);
  if (b.length < HEAD + SUM || !b.subarray(0, 4).equals(MAGIC)) throw fail('not a snapshot record');
  if (b[4] !== SNAPSHOT_FORMAT_VERSION) {
    throw new HindsightError(ErrorCodes.UNSUPPORTED_FORMAT, `snapshot ${expect.id ?? '?'} has format ${b[4]}, expected ${SNAPSHOT_FORMAT_VERSION}`, { snapshotId: expect.id });
  }
  const sum = b.toString('hex', b.length - SUM);
  if (verify && checksum(b.subarray(0, b.length - SUM)) !== sum) throw fail('checksum mismatch');
  const metaLength = b.readUInt32BE(10);
  if (HEAD + metaLength > b.length - SUM) throw fail('metadata overruns the record');
  let stored: StoredMeta;
  try {
    stored = unpackStandalone(b.subarray(HEAD, HEAD + metaLength)) as StoredMeta;
  } catch (err) {
    throw fail(`undecodable metadata: ${(err as Error).message}`);
  }
  if (typeof stored !== 'object' || stored === null || typeof stored.id !== 'string' || typeof stored.seq !== 'number') throw fail('malformed metadata');
  if ((expect.id !== undefined && stored.id !== expect.id) || (expect.seq !== undefined && stored.seq !== expect.seq)) {
    throw fail('key and metadata disagree');
  }
  return {
    meta: { ...stored, storedSize: b.length, checksum: sum },
    bytes: b,
    flags: b[5],
    rawLength: b.readUInt32BE(6),
    payload: b.subarray(HEAD + metaLength, b.length - SUM),
  };
}

/** Decrypts and decompresses a record's payload into its raw packed bytes. */
export function rawPayload(view: RecordView, key: Buffer | undefined): Buffer {
  const { meta } = view;
  let payload = view.payload;
  if (view.flags & FLAG_AES) {
    if (!key) {
      throw new HindsightError(ErrorCodes.DECRYPTION_FAILED, `snapshot ${meta.id} at seq ${meta.seq} is encrypted and no key is configured (encryptionKey or HINDSIGHT_SNAPSHOT_KEY)`, { snapshotId: meta.id, seq: meta.seq });
    }
    if (payload.length < KEY_ID + IV + TAG) throw corruptSnapshot(meta.id, meta.seq, 'truncated encrypted payload');
    if (!payload.subarray(0, KEY_ID).equals(keyId(key))) {
      throw new HindsightError(ErrorCodes.DECRYPTION_FAILED, `snapshot ${meta.id} at seq ${meta.seq} was encrypted with a different key`, { snapshotId: meta.id, seq: meta.seq });
    }
    try {
      const d = createDecipheriv('aes-256-gcm', key, payload.subarray(KEY_ID, KEY_ID + IV));
      d.setAuthTag(payload.subarray(KEY_ID + IV, KEY_ID + IV + TAG));
      payload = Buffer.concat([d.update(payload.subarray(KEY_ID + IV + TAG)), d.final()]);
    } catch {
      // The key id matched, so the bytes, not the key, are wrong.
      throw corruptSnapshot(meta.id, meta.seq, 'authentication tag mismatch');
    }
  }
  if (view.flags & FLAG_LZ4) {
    try {
      payload = uncompressSync(payload);
    } catch (err) {
      throw corruptSnapshot(meta.id, meta.seq, `undecompressable payload: ${(err as Error).message}`);
    }
  }
  if (payload.length !== view.rawLength) throw corruptSnapshot(meta.id, meta.seq, 'payload length mismatch');
  // msgpackr may decode binary values as views of its input: never let them alias a stored record.
  return view.flags & (FLAG_LZ4 | FLAG_AES) ? payload : Buffer.from(payload);
}

/** Unpacks raw payload bytes; a failure is corruption of that snapshot. */
export function unpackPayload(meta: SnapshotMeta, raw: Buffer): unknown {
  try {
    return unpackStandalone(raw);
  } catch (err) {
    throw corruptSnapshot(meta.id, meta.seq, `undecodable payload: ${(err as Error).message}`);
  }
}
