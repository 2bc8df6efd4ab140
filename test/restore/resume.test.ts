import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Recorder } from '../../instrumentation/Recorder.js';
import { RESUME_ENV } from '../../instrumentation/resume.js';
import { Recording } from '../../reconstructor/Recording.js';
import { ErrorCodes } from '../../src/errors.js';
import { tempDir } from '../fixtures/stores.js';

const NO_AUTO = { eventInterval: 0, automaticInterval: 0, foldInWorker: false };
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
afterEach(() => {
  delete process.env[RESUME_ENV];
});

function dir(): string {
  const d = tempDir();
  dirs.push(d);
  return d;
}

async function resumedEvents(recorder: Recorder) {
  await recorder.flush();
  const session = await Recording.fromStore(recorder.store).session(recorder.sessionId);
  const out = [];
  for await (const e of session.events({ kinds: ['session'], names: ['hindsight.resumed'] })) out.push(e.data);
  return out;
}

describe('track(name, initial, { resume })', () => {
  it('starts from the last state of the previous session and records where it resumed from', async () => {
    const d = dir();
    const first = await Recorder.open({ dir: d, name: 'shop', snapshots: NO_AUTO });
    const cart = first.track('cart', { items: [] as string[], total: 0 });
    cart.items.push('a', 'b');
    cart.total = 7;
    await first.checkpoint();
    cart.total = 8;
    const firstId = first.sessionId;
    const lastSeq = first.log.lastSeq;
    await first.stop();

    const second = await Recorder.open({ dir: d, name: 'shop', snapshots: NO_AUTO, resume: 'shop' });
    const resumed = second.track('cart', { items: [] as string[], total: 0 }, { resume: 'shop' });
    expect(resumed).toEqual({ items: ['a', 'b'], total: 8 });
    const fresh = second.track('other', { n: 1 }, { resume: 'shop' });
    expect(fresh).toEqual({ n: 1 });
    const notResumed = second.track('cart2', { n: 1 }, { resume: false });
    expect(notResumed).toEqual({ n: 1 });
    expect(await resumedEvents(second)).toEqual([{ fromSession: firstId, fromSeq: lastSeq, fromT: expect.any(Number), names: ['cart'] }]);
    // Changes after resuming are recorded in the new session from the resumed state.
    resumed.total = 9;
    await second.flush();
    const state = await (await Recording.fromStore(second.store).session(second.sessionId)).stateAt({ seq: second.log.lastSeq });
    expect(state.cart).toEqual({ items: ['a', 'b'], total: 9 });
    await second.stop();
  });

  it('a source must be loaded first; a missing session means starting from initial', async () => {
    const d = dir();
    const r = await Recorder.open({ dir: d, snapshots: NO_AUTO });
    expect(() => r.track('x', { n: 1 }, { resume: 'elsewhere' })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_ARGUMENT }));
    expect(await r.loadResume('elsewhere')).toBeUndefined();
    expect(r.track('x', { n: 1 }, { resume: 'elsewhere' })).toEqual({ n: 1 });
    await r.stop();
  });

  it('HINDSIGHT_RESUME resumes every tracked name without code changes', async () => {
    const d = dir();
    const first = await Recorder.open({ dir: d, snapshots: NO_AUTO });
    first.track('m', new Map([['k', 1]])).set('j', 2);
    await first.stop();
    process.env[RESUME_ENV] = 'latest';
    const second = await Recorder.open({ dir: d, snapshots: NO_AUTO });
    expect([...second.track('m', new Map<string, number>())]).toEqual([
      ['k', 1],
      ['j', 2],
    ]);
    await second.stop();
  });

  it('continues from the last persisted state of a run killed with SIGKILL', async () => {
    const d = dir();
    const child = `
      const { Recorder } = await import(${JSON.stringify(new URL('../../dist/instrumentation/Recorder.js', import.meta.url).href)});
      const r = await Recorder.open({ dir: ${JSON.stringify(d)}, name: 'worker', snapshots: { eventInterval: 100, automaticInterval: 0 } });
      const s = r.track('job', { done: 0, log: [] });
      for (let i = 0; i < 500; i++) { s.done++; if (i % 50 === 0) s.log.push(i); }
      await r.flush();
      process.stdout.write('persisted ' + s.done + '\\n');
      // These sit in the open block: a SIGKILL loses them, and resume must not invent them.
      for (let i = 0; i < 10; i++) s.done++;
      process.kill(process.pid, 'SIGKILL');`;
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', child]);
    expect(res.signal).toBe('SIGKILL');
    expect(res.stdout.toString()).toBe('persisted 500\n');

    const recorder = await Recorder.open({ dir: d, name: 'worker', snapshots: NO_AUTO, resume: 'worker' });
    const job = recorder.track('job', { done: 0, log: [] as number[] });
    const recording = Recording.fromStore(recorder.store);
    const crashed = (await recording.sessions()).find((s) => s.name === 'worker' && s.id !== recorder.sessionId)!;
    expect(crashed.status).toBe('crashed');
    const persisted = await (await recording.session(crashed.id)).stateAt({ seq: crashed.lastSeq });
    expect(job).toEqual(persisted.job);
    expect(job.done).toBeGreaterThanOrEqual(500);
    expect(job.log).toEqual([0, 50, 100, 150, 200, 250, 300, 350, 400, 450]);
    expect(await resumedEvents(recorder)).toEqual([expect.objectContaining({ fromSession: crashed.id, names: ['job'] })]);
    job.done++;
    await recorder.stop();
  });
});
