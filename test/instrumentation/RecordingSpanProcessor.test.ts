import { SpanStatusCode, context, trace } from '@opentelemetry/api';
import { tracing } from '@opentelemetry/sdk-node';
import { describe, expect, it } from 'vitest';
import { writeSpanEnd, writeSpanStart } from '../../src/codec/SpanTuple.js';
import { Workspace } from '../../src/codec/Workspace.js';
import type { HindsightEvent } from '../../src/events.js';
import { EventLog } from '../../src/log/EventLog.js';
import { openStore } from '../../src/store/Store.js';
import { RecordingSpanProcessor } from '../../instrumentation/RecordingSpanProcessor.js';
import { createRedactor } from '../../instrumentation/redact.js';
import { readEvents } from '../fixtures/stores.js';

async function record(run: (tracer: ReturnType<tracing.BasicTracerProvider['getTracer']>) => void): Promise<HindsightEvent[]> {
  const store = await openStore({ memory: true });
  const log = await EventLog.create(store);
  const processor = new RecordingSpanProcessor(log, { redactor: createRedactor(undefined) });
  const provider = new tracing.BasicTracerProvider({ spanProcessors: [processor as unknown as tracing.SpanProcessor] });
  run(provider.getTracer('unit', '1.0.0'));
  await provider.shutdown();
  await log.close();
  const events = await readEvents(store, log.sessionId);
  await store.close();
  return events;
}

describe('RecordingSpanProcessor', () => {
  it('records start and end with parentage, attributes, status, span events and links; the resource once', async () => {
    const events = await record((tracer) => {
      const parent = tracer.startSpan('parent');
      const ctx = trace.setSpan(context.active(), parent);
      const child = tracer.startSpan('child', { attributes: { 'http.method': 'POST', authorization: 'Bearer s3cret' }, links: [{ context: parent.spanContext(), attributes: { why: 'retry' } }] }, ctx);
      child.addEvent('retry', { attempt: 2 });
      child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
      child.end();
      parent.end();
    });
    expect(events.map((e) => `${e.kind} ${e.name}`)).toEqual(['session otel.resource', 'span.start parent', 'span.start child', 'span.end child', 'span.end parent']);
    const [, parentStart, childStart, childEnd] = events;
    expect(parentStart.data).toEqual({ parentSpanId: undefined });
    expect(childStart.data).toEqual({ parentSpanId: parentStart.spanId });
    expect(childStart.traceId).toBe(parentStart.traceId);
    const end = childEnd.data as Record<string, any>;
    expect(end.parentSpanId).toBe(parentStart.spanId);
    expect(end.attributes).toEqual({ 'http.method': 'POST', authorization: '[REDACTED]' });
    expect(end.status).toEqual({ code: SpanStatusCode.ERROR, message: 'boom' });
    expect(end.events).toEqual([{ name: 'retry', tUs: expect.any(Number), attributes: { attempt: 2 } }]);
    expect(end.links).toEqual([{ traceId: parentStart.traceId, spanId: parentStart.spanId, attributes: { why: 'retry' } }]);
    expect(end.scope).toBe('unit');
    expect(end.startUs).toBeLessThanOrEqual(childEnd.t);
    expect(end.durationUs).toBeGreaterThanOrEqual(0);
  });

  it('writes the shapes the block codec stores in compact form (a reordered field would silently cost the tuple)', () => {
    const appended: { kind: string; data?: unknown }[] = [];
    const processor = new RecordingSpanProcessor({ append: (e) => (appended.push(e), 1), flush: async () => {} }, { recordResource: false });
    const provider = new tracing.BasicTracerProvider({ spanProcessors: [processor as unknown as tracing.SpanProcessor] });
    const span = provider.getTracer('unit').startSpan('s', { attributes: { a: 1 } });
    span.end();
    expect(appended.map((e) => e.kind)).toEqual(['span.start', 'span.end']);
    expect(writeSpanStart(appended[0].data, new Workspace(4))).toBe(true);
    expect(writeSpanEnd(appended[1].data, new Workspace(4), 0)).toBe(true);
  });

  it('never throws into the SDK: a failing log is counted and reported', () => {
    const errors: unknown[] = [];
    const processor = new RecordingSpanProcessor(
      {
        append: () => {
          throw new Error('disk on fire');
        },
        flush: async () => {},
      },
      { onError: (e) => errors.push(e), recordResource: false },
    );
    const provider = new tracing.BasicTracerProvider({ spanProcessors: [processor as unknown as tracing.SpanProcessor] });
    expect(() => provider.getTracer('unit').startSpan('s').end()).not.toThrow();
    expect(processor.stats.errors).toBe(2);
    expect(errors).toHaveLength(2);
  });
});
