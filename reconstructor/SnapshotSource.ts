/**
 * What the reconstructor needs from checkpoints, and nothing more: one
 * interface so a recording without snapshots, the SnapshotManager, or a test
 * double can stand behind it.
 */
export interface SnapshotPoint {
  id: string;
  /** Seq of the last event the snapshot includes. */
  seq: number;
  /** t of that event. */
  t: number;
}

export type TrackedState = Record<string, unknown>;

export interface SnapshotSource {
  /** The newest snapshot of the session with seq <= `seq` (a seek), or undefined. */
  nearest(sessionId: string, seq: number): Promise<SnapshotPoint | undefined>;
  /** Snapshots of the session with fromSeq <= seq <= toSeq, ascending. */
  list(sessionId: string, fromSeq: number, toSeq: number): Promise<SnapshotPoint[]>;
  /**
   * The tracked state `{ [name]: value }` the snapshot holds, following
   * incrementals. Throws HINDSIGHT_CORRUPT_SNAPSHOT (or another
   * HindsightError) when it cannot; the result may be mutated by the caller.
   */
  materialize(point: SnapshotPoint): Promise<TrackedState>;
}

/** A recording without checkpoints: every reconstruction replays from the session start. */
export const noSnapshots: SnapshotSource = {
  nearest: async () => undefined,
  list: async () => [],
  materialize: async () => {
    throw new Error('noSnapshots holds no snapshot');
  },
};
