/**
 * An OpenTelemetry SpanProcessor that records spans into a hindsight log.
 *
 * - onStart appends a small `span.start` (name, trace/span ids, parentSpanId):
 *   what a state patch made inside the span needs to be attributed.
 * - onEnd appends the full record as `span.end`: kind, attributes, status,
 *   events, links, scope, start/end times and duration (µs).
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

  constructor(
    private readonly log: Pick<EventLog, 'append' | 'flush'>,
    options: RecordingSpanProcessorOptions = {},
  ) {
    this.redactor = options.redactor;
    this.onError = options.onError ?? (() => {});
    this.resourcePending = options.recordResource ?? true;
  }

  onStart(span: RecordableSpan, _parentContext: Context): void {
    if (this.stopped) return;
    try {
      if (this.resourcePending) this.recordResource(span);
      const sc = span.spanContext();
      const parent = span.parentSpanContext;
      this.log.append({
        kind: 'span.start',
        name: span.name,
        // One shape whether or not there is a parent keeps the packer's record structures few.
        data: { parentSpanId: parent !== undefined ? parent.spanId : undefined },
        traceId: sc.traceId,
        spanId: sc.spanId,
      });
      this.stats.started++;
    } catch (err) {
      this.fail(err);
    }
  }

  onEnd(span: RecordableSpan): void {
    if (this.stopped) return;
    try {
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
        },
        traceId: sc.traceId,
        spanId: sc.spanId,
      });
      this.stats.ended++;
    } catch (err) {
      this.fail(err);
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
