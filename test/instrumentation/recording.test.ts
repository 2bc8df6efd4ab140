import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchDirs, spansOf } from '../fixtures/stores.js';
import { filesContaining, HAS_HTTP_INSTRUMENTATION, readRecording, runChild } from './children.js';

const dir = scratchDirs();

describe('node --import hindsight/register, an ESM program with node:http', () => {
  // Upper-case letters only: lz4 cannot fold any of it into a back-reference to
  // the hex ids around it, so a stored secret shows up literally in the raw files.
  const secret = `PLANTED${[...randomBytes(20)].map((b) => String.fromCharCode(65 + (b % 26))).join('')}`;
  const d = dir();
  const run = runChild('server.mjs', [], { HINDSIGHT_DIR: d, HINDSIGHT_TEST_SECRET: secret });
  // Before any reader folds the spill file the exit hook wrote: spill files are searched too.
  const leakedBeforeOpen = filesContaining(d, secret);

  it.skipIf(!HAS_HTTP_INSTRUMENTATION)('records client and server spans of a loopback request with the right parentage', async () => {
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const { info, events } = await readRecording(d);
    expect(info.status).toBe('ended');
    expect(info.name).toBe('server.mjs');
    const ends = events.filter((e) => e.kind === 'span.end');
    expect(ends).toHaveLength(2);
    const spans = await spansOf(events);
    expect(spans).toHaveLength(2);
    const client = ends.find((e) => (e.data as any).kind === 2)!;
    const server = ends.find((e) => (e.data as any).kind === 1)!;
    expect(client.traceId).toBe(server.traceId);
    expect((server.data as any).parentSpanId).toBe(client.spanId);
    expect((client.data as any).parentSpanId).toBeUndefined();
    // The server span as the handler saw it, reported back in a response header.
    expect(run.stdout).toContain(`server-span ${server.spanId}`);
    expect((server.data as any).attributes['http.response.status_code']).toBe(200);
    expect((server.data as any).durationUs).toBeGreaterThan(0);
    // Each span is one event (it ended within the flush window), which says where it started.
    expect(events.filter((e) => e.kind === 'span.start')).toEqual([]);
    const serverSpan = spans.find((s) => s.spanId === server.spanId)!;
    expect(serverSpan).toMatchObject({ parentSpanId: client.spanId, endSeq: server.seq });
    expect(serverSpan.startSeq).toBeLessThanOrEqual(server.seq);
    // The client started first (both may start at one seq: nothing was written between them).
    expect(spans.map((s) => s.spanId)).toEqual([client.spanId, server.spanId]);
    // The resource, once, before the first span.
    const resources = events.filter((e) => e.kind === 'session' && e.name === 'otel.resource');
    expect(resources).toHaveLength(1);
    expect(resources[0].seq).toBeLessThan(spans[0].startSeq);
  });

  it.skipIf(!HAS_HTTP_INSTRUMENTATION)('attributes state patches and custom events made in the handler to that request\'s server span', async () => {
    const { events, state } = await readRecording(d);
    const server = events.find((e) => e.kind === 'span.end' && (e.data as any).kind === 1)!;
    const inHandler = events.filter((e) => (e.kind === 'state.patch' && e.seq > 1) || e.kind === 'custom');
    expect(inHandler.map((e) => e.kind)).toEqual(['state.patch', 'state.patch', 'custom']);
    for (const e of inHandler) expect([e.traceId, e.spanId]).toEqual([server.traceId, server.spanId]);
    // Patches made before any request carry no span.
    expect(events[0]).toMatchObject({ kind: 'state.patch', seq: 1 });
    expect(events[0].spanId).toBeUndefined();
    expect(state).toEqual({ app: { hits: 1, users: { alice: { name: 'alice', password: '[REDACTED]' } } } });
  });

  it('never lets a planted secret reach the disk: header, URL query, tracked state, custom event', async () => {
    const { events } = await readRecording(d);
    expect(JSON.stringify(events)).not.toContain(secret);
    if (HAS_HTTP_INSTRUMENTATION) expect(JSON.stringify(events)).toContain('api_key=%5BREDACTED%5D&page=2');
    expect(events.find((e) => e.kind === 'custom')!.data).toEqual({ user: 'alice', token: '[REDACTED]', note: 'ok' });
    expect(leakedBeforeOpen).toEqual([]);
    expect(filesContaining(d, secret)).toEqual([]);
  });

  it('finds the secret in the raw files when redaction allows those keys (the search works)', async () => {
    const d2 = dir();
    const r = runChild('server.mjs', [], { HINDSIGHT_DIR: d2, HINDSIGHT_TEST_SECRET: secret, HINDSIGHT_REDACT_ALLOW: 'password,token,api_key' });
    expect(r.status).toBe(0);
    expect(filesContaining(d2, secret).length).toBeGreaterThan(0);
  });
});

describe('child processes inheriting NODE_OPTIONS', () => {
  it('record into <dir>/children/<pid>, never into the parent\'s locked directory', async () => {
    const d = dir();
    const r = runChild('spawner.mjs', ['2'], { HINDSIGHT_DIR: d, NODE_OPTIONS: `--import ${new URL('../../dist/instrumentation/register.js', import.meta.url).href}` }, false);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const pids = [...r.stdout.matchAll(/pid (\d+)/g)].map((m) => m[1]);
    expect(pids).toHaveLength(3);
    // Innermost prints first; the root records into d itself.
    const [grandchild, child, root] = pids;
    expect((await readRecording(d)).info.pid).toBe(Number(root));
    for (const pid of [child, grandchild]) {
      const { info, state } = await readRecording(join(d, 'children', pid));
      expect(info.pid).toBe(Number(pid));
      expect(info.status).toBe('ended');
      expect((state.proc as any).pid).toBe(Number(pid));
    }
  });

  it('started in another working directory, record under the parent\'s directory all the same', async () => {
    const work = dir();
    const elsewhere = dir();
    // A relative HINDSIGHT_DIR is the parent's: the child inherits it made absolute.
    const r = runChild('spawner.mjs', ['1', elsewhere], { HINDSIGHT_DIR: 'rec', NODE_OPTIONS: `--import ${new URL('../../dist/instrumentation/register.js', import.meta.url).href}` }, false, work);
    expect([r.status, r.stderr]).toEqual([0, '']);
    const [child, root] = [...r.stdout.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
    expect((await readRecording(join(work, 'rec'))).info.pid).toBe(root);
    expect((await readRecording(join(work, 'rec', 'children', String(child)))).info.pid).toBe(child);
    expect(existsSync(join(elsewhere, 'rec'))).toBe(false);
  });

  it('are skipped with HINDSIGHT_CHILDREN=skip', async () => {
    const d = dir();
    const r = runChild('spawner.mjs', ['1'], { HINDSIGHT_DIR: d, HINDSIGHT_CHILDREN: 'skip', NODE_OPTIONS: `--import ${new URL('../../dist/instrumentation/register.js', import.meta.url).href}` }, false);
    expect(r.status).toBe(0);
    expect(existsSync(join(d, 'children'))).toBe(false);
    expect((await readRecording(d)).state.proc).toMatchObject({ depth: 1, childStatus: 0 });
  });

  it('HINDSIGHT_DISABLED records nothing', () => {
    const d = dir();
    const r = runChild('crash.mjs', ['none'], { HINDSIGHT_DIR: d, HINDSIGHT_DISABLED: '1' });
    expect(r.status).toBe(0);
    expect(existsSync(join(d, 'CURRENT'))).toBe(false);
  });
});

describe('a program that calls startRecording itself under hindsight/register', () => {
  it('gets the running recorder (told through onError) instead of a lock error on its own pid', async () => {
    const d = dir();
    const r = runChild('selfStart.mjs', [], { HINDSIGHT_DIR: d });
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain('session: selfStart.mjs');
    expect(r.stdout).toContain('HINDSIGHT_INVALID_ARGUMENT: startRecording(): this process is already recorded through hindsight/register');
    const { events } = await readRecording(d);
    expect(events.find((e) => e.kind === 'custom')).toMatchObject({ name: 'started', data: { by: 'program' } });
  });
});

describe('node --import hindsight/register leaves the modules of the program alone', () => {
  it('keeps ESM live bindings live (the loader hook intercepts only what instrumentations patch)', () => {
    const run = runChild('liveBindings.mjs', [], { HINDSIGHT_DIR: dir() });
    expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({ status: 0, stdout: 'result of select 1 1\n', stderr: '' });
  });
});
