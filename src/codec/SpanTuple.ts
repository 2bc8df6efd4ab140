/**
 * Span events travel in compact flat forms in the block's data column
 * instead of as msgpackr records, because a traced program writes two of
 * them per span and records are the costly part of packing (a
 * key-transition walk per field):
 *
 * - `span.start` data `{ parentSpanId }` becomes one integer: the parent id's
 *   index in the block's string table (-1: no parent).
 * - `span.end` data (the RecordingSpanProcessor's shape, SPAN_END_KEYS in
 *   that order) becomes its ten values, with the parent and scope interned
 *   and startUs relative to the block's first event.
 *
 * Anything that is not exactly one of these shapes stays a record, so what a
 * reader gets back is always what was appended.
 */
import type { ColumnCursor } from './columns.js';
import type { StringTable } from './StringTable.js';

/** The fields of a span.end event's data, in the order the span processor writes them. */
export const SPAN_END_KEYS = ['kind', 'parentSpanId', 'attributes', 'status', 'events', 'links', 'scope', 'startUs', 'durationUs', 'dropped'] as const;

function isPlain(data: unknown): data is Record<string, unknown> {
  return typeof data === 'object' && data !== null && Object.getPrototypeOf(data) === Object.prototype;
}

const isOptionalString = (v: unknown): v is string | undefined => v === undefined || typeof v === 'string';

/** Appends the form of span.start data to `out`; false (nothing written) when it is not exactly `{ parentSpanId }`. */
export function writeSpanStart(out: unknown[], data: unknown, table: StringTable): boolean {
  if (!isPlain(data)) return false;
  let keys = 0;
  for (const k in data) if (k !== 'parentSpanId' || ++keys > 1) return false;
  const parent = data.parentSpanId;
  if (keys !== 1 || !isOptionalString(parent)) return false;
  out.push(table.intern(parent));
  return true;
}

/** The interned string at index `i` (-1: absent). */
function stringAt(strings: readonly string[], i: unknown): string | undefined {
  return (i as number) < 0 ? undefined : strings[i as number];
}

export function readSpanStart(c: ColumnCursor, strings: readonly string[]): Record<string, unknown> {
  return { parentSpanId: stringAt(strings, c.next()) };
}

/** Appends the form of span.end data to `out`; false (nothing written) when its keys or field types differ. */
export function writeSpanEnd(out: unknown[], data: unknown, table: StringTable, firstT: number): boolean {
  if (!isPlain(data)) return false;
  let i = 0;
  for (const k in data) if (k !== SPAN_END_KEYS[i++]) return false;
  if (i !== SPAN_END_KEYS.length) return false;
  const { kind, parentSpanId, scope, startUs, durationUs } = data;
  if (typeof kind !== 'number' || !isOptionalString(parentSpanId) || !isOptionalString(scope)) return false;
  if (!Number.isSafeInteger(startUs) || !Number.isSafeInteger(durationUs)) return false;
  out.push(kind, table.intern(parentSpanId), data.attributes, data.status, data.events, data.links, table.intern(scope), (startUs as number) - firstT, durationUs, data.dropped);
  return true;
}

export function readSpanEnd(c: ColumnCursor, strings: readonly string[], firstT: number): Record<string, unknown> {
  return {
    kind: c.next(),
    parentSpanId: stringAt(strings, c.next()),
    attributes: c.next(),
    status: c.next(),
    events: c.next(),
    links: c.next(),
    scope: stringAt(strings, c.next()),
    startUs: (c.next() as number) + firstT,
    durationUs: c.next(),
    dropped: c.next(),
  };
}
