/**
 * The core oracle: random mutation programs run against a tracked value; the
 * recorded patches (encoded and decoded as the log will) must rebuild the
 * live state after every step, revert to every earlier state, and the dirty
 * paths must fold into exact incremental checkpoints.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packStandalone, unpackStandalone } from '../../src/codec/ValueCodec.js';
import type { EventInput } from '../../src/events.js';
import { applyIncremental } from '../../src/tracking/incremental.js';
import type { PatchSink } from '../../src/tracking/PatchSink.js';
import { applyPatch, revertPatch, type StatePatch } from '../../src/tracking/patches.js';
import { StateTracker } from '../../src/tracking/Tracker.js';
import { deepEqualExact } from '../fixtures/deepEqualExact.js';
import { buildValue, mutationProgramArb, runStep, startProgram, type MutationProgram } from '../fixtures/mutationPrograms.js';

class EncodingSink implements PatchSink {
  readonly events: EventInput[] = [];
  readonly encoded: Buffer[] = [];
  append(event: EventInput): void {
    this.events.push(event);
    // Encoded at append time, as the log does: later mutations must not reach it.
    this.encoded.push(packStandalone(event.data));
  }
}

function runOracle(program: MutationProgram): void {
  const sink = new EncodingSink();
  const errors: unknown[] = [];
  const tracker = new StateTracker(sink, { onError: (e) => errors.push(e), activeContext: () => undefined });
  const root = tracker.track('s', buildValue(program.initial) as object);
  const run = startProgram(root);
  const log: string[] = ['track'];
  const where = () => log.slice(-6).join('; ');

  let replayed: unknown = undefined;
  let applied = 0;
  const history: unknown[] = [];
  const marks: number[] = [];
  const decoded: StatePatch[] = [];

  tracker.takeDirty();
  let incremental: unknown = structuredClone(tracker.raw('s'));

  const check = (stepIndex: number) => {
    for (; applied < sink.events.length; applied++) {
      const patch = unpackStandalone(sink.encoded[applied]) as StatePatch;
      decoded.push(patch);
      replayed = applyPatch(replayed, patch);
    }
    const live = tracker.raw('s');
    const d = deepEqualExact(live, replayed);
    if (d) throw new Error(`replay differs after [${where()}]: ${d}`);
    history.push(structuredClone(live));
    marks.push(sink.events.length);
    if (stepIndex % 3 === 0 || stepIndex === program.steps.length) {
      const paths = tracker.takeDirty('s').get('s') ?? [];
      const entries = unpackStandalone(packStandalone(tracker.readPaths('s', paths)));
      incremental = applyIncremental(incremental, entries);
      const di = deepEqualExact(live, incremental);
      if (di) throw new Error(`incremental differs after [${where()}] (paths ${JSON.stringify(paths, big)}): ${di}`);
    }
  };

  check(0);
  program.steps.forEach((step, i) => {
    log.push(runStep(run, step));
    check(i + 1);
  });

  if (errors.length > 0) throw errors[0];

  // Revert from the end: every earlier state comes back.
  let state = replayed;
  let n = decoded.length;
  for (let k = history.length - 1; k >= 0; k--) {
    for (; n > marks[k]; n--) state = revertPatch(state, decoded[n - 1]);
    const d = deepEqualExact(history[k], state, { order: 'revert' });
    if (d) throw new Error(`revert to step ${k} differs: ${d} (steps: ${log.slice(0, k + 1).join('; ')})`);
  }
  for (; n > 0; n--) state = revertPatch(state, decoded[n - 1]);
  expect(state).toBeUndefined();

  // Immunity: the in-memory events were never changed by later mutations.
  sink.events.forEach((e, i) => {
    if (!packStandalone(e.data).equals(sink.encoded[i])) throw new Error(`event ${i} changed after it was appended`);
    expect(e.kind).toBe('state.patch');
    expect(e.name).toBe('s');
  });
}

function big(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : v;
}

describe('tracked state oracle', () => {
  it('replays, reverts and checkpoints random programs exactly (seed 42)', () => {
    fc.assert(
      fc.property(mutationProgramArb(), (program) => runOracle(program)),
      { seed: 42, numRuns: 300 },
    );
  });

  it('long programs (seed 7)', () => {
    fc.assert(
      fc.property(mutationProgramArb({ maxSteps: 150, maxDepth: 4 }), (program) => runOracle(program)),
      { seed: 7, numRuns: 60 },
    );
  });
});
