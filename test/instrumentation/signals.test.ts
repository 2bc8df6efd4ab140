import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const HOOKS = new URL('../../dist/instrumentation/processHooks.js', import.meta.url).href;

describe('signal hooks', () => {
  it("leave a program's own once() SIGTERM handler to finish its graceful shutdown", () => {
    const child = `
      const { installProcessHooks } = await import(${JSON.stringify(HOOKS)});
      const flushed = [];
      const fake = { log: { append() { return 1; }, flushSync(status) { flushed.push(status); }, writeThrough() {} } };
      process.once('SIGTERM', () => {
        console.log('graceful shutdown start');
        setTimeout(() => { console.log('graceful done, flushed: ' + flushed.join(',')); process.exit(0); }, 100);
      });
      installProcessHooks(fake);
      setTimeout(() => process.kill(process.pid, 'SIGTERM'), 30);
      setTimeout(() => {}, 2000);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', child], { encoding: 'utf8', timeout: 10_000 });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('graceful done, flushed: running');
  });
});
