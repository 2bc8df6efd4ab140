/**
 * Span events travel in compact flat forms in the block's integer and data
 * columns instead of as msgpackr records, because a traced program writes
 * one or two of them per span and records are the costly part of packing (a
 * key-transition walk per field):
 *
 * - `span.start` data `{ parentSpanId }` becomes one integer slot: the parent
 *   id's index in the block's string table (-1: no parent); a start the
 *   processor announced at a seal, `{ parentSpanId, startSeq, startT }`,
 *   three (startT relative to the block's first event).
 * - `span.end` data (the RecordingSpanProcessor's shape, SPAN_END_KEYS in
 *   that order) becomes five integer slots (a head: the span kind, which of
 *   events, links and dropped are present, and the status code when the
 *   status is exactly `{ code }`; the parent and scope interned; startUs
 *   relative to the block's first event; the duration), two more when it
 *   says where its span started (startSeq, startT relative to the block;
 *   the head says whether the startSeq/startT keys are there at all, which
 *   format 4's shape lacks), and in the data column the attributes, any
 *   other status, then only the optional fields that are present (usually
 *   none).
 *
 * Anything that is not exactly one of these shapes stays a record, so what a
 * reader gets back is always what was appended.
 */
import { hasOnlyKey, isPlain, type ColumnCursor } from './columns.js';
import type { Workspace } from './Workspace.js';

/** The fields of a span.end event's data, in the order the span processor writes them. */
export const SPAN_END_KEYS = ['kind', 'parentSpanId', 'attributes', 'status', 'events', 'links', 'scope', 'startUs', 'durationUs', 'dropped', 'startSeq', 'startT'] as const;

const isOptionalString = (v: unknown): v is string | undefined => v === undefined || typeof v === 'string';

/**
 * Appends the form of span.start data to the workspace: 0 (nothing written)
 * when it is neither `{ parentSpanId }` (a start written when the span
 * started) nor `{ parentSpanId, startSeq, startT }` (a start announced at a
 * block's seal, saying where the span started: 2 more slots, the time
 * relative to the block), else how many of those keys it had (1 or 3).
 */
export function writeSpanStart(data: unknown, ws: Workspace, firstT: number): number {
  if (!isPlain(data)) return 0;
  let keys = 0;
  for (const k in data) if (k !== START_KEYS[keys++]) return 0;
  if (keys !== 1 && keys !== 3) return 0;
  const parent = data.parentSpanId;
  if (!isOptionalString(parent)) return 0;
  if (keys === 3 && !isStartMark(data.startSeq, data.startT, firstT)) return 0;
  ws.int(ws.table.intern(parent));
  if (keys === 3) {
    ws.int(data.startSeq as number);
    ws.int((data.startT as number) - firstT);
  }
  return keys;
}

const START_KEYS = ['parentSpanId', 'startSeq', 'startT'] as const;

/** A start position the integer slots carry exactly: a seq, and a time whose offset from the block is a safe integer. */
function isStartMark(seq: unknown, t: unknown, firstT: number): boolean {
  return Number.isSafeInteger(seq) && (seq as number) > 0 && Number.isSafeInteger(t) && Number.isSafeInteger((t as number) - firstT);
}

/** The interned string at index `i` (-1: absent); anything else means the block lies. */
function stringAt(strings: readonly string[], i: unknown): string | undefined {
  if (i === -1) return undefined;
  const s = strings[i as number];
  if (s === undefined) throw new Error('string index outside the table');
  return s;
}

/** A whole number from the integer column, where only the encoder's values may appear. */
function intAt(ints: ColumnCursor, max: number): number {
  const v = ints.next() as number;
  if (!Number.isSafeInteger(v) || Math.abs(v) > max) throw new Error('bad integer slot');
  return v;
}

export function readSpanStart(ints: ColumnCursor, strings: readonly string[]): Record<string, unknown> {
  return { parentSpanId: stringAt(strings, ints.next()) };
}

export function readAnnouncedSpanStart(ints: ColumnCursor, strings: readonly string[], firstT: number): Record<string, unknown> {
  const parentSpanId = stringAt(strings, ints.next());
  const startSeq = intAt(ints, Number.MAX_SAFE_INTEGER);
  const startT = intAt(ints, Number.MAX_SAFE_INTEGER) + firstT;
  return { parentSpanId, startSeq, startT };
}

/** Which of the fields that are usually undefined a span.end carries (bits of its head slot, above the kind). */
const HAS_EVENTS = 1;
const HAS_LINKS = 2;
const HAS_DROPPED = 4;
/** Bit 9 of the head, above the status (bits 4-8 as in format 4): a span.end whose start was not written carries startSeq and startT in two more integer slots. */
const HAS_START = 1 << 9;
/** Bit 10: the data has the startSeq and startT keys (undefined unless HAS_START); format 4's shape has neither. */
const HAS_START_KEYS = 1 << 10;

/** Appends the form of span.end data to the workspace; false (nothing written) when its keys or field types differ. */
export function writeSpanEnd(data: unknown, ws: Workspace, firstT: number): boolean {
  if (!isPlain(data)) return false;
  let i = 0;
  for (const k in data) if (k !== SPAN_END_KEYS[i++]) return false;
  // The processor's shape before startSeq/startT (format 4) is taken too, and read back without them.
  const withStartKeys = i === SPAN_END_KEYS.length;
  if (!withStartKeys && i !== SPAN_END_KEYS.length - 2) return false;
  const { kind, parentSpanId, scope, startUs, durationUs, events, links, dropped, startSeq, startT } = data;
  // SpanKind is 0..4; the head slot holds it with the presence bits above.
  if (!Number.isInteger(kind) || (kind as number) < 0 || (kind as number) > 15 || !isOptionalString(parentSpanId) || !isOptionalString(scope)) return false;
  if (typeof startUs !== 'number' || !Number.isInteger(startUs)) return false;
  // Relative to the block; exact only while the difference is a safe integer.
  const startRel = startUs - firstT;
  if (!Number.isSafeInteger(durationUs) || !Number.isSafeInteger(startRel)) return false;
  const hasStart = startSeq !== undefined || startT !== undefined;
  if (hasStart && !isStartMark(startSeq, startT, firstT)) return false;
  const present = (events !== undefined ? HAS_EVENTS : 0) | (links !== undefined ? HAS_LINKS : 0) | (dropped !== undefined ? HAS_DROPPED : 0);
  const status = data.status;
  const code = statusCode(status);
  ws.int((kind as number) | (present << 4) | ((code + 1) << 7) | (hasStart ? HAS_START : 0) | (withStartKeys ? HAS_START_KEYS : 0));
  ws.int(ws.table.intern(parentSpanId));
  ws.int(ws.table.intern(scope));
  ws.int(startRel);
  ws.int(durationUs as number);
  if (hasStart) {
    ws.int(startSeq as number);
    ws.int((startT as number) - firstT);
  }
  ws.value(data.attributes);
  if (code < 0) ws.value(status);
  if (present & HAS_EVENTS) ws.value(events);
  if (present & HAS_LINKS) ws.value(links);
  if (present & HAS_DROPPED) ws.value(dropped);
  return true;
}

/**
 * A status that is exactly `{ code }` with an OpenTelemetry status code (0,
 * 1, 2: almost every span's) travels as that code in the head; -1 for any
 * other status, which goes into the data column as it is.
 */
function statusCode(status: unknown): number {
  if (!isPlain(status) || !hasOnlyKey(status, 'code')) return -1;
  const code = status.code;
  return code === 0 || code === 1 || code === 2 ? code : -1;
}

export function readSpanEnd(c: ColumnCursor, ints: ColumnCursor, strings: readonly string[], firstT: number): Record<string, unknown> {
  // A kind (4 bits), presence (3 bits), a status code + 1 (2 bits), whether the start follows, whether its keys are there.
  const head = intAt(ints, 2 ** 11 - 1);
  if (head < 0) throw new Error('bad span.end head');
  const present = (head >> 4) & 7;
  const code = ((head >> 7) & 3) - 1;
  const parentSpanId = stringAt(strings, ints.next());
  const scope = stringAt(strings, ints.next());
  const startUs = intAt(ints, Number.MAX_SAFE_INTEGER) + firstT;
  const durationUs = intAt(ints, Number.MAX_SAFE_INTEGER);
  const startSeq = head & HAS_START ? intAt(ints, Number.MAX_SAFE_INTEGER) : undefined;
  const startT = head & HAS_START ? intAt(ints, Number.MAX_SAFE_INTEGER) + firstT : undefined;
  const attributes = c.next();
  const status = code < 0 ? c.next() : { code };
  const out: Record<string, unknown> = {
    kind: head & 15,
    parentSpanId,
    attributes,
    status,
    events: present & HAS_EVENTS ? c.next() : undefined,
    links: present & HAS_LINKS ? c.next() : undefined,
    scope,
    startUs,
    durationUs,
    dropped: present & HAS_DROPPED ? c.next() : undefined,
  };
  if (head & HAS_START_KEYS) {
    out.startSeq = startSeq;
    out.startT = startT;
  } else if (head & HAS_START) throw new Error('span.end start without its keys');
  return out;
}
