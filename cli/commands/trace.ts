/** Questions about how the state got there: history, find, spans. */
import type { OpenSpan } from '../../reconstructor/queries.js';
import type { TrackedState } from '../../reconstructor/SnapshotSource.js';
import { COMMON_USAGE, EXIT_FAILURE, UsageError, type Command } from '../args.js';
import { formatDuration, formatTime, shortId, toJson } from '../output.js';
import { formatPath } from '../paths.js';
import { collectSpans } from '../spans.js';

export const historyCommand: Command = {
  name: 'history',
  summary: 'every recorded change to a path (or above or below it), oldest first',
  usage: `hindsight history <name.path> [--from T] [--to T]

With --json: { "session", "path", "entries": [{ seq, t, name, traceId?, spanId?, op, path: [...], value?, prev?, index? }] }
(value/prev are the values AT the queried path when a parent was replaced).

${COMMON_USAGE}`,
  options: { from: { type: 'string' }, to: { type: 'string' } },
  async run(ctx) {
    const path = ctx.positional(0, 'path argument (e.g. shop.inventory.widget)');
    const session = await ctx.session();
    const entries = await session.history(path, { from: await ctx.optionalAt('from'), to: await ctx.optionalAt('to') });
    const { out } = ctx;
    if (out.json) {
      return out.document({
        session: session.id,
        path,
        entries: entries.map((h) => {
          const doc: Record<string, unknown> = { seq: h.seq, t: h.t, name: h.name, traceId: h.traceId, spanId: h.spanId, op: h.op, path: toJson(h.path) };
          if ('value' in h) doc.value = toJson(h.value);
          if ('prev' in h) doc.prev = toJson(h.prev);
          if (h.index !== undefined) doc.index = h.index;
          return Object.fromEntries(Object.entries(doc).filter(([, v]) => v !== undefined));
        }),
      });
    }
    if (entries.length === 0) return out.note(`no recorded change to ${path}`);
    out.table(
      ['seq', 't', 'op', 'path', 'before', 'after', 'trace'],
      entries.map((h) => [String(h.seq), formatTime(h.t), h.op, formatPath(h.path), 'prev' in h ? out.value(h.prev, 2, true) : '', 'value' in h ? out.value(h.value, 2, true) : '', shortId(h.traceId)]),
    );
  },
};

/**
 * The user's expression is compiled with `new Function('state', ...)` and run
 * here, in this process, with this process's rights: it is their own code on
 * their own recording, exactly like a line typed into a REPL. Nothing else
 * ever evaluates it.
 */
export function compilePredicate(expr: string): { test: (state: Readonly<TrackedState>) => boolean; errors: () => { count: number; first?: string } } {
  let fn: (state: unknown) => unknown;
  try {
    fn = new Function('state', `"use strict";\nreturn (${expr}\n);`) as (state: unknown) => unknown;
  } catch (err) {
    throw new UsageError(`the expression does not compile: ${(err as Error).message}`);
  }
  let count = 0;
  let first: string | undefined;
  return {
    test(state) {
      try {
        return Boolean(fn(state));
      } catch (err) {
        // A property of a value that does not exist yet is the usual case: false, reported once at the end.
        count++;
        first ??= (err as Error)?.message ?? String(err);
        return false;
      }
    },
    errors: () => ({ count, first }),
  };
}

export const findCommand: Command = {
  name: 'find',
  summary: "first instant at which a JavaScript expression over `state` holds (runs your expression locally)",
  usage: `hindsight find '<JavaScript expression over state>' [--from T] [--to T] [--fast]

The expression is YOUR code, evaluated in this process with new Function('state', ...)
(as in a REPL): state is { [trackedName]: value }, e.g.
  hindsight find 'state.shop.inventory.widget < 0'
An expression that throws counts as false (the count is reported on stderr).
Every state-changing event is tested; --fast tests checkpoints first and may miss
a condition that holds only briefly between two of them.
Exit 1 when it never holds. With --json: { "session", "expression", "found",
"seq"?, "t"?, "event"?: { seq, t, name, traceId?, spanId? }, "state"? }

${COMMON_USAGE}`,
  options: { from: { type: 'string' }, to: { type: 'string' }, fast: { type: 'boolean', default: false } },
  async run(ctx) {
    const expr = ctx.positional(0, "expression argument (e.g. 'state.cart.total < 0')");
    const predicate = compilePredicate(expr);
    const session = await ctx.session();
    const found = await session.findFirst(predicate.test, {
      from: await ctx.optionalAt('from'),
      to: await ctx.optionalAt('to'),
      mode: ctx.flag('fast') ? 'snapshots' : 'exhaustive',
    });
    const { out } = ctx;
    const errors = predicate.errors();
    if (errors.count > 0) out.warn(`the expression threw ${errors.count} time(s), counted as false (first: ${errors.first})`);
    if (out.json) {
      out.document(found ? { session: session.id, expression: expr, found: true, seq: found.seq, t: found.t, event: found.event, state: toJson(found.state) } : { session: session.id, expression: expr, found: false });
    } else if (found) {
      const by = found.event ? `, right after event ${found.event.seq} (${found.event.name})` : ' (already at the start of the range)';
      out.line(`holds first at seq ${found.seq}, ${formatTime(found.t)}${by}`);
      out.line(out.value(found.state, 4, 3));
    } else {
      out.note('the expression never holds in this range');
    }
    return found ? undefined : EXIT_FAILURE;
  },
};

function countTree(spans: OpenSpan[]): number {
  return spans.reduce((n, s) => n + 1 + countTree(s.children), 0);
}

function spanTreeJson(s: OpenSpan): Record<string, unknown> {
  return { traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId, name: s.name, startT: s.startT, startSeq: s.startSeq, data: s.data === undefined ? undefined : toJson(s.data), children: s.children.map(spanTreeJson) };
}

export const spansCommand: Command = {
  name: 'spans',
  summary: 'list spans, or with --at the tree of spans open at an instant',
  usage: `hindsight spans [--at T]

With --json: { "session", "spans": [{ traceId, spanId, parentSpanId?, name, startT, startSeq, endT?, endSeq?, durationUs?, attributes? }] }
With --at and --json: { "session", "seq", "t", "spans": [tree: { ..., children: [...] }] }

${COMMON_USAGE}`,
  options: { at: { type: 'string' } },
  async run(ctx) {
    const session = await ctx.session();
    const { out } = ctx;
    if (ctx.string('at') !== undefined) {
      const r = await session.reconstruct(await ctx.at('at'));
      const tree = await session.spansAt({ seq: r.seq });
      if (out.json) return out.document({ session: session.id, seq: r.seq, t: r.t, spans: tree.map(spanTreeJson) });
      out.note(out.paint('dim', `${countTree(tree)} span(s) open at seq ${r.seq}, ${formatTime(r.t)}`));
      const walk = (s: OpenSpan, depth: number) => {
        out.line(`${'  '.repeat(depth)}${out.paint('cyan', s.name)}  trace ${shortId(s.traceId)} span ${shortId(s.spanId)}  open for ${formatDuration(r.t - s.startT)} (since seq ${s.startSeq})`);
        for (const c of s.children) walk(c, depth + 1);
      };
      for (const s of tree) walk(s, 0);
      return;
    }
    const spans = await collectSpans(session);
    if (out.json) {
      return out.document({
        session: session.id,
        spans: spans.map((s) => ({ ...s, attributes: s.attributes && toJson(s.attributes), durationUs: s.endT === undefined ? undefined : s.endT - s.startT })),
      });
    }
    if (spans.length === 0) return out.note('no spans recorded in this session');
    out.table(
      ['name', 'trace', 'span', 'parent', 'start', 'duration', 'seqs'],
      spans.map((s) => [s.name, shortId(s.traceId), shortId(s.spanId), shortId(s.parentSpanId), formatTime(s.startT), s.endT === undefined ? 'open' : formatDuration(s.endT - s.startT), `${s.startSeq}..${s.endSeq ?? ''}`]),
    );
  },
};
