import type { HindsightEvent } from '../src/events.js';
import { applyToState, revertPatch, type StatePatch } from '../src/tracking/patches.js';
import { toLive } from '../src/values/toLive.js';
import { setOwn } from '../src/values/setOwn.js';
import type { TrackedState } from './SnapshotSource.js';

/**
 * Custom reducers for event-sourced programs: applied to `custom` events of
 * their name during replay. A reducer may mutate `state` in place or return
 * a new state object.
 */
export type Reducer = (state: TrackedState, event: HindsightEvent) => TrackedState | void;
export type Reducers = Record<string, Reducer>;

/**
 * A copy of a decoded event for user code (reducers, callbacks, cursors):
 * decoded blocks are cached and shared, so handing out the cached object
 * would let a caller rewrite the past.
 */
export function ownEvent(e: HindsightEvent): HindsightEvent {
  return e.data === undefined || typeof e.data !== 'object' || e.data === null ? { ...e } : { ...e, data: toLive(e.data) };
}

/** Whether replaying `event` changes state at all (the rest are skipped cheaply). */
export function affectsState(event: HindsightEvent, reducers: Reducers | undefined): boolean {
  return event.kind === 'state.patch' || (event.kind === 'custom' && reducers !== undefined && Object.hasOwn(reducers, event.name));
}

/** Applies one event to `state` in place; returns the state (new when a reducer returned one). */
export function applyEvent(state: TrackedState, event: HindsightEvent, reducers: Reducers | undefined): TrackedState {
  if (event.kind === 'state.patch') {
    applyToState(state, event.data as StatePatch);
    return state;
  }
  if (event.kind === 'custom' && reducers && Object.hasOwn(reducers, event.name)) {
    const out = reducers[event.name](state, ownEvent(event));
    return out === undefined ? state : out;
  }
  return state;
}

/**
 * Whether revertEvent restores the state exactly, iteration order included.
 * Reverting a removal puts the key back last (finding its old position
 * would cost O(size) on the recording side), and a custom reducer's effect
 * has no recorded inverse: those steps are rematerialized instead.
 */
export function revertsExactly(event: HindsightEvent, reducers: Reducers | undefined): boolean {
  if (event.kind === 'state.patch') return (event.data as StatePatch).op !== 'remove';
  return !(event.kind === 'custom' && reducers !== undefined && Object.hasOwn(reducers, event.name));
}

/**
 * Undoes one event with its recorded `prev` values: O(size of the patch).
 * Contents come back exactly; see revertsExactly for iteration order.
 * Returns false when the event cannot be undone at all (a custom reducer's effect).
 */
export function revertEvent(state: TrackedState, event: HindsightEvent, reducers: Reducers | undefined): boolean {
  if (event.kind === 'state.patch') {
    const patch = event.data as StatePatch;
    const prev = revertPatch(state[patch.name], patch);
    if (prev === undefined && patch.op === 'replace' && patch.path.length === 0 && !('prev' in patch)) delete state[patch.name];
    else setOwn(state, patch.name, prev);
    return true;
  }
  return !(event.kind === 'custom' && reducers && Object.hasOwn(reducers, event.name));
}
