/** Spans of a session rebuilt from their span.start / span.end events (for `spans`, `step` and the exports). */
import type { RecordingSession } from '../reconstructor/Recording.js';
import { collectSpans as collectSpanRecords, spanKey, type SpanRecord as RecordedSpan } from '../reconstructor/spans.js';

/** A span as the CLI shows it: the start event's data without parentSpanId, as attributes. */
export interface SpanRecord extends Omit<RecordedSpan, 'data'> {
  attributes?: Record<string, unknown>;
}

export { spanKey };

/** Every span of the session, in start order. */
export async function collectSpans(session: RecordingSession): Promise<SpanRecord[]> {
  return (await collectSpanRecords(session.events({ kinds: ['span.start', 'span.end'] }))).map(({ data, ...s }) => {
    const { parentSpanId: _parent, ...rest } = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
    const out: SpanRecord = s;
    if (Object.keys(rest).length) out.attributes = rest;
    return out;
  });
}
