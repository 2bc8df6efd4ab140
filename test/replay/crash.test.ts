import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openRecording } from '../../reconstructor/Recording.js';
import { replay } from '../../replay/replay.js';
import { tempDir } from '../fixtures/stores.js';
import { cartReducers } from './fixtures.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const CHILD = fileURLToPath(new URL('./children/crashingCart.mjs', import.meta.url));
const RECORDER = new URL('../../dist/instrumentation/Recorder.js', import.meta.url).href;

describe('replay of a crashed process (needs the build: npx tsc -p tsconfig.build.json)', () => {
  it('replays up to the last event the process stored before SIGKILL', async () => {
    const dir = tempDir('hindsight-replay-crash-');
    dirs.push(dir);
    const res = spawnSync(process.execPath, [CHILD, RECORDER, dir, '200'], { encoding: 'utf8' });
    expect(res.signal, res.stderr).toBe('SIGKILL');

    const recording = await openRecording(dir);
    const session = await recording.session('doomed');
    expect(session.info.status).toBe('crashed');
    let lastEventSeq = 0;
    for await (const e of session.events({ reverse: true, limit: 1 })) lastEventSeq = e.seq;

    for (const compare of ['every-event', 'snapshots', 'markers'] as const) {
      const r = await replay({ recording, reducers: cartReducers, compare });
      expect(r, compare).toMatchObject({ ok: true, eventsReplayed: 200, lastSeq: lastEventSeq, incomplete: false, session: { status: 'crashed' } });
    }
    expect((await replay({ recording, reducers: cartReducers, compare: 'every-event' })).comparisons).toBe(200);
    // One checkpoint at input 50, then the end.
    expect((await replay({ recording, reducers: cartReducers, compare: 'snapshots' })).comparisons).toBe(2);

    const broken = await replay({ recording, compare: 'every-event', reducers: { ...cartReducers, 'cart.remove': () => {} } });
    expect(broken.firstDivergence).toMatchObject({ event: { name: 'cart.remove', data: { sku: 's3' } } });
    expect(broken.firstDivergence!.differences.map((d) => d.path)).toEqual(['cart.items.3', 'cart.total']);
    await recording.close();
    // With `dir`, replay opens the recording itself and closes it again.
    expect(await replay({ dir, session: 'doomed', reducers: cartReducers })).toMatchObject({ ok: true, eventsReplayed: 200 });
    expect(await replay({ dir, reducers: cartReducers, compare: 'every-event' })).toMatchObject({ ok: true, comparisons: 200 });
  });
});
