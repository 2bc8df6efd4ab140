import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../fixtures/stores.js';
import { cli, makeShopRecording, SPAN_DB, SPAN_LATE, SPAN_ROOT, T0, TRACE_A, type ShopRecording } from '../fixtures/cliRecordings.js';

let rec: ShopRecording;
let dir: string;
const json = (args: string[], input?: string) => {
  const r = cli([...args, '--dir', dir, '--json'], { input });
  expect(r.stderr === '' || r.code === 0 || r.code === 1, r.stderr).toBe(true);
  return { ...r, doc: r.stdout.trim() ? JSON.parse(r.stdout) : undefined };
};

beforeAll(async () => {
  dir = tempDir('hindsight-cli-');
  rec = await makeShopRecording(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sessions', () => {
  it('lists both sessions oldest first, as a table on a pipe (tab-separated) and as JSON', () => {
    const human = cli(['sessions', '--dir', dir]);
    expect(human.code).toBe(0);
    const lines = human.stdout.trim().split('\n');
    expect(lines[0].split('\t')).toEqual(['id', 'name', 'status', 'events', 'start', 'duration', 'pid']);
    expect(lines[2].split('\t').slice(0, 5)).toEqual([rec.shopId, 'shop', 'ended', '13', '2023-11-14T22:13:20.000000Z']);
    const { doc } = json(['sessions']);
    expect(doc.sessions.map((s: { name: string }) => s.name)).toEqual(['other', 'shop']);
    expect(doc.sessions[1]).toMatchObject({ id: rec.shopId, startT: T0, eventCount: 13, lastSeq: 13, status: 'ended' });
  });
});

describe('events', () => {
  it('streams NDJSON with filters on kind, name, trace, time range, limit and reverse', () => {
    const all = cli(['events', '--dir', dir, '--json']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(all.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(all[10]).toEqual({ seq: 11, t: T0 + 9000, kind: 'custom', name: 'order.placed', data: { id: 'o-1', big: { $bigint: '10' }, when: { $date: '1970-01-01T00:00:00.000Z' }, tags: { $set: ['a'] } } });
    const spans = cli(['events', '--dir', dir, '--json', '--kind', 'span.start', '--kind', 'span.end', '--trace', TRACE_A]).stdout.trim().split('\n');
    expect(spans.map((l) => JSON.parse(l).seq)).toEqual([2, 5, 6, 7]);
    const ranged = cli(['events', '--dir', dir, '--json', '--from', '+3ms', '--to', 'seq:9', '--reverse', '--limit', '3']).stdout.trim().split('\n');
    expect(ranged.map((l) => JSON.parse(l).seq)).toEqual([9, 8, 7]);
    const byName = cli(['events', '--dir', dir, '--json', '--name', 'checkout']).stdout.trim();
    expect(JSON.parse(byName)).toMatchObject({ seq: 8, kind: 'marker' });
  });

  it('prints one tab-separated row per event on a pipe, with what each patch did', () => {
    const r = cli(['events', '--dir', dir, '--from', 'seq:9', '--to', 'seq:9']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')[1].split('\t')).toEqual(['9', '2023-11-14T22:13:20.007000Z', 'state.patch', 'cart', '', 'cart.total = -5 (was 10)']);
  });
});

describe('state', () => {
  it('--json has the documented shape { session, t, seq, state }', () => {
    const { doc, code } = json(['state', '--at', `${T0 + 3000}`]);
    expect(code).toBe(0);
    expect(doc).toEqual({ session: rec.shopId, t: T0 + 3000, seq: 4, state: { cart: { items: [{ sku: 'w', qty: 1 }], total: 10 } } });
  });

  it('accepts every time form and --path', () => {
    // Every form is unit-tested in time.test.ts; here, that the CLI wires them through.
    const forms = ['+7.5ms', '2023-11-14T22:13:20.007000Z'];
    for (const f of forms) expect(json(['state', '--at', f, '--path', 'cart.total']).doc, f).toMatchObject({ seq: 9, path: 'cart.total', state: -5 });
    expect(json(['state', '--at', 'seq:13', '--path', 'cart.items.0']).doc.state).toEqual({ sku: 'w', qty: 3 });
  });

  it('prints the value for people, and a missing path is an error (exit 1)', () => {
    const r = cli(['state', '--dir', dir, '--at', 'seq:4', '--path', 'cart.total']);
    expect(r).toMatchObject({ code: 0, stdout: '10\n' });
    const missing = cli(['state', '--dir', dir, '--at', 'seq:4', '--path', 'cart.coupon']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^HINDSIGHT_INVALID_ARGUMENT: cart.coupon does not exist at seq 4\n$/);
  });

  it('--session picks a session by name', () => {
    expect(json(['state', '--at', 'seq:2', '--session', 'other']).doc).toMatchObject({ session: rec.otherId, seq: 2, state: { counter: { n: 1 } } });
  });
});

describe('diff, history, find', () => {
  it('diff lists changed paths with before/after and the events that changed them', () => {
    const { doc } = json(['diff', '--from', 'seq:4', '--to', 'seq:13']);
    expect(doc.from).toEqual({ seq: 4, t: T0 + 3000 });
    expect(doc.to).toEqual({ seq: 13, t: T0 + 11_000 });
    const byPath = Object.fromEntries(doc.changes.map((c: { path: string[] }) => [c.path.join('.'), c]));
    expect(byPath['cart.total']).toMatchObject({ kind: 'changed', before: 10, after: 30 });
    expect(byPath['cart.total'].events.map((e: { seq: number }) => e.seq)).toEqual([9, 10]);
    expect(byPath['cart.items.0.qty']).toMatchObject({ before: 1, after: 3 });
    const human = cli(['diff', '--dir', dir, '--from', 'seq:4', '--to', 'seq:13']);
    expect(human.stdout).toContain('~ cart.total: 10 -> 30  [seq 9, 10]');
  });

  it('history follows one path', () => {
    const { doc } = json(['history', 'cart.total']);
    expect(doc.entries.map((h: { seq: number; value: unknown }) => [h.seq, h.value])).toEqual([
      [1, 0],
      [4, 10],
      [9, -5],
      [10, 30],
    ]);
    expect(doc.entries[1]).toMatchObject({ op: 'replace', prev: 0, traceId: TRACE_A, spanId: SPAN_ROOT, path: ['cart', 'total'] });
    const human = cli(['history', 'cart.total', '--dir', dir, '--from', 'seq:5']);
    expect(human.stdout.trim().split('\n').slice(1).map((l) => l.split('\t')[0])).toEqual(['9', '10']);
  });

  it('find gives the first instant an expression holds, exit 1 when never, exit 2 when it does not compile', () => {
    const { doc, code } = json(['find', 'state.cart.total < 0']);
    expect(code).toBe(0);
    expect(doc).toMatchObject({ session: rec.shopId, found: true, seq: 9, t: T0 + 7000, event: { seq: 9, name: 'cart' }, state: { cart: { total: -5 } } });
    const never = json(['find', 'state.cart.total > 1000']);
    expect(never.code).toBe(1);
    expect(never.doc).toEqual({ session: rec.shopId, expression: 'state.cart.total > 1000', found: false });
    const bad = cli(['find', 'state.cart.total <', '--dir', dir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^HINDSIGHT_INVALID_ARGUMENT: the expression does not compile/);
    const throwing = cli(['find', 'state.nope.deeper === 1', '--dir', dir]);
    expect(throwing.code).toBe(1);
    expect(throwing.stderr).toMatch(/expression threw \d+ time\(s\), counted as false/);
  });
});

describe('spans', () => {
  it('lists spans with durations, the unfinished one without an end', () => {
    const { doc } = json(['spans']);
    expect(doc.spans.map((s: { name: string; durationUs?: number }) => [s.name, s.durationUs])).toEqual([
      ['POST /cart', 4000],
      ['db.query', 500],
      ['GET /late', undefined],
    ]);
    expect(doc.spans[0]).toMatchObject({ spanId: SPAN_ROOT, attributes: { 'http.method': 'POST' }, startSeq: 2, endSeq: 7 });
    expect(doc.spans[1].parentSpanId).toBe(SPAN_ROOT);
  });

  it('--at gives the tree of spans open then', () => {
    const { doc } = json(['spans', '--at', '+3.7ms']);
    expect(doc.seq).toBe(5);
    expect(doc.spans).toHaveLength(1);
    expect(doc.spans[0]).toMatchObject({ name: 'POST /cart', spanId: SPAN_ROOT, children: [{ name: 'db.query', spanId: SPAN_DB, children: [] }] });
    const human = cli(['spans', '--dir', dir, '--at', '+3.7ms']);
    expect(human.stdout).toMatch(/^POST \/cart .*\n {2}db\.query /);
    expect(json(['spans', '--at', 'seq:13']).doc.spans.map((s: { spanId: string }) => s.spanId)).toEqual([SPAN_LATE]);
  });
});

describe('step', () => {
  it('is driven through a pipe: next, prev, jump, find, state; shows the event, its span and the changed paths', () => {
    const input = ['n 3', 'p', '', 'j seq:4', 'f state.cart.total < 0', 's cart.total', 'n 100', 'q', 'n'].join('\n');
    const r = cli(['step', '--dir', dir, '--json'], { input });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.seq)).toEqual([0, 3, 2, 1, 4, 9, 9, 13]);
    expect(lines[0]).toMatchObject({ seq: 0, t: T0, event: null, span: null, changed: [] });
    expect(lines[1]).toMatchObject({ event: { seq: 3, kind: 'state.patch' }, span: { name: 'POST /cart', spanId: SPAN_ROOT }, changed: ['cart.items'] });
    expect(lines[5]).toMatchObject({ changed: ['cart.total'], span: null });
    expect(lines[6]).toEqual({ seq: 9, path: 'cart.total', state: -5 });
    expect(lines[7].note).toBe('at the end of the session');
  });

  it('shows events for people and reports a bad command without stopping (exit 1)', () => {
    const r = cli(['step', '--dir', dir, '--at', 'seq:2'], { input: 'next\nbogus\njump nonsense\nprev\n' });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('seq 3/13  2023-11-14T22:13:20.002000Z  state.patch cart');
    expect(r.stdout).toContain('  span   POST /cart trace aaaaaaaa span 11111111');
    expect(r.stdout).toContain('  changed cart.items splice @0');
    expect(r.stdout.match(/^seq 2\/13 .* span\.start POST \/cart$/gm)).toHaveLength(2);
    expect(r.stderr).toContain('unknown stepper command "bogus"');
    expect(r.stderr).toContain('HINDSIGHT_INVALID_ARGUMENT: bad time expression "nonsense"');
  });
});
