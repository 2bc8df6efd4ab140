import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { EventLog } from '../../src/log/EventLog.js';
import { listSessions } from '../../src/store/Sessions.js';
import { appendSpill, spillPath } from '../../src/store/SpillFile.js';
import { openStore } from '../../src/store/Store.js';
import { blockKey } from '../../src/store/keys.js';
import { readEvents, scratchDirs } from '../fixtures/stores.js';

const WRITER = new URL('../fixtures/children/writer.mjs', import.meta.url).pathname;
const dir = scratchDirs();

async function readAll(d: string) {
  const store = await openStore({ dir: d });
  const [session] = await listSessions(store.db);
  return { store, session, events: await readEvents(store, session.id) };
}

describe('durability on disk', () => {
  it('loses nothing on process.exit() thanks to the synchronous flush path', async () => {
    const d = dir();
    const r = spawnSync(process.execPath, [WRITER, d, 'exit', '5000'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(readdirSync(join(d, 'spill')).length).toBe(1);
    const { store, session, events } = await readAll(d);
    expect(events.length).toBe(5000);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 5000 }, (_, i) => i + 1));
    expect(session.status).toBe('ended');
    expect(store.recovered[0]).toMatchObject({ frames: 1, lostBytes: 0 });
    expect(readdirSync(join(d, 'spill')).length).toBe(0);
    await store.close();
  });

  it('process.exit() from a getter while a block is packed still writes every other pending event', async () => {
    const d = dir();
    const r = spawnSync(process.execPath, [WRITER, d, 'exit-in-getter', '3000'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const store = await openStore({ dir: d });
    const sessions = await listSessions(store.db);
    const other = sessions.find((s) => s.name === 'child-other')!;
    const events = await readEvents(store, other.id);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
    expect(other.status).toBe('ended');
    // The block that was being packed when the program left is the only loss.
    expect(sessions.find((s) => s.name === 'child-exit-in-getter')!.status).toBe('ended');
    await store.close();
  });

  it('a flushSync() skipped inside packing during process exit is still reported, and everything is written', async () => {
    const d = dir();
    const r = spawnSync(process.execPath, [WRITER, d, 'flushsync-in-exit-getter', '10'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/onError: .*flushSync\(\) called while a block is being encoded/);
    const { store, session, events } = await readAll(d);
    expect(events.map((e) => e.name)).toEqual([...Array.from({ length: 10 }, () => 'tick'), 'getter']);
    expect(session.status).toBe('ended');
    await store.close();
  });

  it('loses at most the last flush window on SIGKILL and marks the session crashed', async () => {
    const d = dir();
    const r = spawnSync(process.execPath, [WRITER, d, 'sigkill', '3000'], { encoding: 'utf8' });
    expect(r.signal).toBe('SIGKILL');
    const written = Number(/written (\d+)/.exec(r.stdout)![1]);
    const { store, session, events } = await readAll(d);
    expect(events.length).toBeGreaterThanOrEqual(written);
    expect(events.slice(0, written).map((e) => e.seq)).toEqual(Array.from({ length: written }, (_, i) => i + 1));
    expect(session.status).toBe('crashed');
    expect(store.crashedSessions).toEqual([session.id]);
    await store.close();
  });

  it('refuses a directory held by a live recorder, naming its pid', async () => {
    const d = dir();
    const child = spawn(process.execPath, [WRITER, d, 'hold'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.on('data', (b) => String(b).includes('ready') && resolve()));
    try {
      const err = await openStore({ dir: d }).catch((e) => e);
      expect(err.code).toBe(ErrorCodes.LOCKED);
      expect(err.message).toContain(`pid ${child.pid}`);
      expect(err.message.split('\n')).toHaveLength(1);
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.on('exit', resolve));
    }
  });

  it('opens a log whose spill file has a torn tail, recovering every whole frame and reporting the loss', async () => {
    const d = dir();
    const store = await openStore({ dir: d });
    const log = await EventLog.create(store, { overflow: 'wait', maxPendingEvents: 100, blockEvents: 50 });
    for (let i = 0; i < 1000; i++) log.append({ kind: 'custom', name: 'n', data: i });
    log.flushSync();
    const file = spillPath(d, log.sessionId);
    const whole = statSync(file).size;
    appendSpill(file, [[blockKey(log.sessionId, 1001), Buffer.from('never whole')]]);
    truncateSync(file, whole + 20);
    await store.close();
    const { store: reopened, events } = await readAll(d);
    expect(events.map((e) => e.data)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(reopened.recovered[0].lostBytes).toBe(20);
    await reopened.close();
  });

  it("with overflow 'wait' keeps every event while memory stays bounded", async () => {
    const d = dir();
    const store = await openStore({ dir: d });
    const log = await EventLog.create(store, { overflow: 'wait', maxPendingEvents: 200, blockEvents: 64 });
    let maxPending = 0;
    for (let i = 0; i < 20_000; i++) {
      log.append({ kind: 'custom', name: 'n', data: i });
      maxPending = Math.max(maxPending, log.stats().pending);
    }
    expect(maxPending).toBeLessThanOrEqual(200);
    expect(log.stats().dropped).toBe(0);
    await log.close();
    const events = (await readEvents(store, log.sessionId)).map((e) => e.data);
    expect(events).toEqual(Array.from({ length: 20_000 }, (_, i) => i));
    await store.close();
  });

  it('a garbage spill file is ignored whole and reported, never folded in', async () => {
    const d = dir();
    const store = await openStore({ dir: d });
    await store.close();
    mkdirSync(join(d, 'spill'));
    appendFileSync(join(d, 'spill', 'junk.spill'), Buffer.from('not a spill file at all'));
    const reopened = await openStore({ dir: d });
    expect(reopened.recovered[0]).toMatchObject({ frames: 0, ops: 0, lostBytes: 23 });
    await reopened.close();
  });
});
