import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Recorder } from '../../instrumentation/Recorder.js';
import { managerSnapshots } from '../../reconstructor/ManagerSnapshots.js';
import { Recording } from '../../reconstructor/Recording.js';
import { ManualClock } from '../../src/Clock.js';
import { ErrorCodes } from '../../src/errors.js';
import { openStore } from '../../src/store/Store.js';
import { copyValue } from '../../src/values/copyValue.js';
import { rawOf } from '../../src/values/proxyRegistry.js';
import { deepEqualExact } from '../fixtures/deepEqualExact.js';
import { buildValue, mutationProgramArb, runStep, startProgram } from '../fixtures/mutationPrograms.js';

const NO_AUTO = { eventInterval: 0, automaticInterval: 0, foldInWorker: false };

async function open() {
  const store = await openStore({ memory: true });
  const clock = new ManualClock(1_000_000);
  const recorder = await Recorder.open({ store, clock, snapshots: NO_AUTO });
  return { store, clock, recorder };
}

/** The reconstructor's answer (an implementation independent of restore's own replay). */
async function reconstructed(recorder: Recorder, at: number | { seq: number }) {
  await recorder.flush();
  const recording = Recording.fromStore(recorder.store, { snapshots: () => managerSnapshots(recorder.snapshots!) });
  return (await recording.session(recorder.sessionId)).reconstruct(at);
}

const live = (recorder: Recorder, name: string) => recorder.tracker.raw(name);

describe('recorder.restore', () => {
  it('restores random programs to random instants exactly, keeping identity; the timeline stays true and the restore is undoable', async () => {
    await fc.assert(
      fc.asyncProperty(mutationProgramArb({ maxSteps: 30 }), fc.nat(), fc.integer({ min: 2, max: 6 }), async (program, pick, every) => {
        const { recorder, clock } = await open();
        const root = recorder.track('s', buildValue(program.initial) as object);
        const other = recorder.track('o', { n: 0, list: [1] });
        const run = startProgram(root);
        const instants = [recorder.log.lastSeq];
        for (const [i, step] of program.steps.entries()) {
          clock.advance(5);
          runStep(run, step);
          other.n++;
          if (i % every === 0) await recorder.checkpoint();
          instants.push(recorder.log.lastSeq);
        }
        const target = instants[pick % instants.length];
        const before = copyValue(live(recorder, 's'));
        const expected = (await reconstructed(recorder, { seq: target })).state;

        const result = await recorder.restore({ seq: target });
        expect(result.to.seq).toBe(target);
        expect(deepEqualExact(live(recorder, 's'), expected.s)).toBeUndefined();
        expect(deepEqualExact(live(recorder, 'o'), expected.o)).toBeUndefined();
        expect(rawOf(root)).toBe(live(recorder, 's'));
        expect(rawOf(other)).toBe(live(recorder, 'o'));

        // The patches of the restore replay to the live state.
        const now = (await reconstructed(recorder, { seq: recorder.log.lastSeq })).state;
        expect(deepEqualExact(now.s, live(recorder, 's'))).toBeUndefined();
        expect(deepEqualExact(now.o, live(recorder, 'o'))).toBeUndefined();

        await recorder.restore({ seq: result.before });
        expect(deepEqualExact(live(recorder, 's'), before)).toBeUndefined();
        expect(rawOf(root)).toBe(live(recorder, 's'));
        await recorder.stop();
      }),
      { seed: 9_2026, numRuns: 100 },
    );
  });

  it('restores by time, by mark label and by snapshot id', async () => {
    const { recorder, clock } = await open();
    const cart = recorder.track('cart', { items: [] as string[], total: 0 });
    clock.advance(10);
    cart.items.push('a');
    cart.total = 5;
    const tA = clock.nowUs();
    recorder.mark('before-b');
    const snap = await recorder.checkpoint();
    clock.advance(10);
    cart.items.push('b');
    cart.total = 9;
    clock.advance(10);
    cart.items.length = 0;
    cart.total = 0;

    await recorder.restore(tA);
    expect(cart).toEqual({ items: ['a'], total: 5 });
    cart.total = 100;
    await recorder.restore('before-b');
    expect(cart).toEqual({ items: ['a'], total: 5 });
    cart.items.push('z');
    await recorder.restore(snap!);
    expect(cart).toEqual({ items: ['a'], total: 5 });
    await recorder.stop();
  });

  it('selective restore leaves the other names untouched', async () => {
    const { recorder } = await open();
    const a = recorder.track('a', { v: 1 });
    const b = recorder.track('b', new Map([['k', 1]]));
    const mark = recorder.mark('start');
    a.v = 2;
    b.set('k', 2).set('j', 3);
    const bBefore = live(recorder, 'b');
    const result = await recorder.restore({ seq: mark }, { names: ['a'] });
    expect(result.names).toEqual(['a']);
    expect(a).toEqual({ v: 1 });
    expect(live(recorder, 'b')).toBe(bBefore);
    expect([...b]).toEqual([
      ['k', 2],
      ['j', 3],
    ]);
    await recorder.restore({ seq: mark }, { names: ['b'] });
    expect([...b]).toEqual([['k', 1]]);
    await recorder.stop();
  });

  it('records the restore as patches plus a restore event', async () => {
    const { recorder } = await open();
    const s = recorder.track('s', { n: 1, deep: { x: [1, 2, 3] } });
    const deep = s.deep;
    const mark = recorder.mark('m');
    s.n = 2;
    s.deep.x.push(4);
    const result = await recorder.restore({ seq: mark });
    expect(s.deep).toBe(deep);
    await recorder.flush();
    const session = await Recording.fromStore(recorder.store).session(recorder.sessionId);
    const kinds: string[] = [];
    for await (const e of session.events({ from: { seq: result.before + 1 } })) kinds.push(e.kind);
    expect(kinds).toEqual(['state.patch', 'state.patch', 'restore']);
    const [restoreEvent] = await collect(session.events({ kinds: ['restore'] }));
    expect(restoreEvent.data).toEqual({ to: result.to, names: ['s'], before: result.before });
    await recorder.stop();
  });

  it('validates before changing anything', async () => {
    const { recorder } = await open();
    const s = recorder.track('s', { n: 1 });
    const first = recorder.log.lastSeq;
    const late = recorder.track('late', [1]);
    s.n = 2;
    const count = recorder.log.lastSeq;
    await expect(recorder.restore({ seq: first }, { names: ['s', 'late'] })).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT });
    await expect(recorder.restore({ seq: first }, { names: ['nope'] })).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT });
    await expect(recorder.restore('no-such-label')).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT });
    await expect(recorder.restore({ seq: -1 })).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT });
    // A name that was a different kind at the target.
    recorder.track('late', new Set([1]));
    const shape = recorder.log.lastSeq;
    await expect(recorder.restore({ seq: count })).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT });
    expect(recorder.log.lastSeq).toBe(shape);
    expect(s).toEqual({ n: 2 });
    expect(late).toEqual([1]);
    // Without explicit names, a name that did not exist yet is skipped.
    const r = await recorder.restore({ seq: first - 1 });
    expect(r.skipped).toEqual(['s', 'late']);
    await recorder.stop();
  });
});

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
