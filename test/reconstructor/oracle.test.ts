/**
 * The core oracle of the project: random mutation programs are recorded
 * through the real pipeline (tracker → EventLog blocks → store), the live
 * state is captured after every step as ground truth, and the reconstructor
 * must give back exactly that state at random instants, by time and by seq,
 * and stepping backwards from the end must pass through every one of them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Recorder } from '../../instrumentation/Recorder.js';
import { Recording } from '../../reconstructor/Recording.js';
import { ManualClock } from '../../src/Clock.js';
import { openStore, type Store } from '../../src/store/Store.js';
import { Prefix, sessionRange } from '../../src/store/keys.js';
import { deepEqualExact } from '../fixtures/deepEqualExact.js';
import { buildValue, mutationProgramArb, runStep, startProgram, type MutationProgram } from '../fixtures/mutationPrograms.js';
import { driveSnapshots, recorderSnapshotOptions, snapshotSettingsArb, type SnapshotSettings } from '../fixtures/snapshotSettings.js';

interface Truth {
  seq: number;
  t: number;
  state: Record<string, unknown>;
}

interface Recorded {
  store: Store;
  sessionId: string;
  truths: Truth[];
  lastSeq: number;
}

/** Runs the program against a recorder, capturing the live state after every step. */
async function record(program: MutationProgram, blockEvents: number, dts: number[], settings: SnapshotSettings): Promise<Recorded> {
  const store = await openStore({ memory: true });
  const clock = new ManualClock();
  const errors: unknown[] = [];
  const recorder = await Recorder.open({ store, clock, blockEvents, activeContext: () => undefined, onError: (e) => errors.push(e), snapshots: recorderSnapshotOptions(settings) });
  const snapshots = driveSnapshots(recorder, settings);
  const root = recorder.track('root', buildValue(program.initial) as object);
  const counter = recorder.track('counter', { n: 0 });
  const run = startProgram(root);
  const truths: Truth[] = [];
  const capture = () => truths.push({ seq: recorder.log.lastSeq, t: clock.nowUs(), state: structuredClone({ root: recorder.tracker.raw('root'), counter: recorder.tracker.raw('counter') }) });
  capture();
  for (const [i, step] of program.steps.entries()) {
    clock.advance(dts[i % dts.length]);
    runStep(run, step);
    if (i % 4 === 0) counter.n++;
    if (i % 7 === 3) recorder.record('tick', { i });
    await snapshots.afterStep(i);
    capture();
  }
  await snapshots.finish();
  await recorder.stop();
  if (errors.length) throw errors[0];
  return { store, sessionId: recorder.sessionId, truths, lastSeq: recorder.log.lastSeq };
}

const programs = fc.record({
  program: mutationProgramArb({ maxSteps: 30 }),
  blockEvents: fc.integer({ min: 1, max: 40 }),
  dts: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 5 }),
  probes: fc.array(fc.nat(10_000), { minLength: 3, maxLength: 8 }),
  settings: snapshotSettingsArb,
});

describe('StateReconstructor oracle', () => {
  it('stateAt equals the live state at random instants, by time and by seq', async () => {
    const bases = { snapshot: 0, other: 0 };
    await fc.assert(
      fc.asyncProperty(programs, async ({ program, blockEvents, dts, probes, settings }) => {
        const rec = await record(program, blockEvents, dts, settings);
        const recording = Recording.fromStore(rec.store, { snapshots: settings.source });
        const session = await recording.session(rec.sessionId);
        for (const p of probes) {
          const truth = rec.truths[p % rec.truths.length];
          const bySeq = await session.stateAt({ seq: truth.seq });
          expect(deepEqualExact(truth.state, bySeq), `by seq ${truth.seq}`).toBeUndefined();
          const base = recording.reconstructor.last!.base;
          bases[base === 'start' || base === 'cache' ? 'other' : 'snapshot']++;
          // By time: the last capture with this t is the state after every event with t <= it.
          const lastWithT = [...rec.truths].reverse().find((x) => x.t === truth.t)!;
          const byTime = await session.stateAt(truth.t);
          expect(deepEqualExact(lastWithT.state, byTime), `by time ${truth.t}`).toBeUndefined();
          // The result is the caller's own: mutating it changes nothing later reads see.
          (byTime as any).root = 'clobbered';
          expect(deepEqualExact(lastWithT.state, await session.stateAt(truth.t))).toBeUndefined();
        }
        await rec.store.close();
      }),
      { seed: 424242, numRuns: 1000 },
    );
    // The property must exercise snapshot bases, not only replays from the start.
    expect(bases.snapshot).toBeGreaterThan(bases.other / 4);
  });

  it('a corrupted snapshot still yields the right state, through a flagged fallback', async () => {
    const managed = programs.filter((p) => p.settings.kind === 'manager');
    let fellBack = 0;
    await fc.assert(
      fc.asyncProperty(managed, fc.nat(), fc.nat(), async ({ program, blockEvents, dts, settings }, pick, byte) => {
        const rec = await record(program, blockEvents, dts, settings);
        const records = await rec.store.db.iterator({ ...sessionRange(Prefix.snapshot, rec.sessionId) }).all();
        const [key, value] = records[pick % records.length];
        const damaged = Buffer.from(value);
        damaged[byte % damaged.length] ^= 0x5a;
        await rec.store.db.put(key, damaged);
        const warnings: string[] = [];
        const recording = Recording.fromStore(rec.store, { snapshots: settings.source, onWarning: (w) => warnings.push(w.snapshotId ?? '') });
        const session = await recording.session(rec.sessionId);
        for (const truth of rec.truths) {
          recording.reconstructor.clearCache();
          const r = await session.reconstruct({ seq: truth.seq });
          expect(deepEqualExact(truth.state, r.state), `seq ${truth.seq}`).toBeUndefined();
          if (r.fellBack) {
            fellBack++;
            expect(r.warnings.length).toBeGreaterThan(0);
          }
        }
        await rec.store.close();
      }),
      { seed: 99, numRuns: 120 },
    );
    expect(fellBack).toBeGreaterThan(0);
  });

  it('stepping backwards from the end passes through every ground-truth state', async () => {
    await fc.assert(
      fc.asyncProperty(programs, async ({ program, blockEvents, dts, settings }) => {
        const rec = await record(program, blockEvents, dts, settings);
        const recording = Recording.fromStore(rec.store, { snapshots: settings.source });
        const session = await recording.session(rec.sessionId);
        const cursor = await session.cursor({ seq: rec.lastSeq });
        for (let k = rec.truths.length - 1; k >= 0; k--) {
          while (cursor.seq > rec.truths[k].seq) expect(await cursor.prev()).toBeDefined();
          expect(deepEqualExact(rec.truths[k].state, cursor.state, ), `step ${k} seq ${cursor.seq}`).toBeUndefined();
        }
        // And forward again to the end.
        while (await cursor.next());
        expect(cursor.seq).toBe(rec.lastSeq);
        expect(deepEqualExact(rec.truths[rec.truths.length - 1].state, cursor.state)).toBeUndefined();
        await rec.store.close();
      }),
      { seed: 777, numRuns: 400 },
    );
  });

  it('scrubbing with idle turns between requests hands out independent, exact states', async () => {
    await fc.assert(
      fc.asyncProperty(programs, fc.array(fc.nat(10_000), { minLength: 10, maxLength: 25 }), async ({ program, blockEvents, dts, settings }, picks) => {
        const rec = await record(program, blockEvents, dts, settings);
        const recording = Recording.fromStore(rec.store, { snapshots: settings.source });
        const session = await recording.session(rec.sessionId);
        let fromCache = 0;
        for (const p of picks) {
          const truth = rec.truths[p % rec.truths.length];
          const r = await session.reconstruct({ seq: truth.seq });
          expect(deepEqualExact(truth.state, r.state), `seq ${truth.seq}`).toBeUndefined();
          if (r.base === 'cache') fromCache++;
          // The caller owns what it got: wreck it, later answers must not notice.
          (r.state as any).root = { wrecked: true };
          delete (r.state as any).counter;
          await new Promise((resolve) => setImmediate(resolve));
          await new Promise((resolve) => setImmediate(resolve));
        }
        expect(fromCache).toBeGreaterThan(0);
        await rec.store.close();
      }),
      { seed: 31337, numRuns: 150 },
    );
  });

  it('a seq past the end gives the final state, a time before the first event the empty state', async () => {
    const program = fc.sample(mutationProgramArb({ maxSteps: 10 }), { seed: 5, numRuns: 1 })[0];
    const rec = await record(program, 4, [1], { kind: 'none', source: undefined });
    const session = await Recording.fromStore(rec.store).session(rec.sessionId);
    expect(deepEqualExact(rec.truths[rec.truths.length - 1].state, await session.stateAt({ seq: rec.lastSeq + 100 }))).toBeUndefined();
    expect(await session.stateAt(rec.truths[0].t - 1)).toEqual({});
    await rec.store.close();
  });
});
