import type { SnapshotManager } from '../src/snapshots/SnapshotManager.js';
import type { SnapshotMeta } from '../src/snapshots/types.js';
import { ErrorCodes, HindsightError } from '../src/errors.js';
import type { SnapshotPoint, SnapshotSource, TrackedState } from './SnapshotSource.js';

const point = (m: SnapshotMeta): SnapshotPoint => ({ id: m.id, seq: m.seq, t: m.t });

/**
 * The SnapshotManager as a SnapshotSource: only checkpoints of tracked
 * state (`tracked: true`, `{ [name]: value }`) are used; plain snapshots a
 * program took in the same session are skipped.
 */
export function managerSnapshots(manager: SnapshotManager): SnapshotSource {
  return {
    async nearest(sessionId, seq) {
      // Plain snapshots a program took of other state in the same session are skipped.
      let m = await manager.findNearestSnapshot(sessionId, { seq });
      while (m && !m.tracked) m = m.seq > 0 ? await manager.findNearestSnapshot(sessionId, { seq: m.seq - 1 }) : undefined;
      return m && point(m);
    },
    async list(sessionId, fromSeq, toSeq) {
      const all = await manager.searchSnapshots({ sessionId });
      return all
        .filter((m) => m.tracked && m.seq >= fromSeq && m.seq <= toSeq)
        .sort((a, b) => a.seq - b.seq)
        .map(point);
    },
    async materialize(p) {
      if (!manager.getMetadata(p.id)?.tracked) throw new HindsightError(ErrorCodes.CORRUPT_SNAPSHOT, `snapshot ${p.id} is not a checkpoint of tracked state`, { snapshotId: p.id });
      const state = await manager.reconstructState(p.id);
      if (typeof state !== 'object' || state === null || Array.isArray(state) || state instanceof Map) {
        throw new HindsightError(ErrorCodes.CORRUPT_SNAPSHOT, `snapshot ${p.id} does not hold tracked state`, { snapshotId: p.id });
      }
      return state as TrackedState;
    },
  };
}
