import { describe, expect, it } from 'vitest';
import { Redactor, REDACTED } from '../../instrumentation/redact.js';
import { track, record, activeRecorder } from '../../instrumentation/active.js';
import { Recorder } from '../../instrumentation/Recorder.js';
import { Recording } from '../../reconstructor/Recording.js';
import { openStore } from '../../src/store/Store.js';
import { applyPatch } from '../../src/tracking/patches.js';

describe('Redactor', () => {
  const r = new Redactor();

  it('denies the default keys case-insensitively, dotted keys by their last segment, and leaves the rest alone', () => {
    for (const k of ['Authorization', 'cookie', 'Set-Cookie', 'PASSWORD', 'passwd', 'secret', 'token', 'api-key', 'apiKey', 'API_KEY', 'x-api-key', 'http.request.header.authorization']) {
      expect(r.isDenied(k), k).toBe(true);
    }
    for (const k of ['user', 'tokens_used', 'password_hint_shown', 'http.method']) expect(r.isDenied(k), k).toBe(false);
    const input = { user: 'a', nested: { Password: 'p', list: [{ token: 't' }] } };
    expect(r.value(input)).toEqual({ user: 'a', nested: { Password: REDACTED, list: [{ token: REDACTED }] } });
    const clean = { a: 1, b: [1, 2] };
    expect(r.value(clean)).toBe(clean); // nothing to redact: no copy
  });

  it('keeps the shape under a denied key, so later patches below it still replay', () => {
    expect(r.value({ secret: { a: 1, b: [true, 'x'] } })).toEqual({ secret: { a: REDACTED, b: [REDACTED, REDACTED] } });
  });

  it('honours allow and extra deny rules, strings and RegExps', () => {
    const custom = new Redactor({ allow: ['token'], deny: ['ssn', /^card/i] });
    expect(custom.value({ token: 't', ssn: 1, cardNumber: '4111', password: 'p' })).toEqual({ token: 't', ssn: REDACTED, cardNumber: REDACTED, password: REDACTED });
    expect(new Redactor({ replaceDefaults: true, deny: ['pin'] }).value({ password: 'p', pin: 1 })).toEqual({ password: 'p', pin: REDACTED });
  });

  it('redacts span attributes and query parameters of URL attributes', () => {
    expect(r.attributes({ 'http.request.header.cookie': ['a=b'], 'url.full': 'http://h/p?x=1&access_token=abc#f', 'url.query': 'token=z' })).toEqual({
      'http.request.header.cookie': [REDACTED],
      'url.full': 'http://h/p?x=1&access_token=%5BREDACTED%5D#f',
      'url.query': 'token=%5BREDACTED%5D',
    });
  });

  it('redacts patches by path: replaying redacted patches over a redacted state gives the redacted state', () => {
    const patches = [
      { name: 'u', op: 'replace', path: [], value: { name: 'a', password: 'p1' } },
      { name: 'u', op: 'replace', path: ['password'], value: 'p2', prev: 'p1' },
      { name: 'u', op: 'add', path: ['creds'], value: { token: 't', scope: 'r' } },
      { name: 'u', op: 'replace', path: ['creds', 'token'], value: 't2', prev: 't' },
    ];
    let state: any = undefined;
    for (const p of patches) state = applyPatch(state, r.patch(p) as any);
    expect(state).toEqual({ name: 'a', password: REDACTED, creds: { token: REDACTED, scope: 'r' } });
  });
});

describe('package-root track and record', () => {
  it('are harmless no-ops without an active recorder', () => {
    expect(activeRecorder()).toBeUndefined();
    const obj = { a: 1 };
    expect(track('x', obj)).toBe(obj);
    expect(record('e', { a: 1 })).toBe(-1);
  });
});

describe('Recorder with a redactor', () => {
  it('redacts custom events, patches and checkpoints alike', async () => {
    const store = await openStore({ memory: true });
    const rec = await Recorder.open({ store, redactor: new Redactor() });
    const s = rec.track('s', { user: { password: 'hunter2' } as Record<string, unknown> });
    s.user = { password: 'x', apiKey: 'k' };
    rec.record('login', { token: 'abc', ok: true });
    await rec.checkpoint();
    await rec.stop();
    const session = await Recording.fromStore(store).session();
    const events = [];
    for await (const e of session.events()) events.push(e);
    expect(JSON.stringify(events)).not.toMatch(/hunter2|"abc"|"k"/);
    expect(events.find((e) => e.kind === 'custom')!.data).toEqual({ token: REDACTED, ok: true });
    expect(await session.stateAt({ seq: session.info.lastSeq })).toEqual({ s: { user: { password: REDACTED, apiKey: REDACTED } } });
    await store.close();
  });
});

describe('redaction patterns', () => {
  it('a global or sticky RegExp denies every matching key, every time', () => {
    const r = new Redactor({ deny: [/session/gi, /^x-/y] });
    for (const key of ['sessionId', 'SessionKey', 'my_session', 'x-trace', 'x-other']) expect(r.isDenied(key)).toBe(true);
  });
});
