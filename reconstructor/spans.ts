import type { HindsightEvent } from '../src/events.js';
import { toLive } from '../src/values/toLive.js';

/** One span rebuilt from its span.start (and span.end, when it came). */
export interface SpanRecord {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name: string;
  startT: number;
  startSeq: number;
  /** Absent when the session ended (or crashed, or the range stops) with the span still open. */
  endT?: number;
  endSeq?: number;
  /** The span.start event's data, a copy the caller owns. */
  data?: unknown;
}

export const spanKey = (traceId: string | undefined, spanId: string | undefined): string => `${traceId ?? ''}/${spanId ?? ''}`;

/** Every span started in `events` (span.start / span.end events in seq order), in start order. */
export async function collectSpans(events: AsyncIterable<HindsightEvent>): Promise<SpanRecord[]> {
  const open = new Map<string, SpanRecord>();
  const all: SpanRecord[] = [];
  for await (const e of events) {
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
    if (e.kind !== 'span.start') continue;
    const s: SpanRecord = { traceId: e.traceId, spanId: e.spanId, name: e.name, startT: e.t, startSeq: e.seq, data: toLive(e.data) };
    const parent = (e.data as { parentSpanId?: unknown } | undefined)?.parentSpanId;
    if (typeof parent === 'string') s.parentSpanId = parent;
    open.set(key, s);
    all.push(s);
  }
  return all;
}
