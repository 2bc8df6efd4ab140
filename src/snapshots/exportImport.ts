import { ErrorCodes, HindsightError } from '../errors.js';
import { checksum } from '../codec/checksum.js';
import { readRecord } from './SnapshotCodec.js';
import type { SnapshotMeta } from './types.js';

/**
 * Export files carry the stored records themselves (each self-contained and
 * checksummed, see SnapshotCodec), so an import is byte-exact and needs no
 * re-encoding. Two envelopes:
 *
 *   binary: 'HSXP' | version u8 | count u32 | (length u32 | record)* | checksum (8, over all before)
 *   json:   { format: 'hindsight-snapshots', version: 1, sessionId, count,
 *             snapshots: [{ id, seq, t, type, baseId, tags, description, record: base64 }],
 *             checksum: hex over the concatenated records }
 *
 * The JSON metadata is for people and tools; importing trusts only the records.
 */
export const EXPORT_FORMAT_VERSION = 1;
const MAGIC = Buffer.from('HSXP');
const JSON_FORMAT = 'hindsight-snapshots';

export interface ExportEntry {
  meta: SnapshotMeta;
  record: Buffer;
}

export function encodeExport(sessionId: string, entries: ExportEntry[], format: 'json' | 'binary'): string | Buffer {
  if (format === 'json') {
    return JSON.stringify({
      format: JSON_FORMAT,
      version: EXPORT_FORMAT_VERSION,
      sessionId,
      count: entries.length,
      snapshots: entries.map(({ meta, record }) => ({
        id: meta.id,
        seq: meta.seq,
        t: meta.t,
        type: meta.type,
        baseId: meta.baseId,
        tags: meta.tags,
        description: meta.description,
        record: record.toString('base64'),
      })),
      checksum: checksum(...entries.map((e) => e.record)),
    });
  }
  const head = Buffer.allocUnsafe(9);
  MAGIC.copy(head, 0);
  head[4] = EXPORT_FORMAT_VERSION;
  head.writeUInt32BE(entries.length, 5);
  const parts: Buffer[] = [head];
  for (const { record } of entries) {
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32BE(record.length);
    parts.push(len, record);
  }
  const body = Buffer.concat(parts);
  return Buffer.concat([body, Buffer.from(checksum(body), 'hex')]);
}

function invalid(reason: string, details: Record<string, unknown> = {}, cause?: unknown): HindsightError {
  return new HindsightError(ErrorCodes.INVALID_IMPORT, `nothing imported: ${reason}`, { reason, ...details }, cause ? { cause } : undefined);
}

/**
 * Parses and verifies a whole export before anything is imported: the
 * envelope, its checksum, and every record's checksum. Throws INVALID_IMPORT
 * (or UNSUPPORTED_FORMAT for a newer version) saying why.
 */
export function parseExport(data: unknown): ExportEntry[] {
  const records = Buffer.isBuffer(data) || data instanceof Uint8Array ? binaryOrJson(Buffer.from(data.buffer, data.byteOffset, data.byteLength)) : typeof data === 'string' ? jsonRecords(data) : undefined;
  if (!records) throw invalid('expected a string (json export) or a Buffer (binary export)');
  return records.map((record, i) => {
    try {
      return { meta: readRecord(record, true).meta, record };
    } catch (err) {
      throw invalid(`snapshot #${i} is damaged: ${(err as Error).message}`, { index: i }, err);
    }
  });
}

function binaryOrJson(b: Buffer): Buffer[] {
  if (b.length >= 4 && b.subarray(0, 4).equals(MAGIC)) return binaryRecords(b);
  if (b.length > 0 && b[0] === 0x7b) return jsonRecords(b.toString('utf8'));
  throw invalid('not a hindsight snapshot export (unknown magic)');
}

function binaryRecords(b: Buffer): Buffer[] {
  if (b.length < 17) throw invalid('truncated export header');
  if (b[4] !== EXPORT_FORMAT_VERSION) throw unsupported(b[4]);
  if (checksum(b.subarray(0, b.length - 8)) !== b.toString('hex', b.length - 8)) throw invalid('export checksum mismatch (truncated or damaged file)');
  const count = b.readUInt32BE(5);
  const out: Buffer[] = [];
  let at = 9;
  const end = b.length - 8;
  for (let i = 0; i < count; i++) {
    if (at + 4 > end) throw invalid(`truncated before snapshot #${i}`);
    const len = b.readUInt32BE(at);
    at += 4;
    if (at + len > end) throw invalid(`snapshot #${i} overruns the file`);
    out.push(Buffer.from(b.subarray(at, at + len)));
    at += len;
  }
  if (at !== end) throw invalid('trailing bytes after the last snapshot');
  return out;
}

function jsonRecords(text: string): Buffer[] {
  let doc: any;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw invalid(`not JSON (truncated?): ${(err as Error).message}`, {}, err);
  }
  if (typeof doc !== 'object' || doc === null || doc.format !== JSON_FORMAT) throw invalid('not a hindsight snapshot export (format field)');
  if (doc.version !== EXPORT_FORMAT_VERSION) throw unsupported(doc.version);
  if (!Array.isArray(doc.snapshots) || doc.snapshots.length !== doc.count) throw invalid('snapshot list missing or count mismatch');
  const out = doc.snapshots.map((s: any, i: number) => {
    if (typeof s?.record !== 'string') throw invalid(`snapshot #${i} has no record`);
    return Buffer.from(s.record, 'base64');
  });
  if (checksum(...out) !== doc.checksum) throw invalid('export checksum mismatch (damaged file)');
  return out;
}

function unsupported(version: unknown): HindsightError {
  return new HindsightError(ErrorCodes.UNSUPPORTED_FORMAT, `nothing imported: export format version ${String(version)} is not supported (expected ${EXPORT_FORMAT_VERSION})`, {
    version,
  });
}
