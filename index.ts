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
export { StateTracker, type StateTrackerOptions } from './src/tracking/Tracker.js';
export { applyPatch, revertPatch, type StatePatch, type PatchOp } from './src/tracking/patches.js';
export type { PathSegment } from './src/tracking/paths.js';
export { copyValue } from './src/values/copyValue.js';
export { SnapshotManager, type SnapshotManagerOptions } from './src/snapshots/SnapshotManager.js';
export type { SnapshotConfig, SnapshotMeta, Snapshot, SnapshotType, CreateSnapshotOptions, SearchOptions, SnapshotComparison, SnapshotStatistics, ExportOptions, ImportOptions, ImportResult } from './src/snapshots/types.js';
export { Recorder, type RecorderOptions } from './instrumentation/Recorder.js';
export { openRecording, Recording, RecordingSession, type OpenRecordingOptions, type EventFilter, type PathLike } from './reconstructor/Recording.js';
export { StateReconstructor, type At, type Reconstruction, type ReconstructionWarning, type ReconstructorOptions } from './reconstructor/StateReconstructor.js';
export { Cursor } from './reconstructor/Cursor.js';
export { noSnapshots, type SnapshotSource, type SnapshotPoint, type TrackedState } from './reconstructor/SnapshotSource.js';
export { managerSnapshots } from './reconstructor/ManagerSnapshots.js';
export type { Reducer, Reducers } from './reconstructor/replay.js';
export type { PathChange, HistoryEntry, FindResult, FindOptions, OpenSpan, Range, EventRef } from './reconstructor/queries.js';
export { startRecording, loadInstrumentations, DEFAULT_INSTRUMENTATIONS, type StartRecordingOptions, type InstrumentationName } from './instrumentation/startRecording.js';
export { RecordingSpanProcessor, hrToUs, type RecordingSpanProcessorOptions, type RecordableSpan, type SpanProcessorLike } from './instrumentation/RecordingSpanProcessor.js';
export { track, record, mark, activeRecorder, activate, deactivate } from './instrumentation/active.js';
export { installProcessHooks, type ProcessHooksOptions } from './instrumentation/processHooks.js';
export { Redactor, createRedactor, DEFAULT_DENY_KEYS, REDACTED, type RedactionOptions, type KeyRule } from './instrumentation/redact.js';
export { replay, COMPARE_MODES, compareStates, StateComparer, formatReplay, formatDivergence, formatSummary, loadReplayModule } from './replay/index.js';
export type { CompareMode, Divergence, ReplayEventRef, ReplayHandler, ReplayOptions, ReplayResult, Difference, Tolerance, CompareOptions, ReplayModule } from './replay/index.js';
export type { TrackOptions } from './instrumentation/Recorder.js';
export { RESTORE_EVENT, type RestoreTarget, type RestoreOptions, type RestoreResult } from './instrumentation/restore.js';
export { RESUME_ENV, RESUMED_EVENT, type ResumeSource, type ResumePoint } from './instrumentation/resume.js';
export { collectSpans, spanKey, type SpanRecord } from './reconstructor/spans.js';
