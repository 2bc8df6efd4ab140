import type { HindsightEvent } from '../src/events.js';
import { toLive } from '../src/values/toLive.js';

/** One span rebuilt from its span.start and span.end events (either may carry where it started). */
export interface SpanRecord {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  /** The name it ended with; for a span still open, the one it had when its start was written. */
  name: string;
  startT: number;
  /** The first seq inside the span: every event from here to endSeq happened while it was open. */
  startSeq: number;
  /** Absent when the session ended (or crashed, or the range stops) with the span still open. */
  endT?: number;
  endSeq?: number;
  /** The start's data (`{ parentSpanId }` and what else its producer wrote), a copy the caller owns. */
  data?: unknown;
}

export const spanKey = (traceId: string | undefined, spanId: string | undefined): string => `${traceId ?? ''}/${spanId ?? ''}`;

/** Where a span started, when its event says so (the span processor's startSeq/startT); else undefined. */
function startOf(data: unknown): { seq: number; t: number } | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const { startSeq, startT } = data as { startSeq?: unknown; startT?: unknown };
  return typeof startSeq === 'number' && typeof startT === 'number' ? { seq: startSeq, t: startT } : undefined;
}

/** A start event's data as a span shows it: the position fields are the span's own startSeq/startT. */
function startData(data: unknown): unknown {
  if (typeof data !== 'object' || data === null) return toLive(data);
  const { startSeq: _seq, startT: _t, ...rest } = toLive(data) as Record<string, unknown>;
  return rest;
}

/** By startSeq; spans that started at one seq (nothing was written between them) by startT, then as their events came. */
const startOrder = (a: SpanRecord, b: SpanRecord): number => a.startSeq - b.startSeq || a.startT - b.startT;

/**
 * Every span in `events` (span.start / span.end events in seq order), in
 * start order. A span's start is written when it started, or announced
 * later with its position (at the seal of the block it started in, if it
 * was still open), or only said by its span.end (it started and ended
 * between two seals).
 */
export async function collectSpans(events: AsyncIterable<HindsightEvent>): Promise<SpanRecord[]> {
  const open = new Map<string, SpanRecord>();
  const all: SpanRecord[] = [];
  let ordered = true;
  /** A span begun by `e` (its start, or a span.end saying where it started). */
  const begin = (e: HindsightEvent, start: { seq: number; t: number }, data: unknown): SpanRecord => {
    const s: SpanRecord = { traceId: e.traceId, spanId: e.spanId, name: e.name, startT: start.t, startSeq: start.seq, data };
    const parent = (e.data as { parentSpanId?: unknown } | undefined)?.parentSpanId;
    if (typeof parent === 'string') s.parentSpanId = parent;
    if (all.length > 0 && startOrder(all[all.length - 1], s) > 0) ordered = false;
    all.push(s);
    return s;
  };
  for await (const e of events) {
    const key = spanKey(e.traceId, e.spanId);
    if (e.kind === 'span.end') {
      let s = open.get(key);
      if (s) open.delete(key);
      else {
        const start = startOf(e.data);
        if (start === undefined) continue;
        s = begin(e, start, undefined);
        s.data = { parentSpanId: s.parentSpanId };
      }
      s.name = e.name;
      s.endT = e.t;
      s.endSeq = e.seq;
      continue;
    }
    if (e.kind === 'span.start') open.set(key, begin(e, startOf(e.data) ?? { seq: e.seq, t: e.t }, startData(e.data)));
  }
  // Announced starts and span.ends come after the events inside the span.
  if (!ordered) all.sort(startOrder);
  return all;
}
