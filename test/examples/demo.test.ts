import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { scratchDirs } from '../fixtures/stores.js';

const DEMO = new URL('../../dist/examples/demo.js', import.meta.url).pathname;
const dir = scratchDirs();

describe('npm run demo', () => {
  it('records the shop server and finds the request that made stock negative', () => {
    const r = spawnSync(process.execPath, [DEMO], { cwd: dir(), encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/status ended/);
    expect(r.stdout).toMatch(/first instant with negative stock: seq \d+/);
    expect(r.stdout).toContain('inventory then: {"widget":-1,"gadget":3,"gizmo":7}');
    expect(r.stdout).toMatch(/made inside span "POST \/checkout\/linus"/);
  });
});
