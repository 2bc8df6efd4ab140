/**
 * Metrics under startRecording's NodeSDK: none unless asked for. Left to its
 * defaults, NodeSDK registers an OTLP metric exporter to localhost (a socket
 * every minute) and the http instrumentation records a histogram per request.
 * Its own file: the SDK registers itself globally once per process.
 */
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { metrics as sdkMetrics } from '@opentelemetry/sdk-node';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/Store.js';
import { startRecording } from '../../instrumentation/startRecording.js';

async function recordWith(options: { metricReaders?: object[] }): Promise<() => Promise<void>> {
  const store = await openStore({ memory: true });
  const recorder = await startRecording({ store, instrumentations: [], processHooks: false, activate: false, ...options });
  return async () => {
    await recorder.stop();
    await store.close();
  };
}

describe('startRecording() and metrics', () => {
  const saved = process.env.OTEL_METRICS_EXPORTER;
  afterEach(() => {
    if (saved === undefined) delete process.env.OTEL_METRICS_EXPORTER;
    else process.env.OTEL_METRICS_EXPORTER = saved;
    for (const api of [metrics, trace, context, propagation]) api.disable();
  });

  it('registers no meter provider by default (nothing exported, nothing recorded per request)', async () => {
    delete process.env.OTEL_METRICS_EXPORTER;
    const stop = await recordWith({});
    expect(metrics.getMeterProvider()).not.toBeInstanceOf(sdkMetrics.MeterProvider);
    await stop();
  });

  it('uses the metric readers it is given', async () => {
    delete process.env.OTEL_METRICS_EXPORTER;
    const exporter = new sdkMetrics.InMemoryMetricExporter(sdkMetrics.AggregationTemporality.CUMULATIVE);
    const reader = new sdkMetrics.PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const stop = await recordWith({ metricReaders: [reader] });
    expect(metrics.getMeterProvider()).toBeInstanceOf(sdkMetrics.MeterProvider);
    metrics.getMeter('test').createCounter('orders').add(2);
    await reader.forceFlush();
    const names = exporter.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor.name)));
    expect(names).toContain('orders');
    await stop();
  });

  it('reads a blank OTEL_METRICS_EXPORTER as unset, as NodeSDK parses it (no fallback to OTLP)', async () => {
    process.env.OTEL_METRICS_EXPORTER = ' , ';
    const stop = await recordWith({});
    expect(metrics.getMeterProvider()).not.toBeInstanceOf(sdkMetrics.MeterProvider);
    await stop();
  });

  it('leaves the choice to OTEL_METRICS_EXPORTER when it is set', async () => {
    process.env.OTEL_METRICS_EXPORTER = 'console';
    const stop = await recordWith({});
    expect(metrics.getMeterProvider()).toBeInstanceOf(sdkMetrics.MeterProvider);
    await stop();
  });
});
