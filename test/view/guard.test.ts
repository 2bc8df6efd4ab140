import { describe, expect, it } from 'vitest';
import { hostAllowed } from '../../cli/view/guard.js';

describe('the Host check', () => {
  const bound = { host: '127.0.0.1', port: 4173 };

  it('accepts the bound address and loopback names on the bound port', () => {
    for (const h of ['127.0.0.1:4173', 'localhost:4173', '[::1]:4173']) expect(hostAllowed(h, bound), h).toBe(true);
  });

  it('refuses other ports, DNS names and a missing header', () => {
    for (const h of ['127.0.0.1:4174', 'evil.example:4173', 'evil.example', '127.0.0.1', undefined]) expect(hostAllowed(h, bound), String(h)).toBe(false);
  });

  it('reads a Host without a port as port 80, as browsers send it', () => {
    expect(hostAllowed('localhost', { host: '127.0.0.1', port: 80 })).toBe(true);
    expect(hostAllowed('127.0.0.1', { host: '127.0.0.1', port: 80 })).toBe(true);
  });
});
