/**
 * What a timeline of a whole session needs without shipping its events:
 * event density from the block index (the time index's keys: no block is
 * read), and one outline of the session (markers, errors, spans) read once.
 */
import type { HindsightEvent } from '../src/events.js';
import { EventReader } from '../src/log/EventReader.js';
import { Prefix, keyU64, sessionRange } from '../src/store/keys.js';
import type { SessionInfo } from '../src/store/Sessions.js';
import type { Store } from '../src/store/Store.js';
import { collectSpans, spanKey, type SpanRecord } from './spans.js';

/** Where a stored block starts: its first seq and t. */
export interface BlockMark {
  firstSeq: number;
  firstT: number;
}

/** The first seq and t of every block of a session, in order: a key-only range read of the time index. */
export async function blockMarks(store: Store, sessionId: string): Promise<BlockMark[]> {
  const marks: BlockMark[] = [];
  for await (const key of store.db.keys(sessionRange(Prefix.timeIndex, sessionId))) {
    marks.push({ firstT: keyU64(key, sessionId, 0), firstSeq: keyU64(key, sessionId, 1) });
  }
  return marks;
}

/** Bucket of `t` among `buckets` equal slices of [from, to] (to inclusive). */
function bucketOf(t: number, from: number, to: number, buckets: number): number {
  if (to <= from) return 0;
  return Math.min(buckets - 1, Math.floor(((t - from) / (to - from)) * buckets));
}

/** Fractional counts rounded so that they still add up to their rounded total. */
function roundKeepingSum(counts: number[]): number[] {
  let acc = 0;
  let prev = 0;
  return counts.map((c) => {
    acc += c;
    const r = Math.round(acc);
    const out = r - prev;
    prev = r;
    return out;
  });
}

/**
 * Events per bucket over [from, to], each block's events spread evenly over
 * the time until the next block starts: blocks hold 2048 events, so on a
 * large session this is as fine as a histogram needs, at no decoding cost.
 */
export function blockDensity(marks: readonly BlockMark[], info: Pick<SessionInfo, 'lastSeq' | 'lastT'>, from: number, to: number, buckets: number): number[] {
  const counts = new Array<number>(buckets).fill(0);
  for (let i = 0; i < marks.length; i++) {
    const a = marks[i].firstT;
    const b = i + 1 < marks.length ? marks[i + 1].firstT : Math.max(a, info.lastT);
    const n = (i + 1 < marks.length ? marks[i + 1].firstSeq : info.lastSeq + 1) - marks[i].firstSeq;
    if (b < from || a > to || n <= 0) continue;
    if (b === a) {
      counts[bucketOf(a, from, to, buckets)] += n;
      continue;
    }
    // The share of the block inside each bucket it overlaps.
    const lo = Math.max(a, from);
    const hi = Math.min(b, to);
    const first = bucketOf(lo, from, to, buckets);
    const last = bucketOf(hi, from, to, buckets);
    const width = (to - from) / buckets;
    for (let k = first; k <= last; k++) {
      const start = Math.max(lo, from + k * width);
      const end = Math.min(hi, from + (k + 1) * width);
      counts[k] += (n * Math.max(0, end - start)) / (b - a);
    }
  }
  return roundKeepingSum(counts);
}

/** About how many events lie in [from, to], from the block marks alone. */
export function eventsAbout(marks: readonly BlockMark[], info: Pick<SessionInfo, 'lastSeq' | 'lastT'>, from: number, to: number): number {
  return blockDensity(marks, info, from, to, 1)[0];
}

/** Exact events per bucket over [from, to]: reads the events in range (for windows holding few). */
export async function exactDensity(store: Store, sessionId: string, from: number, to: number, buckets: number): Promise<number[]> {
  const counts = new Array<number>(buckets).fill(0);
  // A reader of its own: a scan must not evict the blocks a reconstructor keeps for scrubbing.
  for await (const e of new EventReader(store, sessionId).events({ fromT: from, toT: to })) counts[bucketOf(e.t, from, to, buckets)]++;
  return counts;
}

export interface OutlineEvent {
  seq: number;
  t: number;
  name: string;
  traceId?: string;
  spanId?: string;
  /** An error's message. */
  message?: string;
}

/** A span of the outline: its start and end, without its data, and what its end said of it. */
export interface OutlineSpan extends Omit<SpanRecord, 'data'> {
  /** Its status was an error. */
  error?: true;
  /** The request it served or made (the url.path, http.target or http.route attribute), telling apart spans all named "POST". */
  target?: string;
}

export interface SessionOutline {
  markers: OutlineEvent[];
  errors: OutlineEvent[];
  spans: OutlineSpan[];
  /** Markers, errors or spans past the limits were left out. */
  truncated: boolean;
}

export interface OutlineLimits {
  markers: number;
  errors: number;
  spans: number;
}

const ERROR_STATUS = 2; // OpenTelemetry SpanStatusCode.ERROR
const TARGET_ATTRIBUTES = ['url.path', 'http.target', 'http.route'];

/** What a span.end event says of its span: failed, and the request target. */
function endNotes(e: HindsightEvent): Pick<OutlineSpan, 'error' | 'target'> {
  const data = e.data as { status?: { code?: unknown }; attributes?: Record<string, unknown> } | undefined;
  const notes: Pick<OutlineSpan, 'error' | 'target'> = {};
  if (data?.status?.code === ERROR_STATUS) notes.error = true;
  const target = TARGET_ATTRIBUTES.map((k) => data?.attributes?.[k]).find((v) => typeof v === 'string');
  if (typeof target === 'string') notes.target = target;
  return notes;
}

/** Markers, errors and spans of a session in one pass over its events (spans in start order). */
export async function readOutline(store: Store, sessionId: string, limits: OutlineLimits): Promise<SessionOutline> {
  const outline: SessionOutline = { markers: [], errors: [], spans: [], truncated: false };
  const ends = new Map<string, Pick<OutlineSpan, 'error' | 'target'>>();
  const keep = (list: OutlineEvent[], limit: number, item: OutlineEvent): void => {
    if (list.length < limit) list.push(item);
    else outline.truncated = true;
  };
  const events = new EventReader(store, sessionId).events({ kinds: ['marker', 'error', 'span.start', 'span.end'] });
  async function* spansOnly(): AsyncGenerator<HindsightEvent> {
    for await (const e of events) {
      const ref: OutlineEvent = { seq: e.seq, t: e.t, name: e.name };
      if (e.traceId) ref.traceId = e.traceId;
      if (e.spanId) ref.spanId = e.spanId;
      if (e.kind === 'marker') keep(outline.markers, limits.markers, ref);
      else if (e.kind === 'error') {
        const message = (e.data as { message?: unknown } | undefined)?.message;
        keep(outline.errors, limits.errors, typeof message === 'string' ? { ...ref, message } : ref);
      } else {
        if (e.kind === 'span.end') ends.set(spanKey(e.traceId, e.spanId), endNotes(e));
        yield e;
      }
    }
  }
  for (const { data: _data, ...span } of await collectSpans(spansOnly())) {
    if (outline.spans.length >= limits.spans) {
      outline.truncated = true;
      break;
    }
    outline.spans.push({ ...span, ...ends.get(spanKey(span.traceId, span.spanId)) });
  }
  return outline;
}
