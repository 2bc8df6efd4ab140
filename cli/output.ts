/**
 * Output conventions of every command:
 * - results go to stdout, human messages (notes, warnings, progress) to stderr;
 * - `--json` prints ONE JSON document (or NDJSON for streams of events), and
 *   recorded values are rendered with the tagged forms of `toJson` below;
 * - aligned tables and colour only when stdout is a terminal and NO_COLOR is
 *   unset; on a pipe, tables become tab-separated lines a script can split.
 */
import { inspect } from 'node:util';

/**
 * JSON rendering of recorded values. JSON cannot hold these, so each becomes
 * a one-key object whose key starts with `$` (documented in cli/README.md):
 *   bigint           -> { "$bigint": "123" }
 *   Map              -> { "$map": [[key, value], ...] }   (keys of any type, insertion order)
 *   Set              -> { "$set": [value, ...] }
 *   Date             -> { "$date": "2024-05-01T10:42:07.123Z" }  (null for an invalid Date)
 *   undefined        -> { "$undefined": true }  (kept: "absent" and "undefined" differ in a state)
 *   -0, NaN, ±Infinity -> { "$number": "-0" | "NaN" | "Infinity" | "-Infinity" }
 *   typed arrays, Buffer, ArrayBuffer -> { "$bytes": base64, "type": "Uint8Array" }
 *   RegExp           -> { "$regexp": "/a+/g" }
 * Everything else (plain objects, arrays, strings, finite numbers, booleans,
 * null, and hindsight's own `{ "@hindsight": ... }` markers) is itself.
 */
export function toJson(value: unknown): unknown {
  switch (typeof value) {
    case 'undefined':
      return { $undefined: true };
    case 'bigint':
      return { $bigint: value.toString() };
    case 'number':
      if (Object.is(value, -0)) return { $number: '-0' };
      return Number.isFinite(value) ? value : { $number: String(value) };
    case 'function':
    case 'symbol':
      return { $undefined: true };
    case 'object':
      break;
    default:
      return value;
  }
  if (value === null) return null;
  if (Array.isArray(value)) return value.map(toJson);
  if (value instanceof Map) return { $map: [...value].map(([k, v]) => [toJson(k), toJson(v)]) };
  if (value instanceof Set) return { $set: [...value].map(toJson) };
  if (value instanceof Date) return { $date: Number.isNaN(value.getTime()) ? null : value.toISOString() };
  if (value instanceof RegExp) return { $regexp: String(value) };
  if (ArrayBuffer.isView(value)) return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'), type: value.constructor.name };
  if (value instanceof ArrayBuffer) return { $bytes: Buffer.from(value).toString('base64'), type: 'ArrayBuffer' };
  // fromEntries defines fields: an own `__proto__` key (JSON.parse makes them) stays a field instead of setting the prototype.
  return Object.fromEntries(Object.keys(value).map((k) => [k, toJson((value as Record<string, unknown>)[k])]));
}

/** Like toJson for our own result objects: an undefined field is left out instead of tagged. */
function dropUndefined(doc: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) if (v !== undefined) out[k] = v;
  return out;
}

const CODES = { bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], blue: [34, 39], magenta: [35, 39], cyan: [36, 39] } as const;
export type Style = keyof typeof CODES;

export interface OutputOptions {
  json: boolean;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
}

export class Output {
  readonly json: boolean;
  /** stdout is a terminal: tables are aligned and progress is shown. */
  readonly tty: boolean;
  readonly color: boolean;
  private readonly out: NodeJS.WriteStream;
  private readonly err: NodeJS.WriteStream;
  private progressShown = false;

  constructor(options: OutputOptions) {
    this.json = options.json;
    this.out = options.stdout ?? process.stdout;
    this.err = options.stderr ?? process.stderr;
    this.tty = this.out.isTTY === true;
    const env = options.env ?? process.env;
    this.color = this.tty && !options.json && (env.NO_COLOR === undefined || env.NO_COLOR === '');
  }

  paint(style: Style, text: string): string {
    if (!this.color) return text;
    const [on, off] = CODES[style];
    return `\x1b[${on}m${text}\x1b[${off}m`;
  }

  /** A line of the command's result on stdout. */
  line(text = ''): void {
    this.clearProgress();
    this.out.write(`${text}\n`);
  }

  /** A human message on stderr (never part of a result). */
  note(text: string): void {
    this.clearProgress();
    this.err.write(`${text}\n`);
  }

  warn(text: string): void {
    this.note(`${this.errColor() ? `\x1b[33mwarning\x1b[39m` : 'warning'}: ${text}`);
  }

  /** The one JSON document of a --json run. Fields of `doc` that are undefined are left out. */
  document(doc: Record<string, unknown>): void {
    this.line(JSON.stringify(dropUndefined(doc)));
  }

  /** One NDJSON record of a stream (values already rendered with toJson). */
  record(doc: Record<string, unknown>): void {
    this.out.write(`${JSON.stringify(dropUndefined(doc))}\n`);
  }

  /** A recorded value for people: util.inspect, coloured on a terminal. */
  value(v: unknown, depth = 6, compact: boolean | number = 3): string {
    return inspect(v, { depth, colors: this.color, breakLength: this.tty ? (this.out.columns ?? 100) : Infinity, compact, sorted: false });
  }

  /** An aligned table on a terminal; tab-separated lines (header first) on a pipe. */
  table(headers: string[], rows: string[][]): void {
    if (!this.tty) {
      this.line(headers.join('\t'));
      for (const r of rows) this.line(r.map((c) => c.replace(/[\t\n]/g, ' ')).join('\t'));
      return;
    }
    const widths = headers.map((h, i) => Math.max(visible(h), ...rows.map((r) => visible(r[i] ?? ''))));
    const fmt = (cells: string[]) =>
      cells
        .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i] - visible(c))))
        .join('  ')
        .trimEnd();
    this.line(this.paint('bold', fmt(headers)));
    for (const r of rows) this.line(fmt(r));
  }

  /**
   * A progress bar on stderr, only when stdout is a terminal and the output is
   * not JSON (a pipe or a script must see nothing but results). Throttled by
   * the caller's granularity: one write per call.
   */
  progress(label: string, done: number, total: number): void {
    if (!this.tty || this.json || process.stderr.isTTY !== true || total <= 0) return;
    const width = 30;
    const frac = Math.min(1, done / total);
    const bar = '█'.repeat(Math.round(frac * width)).padEnd(width, '░');
    this.err.write(`\r${label} ${bar} ${Math.round(frac * 100)}% (${done}/${total})`);
    this.progressShown = true;
  }

  clearProgress(): void {
    if (!this.progressShown) return;
    this.err.write('\r\x1b[2K');
    this.progressShown = false;
  }

  private errColor(): boolean {
    return this.color && this.err.isTTY === true;
  }
}

/** Display width of a cell, without ANSI escapes. */
function visible(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, '').length;
}

/** ISO-8601 with microseconds: the inverse of the time parser for absolute times. */
export function formatTime(t: number): string {
  const ms = Math.floor(t / 1000);
  const us = t - ms * 1000;
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, -1)}${String(us).padStart(3, '0')}Z`;
}

/** A duration in µs for people: 40us, 250.0ms, 1.500s. */
export function formatDuration(us: number): string {
  if (us < 1000) return `${us}us`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(1)}ms`;
  return `${(us / 1_000_000).toFixed(3)}s`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** First characters of a trace/span id: enough to tell requests apart in a table. */
export function shortId(id: string | undefined, n = 8): string {
  return id ? id.slice(0, n) : '';
}
