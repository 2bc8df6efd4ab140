import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ManualClock } from '../../src/Clock.js';
import { EventLog } from '../../src/log/EventLog.js';
import { StateTracker } from '../../src/tracking/Tracker.js';
import { SnapshotManager } from '../../src/snapshots/SnapshotManager.js';
import { MemorySnapshotStore, type SnapshotWrite } from '../../src/snapshots/SnapshotStore.js';
import { openStore } from '../../src/store/Store.js';
import { deepEqualExact } from '../fixtures/deepEqualExact.js';
import { buildValue, mutationProgramArb, runStep, startProgram } from '../fixtures/mutationPrograms.js';

/** A snapshot store whose next writes fail on request, a turn of the event loop late (as a disk would). */
class FlakyStore extends MemorySnapshotStore {
  failNext = 0;
  override async write(batch: SnapshotWrite[]): Promise<void> {
    await new Promise((r) => setImmediate(r));
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('injected write failure');
    }
    return super.write(batch);
  }
}

type Op =
  | { k: 'mutate' }
  | { k: 'checkpoint'; tagged: boolean }
  | { k: 'checkpointTwice' }
  | { k: 'awaitOne'; i: number }
  | { k: 'awaitAll' }
  | { k: 'delete'; i: number }
  | { k: 'retain' }
  | { k: 'failNextWrite' }
  | { k: 'turn' }
  | { k: 'trackBig' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.constant<Op>({ k: 'mutate' }), weight: 6 },
  { arbitrary: fc.boolean().map<Op>((tagged) => ({ k: 'checkpoint', tagged })), weight: 5 },
  { arbitrary: fc.constant<Op>({ k: 'checkpointTwice' }), weight: 1 },
  { arbitrary: fc.nat(50).map<Op>((i) => ({ k: 'awaitOne', i })), weight: 2 },
  { arbitrary: fc.constant<Op>({ k: 'awaitAll' }), weight: 1 },
  { arbitrary: fc.nat(50).map<Op>((i) => ({ k: 'delete', i })), weight: 1 },
  { arbitrary: fc.constant<Op>({ k: 'retain' }), weight: 1 },
  { arbitrary: fc.constant<Op>({ k: 'failNextWrite' }), weight: 1 },
  { arbitrary: fc.constant<Op>({ k: 'turn' }), weight: 2 },
  { arbitrary: fc.constant<Op>({ k: 'trackBig' }), weight: 1 },
);

const configArb = fc.record({
  fullBelowBytes: fc.constantFrom(0, 1, 200, 2000, 65_536),
  maxIncrementalChain: fc.integer({ min: 1, max: 4 }),
  incrementalEnabled: fc.boolean(),
  maxSnapshots: fc.constantFrom(0, 0, 3, 6),
  taggedSnapshotsOnly: fc.constantFrom(false, false, false, true),
});

const liveState = (tracker: StateTracker) => Object.fromEntries(tracker.names().map((n) => [n, tracker.current(n)]));

describe('tracked checkpoints under interleavings', () => {
  it('every checkpoint that resolves reconstructs the state it read, through overlapping calls, failed writes, deletes and retention (seeded)', async () => {
    await fc.assert(
      fc.asyncProperty(mutationProgramArb({ maxSteps: 40 }), fc.array(opArb, { minLength: 5, maxLength: 60 }), configArb, async (program, ops, config) => {
        const store = await openStore({ memory: true });
        const clock = new ManualClock(1_650_000_000_000_000);
        const log = await EventLog.create(store, { clock });
        const tracker = new StateTracker(log, { activeContext: () => undefined });
        const snapshotStore = new FlakyStore();
        const manager = new SnapshotManager({ store, snapshotStore, maxRetentionTime: 0, foldInWorker: false, ...config });
        manager.on('error', () => {});
        const root = tracker.track('root', buildValue(program.initial) as object);
        const truth = new Map<string, { state: unknown; seq: number }>();
        const pending: Promise<void>[] = [];
        const ids: string[] = [];
        const take = (tagged = false) => {
          const want = { state: liveState(tracker), seq: log.lastSeq };
          const p = manager.checkpoint(log.sessionId, tagged ? { tags: ['t'] } : {}).then(
            (id) => {
              if (id) {
                truth.set(id, want);
                ids.push(id);
              }
            },
            () => {},
          );
          pending.push(p);
        };
        const first = await manager.attachTracker(log.sessionId, tracker, log);
        truth.set(first, { state: liveState(tracker), seq: log.lastSeq });
        ids.push(first);
        const run = startProgram(root);
        let step = 0;
        let bigs = 0;
        const mutate = () => {
          if (program.steps.length === 0) return;
          clock.advance(3);
          runStep(run, program.steps[step++ % program.steps.length]);
        };
        for (const op of ops) {
          switch (op.k) {
            case 'mutate':
              mutate();
              break;
            case 'checkpoint':
              take(op.tagged);
              break;
            case 'checkpointTwice':
              take();
              mutate();
              take();
              break;
            case 'awaitOne':
              if (pending.length) await pending[op.i % pending.length];
              break;
            case 'awaitAll':
              await Promise.all(pending);
              break;
            case 'delete':
              if (ids.length) await manager.deleteSnapshot(ids[op.i % ids.length]).catch(() => {});
              break;
            case 'retain':
              await manager.applyRetention(log.sessionId).catch(() => {});
              break;
            case 'failNextWrite':
              snapshotStore.failNext++;
              break;
            case 'turn':
              await new Promise((r) => setImmediate(r));
              break;
            case 'trackBig':
              // Past some fullBelowBytes limits: the choice between a full and an incremental changes mid-run.
              if (bigs++ < 3) tracker.track(`big${bigs}`, { s: 'x'.repeat(700) });
              break;
          }
        }
        await Promise.all(pending);
        snapshotStore.failNext = 0;
        await manager.idle();
        for (const [id, want] of truth) {
          const meta = manager.getMetadata(id);
          if (!meta) continue; // deleted, or removed by retention
          expect(meta.seq).toBe(want.seq);
          expect(deepEqualExact(await manager.reconstructState(id), want.state), `snapshot ${id} (${meta.type}), config ${JSON.stringify(config)}`).toBeUndefined();
        }
        // Once quiet, a checkpoint (or the last one, when nothing changed) holds the live state.
        const live = liveState(tracker);
        const last = (await manager.checkpoint(log.sessionId)) ?? manager.internals.lastTracked.get(log.sessionId);
        if (last && manager.getMetadata(last)) expect(deepEqualExact(await manager.reconstructState(last), live), `final ${last}`).toBeUndefined();
        await manager.shutdown();
        await log.close();
        await store.close();
      }),
      { seed: 31, numRuns: 150 },
    );
  }, 120_000);
});
