import { afterAll, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { ManualClock } from '../../src/Clock.js';
import { EventLog } from '../../src/log/EventLog.js';
import { StateTracker } from '../../src/tracking/Tracker.js';
import { SnapshotManager } from '../../src/snapshots/SnapshotManager.js';
import { FoldRunner } from '../../src/snapshots/FoldRunner.js';
import { SnapshotRegistry } from '../../src/snapshots/SnapshotRegistry.js';
import { MemorySnapshotStore, type SnapshotWrite } from '../../src/snapshots/SnapshotStore.js';
import type { StorageType } from '../../src/snapshots/types.js';
import { deepEqualExact } from '../fixtures/deepEqualExact.js';
import { buildValue, mutationProgramArb, runStep, startProgram } from '../fixtures/mutationPrograms.js';
import { diskStores, memoryStores, type StoreFactory } from '../fixtures/stores.js';

async function trackedSession(factory: StoreFactory, storageType: StorageType, extra: Record<string, unknown> = {}) {
  const store = await factory.open();
  const clock = new ManualClock(1_650_000_000_000_000);
  const log = await EventLog.create(store, { clock });
  const tracker = new StateTracker(log, { activeContext: () => undefined });
  const manager = new SnapshotManager({ store, storageType, maxRetentionTime: 0, ...extra });
  return { store, clock, log, tracker, manager };
}

const cases: [StoreFactory, StorageType, boolean][] = [
  [memoryStores(), 'memory', false],
  [diskStores(), 'disk', true],
  [memoryStores(), 'hybrid', false],
];

describe.each(cases)('tracked checkpoints (%s, %s)', (factory, storageType, inWorker) => {
  afterAll(() => factory.cleanup());

  it('every checkpoint reconstructs the tracked state at its seq; promoted fulls equal the fold of their chain', async () => {
    await fc.assert(
      fc.asyncProperty(mutationProgramArb({ maxSteps: 30 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.boolean(), async (program, chain, every, small) => {
        // These states are small: with the default fullBelowBytes every checkpoint is a full; with 0, incrementals and promotions.
        const fullBelowBytes = small ? 65_536 : 0;
        const { store, clock, log, tracker, manager } = await trackedSession(factory, storageType, { maxIncrementalChain: chain, foldInWorker: inWorker, maxSnapshots: 0, fullBelowBytes });
        const root = tracker.track('root', buildValue(program.initial) as object);
        const truth = new Map<string, { state: unknown; seq: number; t: number }>();
        const take = (id: string | undefined) => {
          if (id) truth.set(id, { state: Object.fromEntries(tracker.names().map((n) => [n, tracker.current(n)])), seq: log.lastSeq, t: log.lastEventT });
        };
        take(await manager.attachTracker(log.sessionId, tracker, log));
        const run = startProgram(root);
        for (const [i, step] of program.steps.entries()) {
          clock.advance(7);
          runStep(run, step);
          if (i % every === every - 1) {
            const p = manager.checkpoint(log.sessionId);
            // The tracker was read synchronously: mutating now must not leak into that checkpoint.
            take(await p);
          }
        }
        // A name tracked after the first checkpoint joins the state.
        if (program.steps.length % 2 === 0) tracker.track('later', { n: 1 });
        take(await manager.checkpoint(log.sessionId));
        await manager.idle();
        const fulls = [...truth.keys()].filter((id) => manager.getMetadata(id)!.type === 'full');
        for (const [id, want] of truth) {
          const meta = manager.getMetadata(id)!;
          expect({ seq: meta.seq, t: meta.t }).toEqual({ seq: want.seq, t: want.t });
          const d = deepEqualExact(await manager.reconstructState(id), want.state);
          expect(d, `snapshot ${id} (${meta.type})`).toBeUndefined();
        }
        if (small && [...truth.keys()].every((id) => manager.getMetadata(id)!.rawSize < fullBelowBytes)) {
          expect(fulls.length).toBe(truth.size);
        } else {
          // The initial full plus one promotion per `chain` incrementals (when there were that many).
          const incrementalsTaken = truth.size - 1;
          expect(fulls.length).toBeGreaterThanOrEqual(1 + (incrementalsTaken >= chain ? 1 : 0));
        }
        await manager.shutdown();
        await log.close();
        await store.close();
      }),
      { seed: 2024, numRuns: inWorker ? 8 : 25 },
    );
  });
});

describe('tracked incrementals', () => {
  it('read only the dirty paths: no copy of the whole state after the first full', async () => {
    const { store, log, tracker, manager } = await trackedSession(memoryStores(), 'memory', { fullBelowBytes: 0 });
    const s = tracker.track('s', { a: { x: 1 }, b: Array.from({ length: 1000 }, (_, i) => ({ i })) });
    await manager.attachTracker(log.sessionId, tracker, log);
    let wholeCopies = 0;
    const current = tracker.current.bind(tracker);
    tracker.current = (name: string) => (wholeCopies++, current(name));
    s.a.x = 2;
    const id = await manager.checkpoint(log.sessionId);
    expect(wholeCopies).toBe(0);
    expect(manager.getMetadata(id!)!.rawSize).toBeLessThan(64);
    expect(await manager.checkpoint(log.sessionId)).toBeUndefined();
    await manager.shutdown();
    await log.close();
    await store.close();
  });
});

describe('tracked checkpoints of a small state', () => {
  it('are fulls read from the tracker, with no fold, until the state reaches fullBelowBytes; then incrementals', async () => {
    const fold = vi.spyOn(FoldRunner.prototype, 'fold');
    const { store, log, tracker, manager } = await trackedSession(memoryStores(), 'memory', { fullBelowBytes: 1024, maxIncrementalChain: 2 });
    try {
      const s = tracker.track('s', { n: 0, list: [] as string[] });
      await manager.attachTracker(log.sessionId, tracker, log);
      const types: string[] = [];
      for (let i = 0; i < 6; i++) {
        s.n = i + 1;
        types.push(manager.getMetadata((await manager.checkpoint(log.sessionId))!)!.type);
      }
      expect(types).toEqual(Array(6).fill('full'));
      // Nothing happened since: no checkpoint, full or not.
      expect(await manager.checkpoint(log.sessionId)).toBeUndefined();
      await manager.idle();
      expect(fold).not.toHaveBeenCalled();
      // Past the limit (the chain's bytes bound the state's size): incrementals, and a fold when their chain is due.
      s.list.push('x'.repeat(2000));
      expect(manager.getMetadata((await manager.checkpoint(log.sessionId))!)!.type).toBe('full');
      const next: string[] = [];
      let last = '';
      for (let i = 0; i < 3; i++) {
        s.n = 100 + i;
        last = (await manager.checkpoint(log.sessionId))!;
        next.push(manager.getMetadata(last)!.type);
      }
      expect(next).toEqual(['incremental', 'incremental', 'incremental']);
      await manager.idle();
      expect(fold).toHaveBeenCalled();
      expect(deepEqualExact(await manager.reconstructState(last), { s: { n: 102, list: ['x'.repeat(2000)] } })).toBeUndefined();
    } finally {
      fold.mockRestore();
      await manager.shutdown();
      await log.close();
      await store.close();
    }
  });

  it('are all fulls with incrementalEnabled false, overlapping calls included', async () => {
    const { store, log, tracker, manager } = await trackedSession(memoryStores(), 'memory', { incrementalEnabled: false, fullBelowBytes: 0 });
    try {
      const s = tracker.track('s', { n: 0 });
      const first = manager.attachTracker(log.sessionId, tracker, log);
      s.n = 1;
      const second = manager.checkpoint(log.sessionId);
      s.n = 2;
      const third = manager.checkpoint(log.sessionId);
      const ids = await Promise.all([first, second, third]);
      expect(ids.map((id) => manager.getMetadata(id!)!.type)).toEqual(['full', 'full', 'full']);
      expect(deepEqualExact(await manager.reconstructState(ids[2]!), { s: { n: 2 } })).toBeUndefined();
    } finally {
      await manager.shutdown();
      await log.close();
      await store.close();
    }
  });

  it('with no retention policy, do not walk the session snapshots after each checkpoint', async () => {
    const session = vi.spyOn(SnapshotRegistry.prototype, 'session');
    const { store, log, tracker, manager } = await trackedSession(memoryStores(), 'memory', { maxSnapshots: 0, maxRetentionTime: 0 });
    try {
      const s = tracker.track('s', { n: 0 });
      await manager.attachTracker(log.sessionId, tracker, log);
      for (let i = 0; i < 20; i++) {
        s.n = i + 1;
        await manager.checkpoint(log.sessionId);
      }
      expect(session).not.toHaveBeenCalled();
      expect(await manager.searchSnapshots({ sessionId: log.sessionId })).toHaveLength(21);
    } finally {
      session.mockRestore();
      await manager.shutdown();
      await log.close();
      await store.close();
    }
  });
});

/** Fails the next `failNext` writes. */
class FlakyStore extends MemorySnapshotStore {
  failNext = 0;
  override async write(batch: SnapshotWrite[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('injected write failure');
    }
    return super.write(batch);
  }
}

describe('tracked checkpoints after a failed write', () => {
  it('refuse an incremental queued behind the failed one, even when a full taken meanwhile mended the chain', async () => {
    const flaky = new FlakyStore();
    const { store, log, tracker, manager } = await trackedSession(memoryStores(), 'memory', { snapshotStore: flaky, maxSnapshots: 0, foldInWorker: false, fullBelowBytes: 0 });
    manager.on('error', () => {});
    try {
      const s = tracker.track('s', { a: 0, b: 0 });
      await manager.attachTracker(log.sessionId, tracker, log);
      s.a = 1;
      flaky.failNext = 1;
      const failed = manager.checkpoint(log.sessionId);
      s.b = 1;
      // Holds only b's change: without a's, it would rebuild { a: 0, b: 1 }.
      const queued = manager.checkpoint(log.sessionId);
      await failed.catch(() => {});
      // Taken before the queued one is written: a full, since the chain broke.
      const mending = manager.checkpoint(log.sessionId);
      await expect(failed).rejects.toThrow('injected');
      await expect(queued).rejects.toMatchObject({ code: 'HINDSIGHT_WRITE_FAILED' });
      const full = await mending;
      expect(manager.getMetadata(full!)!.type).toBe('full');
      expect(deepEqualExact(await manager.reconstructState(full!), { s: { a: 1, b: 1 } })).toBeUndefined();
      // The refused one came before that full: the chain the full started goes on with incrementals.
      s.a = 2;
      const next = await manager.checkpoint(log.sessionId);
      expect(manager.getMetadata(next!)!.type).toBe('incremental');
      expect(deepEqualExact(await manager.reconstructState(next!), { s: { a: 2, b: 1 } })).toBeUndefined();
    } finally {
      await manager.shutdown();
      await log.close();
      await store.close();
    }
  });
});

/** Reads take two turns of the event loop, as a busy disk's may. */
class SlowReads extends MemorySnapshotStore {
  override async getRecord(meta: Parameters<MemorySnapshotStore['getRecord']>[0]) {
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    return super.getRecord(meta);
  }
}

describe('tracked checkpoints read while promoted', () => {
  it('read the record rewritten under the same id instead of reporting it corrupt', async () => {
    const { store, log, tracker, manager } = await trackedSession(memoryStores(), 'memory', { snapshotStore: new SlowReads(), maxSnapshots: 0, fullBelowBytes: 0, maxIncrementalChain: 1, foldInWorker: false });
    try {
      const s = tracker.track('s', { n: 0 });
      await manager.attachTracker(log.sessionId, tracker, log);
      s.n = 1;
      // An incremental whose chain is due at once: its promotion commits while this read waits.
      const id = (await manager.checkpoint(log.sessionId))!;
      expect(deepEqualExact(await manager.reconstructState(id), { s: { n: 1 } })).toBeUndefined();
      await manager.idle();
      expect(manager.getMetadata(id)!.type).toBe('full');
    } finally {
      await manager.shutdown();
      await log.close();
      await store.close();
    }
  });
});

describe('tracked automatic checkpoints', () => {
  it('fire every N events and on the interval, stop on request, and emit their events', async () => {
    const { store, log, tracker, manager } = await trackedSession(memoryStores(), 'memory', { eventInterval: 5, automaticInterval: 0 });
    const events: string[] = [];
    for (const e of ['automatic_snapshots_started', 'automatic_snapshots_stopped', 'snapshot_created']) manager.on(e, () => events.push(e));
    const s = tracker.track('s', { n: 0, list: [] as number[] });
    await manager.attachTracker(log.sessionId, tracker, log);
    manager.startAutomaticSnapshots(log.sessionId);
    for (let i = 0; i < 12; i++) s.list.push(i);
    await new Promise((r) => setTimeout(r, 120));
    await manager.idle();
    manager.stopAutomaticSnapshots(log.sessionId);
    const auto = await manager.searchSnapshots({ sessionId: log.sessionId, tags: ['automatic'] });
    expect(auto.length).toBeGreaterThanOrEqual(1);
    expect(deepEqualExact(await manager.reconstructState(auto.at(-1)!.id), { s: { n: 0, list: Array.from({ length: 12 }, (_, i) => i) } })).toBeUndefined();
    expect(events[0]).toBe('snapshot_created');
    expect(events).toContain('automatic_snapshots_started');
    expect(events.at(-1)).toBe('automatic_snapshots_stopped');
    expect(manager.getStatistics().automatic.taken).toBeGreaterThanOrEqual(1);
    await manager.shutdown();
    await log.close();
    await store.close();
  });
});
