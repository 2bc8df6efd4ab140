/**
 * Binary key layout of a recording. Every key is `prefix byte + session id +
 * 0x00 + fixed-width big-endian numbers`, so LevelDB's byte order is the
 * order we seek in, and one session's keys are one contiguous range.
 *
 *   S <sid>                         session metadata
 *   X <sid>                         msgpackr shared structures of the session
 *   B <sid> 0 <firstSeq>            event block
 *   T <sid> 0 <firstT> <firstSeq>   time index: block by its first event time
 *   N <sid> 0 <seq> <snapshotId>    snapshot, ordered by the last event it includes
 *   I <snapshotId>                  snapshot id -> its N key
 */
export const Prefix = {
  session: 0x53, // 'S'
  structures: 0x58, // 'X'
  block: 0x42, // 'B'
  timeIndex: 0x54, // 'T'
  snapshot: 0x4e, // 'N'
  snapshotId: 0x49, // 'I'
} as const;

const TWO_32 = 2 ** 32;

export function writeU64(buf: Buffer, offset: number, n: number): void {
  buf.writeUInt32BE(Math.floor(n / TWO_32), offset);
  buf.writeUInt32BE(n >>> 0, offset + 4);
}

export function readU64(buf: Uint8Array, offset: number): number {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  return b.readUInt32BE(offset) * TWO_32 + b.readUInt32BE(offset + 4);
}

/** Largest value a u64 key field holds here (numbers stay exact below 2^53). */
export const MAX_U64 = Number.MAX_SAFE_INTEGER;

function head(prefix: number, sid: string, extra: number): { buf: Buffer; offset: number } {
  const sidBytes = Buffer.byteLength(sid);
  const buf = Buffer.allocUnsafe(1 + sidBytes + 1 + extra);
  buf[0] = prefix;
  buf.write(sid, 1);
  buf[1 + sidBytes] = 0;
  return { buf, offset: 2 + sidBytes };
}

export function sessionKey(sid: string): Buffer {
  return head(Prefix.session, sid, 0).buf;
}

export function structuresKey(sid: string): Buffer {
  return head(Prefix.structures, sid, 0).buf;
}

export function blockKey(sid: string, firstSeq: number): Buffer {
  const { buf, offset } = head(Prefix.block, sid, 8);
  writeU64(buf, offset, firstSeq);
  return buf;
}

export function timeKey(sid: string, firstT: number, firstSeq: number): Buffer {
  const { buf, offset } = head(Prefix.timeIndex, sid, 16);
  writeU64(buf, offset, firstT);
  writeU64(buf, offset + 8, firstSeq);
  return buf;
}

/** Key range bounds for all keys of one prefix and session. */
export function sessionRange(prefix: number, sid: string): { gte: Buffer; lt: Buffer } {
  const gte = head(prefix, sid, 0).buf;
  const lt = Buffer.from(gte);
  lt[lt.length - 1] = 1;
  return { gte, lt };
}

/** The u64 at `index` (0-based) after the session part of a key. */
export function keyU64(key: Uint8Array, sid: string, index: number): number {
  return readU64(key, 2 + Buffer.byteLength(sid) + index * 8);
}

export function snapshotKey(sid: string, seq: number, snapshotId: string): Buffer {
  const idBytes = Buffer.byteLength(snapshotId);
  const { buf, offset } = head(Prefix.snapshot, sid, 8 + idBytes);
  writeU64(buf, offset, seq);
  buf.write(snapshotId, offset + 8);
  return buf;
}

export function snapshotIdKey(snapshotId: string): Buffer {
  const buf = Buffer.allocUnsafe(1 + Buffer.byteLength(snapshotId));
  buf[0] = Prefix.snapshotId;
  buf.write(snapshotId, 1);
  return buf;
}

/** Every key of one prefix across all sessions (session listing). */
export function prefixRange(prefix: number): { gte: Buffer; lt: Buffer } {
  return { gte: Buffer.from([prefix]), lt: Buffer.from([prefix + 1]) };
}

/** The session id inside a key of the form `prefix sid [0 ...]`. */
export function sessionIdOf(key: Uint8Array): string {
  const b = Buffer.isBuffer(key) ? key : Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  const end = b.indexOf(0, 1);
  return b.toString('utf8', 1, end === -1 ? b.length : end);
}

/**
 * Snapshot time index, beside the seq-ordered snapshot keys of the session:
 * `N <sid> 1 <t> <seq> <snapshotId>` (empty value). The 0x01 separator keeps
 * it out of sessionRange(Prefix.snapshot, sid) (no session id holds 0x01), so
 * a nearest-by-time lookup is one reverse seek, like a nearest-by-seq one.
 */
export function snapshotTimeKey(sid: string, t: number, seq: number, snapshotId: string): Buffer {
  const idBytes = Buffer.byteLength(snapshotId);
  const { buf, offset } = head(Prefix.snapshot, sid, 16 + idBytes);
  buf[offset - 1] = 1;
  writeU64(buf, offset, t);
  writeU64(buf, offset + 8, seq);
  buf.write(snapshotId, offset + 16);
  return buf;
}

/** Key range of one session's snapshot time index. */
export function snapshotTimeRange(sid: string): { gte: Buffer; lt: Buffer } {
  const gte = head(Prefix.snapshot, sid, 0).buf;
  gte[gte.length - 1] = 1;
  const lt = Buffer.from(gte);
  lt[lt.length - 1] = 2;
  return { gte, lt };
}
