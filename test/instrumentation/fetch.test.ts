/**
 * Outgoing fetch() (undici) recorded by startRecording's default NodeSDK
 * setup, in-process: its own file, because the SDK registers itself globally
 * once per process.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/Store.js';
import type { Recorder } from '../../instrumentation/Recorder.js';
import { startRecording } from '../../instrumentation/startRecording.js';
import { readEvents, spansOf } from '../fixtures/stores.js';

describe('startRecording() and fetch', () => {
  let server: Server;
  let url: string;
  let store: Store;
  let recorder: Recorder;

  beforeAll(async () => {
    // The server is created before the SDK patches node:http, so only the client side is traced.
    server = createServer((_req, res) => res.end('{"stock":3}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    store = await openStore({ memory: true });
    recorder = await startRecording({ store, instrumentations: ['undici'], processHooks: false, activate: false });
  });

  afterAll(async () => {
    await recorder.stop();
    await store.close();
    server.close();
  });

  it('records a client span for the request: method, status, URL with its secret redacted, duration', async () => {
    expect(await (await fetch(`${url}/stock?token=s3cret`)).json()).toEqual({ stock: 3 });
    await recorder.flush();
    const events = await readEvents(store, recorder.log.sessionId);
    const client = events.find((e) => e.kind === 'span.end' && (e.data as { kind: number }).kind === 2);
    expect(client, JSON.stringify(events.map((e) => `${e.kind} ${e.name}`))).toBeDefined();
    const data = client!.data as { attributes: Record<string, unknown>; scope: string; durationUs: number };
    expect(data.scope).toMatch(/undici/);
    expect(data.attributes['http.request.method']).toBe('GET');
    expect(data.attributes['http.response.status_code']).toBe(200);
    expect(String(data.attributes['url.full'])).toBe(`${url}/stock?token=%5BREDACTED%5D`);
    expect(data.durationUs).toBeGreaterThan(0);
    const [span] = (await spansOf(events)).filter((s) => s.spanId === client!.spanId);
    expect(span.startSeq).toBeLessThanOrEqual(client!.seq);
    expect(span.endSeq).toBe(client!.seq);
  });
});
