/**
 * Span events travel in compact forms instead of msgpackr records, because a
 * traced program writes two of them per span and records are the costly part
 * of packing (a key-transition walk per field):
 *
 * - `span.start` data `{ parentSpanId }` becomes one integer: the parent id's
 *   index in the block's string table (-1: no parent).
 * - `span.end` data (the RecordingSpanProcessor's shape, SPAN_END_KEYS in
 *   that order) becomes a tuple with the parent and scope interned and
 *   startUs relative to the block's first event.
 *
 * Anything that is not exactly one of these shapes stays a record, so what a
 * reader gets back is always what was appended.
 */

/** The fields of a span.end event's data, in the order the span processor writes them. */
export const SPAN_END_KEYS = ['kind', 'parentSpanId', 'attributes', 'status', 'events', 'links', 'scope', 'startUs', 'durationUs', 'dropped'] as const;

export type Intern = (s: string | undefined) => number;

function isPlain(data: unknown): data is Record<string, unknown> {
  return typeof data === 'object' && data !== null && Object.getPrototypeOf(data) === Object.prototype;
}

const isOptionalString = (v: unknown): v is string | undefined => v === undefined || typeof v === 'string';

/** The integer form of span.start data, or undefined when it is not exactly `{ parentSpanId }`. */
export function toSpanStartForm(data: unknown, intern: Intern): number | undefined {
  if (!isPlain(data)) return undefined;
  let keys = 0;
  for (const k in data) if (k !== 'parentSpanId' || ++keys > 1) return undefined;
  const parent = data.parentSpanId;
  return keys === 1 && isOptionalString(parent) ? intern(parent) : undefined;
}

export function fromSpanStartForm(form: number, strings: readonly string[]): Record<string, unknown> {
  return { parentSpanId: form < 0 ? undefined : strings[form] };
}

/** The tuple form of span.end data, or undefined when its keys or field types differ. */
export function toSpanEndTuple(data: unknown, intern: Intern, firstT: number): unknown[] | undefined {
  if (!isPlain(data)) return undefined;
  let i = 0;
  for (const k in data) if (k !== SPAN_END_KEYS[i++]) return undefined;
  if (i !== SPAN_END_KEYS.length) return undefined;
  const { kind, parentSpanId, scope, startUs, durationUs } = data;
  if (typeof kind !== 'number' || !isOptionalString(parentSpanId) || !isOptionalString(scope)) return undefined;
  if (!Number.isSafeInteger(startUs) || !Number.isSafeInteger(durationUs)) return undefined;
  return [kind, intern(parentSpanId), data.attributes, data.status, data.events, data.links, intern(scope), (startUs as number) - firstT, durationUs, data.dropped];
}

export function fromSpanEndTuple(tuple: unknown[], strings: readonly string[], firstT: number): Record<string, unknown> {
  const at = (i: number): string | undefined => (i < 0 ? undefined : strings[i]);
  return {
    kind: tuple[0],
    parentSpanId: at(tuple[1] as number),
    attributes: tuple[2],
    status: tuple[3],
    events: tuple[4],
    links: tuple[5],
    scope: at(tuple[6] as number),
    startUs: (tuple[7] as number) + firstT,
    durationUs: tuple[8],
    dropped: tuple[9],
  };
}
