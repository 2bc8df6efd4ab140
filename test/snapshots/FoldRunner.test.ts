import { describe, expect, it } from 'vitest';
import { packStandalone, unpackStandalone } from '../../src/codec/ValueCodec.js';
import { copyValue } from '../../src/values/copyValue.js';
import { FoldRunner } from '../../src/snapshots/FoldRunner.js';
import { encodeRecord, rawPayload, readRecord } from '../../src/snapshots/SnapshotCodec.js';
import { diffStates } from '../../src/snapshots/structuralDiff.js';
import type { SnapshotMeta } from '../../src/snapshots/types.js';

function meta(id: string, seq: number, type: 'full' | 'incremental', baseId?: string): Omit<SnapshotMeta, 'storedSize' | 'checksum'> {
  return { id, sessionId: 's', seq, t: seq * 10, type, baseId, tags: [], rawSize: 0, creationMs: 0, createdAt: 0, compressed: false, encrypted: false };
}

describe('FoldRunner', () => {
  for (const preferWorker of [true, false]) {
    it(`folds a full and its incrementals into the last state (${preferWorker ? 'worker' : 'inline'})`, async () => {
      const s0: any = copyValue({ a: 1, m: new Map([['x', -0]]), list: [1, 2, 3] });
      const s1: any = copyValue({ a: 2, m: new Map<string, unknown>([['x', -0], ['y', new Set([1])]]), list: [1, 2] });
      const s2: any = copyValue({ a: 2, m: new Map([['y', new Set([1, 2])]]), list: [1, 2, { d: new Date(5) }], z: 10n });
      const full = encodeRecord(meta('f', 1, 'full'), packStandalone(s0), { compress: true });
      const i1 = encodeRecord(meta('i1', 2, 'incremental', 'f'), packStandalone(diffStates(s0, s1)), { compress: true });
      const i2 = encodeRecord(meta('i2', 3, 'incremental', 'i1'), packStandalone(diffStates(s1, s2)), { compress: true });
      const runner = new FoldRunner(preferWorker);
      const out = await runner.fold(async () => ({
        records: [full.record, i1.record, i2.record],
        expect: [{ id: 'f', seq: 1 }, { id: 'i1', seq: 2 }, { id: 'i2', seq: 3 }],
        target: { ...meta('i2', 3, 'full') },
        verify: true,
        compress: true,
      }));
      expect(runner.mode).toBe(preferWorker ? 'worker' : 'inline');
      await runner.close();
      const view = readRecord(out.record, true, { id: 'i2', seq: 3 });
      expect(view.meta.type).toBe('full');
      const state = unpackStandalone(rawPayload(view, undefined));
      expect(state).toEqual(unpackStandalone(packStandalone(s2)));
      expect(Object.is(unpackStandalone(packStandalone(s0)).m.get('x'), -0)).toBe(true);
      expect(out.meta.stateHash).toMatch(/^[0-9a-f]{64}$/);
    });
  }
});
