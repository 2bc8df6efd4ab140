import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../fixtures/cliRecordings.js';
import { tempDir } from '../fixtures/stores.js';
import { recordCart } from './fixtures.js';

const child = (name: string) => fileURLToPath(new URL(`./children/${name}`, import.meta.url));
let dir: string;
let inputSeqs: number[];
const run = (...args: string[]) => cli(['replay', '--dir', dir, ...args]);

beforeAll(async () => {
  dir = tempDir('hindsight-replay-cli-');
  const rec = await recordCart({ dir });
  inputSeqs = rec.inputSeqs;
  await rec.recording.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hindsight replay (needs the build: npx tsc -p tsconfig.build.json)', () => {
  it('exits 0 when today\'s reducers (ESM named export) reach the recorded states', () => {
    for (const compare of ['every-event', 'markers', 'snapshots']) {
      const r = run('--reducers', child('cartReducers.mjs'), '--compare', compare);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^ok: session \\S+ "cart" \\(ended\\): 7 input event\\(s\\) replayed, \\d+ comparison\\(s\\) \\(${compare}\\)`));
    }
    const handler = run('--reducers', child('cartHandler.mjs'), '--compare', 'every-event', '--json');
    expect(handler.code, handler.stderr).toBe(0);
    expect(JSON.parse(handler.stdout)).toMatchObject({ ok: true, eventsReplayed: 7, comparisons: 7, compare: 'every-event' });
  });

  it('exits 1 on a divergence with a readable diff (CommonJS module.exports)', () => {
    const r = run('--reducers', child('cartChangedReducers.cjs'), '--compare', 'every-event');
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^DIVERGED: session \S+ "cart" \(ended\): 3 input event\(s\) replayed, 3 comparison\(s\) \(every-event\)/);
    expect(lines[1]).toMatch(new RegExp(`^diverged at seq ${inputSeqs[3] - 1} \\(2023-11-14T22:13:20\\.\\d{6}Z, \\+[\\d.]+ms\\) after input "cart.coupon" \\(seq ${inputSeqs[2]}, data \\{ code: 'SAVE10' \\}\\)$`));
    expect(lines[2]).toBe('  cart.total: expected 13.5, actual 12');
  });

  it('--json gives the documented document', () => {
    const r = run('--reducers', child('cartChangedReducers.cjs'), '--compare', 'markers', '--json');
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ ok: false, compare: 'markers', eventsReplayed: 4, comparisons: 2, incomplete: false, warnings: [], session: { name: 'cart', status: 'ended' } });
    expect(doc.firstDivergence).toMatchObject({ point: { kind: 'marker', name: 'm4' }, event: { seq: inputSeqs[3], name: 'cart.add', data: { sku: 'h', qty: 1, price: 4 } } });
    expect(doc.firstDivergence.differences).toEqual([{ path: 'cart.total', kind: 'changed', expected: 17.5, actual: 16 }]);
  });

  it('--ignore and --tolerance relax the comparison', () => {
    expect(run('--reducers', child('cartChangedReducers.cjs'), '--compare', 'every-event', '--ignore', 'cart.total').code).toBe(0);
    expect(run('--reducers', child('cartChangedReducers.cjs'), '--compare', 'every-event', '--ignore', '*.total', '--ignore', 'cart.items').code).toBe(0);
    expect(run('--reducers', child('cartChangedReducers.cjs'), '--compare', 'every-event', '--tolerance', '2').code).toBe(0);
    expect(run('--reducers', child('cartChangedReducers.cjs'), '--compare', 'every-event', '--tolerance', '1').code).toBe(1);
    expect(run('--reducers', child('cartChangedReducers.cjs'), '--compare', 'every-event', '--relative-tolerance', '0.2').code).toBe(0);
  });

  it('usage errors exit 2, a bad module or recording exits 1, each with one line on stderr', () => {
    const cases: [string[], number, RegExp][] = [
      [[], 2, /^HINDSIGHT_INVALID_ARGUMENT: replay: --reducers <module> is required$/],
      [['--reducers', child('cartReducers.mjs'), '--compare', 'sometimes'], 2, /^HINDSIGHT_INVALID_ARGUMENT: --compare must be one of/],
      [['--reducers', child('cartReducers.mjs'), '--tolerance', 'x'], 2, /^HINDSIGHT_INVALID_ARGUMENT: --tolerance must be a number >= 0/],
      [['--reducers', child('nothing.mjs')], 1, /^HINDSIGHT_INVALID_ARGUMENT: reducers module .* must export `reducers`/],
      [['--reducers', child('missing.mjs')], 1, /^HINDSIGHT_INVALID_ARGUMENT: reducers module .* does not exist$/],
      [['--reducers', child('cartReducers.mjs'), '--session', 'nope'], 1, /^HINDSIGHT_UNKNOWN_SESSION: /],
    ];
    for (const [args, code, message] of cases) {
      const r = run(...args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(message);
    }
    const missing = cli(['replay', '--dir', `${dir}/none`, '--reducers', child('cartReducers.mjs')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^HINDSIGHT_NOT_FOUND: /);
  });

  it('is listed in hindsight --help and has its own --help', () => {
    expect(cli(['--help']).stdout).toMatch(/\n {2}replay +feed a session's inputs/);
    const help = cli(['replay', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--compare <mode>');
  });
});
