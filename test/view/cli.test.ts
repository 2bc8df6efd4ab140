import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../fixtures/stores.js';
import { CLI, cli, makeShopRecording } from '../fixtures/cliRecordings.js';

let dir: string;

beforeAll(async () => {
  dir = tempDir('hindsight-view-cli-');
  await makeShopRecording(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Running {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  exit: Promise<number | null>;
}

/** Starts `hindsight view` and waits for the URL it prints. */
function view(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [CLI, 'view', '--dir', dir, ...args], { env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c;
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve({ child, url: line, stderr: () => err, exit });
    });
    void exit.then((code) => reject(new Error(`view exited ${code}: ${err}`)));
  });
}

describe('hindsight view (the command)', () => {
  it('prints a loopback URL with its token, serves the page there, refuses requests without it, and stops cleanly on SIGINT', async () => {
    const v = await view(['--port', '0']);
    try {
      expect(v.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{22}$/);
      const page = await fetch(v.url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>hindsight view</title>');
      const origin = new URL(v.url).origin;
      expect((await fetch(`${origin}/api/sessions`)).status).toBe(403);
      expect((await fetch(`${origin}/`)).status).toBe(403);
      const token = new URL(v.url).searchParams.get('token')!;
      const sessions = (await (await fetch(`${origin}/api/sessions`, { headers: { 'x-hindsight-token': token } })).json()) as { sessions: unknown[] };
      expect(sessions.sessions).toHaveLength(2);
      expect(v.stderr()).not.toMatch(/warning/);
    } finally {
      v.child.kill('SIGINT');
    }
    expect(await v.exit).toBe(0);
  });

  it('listens on another interface only when asked, with a warning', async () => {
    const v = await view(['--host', '0.0.0.0', '--json']);
    try {
      const doc = JSON.parse(v.url);
      expect(doc).toMatchObject({ host: '0.0.0.0' });
      expect(v.stderr()).toMatch(/^warning: the viewer listens on 0\.0\.0\.0, reachable from other machines/m);
      expect((await fetch(`http://127.0.0.1:${doc.port}/api/sessions`)).status).toBe(403);
    } finally {
      v.child.kill('SIGTERM');
    }
    expect(await v.exit).toBe(0);
  });

  it('says in one line when the port is taken, or the session unknown; a bad port is a usage error', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const taken = cli(['view', '--dir', dir, '--port', String(port)]);
      expect(taken.code).toBe(1);
      expect(taken.stderr).toBe(`HINDSIGHT_PORT_IN_USE: port ${port} on 127.0.0.1 is in use (--port 0 picks a free one)\n`);
    } finally {
      blocker.close();
    }
    const unknown = cli(['view', '--dir', dir, '--session', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^HINDSIGHT_UNKNOWN_SESSION: [^\n]+\n$/);
    expect(cli(['view', '--dir', dir, '--port', '70000']).code).toBe(2);
  });
});
