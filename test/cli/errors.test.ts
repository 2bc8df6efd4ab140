import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, cli, makeShopRecording, type ShopRecording } from '../fixtures/cliRecordings.js';

let work: string;
let dir: string;
let rec: ShopRecording;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'hindsight-cli-err-'));
  dir = join(work, 'rec');
  rec = await makeShopRecording(dir);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** One line on stderr, starting with the code; nothing on stdout. */
function expectError(r: { code: number | null; stdout: string; stderr: string }, code: number, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  expect(r.stdout).toBe('');
  expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
}

describe('errors: one line with the code, and the exit code', () => {
  it('a missing directory is HINDSIGHT_NOT_FOUND (exit 1) and is not created', () => {
    const missing = join(work, 'nowhere');
    expectError(cli(['sessions', '--dir', missing]), 1, /^HINDSIGHT_NOT_FOUND: no recording at .*nowhere\n$/);
    expect(existsSync(missing)).toBe(false);
    expectError(cli(['state', '--at', 'seq:1'], { cwd: work }), 1, /^HINDSIGHT_NOT_FOUND: no recording at .*\.hindsight\n$/);
  });

  it('an unknown session is HINDSIGHT_UNKNOWN_SESSION (exit 1)', () => {
    expectError(cli(['state', '--at', 'seq:1', '--dir', dir, '--session', 'ghost']), 1, /^HINDSIGHT_UNKNOWN_SESSION: no session with id or name "ghost"\n$/);
  });

  it('a bad time expression is a usage error (exit 2)', () => {
    expectError(cli(['state', '--at', 'yesterday', '--dir', dir]), 2, /^HINDSIGHT_INVALID_ARGUMENT: bad time expression "yesterday"/);
    expectError(cli(['diff', '--from', 'seq:1', '--dir', dir]), 2, /^HINDSIGHT_INVALID_ARGUMENT: --to <time> is required\n$/);
  });

  it('usage errors: unknown command, unknown option, missing argument (exit 2); --help (exit 0)', () => {
    expectError(cli(['rewind']), 2, /^HINDSIGHT_INVALID_ARGUMENT: unknown command "rewind"/);
    expectError(cli(['sessions', '--colour']), 2, /^HINDSIGHT_INVALID_ARGUMENT: sessions: Unknown option '--colour'/);
    expectError(cli(['history', '--dir', dir]), 2, /^HINDSIGHT_INVALID_ARGUMENT: missing path argument/);
    expectError(cli(['events', '--limit', 'ten', '--dir', dir]), 2, /^HINDSIGHT_INVALID_ARGUMENT: --limit must be a non-negative integer/);
    expectError(cli(['snapshots', 'shred', '--dir', dir]), 2, /^HINDSIGHT_INVALID_ARGUMENT: unknown snapshots subcommand "shred"/);
    const help = cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('snapshots');
    expect(cli(['state', '--help']).stdout).toContain('--at T');
    expect(cli(['sessions', '--help']).stdout).toContain('With --json: { "sessions": [{ id, name, status');
    expect(cli([]).code).toBe(2);
  });

  it('a reader that closes the pipe early (| head) ends the command quietly, exit 0', async () => {
    for (const args of [['events', '--dir', dir], ['events', '--dir', dir, '--json'], ['export', '--dir', dir, '--format', 'jsonl']]) {
      const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      // Like `head -c 1`: one chunk, then the read end goes away.
      child.stdout.once('data', () => child.stdout.destroy());
      const code = await new Promise<number | null>((r) => child.once('close', r));
      expect({ args, code, stderr }).toEqual({ args, code: 0, stderr: '' });
    }
  });

  it('a directory held by a live recorder is HINDSIGHT_LOCKED naming its pid (exit 1)', async () => {
    const child = spawn(process.execPath, [resolve(import.meta.dirname, 'children/hold.mjs'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const pid = await new Promise<number>((resolvePid, reject) => {
        let text = '';
        child.stdout.on('data', (d: Buffer) => {
          text += d.toString();
          const m = /ready (\d+)/.exec(text);
          if (m) resolvePid(Number(m[1]));
        });
        child.on('exit', (code) => reject(new Error(`holder exited with ${code}`)));
      });
      expectError(cli(['sessions', '--dir', dir]), 1, new RegExp(`^HINDSIGHT_LOCKED: recording directory .* is held by pid ${pid}\\n$`));
    } finally {
      child.kill();
      await new Promise((r) => child.once('close', r));
    }
    // Once the recorder is gone the recording reads again (its session was marked crashed).
    const after = JSON.parse(cli(['sessions', '--dir', dir, '--json']).stdout);
    expect(after.sessions.map((s: { name: string }) => s.name)).toEqual(['other', 'shop', 'live']);
    expect(after.sessions[2].status).toBe('crashed');
    expect(rec.shopId).toBeTruthy();
  });
});
