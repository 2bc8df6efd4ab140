/**
 * `step`: an interactive stepper over one session. It reads commands line by
 * line from stdin, so a person at a terminal and a test (or a script) driving
 * it through a pipe use the same code; only the prompt differs.
 */
import { createInterface } from 'node:readline';
import type { HindsightEvent } from '../../src/events.js';
import type { Cursor } from '../../reconstructor/Cursor.js';
import type { RecordingSession } from '../../reconstructor/Recording.js';
import { COMMON_USAGE, EXIT_FAILURE, UsageError, type Command, type Context } from '../args.js';
import { eventJson, eventSummary, patchTarget } from '../eventText.js';
import { formatTime, shortId, toJson } from '../output.js';
import { formatPath, valueAtPath } from '../paths.js';
import { collectSpans, spanKey, type SpanRecord } from '../spans.js';
import { parseTime } from '../time.js';
import { compilePredicate } from './trace.js';

const HELP = `stepper commands:
  n, next [k]       apply the next k events (default 1)
  p, prev [k]       step back over k events (default 1)
  j, jump <T>       go to an instant (any time expression: +1.5s, seq:12, ISO, µs)
  f, find <expr>    forward to the first event after which the expression over state holds
  s, state [path]   print the state at the cursor (or one path of it)
  w, where          show the event at the cursor again
  h, help           this list
  q, quit           leave (end of input too)
  an empty line repeats the last next/prev`;

/**
 * Lines of input as they arrive. readline's own async iterator can miss the
 * end of a piped input when the loop body awaits between lines (the process
 * then exits with an unsettled await), so lines are queued here instead.
 */
function lineQueue(rl: ReturnType<typeof createInterface>): AsyncIterable<string> {
  const queue: string[] = [];
  let closed = false;
  let wake: (() => void) | undefined;
  rl.on('line', (l) => {
    queue.push(l);
    wake?.();
  });
  rl.on('close', () => {
    closed = true;
    wake?.();
  });
  return {
    async *[Symbol.asyncIterator]() {
      while (true) {
        if (queue.length) yield queue.shift()!;
        else if (closed) return;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

class Stepper {
  private spans: Map<string, SpanRecord> | undefined;

  constructor(
    private readonly ctx: Context,
    private readonly session: RecordingSession,
    private readonly cursor: Cursor,
  ) {}

  /** Span lookups read every span event once, on first use: stepping itself stays O(1). */
  private async spanOf(e: HindsightEvent): Promise<SpanRecord | undefined> {
    if (e.spanId === undefined) return undefined;
    if (!this.spans) this.spans = new Map((await collectSpans(this.session)).map((s) => [spanKey(s.traceId, s.spanId), s]));
    return this.spans.get(spanKey(e.traceId, e.spanId));
  }

  /** Shows where the cursor is: the event, its span and the paths it changed. */
  async show(note?: string): Promise<void> {
    const { out } = this.ctx;
    const e = this.cursor.event;
    const span = e && (await this.spanOf(e));
    const changed = e && e.kind === 'state.patch' ? [formatPath(patchTarget(e))] : [];
    if (out.json) {
      out.record({
        seq: this.cursor.seq,
        t: e?.t ?? this.session.info.startT,
        event: e ? eventJson(e) : null,
        span: span ? { name: span.name, traceId: span.traceId, spanId: span.spanId, parentSpanId: span.parentSpanId } : null,
        changed,
        note,
      });
      return;
    }
    if (note) out.note(note);
    if (!e) {
      out.line(`${out.paint('bold', 'seq 0')}  ${formatTime(this.session.info.startT)}  (before the first event; ${this.session.info.lastSeq} events)`);
      return;
    }
    out.line(`${out.paint('bold', `seq ${e.seq}`)}/${this.session.info.lastSeq}  ${formatTime(e.t)}  ${out.paint('cyan', e.kind)} ${e.name}`);
    if (span || e.traceId) out.line(`  span   ${span ? `${out.paint('magenta', span.name)} ` : ''}trace ${shortId(e.traceId)} span ${shortId(e.spanId)}`);
    if (changed.length) out.line(`  changed ${out.paint('yellow', eventSummary(e))}`);
    else if (e.data !== undefined) out.line(`  data   ${eventSummary(e)}`);
  }

  /** Runs one command line; returns false to quit. Errors are reported and the session goes on. */
  async exec(verb: string, arg: string): Promise<boolean> {
    const { out } = this.ctx;
    switch (verb) {
      case 'n':
      case 'next':
      case 'p':
      case 'prev': {
        const k = arg === '' ? 1 : Number(arg);
        if (!Number.isSafeInteger(k) || k < 1) throw new UsageError(`${verb} takes a positive count, got ${JSON.stringify(arg)}`);
        const forward = verb.startsWith('n');
        let moved = 0;
        for (; moved < k; moved++) if (!(await (forward ? this.cursor.next() : this.cursor.prev()))) break;
        await this.show(moved < k ? (forward ? 'at the end of the session' : 'at the start of the session') : undefined);
        return true;
      }
      case 'j':
      case 'jump':
        if (arg === '') throw new UsageError('jump needs a time expression (e.g. jump +1.5s, jump seq:12)');
        await this.cursor.seek(parseTime(arg, this.session.info.startT));
        await this.show();
        return true;
      case 'f':
      case 'find': {
        if (arg === '') throw new UsageError("find needs an expression over state (e.g. find state.cart.total < 0)");
        const predicate = compilePredicate(arg);
        const found = await this.session.findFirst(predicate.test, { from: { seq: this.cursor.seq + 1 }, mode: 'exhaustive' });
        if (!found) {
          await this.show('the expression never holds after this point; the cursor stays');
          return true;
        }
        await this.cursor.seek({ seq: found.seq });
        await this.show();
        return true;
      }
      case 's':
      case 'state': {
        let value: unknown = this.cursor.state;
        if (arg !== '') {
          const r = valueAtPath(this.cursor.state, arg);
          if (!r.found) throw new UsageError(`${r.missing} does not exist at seq ${this.cursor.seq}`);
          value = r.value;
        }
        if (out.json) out.record({ seq: this.cursor.seq, path: arg || undefined, state: toJson(value) });
        else out.line(out.value(value, 8, 3));
        return true;
      }
      case 'w':
      case 'where':
        await this.show();
        return true;
      case 'h':
      case 'help':
      case '?':
        out.note(HELP);
        return true;
      case 'q':
      case 'quit':
      case 'exit':
        return false;
      default:
        throw new UsageError(`unknown stepper command ${JSON.stringify(verb)} (h for help)`);
    }
  }
}

export const stepCommand: Command = {
  name: 'step',
  summary: 'interactive stepper: next, prev, jump, find; shows each event, its span and what it changed',
  usage: `hindsight step [--at T]

Reads commands from stdin (a terminal or a pipe):
${HELP}

With --json every position is one NDJSON line:
  { seq, t, event: { seq, t, kind, name, traceId?, spanId?, data? } | null, span: { name, traceId, spanId, parentSpanId? } | null, changed: [path], note? }
and 'state' prints { seq, path?, state }.
Exit 1 when any command failed (an error line on stderr; the stepper goes on).

${COMMON_USAGE}`,
  options: { at: { type: 'string' } },
  async run(ctx) {
    const session = await ctx.session();
    const start = ctx.string('at') === undefined ? { seq: 0 } : await ctx.at('at');
    const stepper = new Stepper(ctx, session, await session.cursor(start));
    const interactive = process.stdin.isTTY === true && ctx.out.tty;
    const rl = createInterface({ input: process.stdin, output: interactive ? process.stdout : undefined, terminal: interactive });
    // Listening from the start: lines that arrive while the first position is shown are kept.
    const input = lineQueue(rl);
    if (interactive) {
      ctx.out.note(`session ${session.id} "${session.info.name}": ${session.info.lastSeq} events. h for help.`);
      rl.setPrompt('hindsight> ');
    }
    await stepper.show();
    let failed = false;
    let last = '';
    if (interactive) rl.prompt();
    for await (const raw of input) {
      let line = raw.trim();
      if (line === '' && /^(n|next|p|prev)\b/.test(last)) line = last;
      if (line !== '') {
        const space = line.indexOf(' ');
        const verb = space < 0 ? line : line.slice(0, space);
        try {
          if (!(await stepper.exec(verb.toLowerCase(), space < 0 ? '' : line.slice(space + 1).trim()))) break;
          last = line;
        } catch (err) {
          failed = true;
          ctx.out.note((err as Error).message.split('\n')[0]);
        }
      }
      if (interactive) rl.prompt();
    }
    rl.close();
    return failed ? EXIT_FAILURE : undefined;
  },
};
