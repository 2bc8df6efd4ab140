/** Restore and resume never write a recording's placeholders (redacted secrets, markers) into live objects. */
import { describe, expect, it } from 'vitest';
import { Recorder } from '../../instrumentation/Recorder.js';
import { Redactor } from '../../instrumentation/redact.js';
import { openStore } from '../../src/store/Store.js';

class User {
  constructor(public name: string) {}
  greet(): string {
    return `hi ${this.name}`;
  }
}

describe('restore keeps what the recording cannot give back', () => {
  it('a redacted secret stays the live secret', async () => {
    const r = await Recorder.open({ memory: true, redactor: new Redactor(), snapshots: false });
    const s = r.track('cfg', { password: 'hunter2', n: 0 });
    s.n = 1;
    await r.flush();
    const seq = r.log.lastSeq;
    s.n = 2;
    await r.restore({ seq });
    expect(s).toEqual({ password: 'hunter2', n: 1 });
    await r.stop();
  });

  it('functions and class instances stay what they are', async () => {
    const r = await Recorder.open({ memory: true, snapshots: false });
    const s = r.track('app', { fn: () => 42, user: new User('a'), n: 0 } as { fn: () => number; user: User; n: number });
    s.n = 1;
    await r.flush();
    const seq = r.log.lastSeq;
    s.n = 2;
    await r.restore({ seq });
    expect(s.fn()).toBe(42);
    expect(s.user.greet()).toBe('hi a');
    expect(s.n).toBe(1);
    await r.stop();
  });

  it('resume keeps a redacted secret at its initial value', async () => {
    const store = await openStore({ memory: true });
    const first = await Recorder.open({ store, name: 'svc', redactor: new Redactor(), snapshots: false });
    const cfg = first.track('cfg', { token: 'old-secret', visits: 0 });
    cfg.visits = 7;
    await first.stop();
    const second = await Recorder.open({ store, name: 'svc', redactor: new Redactor(), snapshots: false, resume: 'latest' });
    const initial = { token: 'fresh-secret', visits: 0 };
    const resumed = second.track('cfg', initial);
    expect(resumed).toEqual({ token: 'fresh-secret', visits: 7 });
    await second.stop();
    await store.close();
  });
});
