/**
 * An OpenTelemetry SpanProcessor that records spans into a hindsight log.
 *
 * - onStart writes nothing: it notes where the span starts (the seq of the
 *   next event, and t). Most spans end within the log's flush window.
 * - onEnd appends the full record as `span.end`: kind, attributes, status,
 *   events, links, scope, start/end times and duration (µs), and while the
 *   start is not written yet, where it started (startSeq, startT).
 * - Before the log seals a block, every span still open whose start is not
 *   written gets a `span.start` there (name, trace/span ids, parentSpanId,
 *   startSeq, startT). So every span open at an event is found by reading
 *   to the end of that event's block, and a crash or exit leaves a start
 *   for every span in flight. One event per span instead of two cut the
 *   cost hindsight adds per span by ~0.15-0.2x of the SDK's own.
 * - The resource is recorded once per session, as a `session` event named
 *   `otel.resource`, before the first span.
 *
 * The span's own objects are handed to the log without a copy: an ended span
 * is immutable (the SDK refuses writes after end()), and the log packs its
 * events within one flush window. Span attributes are primitives or arrays
 * of primitives, so this saves a deep copy per span on the hot path.
 * Everything is guarded: the processor never throws into the SDK.
 */
import type { Context, HrTime, Link, SpanContext, SpanStatus } from '@opentelemetry/api';
import type { EventLog } from '../src/log/EventLog.js';
import type { Redactor } from './redact.js';

/** The part of an SDK span (ReadableSpan, sdk-trace 2.x) the processor reads; structural, so no SDK import. */
export interface RecordableSpan {
  readonly name: string;
  readonly kind: number;
  spanContext(): SpanContext;
  readonly parentSpanContext?: SpanContext;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly duration: HrTime;
  readonly status: SpanStatus;
  readonly attributes: Record<string, unknown>;
  readonly links: Link[];
  readonly events: { name: string; time: HrTime; attributes?: Record<string, unknown>; droppedAttributesCount?: number }[];
  readonly resource?: { attributes: Record<string, unknown> };
  readonly instrumentationScope?: { name: string; version?: string };
  readonly droppedAttributesCount?: number;
  readonly droppedEventsCount?: number;
  readonly droppedLinksCount?: number;
}

/** The SpanProcessor interface of sdk-trace, structurally. */
export interface SpanProcessorLike {
  onStart(span: any, parentContext: Context): void;
  onEnd(span: any): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface RecordingSpanProcessorOptions {
  /** Applied to span attributes, event and link attributes and the resource. */
  redactor?: Redactor;
  /** Failures of the processor itself (never thrown into the SDK). */
  onError?: (err: unknown) => void;
  /** Record the resource once (default true). */
  recordResource?: boolean;
}

/** µs since the epoch, from an OpenTelemetry HrTime [s, ns]. */
export function hrToUs(t: HrTime): number {
  return t[0] * 1_000_000 + Math.floor(t[1] / 1000);
}

export class RecordingSpanProcessor implements SpanProcessorLike {
  /** Spans recorded (ended), and failures swallowed. */
  readonly stats = { started: 0, ended: 0, errors: 0 };
  private readonly redactor: Redactor | undefined;
  private readonly onError: (err: unknown) => void;
  private resourcePending: boolean;
  private stopped = false;
  /**
   * Spans started and not yet written anywhere, with where each started
   * (the seq of the next event, and t). A span leaves it when its start is
   * announced or it ends, so it holds at most the spans started since the
   * last seal. (Marks kept on the spans themselves instead, under a symbol,
   * gave the SDK's own code a second shape of span and cost more than the
   * map's ~200 ns.)
   */
  private readonly open = new Map<RecordableSpan, { seq: number; t: number }>();
  private readonly unhook: () => void;

  constructor(
    private readonly log: Pick<EventLog, 'append' | 'flush' | 'lastSeq' | 'now' | 'beforeSeal'>,
    options: RecordingSpanProcessorOptions = {},
  ) {
    this.redactor = options.redactor;
    this.onError = options.onError ?? (() => {});
    this.resourcePending = options.recordResource ?? true;
    this.unhook = log.beforeSeal(() => this.announceOpen());
  }

  onStart(span: RecordableSpan, _parentContext: Context): void {
    if (this.stopped) return;
    try {
      if (this.resourcePending) this.recordResource(span);
      // Nothing is written yet: most spans end within the flush window, and
      // their span.end then says where they started (see announceOpen).
      this.open.set(span, { seq: this.log.lastSeq + 1, t: this.log.now() });
      this.stats.started++;
    } catch (err) {
      this.fail(err);
    }
  }

  onEnd(span: RecordableSpan): void {
    if (this.stopped) return;
    try {
      // Absent: announced already (or started before this processor).
      const mark = this.open.get(span);
      if (mark !== undefined) this.open.delete(span);
      const sc = span.spanContext();
      const r = this.redactor;
      this.log.append({
        kind: 'span.end',
        name: span.name,
        data: {
          kind: span.kind,
          parentSpanId: span.parentSpanContext?.spanId,
          attributes: r ? r.attributes(span.attributes) : span.attributes,
          status: span.status,
          events: span.events.length === 0 ? undefined : span.events.map((e) => this.spanEvent(e)),
          links: span.links.length === 0 ? undefined : span.links.map((l) => this.link(l)),
          scope: span.instrumentationScope?.name,
          startUs: hrToUs(span.startTime),
          durationUs: hrToUs(span.duration),
          dropped: span.droppedAttributesCount || span.droppedEventsCount || span.droppedLinksCount ? { attributes: span.droppedAttributesCount, events: span.droppedEventsCount, links: span.droppedLinksCount } : undefined,
          startSeq: mark?.seq,
          startT: mark?.t,
        },
        traceId: sc.traceId,
        spanId: sc.spanId,
      });
      this.stats.ended++;
    } catch (err) {
      this.fail(err);
    }
  }

  /**
   * Before each block is sealed: a span.start for every span still open and
   * not yet announced, with where it started. So a reader finds every span
   * open at an event by reading to the end of that event's block.
   */
  private announceOpen(): void {
    if (this.stopped) return;
    for (const [span, mark] of this.open) {
      const sc = span.spanContext();
      const seq = this.log.append({
        kind: 'span.start',
        name: span.name,
        data: { parentSpanId: span.parentSpanContext?.spanId, startSeq: mark.seq, startT: mark.t },
        traceId: sc.traceId,
        spanId: sc.spanId,
      });
      // Refused (overflow): tried again at the next seal, or its span.end says where it started.
      if (seq > 0) this.open.delete(span);
    }
  }

  async forceFlush(): Promise<void> {
    try {
      await this.log.flush();
    } catch (err) {
      this.fail(err);
    }
  }

  /** Stops recording; the log itself belongs to the recorder, which closes it. */
  async shutdown(): Promise<void> {
    await this.forceFlush();
    this.stopped = true;
    this.unhook();
    this.open.clear();
  }

  private recordResource(span: RecordableSpan): void {
    this.resourcePending = false;
    const attrs = span.resource?.attributes;
    if (attrs === undefined) return;
    const data = { ...attrs };
    this.log.append({ kind: 'session', name: 'otel.resource', data: this.redactor ? this.redactor.attributes(data) : data });
  }

  private spanEvent(e: RecordableSpan['events'][number]): unknown {
    const attributes = e.attributes && this.redactor ? this.redactor.attributes(e.attributes) : e.attributes;
    return { name: e.name, tUs: hrToUs(e.time), attributes };
  }

  private link(l: Link): unknown {
    const attributes = l.attributes && this.redactor ? this.redactor.attributes(l.attributes) : l.attributes;
    return { traceId: l.context.traceId, spanId: l.context.spanId, attributes };
  }

  private fail(err: unknown): void {
    this.stats.errors++;
    try {
      this.onError(err);
    } catch {
      // onError itself failed: nothing is left to tell
    }
  }
}
