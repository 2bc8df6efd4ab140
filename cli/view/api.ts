/**
 * The viewer's JSON API: every answer comes from the reconstructor (and its
 * cache of working states) or from a per-session index read once; nothing
 * ever returns all the events of a session. Recorded values are rendered
 * as the CLI's toJson renders them (states through renderJson, the same text
 * in one pass), so the page shows what `--json` prints.
 */
import type { HindsightEvent } from '../../src/events.js';
import type { SessionInfo } from '../../src/store/Sessions.js';
import type { Recording, RecordingSession } from '../../reconstructor/Recording.js';
import type { At } from '../../reconstructor/StateReconstructor.js';
import { blockDensity, blockMarks, eventsAbout, exactDensity, readOutline, type BlockMark, type SessionOutline } from '../../reconstructor/summary.js';
import { eventJson, eventSummary } from '../eventText.js';
import { toJson } from '../output.js';
import { Params, bad } from './params.js';
import { renderJson } from './render.js';
import { waterfall } from './waterfall.js';

/** Windows holding about this many events or fewer get exact density (read, ~25 ms); larger ones use the block index. */
const EXACT_DENSITY_EVENTS = 50_000;
const OUTLINE_LIMITS = { markers: 10_000, errors: 10_000, spans: 200_000 };

interface SessionIndex {
  lastSeq: number;
  marks: Promise<BlockMark[]>;
  outline: Promise<SessionOutline>;
}

interface Route {
  params: readonly string[];
  run(p: Params): Promise<unknown>;
}

/** An answer already serialized (its bulk rendered by renderJson). */
class Rendered {
  constructor(readonly text: string) {}
}

export class ViewerApi {
  private readonly sessions = new Map<string, RecordingSession>();
  private readonly indexes = new Map<string, SessionIndex>();
  private readonly routes: Record<string, Route>;

  constructor(
    private readonly recording: Recording,
    /** The session the page opens first (id or name; the latest when undefined). */
    private readonly defaultSession?: string,
  ) {
    this.routes = {
      sessions: { params: [], run: () => this.listSessions() },
      summary: { params: ['session', 'buckets'], run: (p) => this.summary(p) },
      density: { params: ['session', 'from', 'to', 'buckets'], run: (p) => this.densityRoute(p) },
      spans: { params: ['session', 'from', 'to', 'limit'], run: (p) => this.spans(p) },
      events: { params: ['session', 'fromSeq', 'toSeq', 'fromT', 'toT', 'kind', 'name', 'trace', 'limit', 'reverse'], run: (p) => this.events(p) },
      state: { params: ['session', 'seq', 't'], run: (p) => this.state(p) },
      history: { params: ['session', 'path', 'limit'], run: (p) => this.history(p) },
    };
  }

  has(name: string): boolean {
    return Object.hasOwn(this.routes, name);
  }

  /** The JSON text answering `/api/<name>?query` (a route has() knows); rejects with a HindsightError for bad input. */
  async handle(name: string, query: URLSearchParams): Promise<string> {
    const route = this.routes[name];
    const answer = await route.run(new Params(query, route.params));
    return answer instanceof Rendered ? answer.text : JSON.stringify(answer);
  }

  private async session(p: Params): Promise<RecordingSession> {
    const id = p.required('session', p.text('session'));
    const cached = this.sessions.get(id);
    if (cached) return cached;
    const session = await this.recording.session(id);
    // A session still being written grows: only finished ones are kept.
    if (session.info.status !== 'running') this.sessions.set(id, session);
    return session;
  }

  /** Block marks and outline of a session, read once per length of the session. */
  private index(info: SessionInfo): SessionIndex {
    let index = this.indexes.get(info.id);
    if (!index || index.lastSeq !== info.lastSeq) {
      const { store } = this.recording;
      index = { lastSeq: info.lastSeq, marks: blockMarks(store, info.id), outline: readOutline(store, info.id, OUTLINE_LIMITS) };
      this.indexes.set(info.id, index);
      // A failed read is not kept: the next request tries again.
      const forget = () => this.indexes.get(info.id) === index && this.indexes.delete(info.id);
      index.marks.catch(forget);
      index.outline.catch(forget);
    }
    return index;
  }

  private async listSessions() {
    const sessions = await this.recording.sessions();
    let selected: string | undefined;
    if (sessions.length > 0) selected = (await this.recording.session(this.defaultSession)).id;
    return { sessions: sessions.map((s) => toJson(s)), default: selected };
  }

  /** [from, to] of a whole session. */
  private span(info: SessionInfo): [number, number] {
    return [info.startT, Math.max(info.startT, info.lastT)];
  }

  private async density(info: SessionInfo, from: number, to: number, buckets: number): Promise<{ counts: number[]; exact: boolean }> {
    const marks = await this.index(info).marks;
    if (eventsAbout(marks, info, from, to) <= EXACT_DENSITY_EVENTS) return { counts: await exactDensity(this.recording.store, info.id, from, to, buckets), exact: true };
    return { counts: blockDensity(marks, info, from, to, buckets), exact: false };
  }

  private async summary(p: Params) {
    const { info } = await this.session(p);
    const buckets = p.integer('buckets', 1, 2000) ?? 200;
    const [from, to] = this.span(info);
    const [density, outline] = await Promise.all([this.density(info, from, to, buckets), this.index(info).outline]);
    return { session: toJson(info), from, to, density, markers: outline.markers, errors: outline.errors, spanCount: outline.spans.length, truncated: outline.truncated };
  }

  /** A time window [from, to] from the query, defaulting to the whole session. */
  private window(p: Params, info: SessionInfo): [number, number] {
    const [start, end] = this.span(info);
    const from = p.integer('from', 0) ?? start;
    const to = p.integer('to', 0) ?? end;
    if (from > to) throw bad(`from (${from}) is after to (${to})`);
    return [from, to];
  }

  private async densityRoute(p: Params) {
    const { info } = await this.session(p);
    const [from, to] = this.window(p, info);
    return { from, to, ...(await this.density(info, from, to, p.integer('buckets', 1, 2000) ?? 200)) };
  }

  private async spans(p: Params) {
    const { info } = await this.session(p);
    const [from, to] = this.window(p, info);
    const outline = await this.index(info).outline;
    return { from, to, ...waterfall(outline.spans, from, to, info.lastT, p.integer('limit', 1, 2000) ?? 300), truncated: outline.truncated };
  }

  private async events(p: Params) {
    const session = await this.session(p);
    const fromSeq = p.integer('fromSeq', 0);
    const toSeq = p.integer('toSeq', 0);
    const fromT = p.integer('fromT', 0);
    const toT = p.integer('toT', 0);
    if (fromSeq !== undefined && fromT !== undefined) throw bad('give fromSeq or fromT, not both');
    if (toSeq !== undefined && toT !== undefined) throw bad('give toSeq or toT, not both');
    const limit = p.integer('limit', 1, 1000) ?? 100;
    const out: Record<string, unknown>[] = [];
    let more = false;
    const filter = {
      from: fromSeq !== undefined ? { seq: fromSeq } : fromT,
      to: toSeq !== undefined ? { seq: toSeq } : toT,
      kinds: p.texts('kind'),
      names: p.texts('name'),
      traceId: p.text('trace'),
      reverse: p.flag('reverse', false),
      limit: limit + 1,
    };
    for await (const e of session.events(filter)) {
      if (out.length === limit) more = true;
      else out.push(eventDoc(e));
    }
    return { events: out, more };
  }

  private async state(p: Params) {
    const session = await this.session(p);
    const seq = p.integer('seq', 0);
    const t = p.integer('t', 0);
    if ((seq === undefined) === (t === undefined)) throw bad('give exactly one of seq and t');
    const at: At = seq !== undefined ? { seq } : t!;
    const r = await session.reconstruct(at);
    const event = r.seq > 0 ? await this.eventAt(session.id, r.seq) : undefined;
    const head = JSON.stringify({
      session: session.id,
      seq: r.seq,
      t: r.t,
      lastSeq: session.info.lastSeq,
      incomplete: r.incomplete,
      warnings: r.warnings.map((w) => w.message),
      event: event && eventDoc(event),
    });
    // The state is the bulk of the answer: rendered in one pass and spliced in as the last field.
    return new Rendered(`${head.slice(0, -1)},"state":${renderJson(r.state)}}`);
  }

  /** The event at `seq` (from the reconstructor's decoded blocks when it just walked there: no I/O). */
  private eventAt(sessionId: string, seq: number): Promise<HindsightEvent | undefined> {
    return this.recording.reconstructor.reader(sessionId).get(seq);
  }

  private async history(p: Params) {
    const session = await this.session(p);
    const path = p.required('path', p.path('path'));
    const limit = p.integer('limit', 1, 10_000) ?? 1000;
    const entries = await session.history(path);
    return {
      session: session.id,
      path: toJson(path),
      total: entries.length,
      entries: entries.slice(0, limit).map((h) => {
        const doc: Record<string, unknown> = { seq: h.seq, t: h.t, op: h.op, path: toJson(h.path) };
        if (h.traceId) doc.traceId = h.traceId;
        if (h.spanId) doc.spanId = h.spanId;
        if ('prev' in h) doc.prev = toJson(h.prev);
        if ('value' in h) doc.value = toJson(h.value);
        return doc;
      }),
    };
  }
}

/** An event as the CLI's --json prints it, plus the one-line summary its tables show. */
function eventDoc(e: HindsightEvent): Record<string, unknown> {
  return { ...eventJson(e), summary: eventSummary(e) };
}
