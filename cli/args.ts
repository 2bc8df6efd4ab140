/**
 * The command shape and the plumbing every command shares: option parsing
 * (node:util parseArgs, strict, so a typo is a usage error rather than a
 * silently ignored flag), the recording it reads, and exit codes.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ErrorCodes, HindsightError } from '../src/errors.js';
import { openRecording, type Recording, type RecordingSession } from '../reconstructor/Recording.js';
import type { ReconstructionWarning } from '../reconstructor/StateReconstructor.js';
import { Output } from './output.js';
import { parseOptionalTime, parseTime } from './time.js';
import type { At } from '../reconstructor/StateReconstructor.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A command line the user got wrong: exit 2. Carries the INVALID_ARGUMENT code like any argument error. */
export class UsageError extends HindsightError {
  constructor(message: string) {
    super(ErrorCodes.INVALID_ARGUMENT, message);
    this.name = 'UsageError';
  }
}

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface Command {
  name: string;
  /** One line for `hindsight --help`. */
  summary: string;
  /** Usage text for `hindsight <name> --help`. */
  usage: string;
  options: Options;
  run(ctx: Context): Promise<number | void>;
}

/** Options every command takes. */
export const COMMON: Options = {
  dir: { type: 'string', default: '.hindsight' },
  session: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};

export class Context {
  readonly out: Output;
  private recording: Recording | undefined;
  private sessionCache: RecordingSession | undefined;

  constructor(
    readonly values: Values,
    readonly positionals: string[],
  ) {
    this.out = new Output({ json: values.json === true });
  }

  string(name: string): string | undefined {
    const v = this.values[name];
    return typeof v === 'string' ? v : undefined;
  }

  strings(name: string): string[] | undefined {
    const v = this.values[name];
    return Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? [v] : undefined;
  }

  flag(name: string): boolean {
    return this.values[name] === true;
  }

  /** A non-negative integer option (limit, depth...). */
  integer(name: string): number | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new UsageError(`--${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
    return Number(v);
  }

  /** The positional at `index`, or a usage error naming it. */
  positional(index: number, what: string): string {
    const v = this.positionals[index];
    if (v === undefined) throw new UsageError(`missing ${what}`);
    return v;
  }

  get dir(): string {
    return this.string('dir') ?? '.hindsight';
  }

  /** Opens the recording once (HINDSIGHT_NOT_FOUND / HINDSIGHT_LOCKED surface from here). */
  async open(): Promise<Recording> {
    if (!this.recording) {
      this.recording = await openRecording(this.dir, {
        onWarning: (w: ReconstructionWarning) => this.out.warn(w.message),
      });
    }
    return this.recording;
  }

  /** The --session (id or name), else the latest session. */
  async session(): Promise<RecordingSession> {
    if (!this.sessionCache) this.sessionCache = await (await this.open()).session(this.string('session'));
    return this.sessionCache;
  }

  /** A required time option, parsed against the session start. */
  async at(name: string): Promise<At> {
    const expr = this.string(name);
    if (expr === undefined) throw new UsageError(`--${name} <time> is required`);
    return parseTime(expr, (await this.session()).info.startT);
  }

  async optionalAt(name: string): Promise<At | undefined> {
    const expr = this.string(name);
    return expr === undefined ? undefined : parseOptionalTime(expr, (await this.session()).info.startT);
  }

  async close(): Promise<void> {
    const r = this.recording;
    this.recording = undefined;
    if (r) await r.close();
  }
}

/** Parses a command's arguments; parseArgs' own errors become usage errors. */
export function parseCommandArgs(command: Command, argv: string[]): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...COMMON, ...command.options }, allowPositionals: true, strict: true });
    return { values: values as Values, positionals };
  } catch (err) {
    throw new UsageError(`${command.name}: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** Text after `--x` in a usage line for the common options. */
export const COMMON_USAGE = `Common options:
  --dir <path>       recording directory (default .hindsight)
  --session <id|name> session to read (default: the latest)
  --json             one JSON document on stdout (NDJSON for event streams)
  -h, --help         this help`;
