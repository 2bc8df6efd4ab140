import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, corruptBlock, makeShopRecording, SPAN_DB, SPAN_ROOT, T0, TRACE_A, type ShopRecording } from '../fixtures/cliRecordings.js';

let rec: ShopRecording;
let dir: string;
let work: string;
const run = (args: string[]) => cli([...args, '--dir', dir]);
const json = (args: string[]) => {
  const r = cli([...args, '--dir', dir, '--json']);
  return { ...r, doc: r.stdout.trim() ? JSON.parse(r.stdout) : undefined };
};

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'hindsight-cli-data-'));
  dir = join(work, 'rec');
  rec = await makeShopRecording(dir);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('snapshots', () => {
  it('list, create, info, delete', () => {
    const before = json(['snapshots', 'list']).doc;
    expect(before.session).toBe(rec.shopId);
    // The initial full at seq 0 and the checkpoint at seq 8 (promoted to a full or not: small states vary).
    expect(before.snapshots.map((m: { seq: number }) => m.seq)).toEqual([0, 8]);
    const created = json(['snapshots', 'create', '--at', 'seq:10', '--tag', 'bug']);
    expect(created.code).toBe(0);
    expect(created.doc.snapshot).toMatchObject({ seq: 10, t: T0 + 8000, type: 'full', tags: ['bug'] });
    const id = created.doc.snapshot.id;
    const info = json(['snapshots', 'info', id, '--state']).doc;
    expect(info.chain).toEqual([id]);
    expect(info.state).toEqual({ cart: { items: [{ sku: 'w', qty: 1 }], total: 30 } });
    const incId = before.snapshots[1].id;
    expect(json(['snapshots', 'info', incId]).doc.chain.at(-1)).toBe(incId);
    // The reconstructor still gives the same states with the new snapshot in place.
    expect(json(['state', '--at', 'seq:13']).doc.state).toEqual({ cart: { items: [{ sku: 'w', qty: 3 }], total: 30 } });
    expect(json(['snapshots', 'delete', id]).doc).toEqual({ deleted: id });
    const gone = run(['snapshots', 'delete', id]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe(`HINDSIGHT_UNKNOWN_SNAPSHOT: no snapshot with id ${id}\n`);
    expect(run(['snapshots', 'info', 'nope']).stderr).toMatch(/^HINDSIGHT_UNKNOWN_SNAPSHOT/);
  });

  it('export then import round-trips (json and binary); a damaged or unreadable file imports nothing', () => {
    for (const format of ['json', 'binary']) {
      const file = join(work, `snaps.${format}`);
      const exp = json(['snapshots', 'export', '--out', file, '--format', format]);
      expect(exp.code, exp.stderr).toBe(0);
      expect(exp.doc).toMatchObject({ session: rec.shopId, file, format, count: 2 });
      expect(json(['snapshots', 'import', file]).doc).toMatchObject({ imported: 0, skipped: expect.any(Array) });
      expect(json(['snapshots', 'import', file, '--overwrite']).doc.imported).toBe(2);
    }
    const damaged = join(work, 'damaged.binary');
    const bytes = readFileSync(join(work, 'snaps.binary'));
    writeFileSync(damaged, bytes.subarray(0, bytes.length - 10));
    const bad = run(['snapshots', 'import', damaged]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^HINDSIGHT_INVALID_IMPORT: nothing imported: .*\n$/);
    const missing = run(['snapshots', 'import', join(work, 'absent.json')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^HINDSIGHT_INVALID_IMPORT: nothing imported: cannot read .*absent\.json \(ENOENT\)\n$/);
    expect(json(['snapshots', 'list']).doc.snapshots).toHaveLength(2);
  });

  it('cleanup --older-than: dry run lists, the real run removes all but the newest; verify checks them', () => {
    expect(run(['snapshots', 'cleanup']).code).toBe(2);
    expect(run(['snapshots', 'cleanup', '--older-than', 'soon']).code).toBe(2);
    const keep = json(['snapshots', 'cleanup', '--older-than', '7d']).doc;
    expect(keep.removed).toEqual([]);
    const list = json(['snapshots', 'list']).doc.snapshots;
    const dry = json(['snapshots', 'cleanup', '--older-than', '1ms', '--dry-run']).doc;
    expect(dry).toMatchObject({ dryRun: true, removed: [list[0].id] });
    expect(json(['snapshots', 'list']).doc.snapshots).toHaveLength(2);
    expect(json(['snapshots', 'cleanup', '--older-than', '1ms']).doc.removed).toEqual([list[0].id]);
    const left = json(['snapshots', 'list']).doc.snapshots;
    expect(left.map((m: { id: string; type: string }) => [m.id, m.type])).toEqual([[list[1].id, 'full']]);
    expect(json(['snapshots', 'verify'])).toMatchObject({ code: 0, doc: { ok: true, checked: 1, corrupt: [] } });
  });
});

describe('export', () => {
  it('jsonl: one event per line', () => {
    const r = run(['export', '--format', 'jsonl']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(13);
    expect(lines[1]).toEqual({ seq: 2, t: T0 + 1000, kind: 'span.start', name: 'POST /cart', traceId: TRACE_A, spanId: SPAN_ROOT, data: { 'http.method': 'POST' } });
  });

  it('chrome-trace parses and holds the spans as X slices and the state changes as instants', () => {
    const file = join(work, 'trace.json');
    const r = json(['export', '--format', 'chrome-trace', '--out', file]);
    expect(r.code, r.stderr).toBe(0);
    const trace = JSON.parse(readFileSync(file, 'utf8'));
    const slices = trace.traceEvents.filter((e: { ph: string }) => e.ph === 'X');
    expect(slices.map((s: { name: string; ts: number; dur: number }) => [s.name, s.ts, s.dur])).toEqual([
      ['POST /cart', 1000, 4000],
      ['db.query', 3500, 500],
      ['GET /late', 10_000, 1000],
    ]);
    expect(slices[1].tid).toBe(slices[0].tid);
    expect(slices[1].args).toMatchObject({ spanId: SPAN_DB, parentSpanId: SPAN_ROOT });
    expect(slices[2].args.unfinished).toBe(true);
    const state = trace.traceEvents.filter((e: { cat: string }) => e.cat === 'state');
    expect(state.map((e: { name: string; ts: number; ph: string }) => [e.ph, e.name, e.ts])).toEqual([
      ['i', 'cart', 0],
      ['i', 'cart.items', 2000],
      ['i', 'cart.total', 3000],
      ['i', 'cart.total', 7000],
      ['i', 'cart.total', 8000],
      ['i', 'cart.items.0.qty', 11_000],
    ]);
    expect(state[2]).toMatchObject({ tid: slices[0].tid, args: { seq: 4, op: 'replace', value: 10, prev: 0 } });
    expect(trace.traceEvents.find((e: { cat: string }) => e.cat === 'marker')).toMatchObject({ ph: 'i', s: 'p', name: 'checkout', ts: 6000 });
    expect(trace.otherData).toMatchObject({ session: rec.shopId, startT: T0 });
    expect(readdirSync(work).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('otlp-json: spans with nanosecond times, parents, attributes and span events', () => {
    const doc = JSON.parse(run(['export', '--format', 'otlp-json']).stdout);
    const spans = doc.resourceSpans[0].scopeSpans[0].spans;
    expect(spans.map((s: { name: string }) => s.name)).toEqual(['POST /cart', 'db.query', 'GET /late']);
    expect(spans[0]).toMatchObject({ traceId: TRACE_A, spanId: SPAN_ROOT, startTimeUnixNano: `${T0 + 1000}000`, endTimeUnixNano: `${T0 + 5000}000` });
    expect(spans[0].attributes).toContainEqual({ key: 'http.method', value: { stringValue: 'POST' } });
    expect(spans[1].parentSpanId).toBe(SPAN_ROOT);
    expect(spans[0].events.map((e: { name: string }) => e.name)).toEqual(['state cart.items', 'state cart.total']);
    expect(doc.resourceSpans[0].resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'shop' } });
  });

  it('a bad format is a usage error and writes nothing', () => {
    const file = join(work, 'never.json');
    const r = run(['export', '--format', 'xml', '--out', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^HINDSIGHT_INVALID_ARGUMENT: export needs --format/);
    expect(existsSync(file)).toBe(false);
  });
});

describe('stats and verify', () => {
  it('stats: events by kind, bytes, compression ratio, snapshots by type', () => {
    const { doc, code } = json(['stats']);
    expect(code).toBe(0);
    expect(doc.events).toEqual({ total: 13, byKind: { 'state.patch': 6, 'span.start': 3, 'span.end': 2, marker: 1, custom: 1 } });
    expect(doc.blocks.count).toBe(3);
    expect(doc.blocks.storedBytes).toBeGreaterThan(0);
    expect(doc.blocks.compressionRatio).toBeGreaterThan(0);
    expect(doc.snapshots).toMatchObject({ total: 1, full: 1, incremental: 0 });
    expect(run(['stats']).stdout).toMatch(/^events {6}13: state\.patch 6/m);
  });

  it('verify passes on a sound recording, then fails (exit 1) naming the lost range of a corrupt block', async () => {
    expect(json(['verify'])).toMatchObject({ code: 0, doc: { ok: true } });
    await corruptBlock(dir, rec.shopId, 6);
    const r = json(['verify']);
    expect(r.code).toBe(1);
    const shop = r.doc.sessions.find((s: { id: string }) => s.id === rec.shopId);
    expect(shop.lost).toEqual([{ fromSeq: 6, toSeq: 10, fromT: T0 + 4000, toT: T0 + 8000, reason: 'corrupt', error: expect.stringMatching(/^HINDSIGHT_CORRUPT_BLOCK: .*seq 6\.\.10.*checksum mismatch/) }]);
    expect(r.doc.sessions.find((s: { id: string }) => s.id === rec.otherId).lost).toEqual([]);
    const human = run(['verify']);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain('lost seq 6..10 (2023-11-14T22:13:20.004000Z .. 2023-11-14T22:13:20.008000Z): corrupt');
    const reading = run(['events', '--from', 'seq:6']);
    expect(reading.code).toBe(1);
    expect(reading.stderr.split('\n').filter(Boolean).pop()).toMatch(/^HINDSIGHT_CORRUPT_BLOCK: /);
  });
});
