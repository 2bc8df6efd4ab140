import type { SnapshotManager } from '../src/snapshots/SnapshotManager.js';
import type { SnapshotMeta } from '../src/snapshots/types.js';
import { ErrorCodes, HindsightError } from '../src/errors.js';
import type { SnapshotPoint, SnapshotSource, TrackedState } from './SnapshotSource.js';

const point = (m: SnapshotMeta): SnapshotPoint => ({ id: m.id, seq: m.seq, t: m.t });

/**
 * The SnapshotManager as a SnapshotSource. Every snapshot of a recorded
 * session is taken as a checkpoint of its tracked state `{ [name]: value }`;
 * anything else fails materialize() and the reconstructor falls back.
 */
export function managerSnapshots(manager: SnapshotManager): SnapshotSource {
  return {
    async nearest(sessionId, seq) {
      const m = await manager.findNearestSnapshot(sessionId, { seq });
      return m && point(m);
    },
    async list(sessionId, fromSeq, toSeq) {
      const all = await manager.searchSnapshots({ sessionId });
      return all
        .filter((m) => m.seq >= fromSeq && m.seq <= toSeq)
        .sort((a, b) => a.seq - b.seq)
        .map(point);
    },
    async materialize(p) {
      const state = await manager.reconstructState(p.id);
      if (typeof state !== 'object' || state === null || Array.isArray(state) || state instanceof Map) {
        throw new HindsightError(ErrorCodes.CORRUPT_SNAPSHOT, `snapshot ${p.id} does not hold tracked state`, { snapshotId: p.id });
      }
      return state as TrackedState;
    },
  };
}
