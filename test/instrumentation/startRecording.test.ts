/**
 * startRecording attached to a provider the program owns ('global' or an
 * instance), and console capture. In-process, without a NodeSDK: the SDK's
 * global registration is once per process, so the fetch test has its own file.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { node, tracing } from '@opentelemetry/sdk-node';
import { afterAll, describe, expect, it } from 'vitest';
import type { HindsightEvent } from '../../src/events.js';
import { openStore } from '../../src/store/Store.js';
import type { Recorder } from '../../instrumentation/Recorder.js';
import { startRecording } from '../../instrumentation/startRecording.js';
import { readEvents } from '../fixtures/stores.js';

async function eventsOf(recorder: Recorder): Promise<HindsightEvent[]> {
  await recorder.flush();
  return readEvents(recorder.store, recorder.log.sessionId);
}

/** A provider with the program's own in-memory exporter, as a program that already uses OpenTelemetry has. */
function programProvider() {
  const exporter = new tracing.InMemorySpanExporter();
  const provider = new tracing.BasicTracerProvider({ spanProcessors: [new tracing.SimpleSpanProcessor(exporter)] });
  return { exporter, provider };
}

describe("startRecording({ tracerProvider: 'global' })", () => {
  // As a program that set OpenTelemetry up itself: a Node provider registered globally (with its context manager).
  const exporter = new tracing.InMemorySpanExporter();
  new node.NodeTracerProvider({ spanProcessors: [new tracing.SimpleSpanProcessor(exporter)] }).register();
  afterAll(() => {
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it("records the program's spans while its own exporter keeps receiving them, and detaches on stop", async () => {
    // A store of the test's own: the recorder leaves it open on stop, so what came after can be checked.
    const store = await openStore({ memory: true });
    const recorder = await startRecording({ store, tracerProvider: 'global', processHooks: false, activate: false });
    const tracer = trace.getTracer('program');
    tracer.startActiveSpan('checkout', (span) => {
      recorder.record('order.placed', { id: 7 });
      span.end();
    });
    const events = await eventsOf(recorder);
    const end = events.find((e) => e.kind === 'span.end' && e.name === 'checkout')!;
    expect(end).toBeDefined();
    const custom = events.find((e) => e.kind === 'custom')!;
    expect([custom.traceId, custom.spanId]).toEqual([end.traceId, end.spanId]);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['checkout']);
    const sessionId = recorder.log.sessionId;
    await recorder.stop();
    tracer.startSpan('after-stop').end();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['checkout', 'after-stop']);
    expect((await readEvents(store, sessionId, { kinds: ['span.start', 'span.end'] })).map((e) => e.name)).toEqual(['checkout']);
    await store.close();
  });
});

describe('startRecording({ tracerProvider: provider })', () => {
  it('attaches to that provider instance', async () => {
    const { exporter, provider } = programProvider();
    const recorder = await startRecording({ memory: true, tracerProvider: provider, processHooks: false, activate: false });
    provider.getTracer('program').startSpan('job').end();
    const events = await eventsOf(recorder);
    expect(events.filter((e) => e.kind.startsWith('span.')).map((e) => `${e.kind} ${e.name}`)).toEqual(['span.end job']);
    expect(exporter.getFinishedSpans()).toHaveLength(1);
    await recorder.stop();
  });

  it('refuses, with a clear error, an object that is no SDK provider', async () => {
    await expect(startRecording({ memory: true, tracerProvider: {}, processHooks: false, activate: false })).rejects.toThrow(/cannot attach to this TracerProvider/);
  });
});

describe('startRecording({ captureConsole: true })', () => {
  it('records console output as log events, secrets in text and in object arguments redacted, and gives the console back on stop', async () => {
    const original = { log: console.log, warn: console.warn };
    const printed: unknown[][] = [];
    const stub = (...args: unknown[]) => void printed.push(args);
    console.log = stub;
    console.warn = stub;
    try {
      const { provider } = programProvider();
      const recorder = await startRecording({ memory: true, tracerProvider: provider, captureConsole: true, processHooks: false, activate: false });
      console.log('fetching %s', 'https://api.example.com/v1?user=ada&token=abc123', { n: 1 });
      console.warn('low stock: %d', 3);
      console.log('login ok token=abc123 user=ada');
      const cyclic: Record<string, unknown> = { user: 'ada', password: 'hunter2' };
      cyclic.self = cyclic;
      console.log('payload', cyclic);
      console.log('Authorization=Bearer abc123; next');
      console.log('{"q":"token=xyz","n":1}');
      const events = (await eventsOf(recorder)).filter((e) => e.kind === 'log');
      expect(events.map((e) => [e.name, e.data])).toEqual([
        ['console.log', 'fetching https://api.example.com/v1?user=ada&token=%5BREDACTED%5D'],
        ['console.warn', 'low stock: 3'],
        ['console.log', 'login ok token=%5BREDACTED%5D'],
        ['console.log', expect.stringMatching(/^payload \{\s+user: 'ada',\s+password: '\[REDACTED\]',\s+self: \{ '@hindsight': 'cycle' \}\s+\}$/)],
        ['console.log', 'Authorization=%5BREDACTED%5D; next'],
        ['console.log', '{"q":"token=%5BREDACTED%5D","n":1}'],
      ]);
      // The program's own object is untouched.
      expect(cyclic.password).toBe('hunter2');
      // The program's own console still printed, unredacted (only the recording is redacted).
      expect(printed[0][1]).toBe('https://api.example.com/v1?user=ada&token=abc123');
      await recorder.stop();
      expect(console.log).toBe(stub);
      expect(console.warn).toBe(stub);
    } finally {
      console.log = original.log;
      console.warn = original.warn;
    }
  });
});
