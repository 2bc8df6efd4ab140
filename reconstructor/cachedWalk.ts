import type { HindsightEvent } from '../src/events.js';
import { LOG_EVENT_NAMES } from '../src/events.js';
import type { EventReader } from '../src/log/EventReader.js';
import { affectsState, applyEvent, revertEvent, revertsExactly, type Reducers } from './replay.js';
import type { TrackedState } from './SnapshotSource.js';

/**
 * Walking a state through decoded blocks already in the reader's cache:
 * no I/O and no await, which is what makes warm scrubbing O(distance).
 */
export interface Walkable {
  seq: number;
  state: TrackedState;
}

export interface WalkMeta {
  replayed: number;
  incomplete: boolean;
}

/** A `log` event saying the writer dropped events: what follows may lack their changes. */
export function noteDropped(e: HindsightEvent, meta: { incomplete: boolean }): void {
  if (e.kind === 'log' && e.name === LOG_EVENT_NAMES.dropped) meta.incomplete = true;
}

/** Applies events after `w.seq` up to `seq` from cached blocks; stops where the cache does. Returns the events applied. */
export function applyCached(reader: EventReader, reducers: Reducers | undefined, w: Walkable, seq: number, meta?: WalkMeta): number {
  let applied = 0;
  for (let block = reader.cachedBlockOf(w.seq + 1); block && w.seq < seq; block = reader.cachedBlockOf(w.seq + 1)) {
    for (let i = w.seq + 1 - block[0].seq; i < block.length && w.seq < seq; i++) {
      const e = block[i];
      if (meta) noteDropped(e, meta);
      if (affectsState(e, reducers)) {
        w.state = applyEvent(w.state, e, reducers);
        applied++;
      }
      w.seq = e.seq;
    }
  }
  return applied;
}

/** Reverts events down to `seq` from cached blocks; false when one has no exact inverse (w is then unusable). */
export function revertCached(reader: EventReader, reducers: Reducers | undefined, w: Walkable, seq: number, meta?: WalkMeta): boolean {
  for (let block = reader.cachedBlockOf(w.seq); block && w.seq > seq; block = reader.cachedBlockOf(w.seq)) {
    for (let i = w.seq - block[0].seq; i >= 0 && w.seq > seq; i--) {
      const e = block[i];
      if (meta) noteDropped(e, meta);
      if (!revertsExactly(e, reducers) || !revertEvent(w.state, e, reducers)) return false;
      if (meta) meta.replayed++;
      w.seq = e.seq - 1;
    }
  }
  return true;
}

/** Moves `w` to exactly `seq` from cached blocks only, either way; false when it cannot. */
export function walkCached(reader: EventReader, reducers: Reducers | undefined, w: Walkable, seq: number): boolean {
  if (seq >= w.seq) applyCached(reader, reducers, w, seq);
  else if (!revertCached(reader, reducers, w, seq)) return false;
  return w.seq === seq;
}
