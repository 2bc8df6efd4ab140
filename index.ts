/**
 * The package root. It lives above src/ because it re-exports every layer
 * (src/ imports none of the others; this file may).
 */
export { HindsightError, ErrorCodes, isHindsightError, type ErrorCode } from './src/errors.js';
export type { EventInput, EventKind, HindsightEvent } from './src/events.js';
export { AnchoredClock, ManualClock, type Clock } from './src/Clock.js';
export { openStore, type Store, type StoreOptions } from './src/store/Store.js';
export { listSessions, resolveSession, readSessionInfo, type SessionInfo, type SessionStatus } from './src/store/Sessions.js';
export { EventLog, type EventLogOptions, type EventLogStats, type OverflowPolicy } from './src/log/EventLog.js';
export { EventReader, type EventQuery } from './src/log/EventReader.js';
