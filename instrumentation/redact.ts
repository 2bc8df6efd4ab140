/**
 * Redaction: values under sensitive keys are replaced before anything is
 * stored (span attributes, state patches, checkpoints, custom events).
 *
 * One rule, a pure function of (path, value), applied everywhere: a value
 * whose path contains a denied key keeps its shape (objects, arrays, Maps,
 * Sets) but every leaf becomes the censor string. Patches and checkpoints
 * therefore stay consistent: replaying redacted patches over a redacted
 * checkpoint gives the redacted state. (A Set under a denied key collapses
 * its leaves, so it may lose elements; its contents were secret anyway.)
 */
import { MARKER_KEY } from '../src/values/markers.js';

export const REDACTED = '[REDACTED]';

/** Keys redacted by default (case-insensitive; a dotted key is also matched by its last segment). */
export const DEFAULT_DENY_KEYS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'password',
  'passwd',
  'secret',
  'client_secret',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'api-key',
  'apikey',
  'api_key',
  'x-api-key',
  'x-auth-token',
];

export type KeyRule = string | RegExp;

export interface RedactionOptions {
  /** Extra denied keys (strings match case-insensitively, exactly or as a dotted key's last segment). */
  deny?: KeyRule[];
  /** Keys never redacted, even when denied (wins over deny). */
  allow?: KeyRule[];
  /** Drop the default deny list and use only `deny`. */
  replaceDefaults?: boolean;
  /** What a redacted leaf becomes (default "[REDACTED]"). */
  censor?: string;
}

/** Query parameters of URL-valued span attributes are redacted by key too. */
const URL_ATTRIBUTES = new Set(['url.full', 'url.query', 'http.url', 'http.target', 'url.original']);

export class Redactor {
  readonly censor: string;
  private readonly denyExact: Set<string>;
  private readonly denyPatterns: RegExp[];
  private readonly allowExact: Set<string>;
  private readonly allowPatterns: RegExp[];
  /** Keys repeat endlessly (attribute names, object fields): remember each verdict. */
  private readonly verdicts = new Map<string, boolean>();

  constructor(options: RedactionOptions = {}) {
    this.censor = options.censor ?? REDACTED;
    const deny = [...(options.replaceDefaults ? [] : DEFAULT_DENY_KEYS), ...(options.deny ?? [])];
    this.denyExact = new Set(deny.filter((k): k is string => typeof k === 'string').map((k) => k.toLowerCase()));
    this.denyPatterns = deny.filter((k): k is RegExp => k instanceof RegExp).map(stateless);
    const allow = options.allow ?? [];
    this.allowExact = new Set(allow.filter((k): k is string => typeof k === 'string').map((k) => k.toLowerCase()));
    this.allowPatterns = allow.filter((k): k is RegExp => k instanceof RegExp).map(stateless);
  }

  /** Whether values under `key` are redacted. */
  isDenied(key: string): boolean {
    let v = this.verdicts.get(key);
    if (v === undefined) {
      v = this.decide(key);
      // Bounded: keys built from data (ids as object keys) must not grow the cache forever.
      if (this.verdicts.size < 10_000) this.verdicts.set(key, v);
    }
    return v;
  }

  /** A redacted version of `value` (the same reference when nothing is redacted). */
  value(value: unknown): unknown {
    return this.walk(value, false);
  }

  /** `value` as it is stored at `path`: fully censored when the path crosses a denied key. */
  valueAt(path: readonly unknown[], value: unknown): unknown {
    return this.walk(value, this.pathDenied(path));
  }

  pathDenied(path: readonly unknown[]): boolean {
    for (const seg of path) if (typeof seg === 'string' && this.isDenied(seg)) return true;
    return false;
  }

  /** A `state.patch` event's data (StatePatch): value, prev and key redacted by the patch's path. */
  patch(data: unknown): unknown {
    if (typeof data !== 'object' || data === null) return data;
    const p = data as { name?: unknown; path?: unknown; value?: unknown; prev?: unknown; key?: unknown };
    const path = Array.isArray(p.path) ? p.path : [];
    const denied = (typeof p.name === 'string' && this.isDenied(p.name)) || this.pathDenied(path);
    const value = this.walk(p.value, denied);
    const prev = this.walk(p.prev, denied);
    const key = this.walk(p.key, denied);
    if (value === p.value && prev === p.prev && key === p.key) return data;
    const out: Record<string, unknown> = { ...p };
    if ('value' in p) out.value = value;
    if ('prev' in p) out.prev = prev;
    if ('key' in p) out.key = key;
    return out;
  }

  /** Span attributes: denied keys censored, secrets in URL query strings too. */
  attributes(attrs: Record<string, unknown>): Record<string, unknown> {
    let out: Record<string, unknown> | undefined;
    for (const k in attrs) {
      const v = attrs[k];
      let r: unknown;
      if (this.isDenied(k)) r = this.walk(v, true);
      else if (typeof v === 'string' && URL_ATTRIBUTES.has(k)) r = this.url(v);
      else r = v;
      if (r !== v) (out ??= { ...attrs })[k] = r;
    }
    return out ?? attrs;
  }

  /** `a=1&token=abc` → `a=1&token=[REDACTED]`, for query strings, whole URLs and lines of text. */
  url(text: string): string {
    if (!text.includes('=')) return text;
    // Also free text (a console line): a key starts after any character that
    // cannot be part of it (a quote, a brace, a space), and a denied key's
    // value runs to the next separator or quote, spaces included: better a
    // line censored too far than a secret's second word stored.
    return text.replace(/(^|[^\w.%-])([\w.%-]+)=([^&#;"']*)/g, (m, sep: string, key: string) => {
      let name = key;
      try {
        name = decodeURIComponent(key);
      } catch {
        // a malformed escape: match the raw key
      }
      return this.isDenied(name) ? `${sep}${key}=${encodeURIComponent(this.censor)}` : m;
    });
  }

  private decide(key: string): boolean {
    const lower = key.toLowerCase();
    const dot = lower.lastIndexOf('.');
    const last = dot >= 0 ? lower.slice(dot + 1) : lower;
    if (this.allowExact.has(lower) || this.allowPatterns.some((r) => r.test(key))) return false;
    return this.denyExact.has(lower) || this.denyExact.has(last) || this.denyPatterns.some((r) => r.test(key));
  }

  private walk(value: unknown, censored: boolean): unknown {
    if (typeof value !== 'object' || value === null) {
      return censored && value !== undefined && value !== null ? this.censor : value;
    }
    if (Array.isArray(value)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const r = this.walk(value[i], censored);
        if (r !== value[i]) (out ??= value.slice())[i] = r;
      }
      return out ?? value;
    }
    if (value instanceof Map) {
      let changed = false;
      const out = new Map();
      for (const [k, v] of value) {
        const r = this.walk(v, censored || (typeof k === 'string' && this.isDenied(k)));
        if (r !== v) changed = true;
        out.set(k, r);
      }
      return changed ? out : value;
    }
    if (value instanceof Set) {
      if (!censored) return value;
      return new Set([...value].map((v) => this.walk(v, true)));
    }
    if (value instanceof Date || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
      return censored ? this.censor : value;
    }
    const obj = value as Record<string, unknown>;
    // Markers (functions, cycles...) are the recorder's own data: their fields are never secrets.
    if (typeof obj[MARKER_KEY] === 'string') return value;
    let out: Record<string, unknown> | undefined;
    for (const k of Object.keys(obj)) {
      const v = obj[k];
      const r = this.walk(v, censored || this.isDenied(k));
      if (r !== v) {
        if (out === undefined) {
          out = Object.getPrototypeOf(obj) === null ? Object.assign(Object.create(null), obj) : { ...obj };
        }
        out![k] = r;
      }
    }
    return out ?? value;
  }
}

/** A redactor from options; undefined when redaction is switched off (`false`). */
export function createRedactor(options: RedactionOptions | false | undefined): Redactor | undefined {
  return options === false ? undefined : new Redactor(options ?? {});
}

/** A pattern without the g/y flags, whose test() would depend on lastIndex and could let a denied key through. */
function stateless(r: RegExp): RegExp {
  return r.global || r.sticky ? new RegExp(r.source, r.flags.replace(/[gy]/g, '')) : r;
}
