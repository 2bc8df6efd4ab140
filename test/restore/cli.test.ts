import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resumedFrom } from '../../cli/commands/restore.js';
import { Recorder } from '../../instrumentation/Recorder.js';
import { openRecording } from '../../reconstructor/Recording.js';
import { cli } from '../fixtures/cliRecordings.js';
import { tempDir } from '../fixtures/stores.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const NO_AUTO = { eventInterval: 0, automaticInterval: 0, foldInWorker: false };

async function twoSessions() {
  const dir = tempDir();
  dirs.push(dir);
  const first = await Recorder.open({ dir, name: 'shop', snapshots: NO_AUTO });
  const cart = first.track('cart', { items: ['a'], total: 1 });
  first.track('tags', new Set(['x']));
  const mid = first.mark('mid');
  cart.items.push('b');
  cart.total = 2;
  const firstId = first.sessionId;
  await first.stop();
  const second = await Recorder.open({ dir, name: 'shop', snapshots: NO_AUTO, resume: 'latest' });
  second.track('cart', { items: [] as string[], total: 0 });
  const secondId = second.sessionId;
  await second.stop();
  return { dir, firstId, secondId, mid };
}

describe('hindsight snapshots restore-file', () => {
  it('writes the state of one name, or several, at an instant to a JSON file', async () => {
    const { dir, firstId, mid } = await twoSessions();
    const out = join(dir, 'cart.json');
    const r = cli(['snapshots', 'restore-file', '--dir', dir, '--session', firstId, '--at', `seq:${mid}`, '--name', 'cart', '--out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ session: firstId, seq: mid, names: ['cart'], file: out });
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({ items: ['a'], total: 1 });

    const both = cli(['snapshots', 'restore-file', '--dir', dir, '--session', firstId, '--at', `seq:${mid}`, '--name', 'cart', '--name', 'tags']);
    expect(JSON.parse(both.stdout)).toEqual({ cart: { items: ['a'], total: 1 }, tags: { $set: ['x'] } });

    const missing = cli(['snapshots', 'restore-file', '--dir', dir, '--session', firstId, '--at', 'seq:1', '--name', 'tags']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^HINDSIGHT_INVALID_ARGUMENT/);
  });

  it('a resumed session links to the one it resumed from', async () => {
    const { dir, firstId, secondId } = await twoSessions();
    const recording = await openRecording(dir);
    expect(await resumedFrom(await recording.session(secondId))).toMatchObject({ fromSession: firstId });
    expect(await resumedFrom(await recording.session(firstId))).toBeUndefined();
    await recording.close();
  });
});

describe('hindsight sessions --json', () => {
  it('shows the session a resumed one started from', async () => {
    const { dir, firstId, secondId } = await twoSessions();
    const r = cli(['sessions', '--dir', dir, '--json']);
    expect(r.code).toBe(0);
    const byId = Object.fromEntries((JSON.parse(r.stdout).sessions as { id: string; resumedFrom?: { fromSession: string } }[]).map((s) => [s.id, s]));
    expect(byId[secondId].resumedFrom?.fromSession).toBe(firstId);
    expect(byId[firstId].resumedFrom).toBeUndefined();
  });
});
