/**
 * Who may talk to the viewer: whoever holds the random token of the URL it
 * printed (any other local user or web page gets 403), through a Host header
 * naming the address it listens on (a page on a DNS name rebound to 127.0.0.1
 * sends its own name: refused), and the page it serves loads nothing but its
 * own files.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

export function newToken(): string {
  return randomBytes(16).toString('base64url');
}

/** Constant-time comparison: the token must not leak through response timing. */
export function sameToken(given: string | null | undefined, token: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1']);
const WILDCARDS = new Set(['0.0.0.0', '::']);

export function isLoopback(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || (isIP(host) === 4 && host.startsWith('127.'));
}

/** The name and port of a Host header (`127.0.0.1:8080`, `[::1]:8080`; without a port, HTTP's 80). */
function splitHost(header: string): { name: string; port: string } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::(\d+))?$/.exec(header);
  return m ? { name: (m[1] ?? m[2]).toLowerCase(), port: m[3] ?? '80' } : undefined;
}

/**
 * Whether a request's Host header names this server: the address it is bound
 * to or a loopback name, on its port. Bound to every interface (`--host
 * 0.0.0.0`), any IP literal is accepted, still never a DNS name.
 */
export function hostAllowed(header: string | undefined, bound: { host: string; port: number }): boolean {
  const h = header === undefined ? undefined : splitHost(header);
  if (!h || h.port !== String(bound.port)) return false;
  if (h.name === bound.host.toLowerCase() || LOOPBACK_NAMES.has(h.name)) return true;
  return WILDCARDS.has(bound.host) && isIP(h.name) !== 0;
}

/** Headers of every response. `scriptHash` allows the page's one inline script, its import map. */
export function securityHeaders(scriptHash?: string): Record<string, string> {
  const scripts = scriptHash ? `'self' 'sha256-${scriptHash}'` : `'self'`;
  return {
    'Content-Security-Policy': `default-src 'none'; script-src ${scripts}; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };
}
