import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ErrorCodes, HindsightError } from '../../src/errors.js';
import { ManualClock } from '../../src/Clock.js';
import { EventLog } from '../../src/log/EventLog.js';
import { snapshotKey } from '../../src/store/keys.js';
import type { Store } from '../../src/store/Store.js';
import { SnapshotManager, type SnapshotManagerOptions } from '../../src/snapshots/SnapshotManager.js';
import { FoldRunner } from '../../src/snapshots/FoldRunner.js';
import { rawPayload, readRecord } from '../../src/snapshots/SnapshotCodec.js';
import type { SnapshotMeta, StorageType } from '../../src/snapshots/types.js';
import { unpackStandalone } from '../../src/codec/ValueCodec.js';
import { deepEqualExact } from '../fixtures/deepEqualExact.js';
import type { StoreFactory } from '../fixtures/stores.js';
import { mutate, mutationArb, rootArb, type Mutation } from '../snapshots/stateArbitraries.js';

const KEY = 'a'.repeat(64);

/** Flips one byte of a stored record, wherever the backend keeps it; returns the undo. */
export async function flipByte(manager: SnapshotManager, store: Store | undefined, meta: SnapshotMeta, at: number): Promise<() => Promise<void>> {
  const records = (manager as any).store;
  const rec: Buffer = await records.getRecord(meta);
  const i = at % rec.length;
  const flip = async () => {
    rec[i] ^= 0x5a;
    if (records.kind !== 'memory') await store!.db.put(snapshotKey(meta.sessionId, meta.seq, meta.id), rec);
  };
  await flip();
  return flip;
}

const settingsArb = fc.record({
  incrementalEnabled: fc.boolean(),
  maxIncrementalChain: fc.integer({ min: 1, max: 4 }),
  compressionEnabled: fc.boolean(),
  compressionThreshold: fc.constantFrom(0, 64, 100_000),
  encrypted: fc.boolean(),
  checkpointEvery: fc.integer({ min: 1, max: 4 }),
});

/**
 * The behaviour every snapshot backend must show (abstract-level's model: one
 * suite, run against memory, disk and hybrid).
 */
export function snapshotCompliance(factory: StoreFactory, storageType: StorageType): void {
  describe(`SnapshotManager compliance: ${storageType} on ${factory.name}`, () => {
    afterAll(() => factory.cleanup());

    async function open(extra: SnapshotManagerOptions = {}) {
      const store = storageType === 'memory' ? undefined : await factory.open();
      const manager = new SnapshotManager({ store, storageType, maxRetentionTime: 0, ...extra });
      await manager.ready();
      return { store, manager, close: async () => (await manager.shutdown(), await store?.close()) };
    }

    /** Runs mutations, checkpointing every few; returns the truth at each snapshot. */
    async function record(manager: SnapshotManager, root: Record<string, unknown>, muts: Mutation[], every: number) {
      const truth = new Map<string, unknown>();
      let seq = 0;
      const snap = async (type?: 'full') => {
        seq++;
        const id = await manager.createSnapshot('sess', root, { seq, t: 1_000 + seq * 10, type, tags: seq % 3 ? [] : ['keep'] });
        truth.set(id, structuredClone(root));
      };
      await snap();
      for (const [i, m] of muts.entries()) {
        mutate(root, m);
        if ((i + 1) % every === 0) await snap();
      }
      await snap();
      return truth;
    }

    it('reconstructs every snapshot exactly, immune to later mutation; a full equals the fold of its chain', async () => {
      await fc.assert(
        fc.asyncProperty(rootArb, fc.array(mutationArb, { maxLength: 14 }), settingsArb, async (root, muts, st) => {
          const { manager, close } = await open({ ...st, encryptionKey: st.encrypted ? KEY : undefined, maxSnapshots: 0, foldInWorker: false });
          try {
            const truth = await record(manager, root, muts, st.checkpointEvery);
            const folds = new FoldRunner(false);
            for (const [id, expected] of truth) {
              const d = deepEqualExact(await manager.reconstructState(id), expected);
              expect(d, `snapshot ${id}`).toBeUndefined();
              const meta = manager.getMetadata(id)!;
              if (meta.type !== 'incremental') continue;
              const folded = await (manager as any).internals.foldChain(meta);
              const state = unpackStandalone(rawPayload(readRecord(folded.record, true), (manager as any).key));
              expect(deepEqualExact(state, expected)).toBeUndefined();
              expect(folded.meta.stateHash).toBe(meta.stateHash);
            }
            await folds.close();
          } finally {
            await close();
          }
        }),
        { seed: 42, numRuns: 30 },
      );
    });

    it('stamps snapshots with the event seq/t of the attached log, never wall time', async () => {
      const store = storageType === 'memory' ? undefined : await factory.open();
      const logStore = store ?? (await factory.open());
      const clock = new ManualClock(1_600_000_000_000_000);
      const log = await EventLog.create(logStore, { clock, sessionId: 'stamped' });
      const manager = new SnapshotManager({ store, storageType });
      manager.attachLog(log);
      const state = { n: 0 };
      const expected: { seq: number; t: number }[] = [];
      for (let i = 0; i < 5; i++) {
        clock.advance(1_000 + i);
        log.append({ kind: 'custom', name: 'x' });
        state.n = i;
        expected.push({ seq: log.lastSeq, t: log.lastEventT });
        await manager.createSnapshot('stamped', state);
      }
      const got = (await manager.searchSnapshots({ sessionId: 'stamped' })).map((m) => ({ seq: m.seq, t: m.t }));
      expect(got).toEqual(expected);
      expect(got.every((g) => g.t < Date.now() * 1000 - 1e12)).toBe(true);
      await manager.shutdown();
      await log.close();
      await logStore.close();
    });

    it('export then import into a fresh store round-trips, both formats, expanded or not', async () => {
      await fc.assert(
        fc.asyncProperty(rootArb, fc.array(mutationArb, { maxLength: 8 }), fc.constantFrom('json', 'binary'), fc.boolean(), async (root, muts, format, expand) => {
          const a = await open({ maxIncrementalChain: 3 });
          const b = await open();
          try {
            const truth = await record(a.manager, root, muts, 2);
            const data = await a.manager.exportSnapshots('sess', { format: format as 'json' | 'binary', expandIncrementals: expand });
            const result = await b.manager.importSnapshots(data);
            expect(result.imported).toBe(truth.size);
            for (const [id, expected] of truth) {
              expect(deepEqualExact(await b.manager.reconstructState(id), expected)).toBeUndefined();
              expect(b.manager.getMetadata(id)!.type).toBe(expand ? 'full' : a.manager.getMetadata(id)!.type);
            }
            const again = await b.manager.importSnapshots(data);
            expect(again.imported).toBe(0);
            expect(again.skipped.length).toBe(truth.size);
          } finally {
            await a.close();
            await b.close();
          }
        }),
        { seed: 7, numRuns: 15 },
      );
    });

    it('a bad, truncated or foreign file imports nothing and says why', async () => {
      const a = await open();
      const b = await open();
      await record(a.manager, { x: 1, y: [1, 2] }, [], 1);
      await a.manager.createSnapshot('sess', { x: 2 }, { seq: 50, t: 5000 });
      for (const format of ['json', 'binary'] as const) {
        const data = await a.manager.exportSnapshots('sess', { format });
        const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data);
        const variants: unknown[] = [bytes.subarray(0, bytes.length - 3), Buffer.from('PK\x03\x04 zip file'), 'not json', 42];
        const damaged = Buffer.from(bytes);
        damaged[Math.floor(damaged.length / 2)] ^= 1;
        variants.push(format === 'json' ? damaged.toString() : damaged);
        for (const v of variants) {
          const err = await b.manager.importSnapshots(v as string).catch((e) => e);
          expect(err).toBeInstanceOf(HindsightError);
          expect([ErrorCodes.INVALID_IMPORT, ErrorCodes.UNSUPPORTED_FORMAT]).toContain(err.code);
          expect(err.message).toMatch(/nothing imported/);
          expect((await b.manager.searchSnapshots()).length).toBe(0);
        }
      }
      await a.close();
      await b.close();
    });

    it('detects a flipped byte anywhere in any stored snapshot (CORRUPT_SNAPSHOT naming id and seq)', async () => {
      await fc.assert(
        fc.asyncProperty(rootArb, fc.array(mutationArb, { maxLength: 6 }), fc.nat(), fc.boolean(), async (root, muts, at, encrypted) => {
          const { manager, store, close } = await open({ maxIncrementalChain: 3, encryptionKey: encrypted ? KEY : undefined });
          try {
            const truth = await record(manager, root, muts, 1);
            for (const id of truth.keys()) {
              const meta = manager.getMetadata(id)!;
              const undo = await flipByte(manager, store, meta, at);
              const err: any = await manager.reconstructState(id).catch((e: unknown) => e);
              expect(err).toBeInstanceOf(HindsightError);
              expect(err.code).toBe(ErrorCodes.CORRUPT_SNAPSHOT);
              expect(err.message).toContain(`snapshot ${id} at seq ${meta.seq}`);
              await undo();
            }
          } finally {
            await close();
          }
        }),
        { seed: 3, numRuns: 15 },
      );
    });

    it('retention and deletes never orphan an incremental', async () => {
      await fc.assert(
        fc.asyncProperty(
          rootArb,
          fc.array(mutationArb, { minLength: 4, maxLength: 14 }),
          fc.integer({ min: 1, max: 5 }),
          fc.boolean(),
          fc.array(fc.nat(), { maxLength: 5 }),
          async (root, muts, maxSnapshots, taggedOnly, deletes) => {
            const { manager, close } = await open({ maxIncrementalChain: 4, maxSnapshots, taggedSnapshotsOnly: taggedOnly });
            try {
              const truth = await record(manager, root, muts, 1);
              const alive = () => [...truth.keys()].filter((id) => manager.getMetadata(id));
              expect(alive().length).toBeLessThanOrEqual(Math.max(maxSnapshots, 2));
              for (const d of deletes) {
                const ids = alive();
                if (ids.length) expect(await manager.deleteSnapshot(ids[d % ids.length])).toBe(true);
              }
              for (const id of alive()) expect(deepEqualExact(await manager.reconstructState(id), truth.get(id))).toBeUndefined();
            } finally {
              await close();
            }
          },
        ),
        { seed: 11, numRuns: 25 },
      );
    });

    it('findNearestSnapshot agrees with a brute-force search, by t and by seq', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 12 }), fc.array(fc.integer({ min: -5, max: 60 }), { maxLength: 10 }), async (steps, probes) => {
          const { manager, close } = await open();
          try {
            const made: SnapshotMeta[] = [];
            let seq = 0;
            let t = 100;
            for (const [ds, dt] of steps) {
              seq += ds;
              t += dt;
              made.push(manager.getMetadata(await manager.createSnapshot('sess', { seq }, { seq, t }))!);
            }
            for (const p of probes) {
              const byT = made.filter((m) => m.t <= 100 + p).at(-1);
              const bySeq = made.filter((m) => m.seq <= p).at(-1);
              expect((await manager.findNearestSnapshot('sess', 100 + p))?.id).toBe(byT?.id);
              expect((await manager.findNearestSnapshot('sess', { seq: p }))?.id).toBe(bySeq?.id);
            }
          } finally {
            await close();
          }
        }),
        { seed: 5, numRuns: 30 },
      );
    });

    it('a wrong or missing key is DECRYPTION_FAILED, never garbage', async () => {
      const store = storageType === 'memory' ? undefined : await factory.open();
      const a = new SnapshotManager({ store, storageType, encryptionKey: KEY });
      const id = await a.createSnapshot('sess', { secret: 'x'.repeat(2000) }, { seq: 1, t: 1 });
      const data = await a.exportSnapshots('sess', { format: 'binary' });
      expect(Buffer.from(data).includes(Buffer.from('xxxxxxxx'))).toBe(false);
      const wrong = new SnapshotManager({ storageType: 'memory', encryptionKey: 'b'.repeat(64) });
      expect((await wrong.importSnapshots(data).catch((e) => e)).code).toBe(ErrorCodes.DECRYPTION_FAILED);
      await wrong.importSnapshots(data, { validateIntegrity: false });
      expect(((await wrong.reconstructState(id).catch((e: unknown) => e)) as any).code).toBe(ErrorCodes.DECRYPTION_FAILED);
      const none = new SnapshotManager({ storageType: 'memory' });
      await none.importSnapshots(data, { validateIntegrity: false });
      expect((await none.getSnapshot(id).catch((e) => e)).code).toBe(ErrorCodes.DECRYPTION_FAILED);
      await Promise.all([a.shutdown(), wrong.shutdown(), none.shutdown()]);
      await store?.close();
    });
  });
}
