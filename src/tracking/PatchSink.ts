import type { EventInput } from '../events.js';

/** Where a StateTracker sends its `state.patch` events (EventLog implements it). */
export interface PatchSink {
  /** Must not throw and must not block; the tracker calls it once per mutation. */
  append(event: EventInput): void;
}

/** Drops every event. */
export class NoopPatchSink implements PatchSink {
  append(_event: EventInput): void {}
}

/** Keeps every event in memory, in order (tests, short sessions). */
export class InMemoryPatchSink implements PatchSink {
  readonly events: EventInput[] = [];

  append(event: EventInput): void {
    this.events.push(event);
  }

  clear(): void {
    this.events.length = 0;
  }
}
