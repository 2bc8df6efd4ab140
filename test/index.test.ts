import { readFileSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as hindsight from '../index.js';
import { tempDir } from './fixtures/stores.js';

describe('package root', () => {
  it('records and reads back a session with root exports only', async () => {
    const dir = tempDir();
    try {
      const recorder = await hindsight.Recorder.open({ dir, name: 'root' });
      const cart = recorder.track('cart', { total: 0 });
      cart.total = 5;
      const mid = recorder.mark('middle');
      cart.total = 9;
      await recorder.stop();
      const recording = await hindsight.openRecording(dir);
      const session = await recording.session('root');
      expect(await session.stateAt({ seq: mid })).toEqual({ cart: { total: 5 } });
      expect(await session.stateAt({ seq: session.info.lastSeq })).toEqual({ cart: { total: 9 } });
      await recording.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exports the error class with stable codes', () => {
    const err = new hindsight.HindsightError(hindsight.ErrorCodes.LOCKED, 'held by pid 1');
    expect(hindsight.isHindsightError(err, 'HINDSIGHT_LOCKED')).toBe(true);
    expect(err.message).toBe('HINDSIGHT_LOCKED: held by pid 1');
  });

  it('lists every error code in the README table', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const code of Object.values(hindsight.ErrorCodes)) expect(readme, code).toContain(`| \`${code}\` |`);
  });
});
