/** The event model shared by every producer and reader. */

export type EventKind =
  | 'span.start'
  | 'span.end'
  | 'state.patch'
  | 'custom'
  | 'error'
  | 'log'
  | 'marker'
  | 'snapshot'
  | 'session'
  | (string & {});

/** What a producer hands to EventLog.append: seq and t are assigned by the log. */
export interface EventInput {
  kind: EventKind;
  name: string;
  data?: unknown;
  traceId?: string;
  spanId?: string;
}

/** A recorded event as readers see it. */
export interface HindsightEvent extends EventInput {
  /** Per-session, strictly increasing, contiguous from 1. */
  seq: number;
  /** Integer microseconds since the Unix epoch; never goes backwards within a session. */
  t: number;
}

/** Event names the log itself writes. */
export const LOG_EVENT_NAMES = {
  dropped: 'hindsight.dropped',
} as const;
