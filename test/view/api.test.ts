import { request } from 'node:http';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRecording, type Recording } from '../../reconstructor/Recording.js';
import { toJson } from '../../cli/output.js';
import { startViewer, type Viewer } from '../../cli/view/server.js';
import { tempDir } from '../fixtures/stores.js';
import { makeShopRecording, SPAN_DB, SPAN_LATE, SPAN_ROOT, T0, TRACE_A, TRACE_B, type ShopRecording } from '../fixtures/cliRecordings.js';

let dir: string;
let shop: ShopRecording;
let recording: Recording;
let viewer: Viewer;

beforeAll(async () => {
  dir = tempDir('hindsight-view-');
  shop = await makeShopRecording(dir);
  recording = await openRecording(dir);
  viewer = await startViewer({ recording, port: 0 });
});
afterAll(async () => {
  await viewer.close();
  await recording.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw GET (node:http, so the Host header can be anything). */
function get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: viewer.port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** An API call with the token; the parsed answer. */
async function api(route: string, query: Record<string, string | number | string[]> = {}): Promise<{ status: number; doc: any }> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) for (const one of Array.isArray(v) ? v : [v]) q.append(k, String(one));
  const r = await get(`/api/${route}?${q}`, { 'x-hindsight-token': viewer.token });
  expect(r.headers['content-type']).toMatch(/^application\/json/);
  return { status: r.status, doc: JSON.parse(r.body) };
}

describe('hindsight view: who may ask', () => {
  it('listens on 127.0.0.1 and prints a URL carrying a 128-bit token', () => {
    expect(viewer.host).toBe('127.0.0.1');
    expect(viewer.url).toBe(`http://127.0.0.1:${viewer.port}/?token=${viewer.token}`);
    expect(Buffer.from(viewer.token, 'base64url')).toHaveLength(16);
  });

  it('refuses every request without the token (403), the page, the API and the files alike', async () => {
    for (const path of ['/', '/?token=wrong', '/api/sessions', `/api/sessions?token=${viewer.token.slice(1)}`, '/static/wrong/app.js', '/static//app.js']) {
      const r = await get(path);
      expect(r.status, path).toBe(403);
      expect(r.body).not.toContain('shop');
    }
    expect((await get('/api/sessions', { 'x-hindsight-token': 'x'.repeat(22) })).status).toBe(403);
  });

  it('serves the page with the token, under a CSP that allows only its own files and its import map', async () => {
    const r = await get(`/?token=${viewer.token}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/html/);
    expect(r.headers['content-security-policy']).toMatch(/^default-src 'none'; script-src 'self' 'sha256-[A-Za-z0-9+/=]+'; style-src 'self'/);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.body).toContain(`src="/static/${viewer.token}/app.js"`);
    expect(r.body).toContain(`"jsondiffpatch":"/static/${viewer.token}/vendor/jsondiffpatch/index.js"`);
  });

  it('accepts the token as a query parameter or a header on the API', async () => {
    expect((await get(`/api/sessions?token=${viewer.token}`)).status).toBe(200);
    expect((await api('sessions')).status).toBe(200);
  });

  it('serves the page files and jsondiffpatch from the package, nothing else', async () => {
    const base = `/static/${viewer.token}/`;
    const app = await get(`${base}app.js`);
    expect(app.status).toBe(200);
    expect(app.headers['content-type']).toMatch(/^text\/javascript/);
    expect((await get(`${base}view.css`)).headers['content-type']).toMatch(/^text\/css/);
    const vendor = await get(`${base}vendor/jsondiffpatch/index.js`);
    expect(vendor.status).toBe(200);
    expect(vendor.body).toContain('export function diff');
    for (const path of ['index.html', '..%2F..%2F..%2Fpackage.json', 'vendor/jsondiffpatch/..%2F..%2Fpackage.json', 'nothing.js']) {
      expect((await get(`${base}${path}`)).status, path).toBe(404);
    }
    // A dot segment climbs out of the token's prefix (URLs are normalized first): no token left.
    expect((await get(`${base}%2e%2e/api.ts`)).status).toBe(403);
  });

  it('refuses a Host header naming anything but this server (DNS rebinding)', async () => {
    const headers = { 'x-hindsight-token': viewer.token };
    expect((await get('/api/sessions', { ...headers, host: `evil.example:${viewer.port}` })).status).toBe(403);
    expect((await get('/api/sessions', { ...headers, host: `127.0.0.1:${viewer.port + 1}` })).status).toBe(403);
    expect((await get('/api/sessions', { ...headers, host: '127.0.0.1' })).status).toBe(403);
    expect((await get('/api/sessions', { ...headers, host: `localhost:${viewer.port}` })).status).toBe(200);
  });

  it('answers only GET', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: viewer.port, path: '/api/sessions', method: 'POST', headers: { 'x-hindsight-token': viewer.token } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(405);
  });
});

describe('hindsight view: bad input is a 400 with a one-line { code, message }', () => {
  const cases: [string, Record<string, string | string[]>][] = [
    ['state', { seq: '1' }],
    ['state', { session: 'shop', seq: '-1' }],
    ['state', { session: 'shop', seq: 'abc' }],
    ['state', { session: 'shop', seq: '1', t: '5' }],
    ['state', { session: 'shop' }],
    ['state', { session: 'shop', seq: '1', at: '2' }],
    ['state', { session: 'shop', seq: ['1', '2'] }],
    ['events', { session: 'shop', limit: '0' }],
    ['events', { session: 'shop', limit: '1001' }],
    ['events', { session: 'shop', fromSeq: '1', fromT: '5' }],
    ['events', { session: 'shop', reverse: 'maybe' }],
    ['events', { session: 'shop', kind: '' }],
    ['summary', { session: 'shop', buckets: '0' }],
    ['density', { session: 'shop', from: String(T0 + 10), to: String(T0) }],
    ['history', { session: 'shop', path: 'cart.total' }],
    ['history', { session: 'shop', path: '[]' }],
    ['history', { session: 'shop', path: '[1, "x"]' }],
    ['history', { session: 'shop' }],
    ['history', { session: 'shop', path: JSON.stringify(['cart', 'x'.repeat(9000)]) }],
    ['spans', { session: 'shop', limit: '99999' }],
  ];
  for (const [route, query] of cases) {
    it(`${route} ${JSON.stringify(query)}`, async () => {
      const { status, doc } = await api(route, query);
      expect(status).toBe(400);
      expect(doc.code).toBe('HINDSIGHT_INVALID_ARGUMENT');
      expect(doc.message).toMatch(/^HINDSIGHT_INVALID_ARGUMENT: [^\n]+$/);
    });
  }

  it('an unknown session is a 404 naming it; an unknown route a 404', async () => {
    const r = await api('state', { session: 'nope', seq: '1' });
    expect(r.status).toBe(404);
    expect(r.doc.code).toBe('HINDSIGHT_UNKNOWN_SESSION');
    expect((await api('nothing')).status).toBe(404);
  });
});

describe('hindsight view: answers', () => {
  it('lists the sessions, the latest as the default', async () => {
    const { doc } = await api('sessions');
    expect(doc.sessions.map((s: { name: string }) => s.name)).toEqual(['other', 'shop']);
    expect(doc.default).toBe(shop.shopId);
  });

  it('gives the state at every seq exactly as session.stateAt, rendered as the CLI renders it', async () => {
    const session = await recording.session('shop');
    for (let seq = 0; seq <= 13; seq++) {
      const { status, doc } = await api('state', { session: shop.shopId, seq: String(seq) });
      expect(status).toBe(200);
      expect(doc).toMatchObject({ session: shop.shopId, seq, lastSeq: 13, incomplete: false, warnings: [] });
      expect(doc.state).toEqual(toJson(await session.stateAt({ seq })));
      if (seq > 0) expect(doc.event).toMatchObject({ seq });
      else expect(doc.event).toBeUndefined();
    }
    const byTime = await api('state', { session: 'shop', t: String(T0 + 3000) });
    expect(byTime.doc).toMatchObject({ seq: 4, t: T0 + 3000, state: { cart: { items: [{ sku: 'w', qty: 1 }], total: 10 } } });
    expect(byTime.doc.event).toMatchObject({ kind: 'state.patch', name: 'cart', summary: 'cart.total = 10 (was 0)' });
    const past = await api('state', { session: 'shop', seq: '999' });
    expect(past.doc.seq).toBe(13);
  });

  it('gives event windows that respect limit and the kind, name and trace filters', async () => {
    const first = await api('events', { session: 'shop', limit: '4' });
    expect(first.doc.events.map((e: { seq: number }) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(first.doc.more).toBe(true);
    const last = await api('events', { session: 'shop', fromSeq: '11', limit: '5' });
    expect(last.doc.events.map((e: { seq: number }) => e.seq)).toEqual([11, 12, 13]);
    expect(last.doc.more).toBe(false);
    expect(last.doc.events[0]).toMatchObject({ kind: 'custom', name: 'order.placed', data: { big: { $bigint: '10' }, tags: { $set: ['a'] } } });
    const before = await api('events', { session: 'shop', toSeq: '9', reverse: '1', limit: '3' });
    expect(before.doc.events.map((e: { seq: number }) => e.seq)).toEqual([9, 8, 7]);
    const spans = await api('events', { session: 'shop', kind: ['span.start', 'span.end'], trace: TRACE_A });
    expect(spans.doc.events.map((e: { seq: number }) => e.seq)).toEqual([2, 5, 6, 7]);
    const named = await api('events', { session: 'shop', name: 'db.query' });
    expect(named.doc.events.map((e: { seq: number }) => e.seq)).toEqual([5, 6]);
    const timed = await api('events', { session: 'shop', fromT: String(T0 + 7000), toT: String(T0 + 8000) });
    expect(timed.doc.events.map((e: { seq: number }) => e.seq)).toEqual([9, 10]);
  });

  it('summarizes a session: density buckets that add up to its events, markers, errors, span count', async () => {
    for (const buckets of [1, 7, 200]) {
      const { doc } = await api('summary', { session: 'shop', buckets: String(buckets) });
      expect(doc.density.counts).toHaveLength(buckets);
      expect(doc.density.counts.reduce((a: number, b: number) => a + b, 0)).toBe(13);
      expect(doc.density.exact).toBe(true);
      expect(doc).toMatchObject({ from: T0, to: T0 + 11_000, spanCount: 3, errors: [], truncated: false, session: { id: shop.shopId, eventCount: 13 } });
      expect(doc.markers).toEqual([{ seq: 8, t: T0 + 6000, name: 'checkout' }]);
    }
    const window = await api('density', { session: 'shop', from: String(T0 + 1000), to: String(T0 + 4000), buckets: '3' });
    expect(window.doc).toMatchObject({ from: T0 + 1000, to: T0 + 4000, counts: [1, 1, 3], exact: true });
  });

  it('gives the spans overlapping a window as a waterfall: each child under its parent', async () => {
    const { doc } = await api('spans', { session: 'shop' });
    expect(doc.total).toBe(3);
    expect(doc.spans.map((s: { spanId: string; depth: number }) => [s.spanId, s.depth])).toEqual([
      [SPAN_ROOT, 0],
      [SPAN_DB, 1],
      [SPAN_LATE, 0],
    ]);
    expect(doc.spans[0]).toMatchObject({ name: 'POST /cart', traceId: TRACE_A, startSeq: 2, endSeq: 7, startT: T0 + 1000, endT: T0 + 5000 });
    expect(doc.spans[2].endT).toBeUndefined();
    const late = await api('spans', { session: 'shop', from: String(T0 + 6000) });
    expect(late.doc.spans.map((s: { traceId: string }) => s.traceId)).toEqual([TRACE_B]);
    const capped = await api('spans', { session: 'shop', limit: '1' });
    expect(capped.doc).toMatchObject({ total: 3, spans: [{ spanId: SPAN_ROOT, depth: 0 }] });
  });

  it('gives the history of a path, given as a JSON array of segments', async () => {
    const { doc } = await api('history', { session: 'shop', path: JSON.stringify(['cart', 'total']) });
    expect(doc.entries.map((h: { seq: number }) => h.seq)).toEqual([1, 4, 9, 10]);
    expect(doc.entries[2]).toMatchObject({ seq: 9, op: 'replace', path: ['cart', 'total'], prev: 10, value: -5 });
    expect(doc.total).toBe(4);
    const limited = await api('history', { session: 'shop', path: JSON.stringify(['cart', 'items', 0, 'qty']), limit: '1' });
    expect(limited.doc).toMatchObject({ total: 3, entries: [{ seq: 1 }] });
    // Map keys the page offers history for (booleans, null, any number), and deep paths.
    const mapKeys = await api('history', { session: 'shop', path: JSON.stringify(['cart', true, null, 1.5, -0.25]) });
    expect(mapKeys.status).toBe(200);
    expect(mapKeys.doc.path).toEqual(['cart', true, null, 1.5, -0.25]);
    const deep = await api('history', { session: 'shop', path: JSON.stringify(['cart', ...Array.from({ length: 60 }, (_, i) => `level${i}`)]) });
    expect(deep.status).toBe(200);
  });
});
