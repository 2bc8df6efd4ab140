export { StateTracker, type StateTrackerOptions, type StateTrackerStats, type ActiveContext } from './Tracker.js';
export { type PatchSink, NoopPatchSink, InMemoryPatchSink } from './PatchSink.js';
export { applyPatch, revertPatch, type StatePatch, type PatchOp } from './patches.js';
export { type PathSegment, type RefSegment, isRefSegment, formatPath } from './paths.js';
export {
  applyIncremental,
  isRemoval,
  type IncrementalEntry,
  type IncrementalValue,
  type IncrementalRemoval,
} from './incremental.js';
