import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openRecording } from '../../reconstructor/Recording.js';
import { scratchDirs } from '../fixtures/stores.js';

const DEMO = new URL('../../dist/examples/demo.js', import.meta.url).pathname;
const dir = scratchDirs();

describe('npm run demo', () => {
  it('records the shop server and finds the request that made stock negative', async () => {
    const cwd = dir();
    const r = spawnSync(process.execPath, [DEMO], { cwd, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/status ended/);
    expect(r.stdout).toMatch(/first instant with negative stock: seq \d+/);
    expect(r.stdout).toContain('inventory then: {"widget":-1,"gadget":3,"gizmo":7}');
    expect(r.stdout).toMatch(/made inside span "POST \/checkout\/linus"/);

    // fetch (undici instrumentation) makes client spans; the server span of each request is their child.
    const recording = await openRecording(join(cwd, '.hindsight-demo'));
    const session = await recording.session('shop-demo');
    const ends: { spanId?: string; traceId?: string; kind: number; parentSpanId?: string }[] = [];
    for await (const e of session.events({ kinds: ['span.end'] })) ends.push({ spanId: e.spanId, traceId: e.traceId, ...(e.data as { kind: number; parentSpanId?: string }) });
    const clients = ends.filter((s) => s.kind === 2);
    const servers = ends.filter((s) => s.kind === 1);
    expect(clients.length).toBe(9);
    expect(servers.length).toBe(9);
    for (const server of servers) expect(clients.some((c) => c.spanId === server.parentSpanId && c.traceId === server.traceId)).toBe(true);
    await recording.close();
  });
});
