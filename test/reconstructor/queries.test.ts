import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Recorder } from '../../instrumentation/Recorder.js';
import { openRecording, Recording } from '../../reconstructor/Recording.js';
import type { TrackedState } from '../../reconstructor/SnapshotSource.js';
import { ManualClock } from '../../src/Clock.js';
import { ErrorCodes } from '../../src/errors.js';
import { openStore } from '../../src/store/Store.js';
import { tempDir } from '../fixtures/stores.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A small recorded session: a cart changed inside two "requests" (trace contexts). */
async function cartSession() {
  const store = await openStore({ memory: true });
  const clock = new ManualClock(1_000_000);
  let ctx: { traceId: string; spanId: string } | undefined;
  const recorder = await Recorder.open({ store, clock, activeContext: () => ctx });
  const cart = recorder.track('cart', { items: [] as { sku: string; qty: number }[], total: 0, coupon: undefined as string | undefined });
  const times: number[] = [];
  const step = (fn: () => void) => {
    clock.advance(10);
    fn();
    times.push(clock.nowUs());
  };
  ctx = { traceId: 'a'.repeat(32), spanId: '1'.repeat(16) };
  recorder.log.append({ kind: 'span.start', name: 'POST /cart', traceId: ctx.traceId, spanId: ctx.spanId, data: {} });
  step(() => cart.items.push({ sku: 'w', qty: 1 }));
  step(() => (cart.total = 10));
  recorder.log.append({ kind: 'span.start', name: 'db.query', traceId: ctx.traceId, spanId: '2'.repeat(16), data: { parentSpanId: ctx.spanId } });
  const insideBoth = clock.nowUs();
  clock.advance(1);
  recorder.log.append({ kind: 'span.end', name: 'db.query', traceId: ctx.traceId, spanId: '2'.repeat(16) });
  recorder.log.append({ kind: 'span.end', name: 'POST /cart', traceId: ctx.traceId, spanId: ctx.spanId });
  ctx = { traceId: 'b'.repeat(32), spanId: '3'.repeat(16) };
  step(() => (cart.items[0].qty = 3));
  step(() => (cart.total = -5));
  step(() => (cart.coupon = 'SAVE'));
  step(() => (cart.total = 30));
  ctx = undefined;
  step(() => recorder.record('cart.cleared', { by: 'admin' }));
  await recorder.log.close();
  const session = await Recording.fromStore(store).session(recorder.sessionId);
  return { store, session, times, insideBoth, traceA: 'a'.repeat(32), traceB: 'b'.repeat(32) };
}

describe('queries', () => {
  it('diff lists changed paths with before, after and the events that changed them', async () => {
    const { session, times, traceB } = await cartSession();
    const changes = await session.diff(times[1], times[5]);
    const byPath = Object.fromEntries(changes.map((c) => [c.path.join('.'), c]));
    expect(byPath['cart.total']).toMatchObject({ kind: 'changed', before: 10, after: 30 });
    expect(byPath['cart.total'].events.map((e) => e.traceId)).toEqual([traceB, traceB]);
    expect(byPath['cart.items.0.qty']).toMatchObject({ kind: 'changed', before: 1, after: 3 });
    expect(byPath['cart.coupon']).toMatchObject({ after: 'SAVE' });
  });

  it('history follows one path with t, seq and the request that changed it', async () => {
    const { session, traceA, traceB } = await cartSession();
    const h = await session.history('cart.total');
    expect(h.map((x) => [x.prev, x.value, x.traceId])).toEqual([
      [undefined, 0, undefined],
      [0, 10, traceA],
      [10, -5, traceB],
      [-5, 30, traceB],
    ]);
    expect(h.every((x, i) => i === 0 || (x.seq > h[i - 1].seq && x.t >= h[i - 1].t))).toBe(true);
    const items = await session.history(['cart', 'items']);
    expect(items.map((x) => x.op)).toEqual(['replace', 'splice', 'replace']);
  });

  it('findFirst finds the first instant a predicate holds', async () => {
    const { session, times } = await cartSession();
    const total = (s: Readonly<TrackedState>) => (s.cart as { total: number } | undefined)?.total ?? 0;
    const found = await session.findFirst((s) => total(s) < 0, { mode: 'exhaustive' });
    expect(found?.t).toBe(times[3]);
    expect(total(found!.state)).toBe(-5);
    // A condition that still holds at the end is found from checkpoints alone.
    const late = await session.findFirst((s) => total(s) >= 30);
    expect(late?.t).toBe(times[5]);
    // 'snapshots' only tests at checkpoints: a transient condition between them is documented as unseen.
    expect(await session.findFirst((s) => total(s) < 0, { mode: 'snapshots' })).toBeUndefined();
    expect(await session.findFirst(() => false)).toBeUndefined();
    expect(await session.findFirst((s) => total(s) < 0, { from: times[5], mode: 'exhaustive' })).toBeUndefined();
    expect((await session.findFirst((s) => total(s) < 0, { from: times[4], mode: 'exhaustive' }))?.seq).toBe((await session.reconstruct(times[4])).seq);
  });

  it('spansAt gives the open spans as a tree', async () => {
    const { session, insideBoth, times } = await cartSession();
    const open = await session.spansAt(insideBoth);
    expect(open.map((s) => s.name)).toEqual(['POST /cart']);
    expect(open[0].children.map((s) => s.name)).toEqual(['db.query']);
    expect(await session.spansAt(times[5])).toEqual([]);
  });

  it('replayEvents calls back with each event and the state after it', async () => {
    const { session, times } = await cartSession();
    const seen: [string, unknown][] = [];
    const n = await session.replayEvents({ from: times[2], to: times[4] }, (e, s) => {
      seen.push([e.kind, (s.cart as { total: number }).total]);
    });
    expect(n).toBe(seen.length);
    // `from` is inclusive: the change made at times[2] (qty) is the first one.
    expect(seen).toEqual([
      ['state.patch', 10],
      ['state.patch', -5],
      ['state.patch', -5],
    ]);
  });

  it('events() filters by kind, name, trace id and time', async () => {
    const { session, traceA, times } = await cartSession();
    const kinds: string[] = [];
    for await (const e of session.events({ traceId: traceA, kinds: ['span.start', 'span.end'] })) kinds.push(`${e.kind} ${e.name}`);
    expect(kinds).toEqual(['span.start POST /cart', 'span.start db.query', 'span.end db.query', 'span.end POST /cart']);
    const custom = [];
    for await (const e of session.events({ from: times[6], kinds: ['custom'] })) custom.push(e.data);
    expect(custom).toEqual([{ by: 'admin' }]);
  });

  it('custom reducers rebuild event-sourced state from domain events', async () => {
    const store = await openStore({ memory: true });
    const recorder = await Recorder.open({ store, clock: new ManualClock() });
    for (const amount of [5, 7, -2]) recorder.record('deposit', { amount });
    recorder.record('rename', { owner: 'ada' });
    await recorder.log.close();
    const recording = Recording.fromStore(store, {
      reducers: {
        deposit: (s, e) => ({ ...s, balance: ((s.balance as number) ?? 0) + (e.data as { amount: number }).amount }),
        rename: (s, e) => {
          s.owner = (e.data as { owner: string }).owner;
        },
      },
    });
    const session = await recording.session();
    expect(await session.stateAt({ seq: 2 })).toEqual({ balance: 12 });
    expect(await session.stateAt({ seq: 4 })).toEqual({ balance: 10, owner: 'ada' });
    const cursor = await session.cursor({ seq: 4 });
    await cursor.prev();
    expect(cursor.state).toEqual({ balance: 10 });
    await cursor.prev();
    expect(cursor.state).toEqual({ balance: 12 });
  });

  it('rejects malformed instants with a one-line error', async () => {
    const { session } = await cartSession();
    await expect(session.stateAt({ seq: -1 })).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT });
    await expect(session.stateAt(Number.NaN)).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT });
  });
});

describe('openRecording', () => {
  it('opens the recording of a process that crashed, and reports it as crashed', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const child = `
      const { Recorder } = await import(${JSON.stringify(new URL('../../dist/instrumentation/Recorder.js', import.meta.url).href)});
      const r = await Recorder.open({ dir: ${JSON.stringify(dir)}, name: 'doomed' });
      const s = r.track('s', { n: 0 });
      for (let i = 0; i < 500; i++) s.n++;
      await r.flush();
      process.kill(process.pid, 'SIGKILL');`;
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', child]);
    expect(res.signal).toBe('SIGKILL');
    const recording = await openRecording(dir);
    const session = await recording.session('doomed');
    expect(session.info.status).toBe('crashed');
    expect(await session.stateAt({ seq: session.info.lastSeq })).toEqual({ s: { n: 500 } });
    await recording.close();
  });

  it('names the pid holding a directory and refuses a missing one', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const recorder = await Recorder.open({ dir });
    const err = await openRecording(dir).catch((e) => e);
    // In one process LevelDB's lock is per handle: the open fails the same way.
    expect(err.code).toBe(ErrorCodes.LOCKED);
    expect(err.message).toContain(`pid ${process.pid}`);
    await recorder.stop();
    await expect(openRecording(`${dir}/missing`)).rejects.toMatchObject({ code: ErrorCodes.NOT_FOUND });
  });
});
