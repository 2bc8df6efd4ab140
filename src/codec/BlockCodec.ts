import { compress, compressSync, uncompressSync } from 'lz4-napi';
import type { Packr, Unpackr } from 'msgpackr';
import { ErrorCodes, HindsightError } from '../errors.js';
import type { EventInput, HindsightEvent } from '../events.js';
import { readU64, writeU64 } from '../store/keys.js';
import { checksum } from './checksum.js';
import { packStandalone } from './ValueCodec.js';
import { ColumnCursor } from './columns.js';
import { packIds, unpackIds, type IdTable } from './hexIds.js';
import type { PackBuffers } from './PackBuffers.js';
import { readPatch, writePatch } from './PatchTuple.js';
import { readAnnouncedSpanStart, readSpanEnd, readSpanStart, writeSpanEnd, writeSpanStart } from './SpanTuple.js';
import { giveWorkspace, takeWorkspace, type Workspace } from './Workspace.js';

/**
 * A block is the unit of storage: a run of consecutive events of one session,
 * msgpackr-encoded as one array (records share the session's structures),
 * lz4-compressed, behind a fixed header the reader can trust only after the
 * checksum matches.
 *
 * Header (45 bytes): version u8 | count u32 | firstSeq u64 | firstT u64 |
 * lastT u64 | raw length u32 | shared structures used u32 | checksum 8 bytes
 * (over header[0..37) + payload). msgpackr reads an unknown record id as a
 * plain integer, so a reader must hold at least `structures` shapes before
 * decoding: the header tells it when to reload them.
 * Seq is implicit (firstSeq + index: seq is contiguous within a session) and t
 * is stored as gaps from firstT (the decoded last t must match the header's).
 */
export const BLOCK_FORMAT_VERSION = 5;
/** Format 5 added announced span starts (form 4) and a span.end's start (head bit 9); format 4 blocks read the same. */
const readable = (version: number): boolean => version === BLOCK_FORMAT_VERSION || version === 4;
const HEADER = 45;
const SUM_AT = 37;

/**
 * Events as held in memory before they are encoded: the appended inputs
 * themselves (the log owns them) and their times beside them, so appending
 * allocates no object of its own. There is one time per event of the block;
 * `events` may be longer (the log reuses its arrays): its first
 * `times.length` entries are the block's.
 */
export interface PendingBlock {
  events: EventInput[];
  times: ArrayLike<number>;
}

export interface BlockInfo {
  firstSeq: number;
  lastSeq: number;
  firstT: number;
  lastT: number;
  count: number;
}

/**
 * Block body, column-wise: [strings, gap, kind, name, trace, span, data, form, ids]
 * (trace and span ids of the string table as bytes in `ids`, see hexIds).
 * `gap` is each event's t minus the previous one's (the first: 0), in the
 * narrowest unsigned typed array that holds them: under load most are a
 * few µs, one byte each.
 * kind, name, traceId and spanId repeat heavily within a block (a request's
 * events share them), so they are interned into `strings` and stored as
 * indexes (-1: absent). Measured on the benchmark mix: ~2.4x less encoding
 * time and ~3x fewer raw bytes than one msgpackr record per event. Integer
 * columns are typed arrays, which msgpackr writes as one copy of their bytes
 * instead of one value at a time. `data` is one flat array: an event's data
 * takes one slot as a msgpackr record sharing the session's structures
 * (form 0), except the shapes written by the thousands, spread over several
 * slots without an object or array of their own: patches (form 1, see
 * PatchTuple), span starts and span ends (forms 2 and 3, and 4: a start
 * announced at a block's seal; see SpanTuple).
 */
type IntColumn = ArrayLike<number>;
type WireBlock = [strings: IdTable, gap: IntColumn, kind: IntColumn, name: IntColumn, trace: IntColumn, span: IntColumn, data: unknown[], form: IntColumn, ids: Buffer | undefined, ints: IntColumn];

const FORM_RECORD = 0;
const FORM_PATCH = 1;
const FORM_SPAN_START = 2;
const FORM_SPAN_END = 3;
const FORM_SPAN_START_ANNOUNCED = 4;

function toWire({ events, times }: PendingBlock, ws: Workspace): WireBlock {
  const firstT = times[0];
  const { table, gap, kind, name, trace, span, form } = ws;
  const n = times.length;
  let maxGap = 0;
  // Consecutive events mostly share kind, name, trace and span (one request's
  // events): comparing with the previous event's spares most table lookups.
  let prev: EventInput | undefined;
  for (let i = 0; i < n; i++) {
    const e = events[i];
    if (prev === undefined) {
      gap[i] = 0;
      kind[i] = table.internRequired(e.kind);
      name[i] = table.internRequired(e.name);
      trace[i] = table.intern(e.traceId);
      span[i] = table.intern(e.spanId);
    } else {
      const g = times[i] - times[i - 1];
      gap[i] = g;
      if (g > maxGap) maxGap = g;
      kind[i] = e.kind === prev.kind ? kind[i - 1] : table.internRequired(e.kind);
      name[i] = e.name === prev.name ? name[i - 1] : table.internRequired(e.name);
      trace[i] = e.traceId === prev.traceId ? trace[i - 1] : table.intern(e.traceId);
      span[i] = e.spanId === prev.spanId ? span[i - 1] : table.intern(e.spanId);
    }
    prev = e;
    let f = FORM_RECORD;
    switch (e.kind) {
      case 'state.patch':
        if (writePatch(e.data, e.name, ws)) f = FORM_PATCH;
        break;
      case 'span.start': {
        const keys = writeSpanStart(e.data, ws, firstT);
        if (keys !== 0) f = keys === 1 ? FORM_SPAN_START : FORM_SPAN_START_ANNOUNCED;
        break;
      }
      case 'span.end':
        if (writeSpanEnd(e.data, ws, firstT)) f = FORM_SPAN_END;
        break;
    }
    if (f === FORM_RECORD) ws.value(e.data);
    form[i] = f;
  }
  const count = table.strings.length;
  const ids = packIds(table.strings);
  return [ids.table, ws.gaps(n, maxGap), ws.indexes(0, n, count), ws.indexes(1, n, count), ws.indexes(2, n, count), ws.indexes(3, n, count), ws.takeValues(), form.subarray(0, n), ids.bytes, ws.intColumn()];
}

function header(info: BlockInfo, rawLength: number, structures: number): Buffer {
  const h = Buffer.allocUnsafe(HEADER);
  h[0] = BLOCK_FORMAT_VERSION;
  h.writeUInt32BE(info.count, 1);
  writeU64(h, 5, info.firstSeq);
  writeU64(h, 13, info.firstT);
  writeU64(h, 21, info.lastT);
  h.writeUInt32BE(rawLength, 29);
  h.writeUInt32BE(structures, 33);
  return h;
}

function seal(h: Buffer, payload: Buffer): Buffer {
  Buffer.from(checksum(h.subarray(0, SUM_AT), payload), 'hex').copy(h, SUM_AT);
  return Buffer.concat([h, payload], HEADER + payload.length);
}

export function blockInfo({ times }: PendingBlock, firstSeq: number): BlockInfo {
  return { firstSeq, lastSeq: firstSeq + times.length - 1, firstT: times[0], lastT: times[times.length - 1], count: times.length };
}

/** Encodes on the calling thread; `structures` is the packer's shared structure array; into `pool`'s buffers when given. */
export function packBlock(packr: Packr, structures: unknown[], block: PendingBlock, pool?: PackBuffers): PackedBlock {
  const ws = takeWorkspace(block.times.length);
  const wire = toWire(block, ws);
  const { raw, buffer } = pool ? pool.pack(packr, wire) : { raw: packr.pack(wire), buffer: undefined };
  giveWorkspace(ws);
  return { raw, structures: structures.length, buffer };
}

/** Bytes packed by packBlock, with the count of shared structures the packer held afterwards. */
export interface PackedBlock {
  raw: Buffer;
  structures: number;
  /** The pool's buffer `raw` lives in: to be given back once nothing reads `raw`. */
  buffer?: Buffer;
}

/**
 * packBlock that cannot fail on the data: a value msgpack cannot carry
 * (appended directly, not through copyValue) becomes an uncopyable marker
 * instead of costing the block or throwing into the caller.
 */
export function packBlockSafely(packr: Packr, structures: unknown[], block: PendingBlock, pool?: PackBuffers): PackedBlock {
  try {
    return packBlock(packr, structures, block, pool);
  } catch {
    for (let i = 0; i < block.times.length; i++) {
      const e = block.events[i];
      try {
        packStandalone(e.data);
      } catch (err) {
        e.data = { '@hindsight': 'uncopyable', message: (err as Error).message };
      }
    }
    return packBlock(packr, structures, block, pool);
  }
}

export async function compressBlock(info: BlockInfo, packed: PackedBlock): Promise<Buffer> {
  return seal(header(info, packed.raw.length, packed.structures), await compress(packed.raw));
}

export function compressBlockSync(info: BlockInfo, packed: PackedBlock): Buffer {
  return seal(header(info, packed.raw.length, packed.structures), compressSync(packed.raw));
}

/** Shared structures a block needs, from its header (0 when unreadable). */
export function structuresNeeded(value: Uint8Array): number {
  return value.length >= HEADER ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).readUInt32BE(33) : 0;
}

/** Reads the header without trusting it: for reporting what a corrupt block claims to cover. */
export function peekBlockInfo(value: Uint8Array): BlockInfo | undefined {
  if (value.length < HEADER || !readable(value[0])) return undefined;
  const b = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const count = b.readUInt32BE(1);
  const firstSeq = readU64(b, 5);
  return { count, firstSeq, lastSeq: firstSeq + count - 1, firstT: readU64(b, 13), lastT: readU64(b, 21) };
}

export function corruptBlockError(sessionId: string, keySeq: number, value: Uint8Array | undefined, reason: string): HindsightError {
  const info = value ? peekBlockInfo(value) : undefined;
  const range = info ? `seq ${keySeq}..${info.lastSeq}` : `seq ${keySeq}..?`;
  return new HindsightError(ErrorCodes.CORRUPT_BLOCK, `block of session ${sessionId} covering ${range} is corrupt (${reason})`, {
    sessionId,
    firstSeq: keySeq,
    lastSeq: info?.lastSeq,
    firstT: info?.firstT,
    lastT: info?.lastT,
  });
}

/** Verifies and decodes a stored block into events. Throws CORRUPT_BLOCK. */
export function decodeBlock(unpackr: Unpackr, sessionId: string, keySeq: number, value: Uint8Array, structuresHeld: number): HindsightEvent[] {
  const b = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (b.length < HEADER) throw corruptBlockError(sessionId, keySeq, undefined, 'truncated header');
  if (!readable(b[0])) {
    throw new HindsightError(ErrorCodes.UNSUPPORTED_FORMAT, `block format ${b[0]} of session ${sessionId} at seq ${keySeq} is not supported (expected ${BLOCK_FORMAT_VERSION})`, { sessionId });
  }
  const payload = b.subarray(HEADER);
  if (checksum(b.subarray(0, SUM_AT), payload) !== b.toString('hex', SUM_AT, HEADER)) {
    throw corruptBlockError(sessionId, keySeq, b, 'checksum mismatch');
  }
  const info = peekBlockInfo(b)!;
  if (info.firstSeq !== keySeq) throw corruptBlockError(sessionId, keySeq, b, 'key and header disagree');
  if (structuresNeeded(b) > structuresHeld) throw corruptBlockError(sessionId, keySeq, b, 'shared structures missing');
  let wire: WireBlock;
  try {
    wire = unpackr.unpack(uncompressSync(payload));
  } catch (err) {
    throw corruptBlockError(sessionId, keySeq, b, `undecodable: ${(err as Error).message}`);
  }
  if (!Array.isArray(wire) || wire.length !== 10 || wire[1]?.length !== info.count) throw corruptBlockError(sessionId, keySeq, b, 'event count mismatch');
  try {
    return eventsOf(wire, info);
  } catch (err) {
    throw corruptBlockError(sessionId, keySeq, b, `undecodable: ${(err as Error).message}`);
  }
}

function eventsOf(wire: WireBlock, info: BlockInfo): HindsightEvent[] {
  const [table, gap, kind, name, trace, span, data, form, ids, intColumn] = wire;
  const strings = unpackIds(table, ids);
  // The checksum rules out damage; these rule out an encoder that wrote something else.
  for (const column of [kind, name, trace, span, form]) if (column?.length !== info.count) throw new Error('column lengths disagree');
  if (!Array.isArray(data) || !(intColumn instanceof Int32Array || intColumn instanceof Float64Array)) throw new Error('malformed columns');
  const c = new ColumnCursor(data);
  const ints = new ColumnCursor(intColumn);
  const out = new Array<HindsightEvent>(info.count);
  let t = info.firstT;
  for (let i = 0; i < info.count; i++) {
    t += gap[i];
    const e: HindsightEvent = { seq: info.firstSeq + i, t, kind: strings[kind[i]], name: strings[name[i]] };
    switch (form[i]) {
      case FORM_PATCH:
        e.data = readPatch(c, ints, e.name);
        break;
      case FORM_SPAN_START:
        e.data = readSpanStart(ints, strings);
        break;
      case FORM_SPAN_END:
        e.data = readSpanEnd(c, ints, strings, info.firstT);
        break;
      case FORM_SPAN_START_ANNOUNCED:
        e.data = readAnnouncedSpanStart(ints, strings, info.firstT);
        break;
      case FORM_RECORD: {
        const d = c.next();
        if (d !== undefined) e.data = d;
        break;
      }
      default:
        throw new Error(`unknown data form ${form[i]}`);
    }
    if (e.kind === undefined || e.name === undefined) throw new Error('kind or name outside the string table');
    if (trace[i] >= 0 && (e.traceId = strings[trace[i]]) === undefined) throw new Error('trace id outside the string table');
    if (span[i] >= 0 && (e.spanId = strings[span[i]]) === undefined) throw new Error('span id outside the string table');
    out[i] = e;
  }
  if (!c.done || !ints.done) throw new Error('data or integer column longer than its events');
  if (t !== info.lastT) throw new Error('event times disagree with the header');
  return out;
}
