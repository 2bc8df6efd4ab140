import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const HOOKS = new URL('../../dist/instrumentation/processHooks.js', import.meta.url).href;

describe('signal hooks', () => {
  it("leave a program's own once() SIGTERM handler to finish its graceful shutdown", () => {
    const child = `
      const { installProcessHooks } = await import(${JSON.stringify(HOOKS)});
      const flushed = [];
      const fake = { log: { append() { return 1; }, flushSync(status) { flushed.push(status); }, writeThrough() {}, resume() { flushed.push('resumed'); }, beforeSeal() { return () => {}; } } };
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
    // Written ended in case the program dies of it, running again once it goes on.
    expect(r.stdout).toContain('graceful done, flushed: ended,resumed');
  });

  // A fake recorder: these cases are about the program's fate, not the recording.
  const runHooked = (program: string) =>
    spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { installProcessHooks } = await import(${JSON.stringify(HOOKS)});
        installProcessHooks({ log: { append() { return 1; }, flushSync() {}, writeThrough() {}, resume() {}, beforeSeal() { return () => {}; } } });
        ${program}`,
      ],
      { encoding: 'utf8', timeout: 10_000 },
    );

  it("leave a once() handler the program prepends to finish its graceful shutdown", () => {
    const r = runHooked(`
      process.prependOnceListener('SIGTERM', () => {
        console.log('graceful');
        setTimeout(() => { console.log('cleaned'); process.exit(0); }, 100);
      });
      setTimeout(() => process.kill(process.pid, 'SIGTERM'), 30);
      setTimeout(() => {}, 2000);`);
    expect([r.signal, r.status, r.stdout]).toEqual([null, 0, 'graceful\ncleaned\n']);
  });

  it('leave a handler the program prepends from inside its first handler to take the second signal', () => {
    const r = runHooked(`
      const first = () => {
        process.removeListener('SIGINT', first);
        process.prependOnceListener('SIGINT', () => setTimeout(() => process.exit(4), 50));
      };
      process.on('SIGINT', first);
      setTimeout(() => process.kill(process.pid, 'SIGINT'), 30);
      setTimeout(() => process.kill(process.pid, 'SIGINT'), 80);
      setTimeout(() => {}, 2000);`);
    expect([r.signal, r.status]).toEqual([null, 4]);
  });
});
