/**
 * A recording as a vitest test case:
 *
 *   it('checkout still reaches the recorded states', () =>
 *     expectReplayToMatch({ dir: 'recordings/checkout', reducers, compare: 'every-event' }));
 *
 * This module imports vitest; nothing else in hindsight does, so the package
 * root never loads it.
 */
import { assert } from 'vitest';
import { formatReplay } from './format.js';
import { replay, type ReplayOptions, type ReplayResult } from './replay.js';

/** Replays and resolves to the result when it matched; fails the test with a readable diff when it diverged. */
export async function expectReplayToMatch(options: ReplayOptions): Promise<ReplayResult> {
  const result = await replay(options);
  if (!result.ok) assert.fail(`recorded session no longer replays:\n${formatReplay(result)}`);
  return result;
}
