/** Read-only queries: sessions, events, state, diff. */
import type { HindsightEvent } from '../../src/events.js';
import { ErrorCodes, HindsightError } from '../../src/errors.js';
import { COMMON_USAGE, type Command } from '../args.js';
import { eventJson, eventSummary } from '../eventText.js';
import { formatDuration, formatTime, shortId, toJson } from '../output.js';
import { formatPath, valueAtPath } from '../paths.js';
import { resumedFrom } from './restore.js';

export const sessionsCommand: Command = {
  name: 'sessions',
  summary: 'list the sessions of a recording, oldest first',
  usage: `hindsight sessions [--dir d] [--json]

With --json: { "sessions": [{ id, name, status, startT, endT?, lastT, lastSeq,
eventCount, dropped, lost?, pid, argv, hostname, nodeVersion, formatVersion,
resumedFrom? }] }, oldest first; times in µs since the epoch.

${COMMON_USAGE}`,
  options: {},
  async run(ctx) {
    const recording = await ctx.open();
    const sessions = await recording.sessions();
    const { out } = ctx;
    if (out.json) {
      // resumedFrom: the earlier session a resumed one started from (scans for its `hindsight.resumed` event).
      const docs = await Promise.all(sessions.map(async (s) => ({ ...(toJson(s) as object), resumedFrom: await resumedFrom(await recording.session(s.id)) })));
      return out.document({ sessions: docs });
    }
    if (sessions.length === 0) return out.note('the recording holds no session');
    out.table(
      ['id', 'name', 'status', 'events', 'start', 'duration', 'pid'],
      sessions.map((s) => [
        s.id,
        s.name,
        s.status === 'crashed' ? out.paint('red', s.status) : s.status === 'running' ? out.paint('yellow', s.status) : s.status,
        String(s.eventCount),
        formatTime(s.startT),
        formatDuration((s.endT ?? s.lastT) - s.startT),
        String(s.pid),
      ]),
    );
  },
};

export const eventsCommand: Command = {
  name: 'events',
  summary: 'list events (filters: kind, name, trace id, time range, limit)',
  usage: `hindsight events [--kind k]... [--name n]... [--trace id] [--from T] [--to T] [--limit n] [--reverse]

With --json: NDJSON, one event per line: { seq, t, kind, name, traceId?, spanId?, data? }.

${COMMON_USAGE}`,
  options: {
    kind: { type: 'string', multiple: true },
    name: { type: 'string', multiple: true },
    trace: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    limit: { type: 'string' },
    reverse: { type: 'boolean', default: false },
  },
  async run(ctx) {
    const session = await ctx.session();
    const filter = {
      kinds: ctx.strings('kind'),
      names: ctx.strings('name'),
      traceId: ctx.string('trace'),
      from: await ctx.optionalAt('from'),
      to: await ctx.optionalAt('to'),
      limit: ctx.integer('limit'),
      reverse: ctx.flag('reverse'),
    };
    const { out } = ctx;
    if (out.json) {
      for await (const e of session.events(filter)) out.record(eventJson(e));
      return;
    }
    // Tables need every row to align; a pipe gets each event as it is read.
    const rows: string[][] = [];
    const row = (e: HindsightEvent) => [String(e.seq), formatTime(e.t), e.kind, e.name, shortId(e.traceId), eventSummary(e)];
    const headers = ['seq', 't', 'kind', 'name', 'trace', 'what'];
    if (!out.tty) out.line(headers.join('\t'));
    for await (const e of session.events(filter)) {
      if (out.tty) rows.push(row(e));
      else out.line(row(e).join('\t'));
    }
    if (out.tty) out.table(headers, rows);
  },
};

export const stateCommand: Command = {
  name: 'state',
  summary: 'the tracked state at an instant (optionally one path of it)',
  usage: `hindsight state --at T [--path name.a.b]

With --json: { "session", "t", "seq", "path"?, "state" }: t and seq are those of the
last event included; with --path, "state" is the value at that path.
A path that does not exist at T is an error (exit 1).

${COMMON_USAGE}`,
  options: { at: { type: 'string' }, path: { type: 'string' }, depth: { type: 'string' } },
  async run(ctx) {
    const session = await ctx.session();
    const r = await session.reconstruct(await ctx.at('at'));
    const path = ctx.string('path');
    let value: unknown = r.state;
    if (path !== undefined) {
      const found = valueAtPath(r.state, path);
      if (!found.found) throw new HindsightError(ErrorCodes.INVALID_ARGUMENT, `${found.missing} does not exist at seq ${r.seq}`, { path });
      value = found.value;
    }
    if (r.incomplete) ctx.out.warn('the writer dropped events in this range: the state may lack their changes');
    const { out } = ctx;
    if (out.json) return out.document({ session: session.id, t: r.t, seq: r.seq, path, state: toJson(value) });
    out.note(`${out.paint('dim', `session ${session.id} at seq ${r.seq}, ${formatTime(r.t)}${path ? `, ${path}` : ''}`)}`);
    out.line(out.value(value, ctx.integer('depth') ?? 8, false));
  },
};

export const diffCommand: Command = {
  name: 'diff',
  summary: 'paths changed between two instants, with the events that changed them',
  usage: `hindsight diff --from T --to T

With --json: { "session", "from": { seq, t }, "to": { seq, t },
  "changes": [{ kind: added|removed|changed, path: [...], before?, after?, events: [{ seq, t, name, traceId?, spanId? }] }] }

${COMMON_USAGE}`,
  options: { from: { type: 'string' }, to: { type: 'string' } },
  async run(ctx) {
    const session = await ctx.session();
    const fromAt = await ctx.at('from');
    const toAt = await ctx.at('to');
    const [a, b] = [await session.reconstruct(fromAt), await session.reconstruct(toAt)];
    const changes = await session.diff(fromAt, toAt);
    const { out } = ctx;
    if (out.json) {
      return out.document({
        session: session.id,
        from: { seq: a.seq, t: a.t },
        to: { seq: b.seq, t: b.t },
        changes: changes.map((c) => {
          const doc: Record<string, unknown> = { kind: c.kind, path: toJson(c.path) };
          if (c.kind !== 'added') doc.before = toJson(c.before);
          if (c.kind !== 'removed') doc.after = toJson(c.after);
          doc.events = c.events;
          return doc;
        }),
      });
    }
    out.note(out.paint('dim', `seq ${a.seq} (${formatTime(a.t)}) -> seq ${b.seq} (${formatTime(b.t)}): ${changes.length} change(s)`));
    for (const c of changes) {
      const by = c.events.length ? out.paint('dim', `  [seq ${c.events.map((e) => e.seq).join(', ')}]`) : '';
      const path = formatPath(c.path);
      if (c.kind === 'added') out.line(`${out.paint('green', '+')} ${path}: ${out.value(c.after, 3, true)}${by}`);
      else if (c.kind === 'removed') out.line(`${out.paint('red', '-')} ${path}: ${out.value(c.before, 3, true)}${by}`);
      else out.line(`${out.paint('yellow', '~')} ${path}: ${out.value(c.before, 3, true)} -> ${out.value(c.after, 3, true)}${by}`);
    }
  },
};
