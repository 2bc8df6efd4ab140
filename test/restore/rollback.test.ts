import { describe, expect, it } from 'vitest';
import { Recorder } from '../../instrumentation/Recorder.js';
import { ErrorCodes } from '../../src/errors.js';
import { snapshotKey } from '../../src/store/keys.js';
import { openStore } from '../../src/store/Store.js';

// 'disk': every read goes to the store, so a record damaged there is seen (hybrid would serve its cached copy).
const NO_AUTO = { eventInterval: 0, automaticInterval: 0, foldInWorker: false, storageType: 'disk' as const };

async function open() {
  const store = await openStore({ memory: true });
  return Recorder.open({ store, snapshots: NO_AUTO });
}

/** Flips one byte in the middle of a stored snapshot record (under the N prefix). */
async function corrupt(recorder: Recorder, snapshotId: string): Promise<void> {
  await recorder.snapshots!.idle();
  const meta = recorder.snapshots!.getMetadata(snapshotId)!;
  const key = snapshotKey(recorder.sessionId, meta.seq, snapshotId);
  const value = Buffer.from((await recorder.store.db.get(key))!);
  value[value.length >> 1] ^= 0xff;
  await recorder.store.db.put(key, value);
}

/** Three checkpoints at n = 1, 2, 3, then n = 4 live. */
async function threeCheckpoints() {
  const recorder = await open();
  const s = recorder.track('s', { n: 0, list: [] as number[] });
  const ids: string[] = [];
  for (let n = 1; n <= 3; n++) {
    s.n = n;
    s.list.push(n);
    ids.push((await recorder.checkpoint())!);
  }
  s.n = 4;
  s.list.push(4);
  return { recorder, s, ids };
}

describe('recorder.rollbackLast', () => {
  it('goes back to the newest checkpoint', async () => {
    const { recorder, s, ids } = await threeCheckpoints();
    const list = s.list;
    const result = await recorder.rollbackLast();
    expect(result.snapshotId).toBe(ids[2]);
    expect(result.unusable).toEqual([]);
    expect(s).toEqual({ n: 3, list: [1, 2, 3] });
    expect(s.list).toBe(list);
    await recorder.stop();
  });

  it('passes over a corrupt newest checkpoint to an older good one', async () => {
    const { recorder, s, ids } = await threeCheckpoints();
    await corrupt(recorder, ids[2]);
    const result = await recorder.rollbackLast();
    expect(result.unusable).toEqual([ids[2]]);
    expect(result.snapshotId).toBe(ids[1]);
    expect(s).toEqual({ n: 2, list: [1, 2] });
    // A restore through a damaged checkpoint still gets the exact state, by replaying from an older base.
    await recorder.restore(ids[2]);
    expect(s).toEqual({ n: 3, list: [1, 2, 3] });
    await recorder.stop();
  });

  it('changes nothing when no checkpoint is usable', async () => {
    const { recorder, s, ids } = await threeCheckpoints();
    for (const id of ids) await corrupt(recorder, id);
    const seq = recorder.log.lastSeq;
    await expect(recorder.rollbackLast()).rejects.toMatchObject({ code: ErrorCodes.CORRUPT_SNAPSHOT });
    expect(s).toEqual({ n: 4, list: [1, 2, 3, 4] });
    expect(recorder.log.lastSeq).toBe(seq);
    await recorder.stop();
  });

  it('refuses when checkpoints are disabled', async () => {
    const store = await openStore({ memory: true });
    const recorder = await Recorder.open({ store, snapshots: false });
    recorder.track('s', { n: 0 });
    await expect(recorder.rollbackLast()).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT });
    await recorder.stop();
  });
});
