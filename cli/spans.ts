/** Spans of a session rebuilt from their span.start / span.end events (for `spans`, `step` and the exports). */
import type { RecordingSession } from '../reconstructor/Recording.js';
import { toLive } from '../src/values/toLive.js';

export interface SpanRecord {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name: string;
  startT: number;
  startSeq: number;
  /** Absent when the session ended (or crashed) with the span still open. */
  endT?: number;
  endSeq?: number;
  /** span.start data without parentSpanId (attributes and the like). */
  attributes?: Record<string, unknown>;
}

export const spanKey = (traceId: string | undefined, spanId: string | undefined): string => `${traceId ?? ''}/${spanId ?? ''}`;

/** Every span of the session, in start order. */
export async function collectSpans(session: RecordingSession): Promise<SpanRecord[]> {
  const open = new Map<string, SpanRecord>();
  const all: SpanRecord[] = [];
  for await (const e of session.events({ kinds: ['span.start', 'span.end'] })) {
    const key = spanKey(e.traceId, e.spanId);
    if (e.kind === 'span.end') {
      const s = open.get(key);
      if (s) {
        s.endT = e.t;
        s.endSeq = e.seq;
        open.delete(key);
      }
      continue;
    }
    const data = toLive(e.data ?? {}) as Record<string, unknown>;
    const { parentSpanId, ...rest } = typeof data === 'object' && data !== null ? data : {};
    const s: SpanRecord = { traceId: e.traceId, spanId: e.spanId, name: e.name, startT: e.t, startSeq: e.seq };
    if (typeof parentSpanId === 'string') s.parentSpanId = parentSpanId;
    if (Object.keys(rest).length) s.attributes = rest;
    open.set(key, s);
    all.push(s);
  }
  return all;
}
