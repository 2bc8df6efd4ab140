/**
 * Span events travel in compact flat forms in the block's integer and data
 * columns instead of as msgpackr records, because a traced program writes
 * two of them per span and records are the costly part of packing (a
 * key-transition walk per field):
 *
 * - `span.start` data `{ parentSpanId }` becomes one integer slot: the parent
 *   id's index in the block's string table (-1: no parent).
 * - `span.end` data (the RecordingSpanProcessor's shape, SPAN_END_KEYS in
 *   that order) becomes five integer slots (a head: the span kind, which of
 *   events, links and dropped are present, and the status code when the
 *   status is exactly `{ code }`; the parent and scope interned; startUs
 *   relative to the block's first event; the duration), and in the data
 *   column the attributes, any other status, then only the optional fields
 *   that are present (usually none).
 *
 * Anything that is not exactly one of these shapes stays a record, so what a
 * reader gets back is always what was appended.
 */
import { hasOnlyKey, isPlain, type ColumnCursor } from './columns.js';
import type { Workspace } from './Workspace.js';

/** The fields of a span.end event's data, in the order the span processor writes them. */
export const SPAN_END_KEYS = ['kind', 'parentSpanId', 'attributes', 'status', 'events', 'links', 'scope', 'startUs', 'durationUs', 'dropped'] as const;

const isOptionalString = (v: unknown): v is string | undefined => v === undefined || typeof v === 'string';

/** Appends the form of span.start data to the workspace; false (nothing written) when it is not exactly `{ parentSpanId }`. */
export function writeSpanStart(data: unknown, ws: Workspace): boolean {
  if (!isPlain(data) || !hasOnlyKey(data, 'parentSpanId')) return false;
  const parent = data.parentSpanId;
  if (!isOptionalString(parent)) return false;
  ws.int(ws.table.intern(parent));
  return true;
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

/** Which of the fields that are usually undefined a span.end carries (bits of its head slot, above the kind). */
const HAS_EVENTS = 1;
const HAS_LINKS = 2;
const HAS_DROPPED = 4;

/** Appends the form of span.end data to the workspace; false (nothing written) when its keys or field types differ. */
export function writeSpanEnd(data: unknown, ws: Workspace, firstT: number): boolean {
  if (!isPlain(data)) return false;
  let i = 0;
  for (const k in data) if (k !== SPAN_END_KEYS[i++]) return false;
  if (i !== SPAN_END_KEYS.length) return false;
  const { kind, parentSpanId, scope, startUs, durationUs, events, links, dropped } = data;
  // SpanKind is 0..4; the head slot holds it with the presence bits above.
  if (!Number.isInteger(kind) || (kind as number) < 0 || (kind as number) > 15 || !isOptionalString(parentSpanId) || !isOptionalString(scope)) return false;
  if (typeof startUs !== 'number' || !Number.isInteger(startUs)) return false;
  // Relative to the block; exact only while the difference is a safe integer.
  const startRel = startUs - firstT;
  if (!Number.isSafeInteger(durationUs) || !Number.isSafeInteger(startRel)) return false;
  const present = (events !== undefined ? HAS_EVENTS : 0) | (links !== undefined ? HAS_LINKS : 0) | (dropped !== undefined ? HAS_DROPPED : 0);
  const status = data.status;
  const code = statusCode(status);
  ws.int((kind as number) | (present << 4) | ((code + 1) << 7));
  ws.int(ws.table.intern(parentSpanId));
  ws.int(ws.table.intern(scope));
  ws.int(startRel);
  ws.int(durationUs as number);
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
  // A kind (4 bits), presence (3 bits), a status code + 1 (2 bits).
  const head = intAt(ints, 2 ** 9 - 1);
  if (head < 0) throw new Error('bad span.end head');
  const present = (head >> 4) & 7;
  const code = (head >> 7) - 1;
  const parentSpanId = stringAt(strings, ints.next());
  const scope = stringAt(strings, ints.next());
  const startUs = intAt(ints, Number.MAX_SAFE_INTEGER) + firstT;
  const durationUs = intAt(ints, Number.MAX_SAFE_INTEGER);
  const attributes = c.next();
  const status = code < 0 ? c.next() : { code };
  return {
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
}
