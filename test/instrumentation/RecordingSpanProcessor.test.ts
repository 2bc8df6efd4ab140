import { SpanStatusCode, context, trace } from '@opentelemetry/api';
import { tracing } from '@opentelemetry/sdk-node';
import { describe, expect, it } from 'vitest';
import { writeSpanEnd, writeSpanStart } from '../../src/codec/SpanTuple.js';
import { Workspace } from '../../src/codec/Workspace.js';
import type { EventInput, HindsightEvent } from '../../src/events.js';
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
  it('records a span that ends within the flush window as one span.end saying where it started; the resource once', async () => {
    const events = await record((tracer) => {
      const parent = tracer.startSpan('parent');
      const ctx = trace.setSpan(context.active(), parent);
      const child = tracer.startSpan('child', { attributes: { 'http.method': 'POST', authorization: 'Bearer s3cret' }, links: [{ context: parent.spanContext(), attributes: { why: 'retry' } }] }, ctx);
      child.addEvent('retry', { attempt: 2 });
      child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
      child.end();
      parent.end();
    });
    expect(events.map((e) => `${e.kind} ${e.name}`)).toEqual(['session otel.resource', 'span.end child', 'span.end parent']);
    const [resource, childEnd, parentEnd] = events;
    const end = childEnd.data as Record<string, any>;
    expect(childEnd.traceId).toBe(parentEnd.traceId);
    expect(end.parentSpanId).toBe(parentEnd.spanId);
    expect((parentEnd.data as Record<string, unknown>).parentSpanId).toBeUndefined();
    expect(end.attributes).toEqual({ 'http.method': 'POST', authorization: '[REDACTED]' });
    expect(end.status).toEqual({ code: SpanStatusCode.ERROR, message: 'boom' });
    expect(end.events).toEqual([{ name: 'retry', tUs: expect.any(Number), attributes: { attempt: 2 } }]);
    expect(end.links).toEqual([{ traceId: parentEnd.traceId, spanId: parentEnd.spanId, attributes: { why: 'retry' } }]);
    expect(end.scope).toBe('unit');
    expect(end.startUs).toBeLessThanOrEqual(childEnd.t);
    expect(end.durationUs).toBeGreaterThanOrEqual(0);
    // Both started after the resource event, before anything else was written.
    expect(end.startSeq).toBe(resource.seq + 1);
    expect((parentEnd.data as Record<string, unknown>).startSeq).toBe(resource.seq + 1);
    expect(end.startT).toBeGreaterThanOrEqual(resource.t);
    expect(end.startT).toBeLessThanOrEqual(childEnd.t);
  });

  it('announces a span still open when its block is sealed, once, with where it started; its span.end then says nothing of it', async () => {
    const store = await openStore({ memory: true });
    const log = await EventLog.create(store);
    const processor = new RecordingSpanProcessor(log, { recordResource: false });
    const provider = new tracing.BasicTracerProvider({ spanProcessors: [processor as unknown as tracing.SpanProcessor] });
    const tracer = provider.getTracer('unit');
    const before = log.append({ kind: 'custom', name: 'before' });
    const long = tracer.startSpan('long', { attributes: { renamed: false } });
    const inside = log.append({ kind: 'custom', name: 'inside' });
    await log.flush();
    long.updateName('long renamed');
    log.append({ kind: 'custom', name: 'later' });
    await log.flush();
    long.end();
    await provider.shutdown();
    await log.close();
    const events = await readEvents(store, log.sessionId);
    await store.close();
    expect(events.map((e) => `${e.kind} ${e.name}`)).toEqual(['custom before', 'custom inside', 'span.start long', 'custom later', 'span.end long renamed']);
    expect(events[2].data).toEqual({ parentSpanId: undefined, startSeq: inside, startT: expect.any(Number) });
    expect(inside).toBe(before + 1);
    const end = events[4].data as Record<string, unknown>;
    expect([end.startSeq, end.startT]).toEqual([undefined, undefined]);
  });

  it('writes the shapes the block codec stores in compact form (a reordered field would silently cost the tuple)', () => {
    const appended: { kind: string; data?: unknown }[] = [];
    let seal = () => {};
    const fake = { append: (e: EventInput) => (appended.push(e), appended.length), flush: async () => {}, lastSeq: 0, now: () => 5, beforeSeal: (hook: () => void) => ((seal = hook), () => {}) };
    const processor = new RecordingSpanProcessor(fake, { recordResource: false });
    const provider = new tracing.BasicTracerProvider({ spanProcessors: [processor as unknown as tracing.SpanProcessor] });
    const tracer = provider.getTracer('unit');
    tracer.startSpan('s', { attributes: { a: 1 } }).end();
    const open = tracer.startSpan('open');
    seal();
    open.end();
    expect(appended.map((e) => e.kind)).toEqual(['span.end', 'span.start', 'span.end']);
    expect(writeSpanEnd(appended[0].data, new Workspace(4), 0)).toBe(true);
    expect(writeSpanStart(appended[1].data, new Workspace(4), 0)).toBe(3);
    expect(writeSpanEnd(appended[2].data, new Workspace(4), 0)).toBe(true);
  });

  it('never throws into the SDK: a failing log is counted and reported', () => {
    const errors: unknown[] = [];
    const processor = new RecordingSpanProcessor(
      {
        append: () => {
          throw new Error('disk on fire');
        },
        flush: async () => {},
        lastSeq: 0,
        now: () => {
          throw new Error('clock on fire');
        },
        beforeSeal: () => () => {},
      },
      { onError: (e) => errors.push(e), recordResource: false },
    );
    const provider = new tracing.BasicTracerProvider({ spanProcessors: [processor as unknown as tracing.SpanProcessor] });
    expect(() => provider.getTracer('unit').startSpan('s').end()).not.toThrow();
    expect(processor.stats.errors).toBe(2);
    expect(errors.map((e) => (e as Error).message)).toEqual(['clock on fire', 'disk on fire']);
  });
});
