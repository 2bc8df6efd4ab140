/** Regression replay: the public surface (the vitest helper is separate, in replay/vitest.ts). */
export { replay, COMPARE_MODES } from './replay.js';
export type { CompareMode, Divergence, ReplayEventRef, ReplayHandler, ReplayOptions, ReplayResult, Reducer, Reducers } from './replay.js';
export { compareStates, StateComparer } from './compare.js';
export type { CompareOptions, Difference, Tolerance } from './compare.js';
export { formatDivergence, formatReplay, formatSummary } from './format.js';
export { loadReplayModule } from './loadModule.js';
export type { ReplayModule } from './loadModule.js';
