/**
 * `export --format jsonl | chrome-trace | otlp-json`: a session for other
 * tools. Output streams to stdout, or to --out through a temporary file
 * renamed at the end, so a failed export never leaves a partial file.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { HindsightEvent } from '../../src/events.js';
import type { RecordingSession } from '../../reconstructor/Recording.js';
import { COMMON_USAGE, UsageError, type Command, type Context } from '../args.js';
import { eventJson, patchTarget } from '../eventText.js';
import { formatBytes, toJson } from '../output.js';
import { formatPath } from '../paths.js';
import { collectSpans, spanKey, type SpanRecord } from '../spans.js';
import { toLive } from '../../src/values/toLive.js';
import type { StatePatch } from '../../src/tracking/patches.js';

/** Where exported text goes: stdout, or a temp file that becomes --out only on commit. */
class Sink {
  private fd: number | undefined;
  private tmp: string | undefined;
  bytes = 0;

  constructor(private readonly file: string | undefined) {
    if (file !== undefined) {
      this.tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
      this.fd = openSync(this.tmp, 'w');
    }
  }

  write(text: string): void {
    this.bytes += Buffer.byteLength(text);
    if (this.fd === undefined) process.stdout.write(text);
    else writeSync(this.fd, text);
  }

  commit(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    renameSync(this.tmp!, this.file!);
  }

  abort(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    if (this.tmp) rmSync(this.tmp, { force: true });
  }
}

function sessionEnd(session: RecordingSession): number {
  return session.info.endT ?? session.info.lastT;
}

async function exportJsonl(ctx: Context, session: RecordingSession, sink: Sink): Promise<number> {
  let n = 0;
  for await (const e of session.events()) {
    sink.write(`${JSON.stringify(eventJson(e))}\n`);
    if (++n % 1000 === 0) ctx.out.progress('exporting', e.seq, session.info.lastSeq);
  }
  return n;
}

/**
 * Chrome trace tids: one "thread" per lane of a trace, where a lane only
 * holds spans that nest inside each other (chrome://tracing and Perfetto
 * require complete slices on one thread to nest); concurrent siblings get
 * another lane.
 */
function assignLanes(spans: SpanRecord[], end: number): { tidOf: Map<string, number>; threads: { tid: number; name: string }[] } {
  const tidOf = new Map<string, number>();
  const threads: { tid: number; name: string }[] = [];
  const lanesByTrace = new Map<string, { tid: number; stack: number[] }[]>();
  for (const s of spans) {
    const trace = s.traceId ?? '';
    let lanes = lanesByTrace.get(trace);
    if (!lanes) lanesByTrace.set(trace, (lanes = []));
    const stop = s.endT ?? end;
    let lane = lanes.find((l) => {
      while (l.stack.length && l.stack[l.stack.length - 1] <= s.startT) l.stack.pop();
      return l.stack.length === 0 || l.stack[l.stack.length - 1] >= stop;
    });
    if (!lane) {
      lane = { tid: threads.length + 1, stack: [] };
      lanes.push(lane);
      threads.push({ tid: lane.tid, name: `trace ${trace.slice(0, 8) || '(none)'}${lanes.length > 1 ? ` #${lanes.length}` : ''}` });
    }
    lane.stack.push(stop);
    tidOf.set(spanKey(s.traceId, s.spanId), lane.tid);
    if (!tidOf.has(`trace:${trace}`)) tidOf.set(`trace:${trace}`, lane.tid);
  }
  return { tidOf, threads };
}

async function exportChromeTrace(ctx: Context, session: RecordingSession, sink: Sink): Promise<number> {
  const start = session.info.startT;
  const end = sessionEnd(session);
  const spans = await collectSpans(session);
  const { tidOf, threads } = assignLanes(spans, end);
  let first = true;
  let n = 0;
  const emit = (obj: Record<string, unknown>) => {
    sink.write(`${first ? '' : ',\n'}${JSON.stringify(obj)}`);
    first = false;
    n++;
  };
  sink.write('{"traceEvents":[\n');
  emit({ ph: 'M', name: 'process_name', pid: 1, tid: 0, args: { name: `hindsight ${session.info.name} (${session.id})` } });
  emit({ ph: 'M', name: 'thread_name', pid: 1, tid: 0, args: { name: 'session' } });
  for (const t of threads) emit({ ph: 'M', name: 'thread_name', pid: 1, tid: t.tid, args: { name: t.name } });
  for (const s of spans) {
    const stop = s.endT ?? end;
    const args: Record<string, unknown> = { traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId, startSeq: s.startSeq, endSeq: s.endSeq };
    if (s.endT === undefined) args.unfinished = true;
    if (s.attributes) Object.assign(args, toJson(s.attributes) as object);
    emit({ ph: 'X', name: s.name, cat: 'span', pid: 1, tid: tidOf.get(spanKey(s.traceId, s.spanId)) ?? 0, ts: s.startT - start, dur: stop - s.startT, args });
  }
  for await (const e of session.events()) {
    if (e.kind === 'span.start' || e.kind === 'span.end') continue;
    const tid = tidOf.get(spanKey(e.traceId, e.spanId)) ?? tidOf.get(`trace:${e.traceId ?? ''}`) ?? 0;
    const ts = e.t - start;
    if (e.kind === 'state.patch') {
      const p = e.data as StatePatch;
      const args: Record<string, unknown> = { seq: e.seq, op: p.op };
      if ('value' in p) args.value = toJson(toLive(p.value));
      if ('prev' in p) args.prev = toJson(toLive(p.prev));
      emit({ ph: 'i', s: 't', name: formatPath(patchTarget(e)), cat: 'state', pid: 1, tid, ts, args });
    } else {
      // Markers are instants worth seeing across the whole process; the rest stay on their thread.
      emit({ ph: 'i', s: e.kind === 'marker' ? 'p' : 't', name: e.name, cat: e.kind, pid: 1, tid, ts, args: { seq: e.seq, data: e.data === undefined ? undefined : toJson(toLive(e.data)) } });
    }
    if (e.seq % 1000 === 0) ctx.out.progress('exporting', e.seq, session.info.lastSeq);
  }
  sink.write(`\n],"displayTimeUnit":"ms","otherData":${JSON.stringify({ session: session.id, name: session.info.name, startT: start, timestamps: 'ts is µs since the session start (startT, µs since the epoch)' })}}\n`);
  return n;
}

type OtlpValue = { stringValue: string } | { intValue: string } | { doubleValue: number } | { boolValue: boolean };

function otlpValue(v: unknown): OtlpValue {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number' && Number.isInteger(v) && !Object.is(v, -0)) return { intValue: String(v) };
  if (typeof v === 'number' && Number.isFinite(v)) return { doubleValue: v };
  if (typeof v === 'bigint') return { intValue: v.toString() };
  return { stringValue: JSON.stringify(toJson(v)) };
}

const attributes = (o: Record<string, unknown>) => Object.entries(o).filter(([, v]) => v !== undefined).map(([key, v]) => ({ key, value: otlpValue(v) }));

const nanos = (us: number) => `${us}000`;

/** OTLP/JSON (ExportTraceServiceRequest): spans, with the events recorded inside each as span events. */
async function exportOtlp(ctx: Context, session: RecordingSession, sink: Sink): Promise<number> {
  const end = sessionEnd(session);
  const spans = (await collectSpans(session)).filter((s) => s.traceId && s.spanId);
  const inside = new Map<string, HindsightEvent[]>();
  for (const s of spans) inside.set(spanKey(s.traceId, s.spanId), []);
  for await (const e of session.events()) {
    if (e.kind === 'span.start' || e.kind === 'span.end') continue;
    inside.get(spanKey(e.traceId, e.spanId))?.push(e);
    if (e.seq % 1000 === 0) ctx.out.progress('exporting', e.seq, session.info.lastSeq);
  }
  const otlpSpans = spans.map((s) => {
    const span: Record<string, unknown> = {
      traceId: s.traceId,
      spanId: s.spanId,
      name: s.name,
      kind: 1,
      startTimeUnixNano: nanos(s.startT),
      endTimeUnixNano: nanos(s.endT ?? end),
      attributes: attributes({ ...(s.attributes ?? {}), 'hindsight.start_seq': s.startSeq, 'hindsight.end_seq': s.endSeq, 'hindsight.unfinished': s.endT === undefined ? true : undefined }),
      events: (inside.get(spanKey(s.traceId, s.spanId)) ?? []).map((e) => ({
        timeUnixNano: nanos(e.t),
        name: e.kind === 'state.patch' ? `state ${formatPath(patchTarget(e))}` : e.name,
        attributes: attributes({ 'hindsight.seq': e.seq, 'hindsight.kind': e.kind, 'hindsight.data': e.data === undefined ? undefined : toLive(e.data) }),
      })),
      status: {},
    };
    if (s.parentSpanId) span.parentSpanId = s.parentSpanId;
    return span;
  });
  const resource = { attributes: attributes({ 'service.name': session.info.name, 'process.pid': session.info.pid, 'host.name': session.info.hostname, 'hindsight.session.id': session.id }) };
  sink.write(`${JSON.stringify({ resourceSpans: [{ resource, scopeSpans: [{ scope: { name: 'hindsight' }, spans: otlpSpans }] }] })}\n`);
  return otlpSpans.length;
}

const FORMATS = { jsonl: exportJsonl, 'chrome-trace': exportChromeTrace, 'otlp-json': exportOtlp } as const;

export const exportCommand: Command = {
  name: 'export',
  summary: 'export a session as jsonl, chrome-trace (Perfetto, chrome://tracing) or otlp-json',
  usage: `hindsight export --format jsonl|chrome-trace|otlp-json [--out file]

  jsonl         one event per line: { seq, t, kind, name, traceId?, spanId?, data? }
  chrome-trace  Trace Event Format: spans as complete 'X' slices (ts/dur in µs since the
                session start), state changes and other events as instant 'i' events;
                one thread per trace (more when spans of a trace overlap without nesting)
  otlp-json     OTLP/JSON ExportTraceServiceRequest; events inside a span become span events
Without --out the export goes to stdout. With --json, a summary { session, format, file, items, bytes } goes to stdout.

${COMMON_USAGE}`,
  options: { format: { type: 'string' }, out: { type: 'string' } },
  async run(ctx) {
    const format = ctx.string('format');
    if (format === undefined || !Object.prototype.hasOwnProperty.call(FORMATS, format)) {
      throw new UsageError(`export needs --format jsonl, chrome-trace or otlp-json${format === undefined ? '' : `, got ${JSON.stringify(format)}`}`);
    }
    const file = ctx.string('out');
    if (file === undefined && ctx.out.json) throw new UsageError('export --json prints a summary: pass --out <file> for the data');
    const session = await ctx.session();
    const sink = new Sink(file);
    let items: number;
    try {
      items = await FORMATS[format as keyof typeof FORMATS](ctx, session, sink);
      sink.commit();
    } catch (err) {
      sink.abort();
      throw err;
    }
    ctx.out.clearProgress();
    if (ctx.out.json) return ctx.out.document({ session: session.id, format, file, items, bytes: sink.bytes });
    if (file !== undefined) ctx.out.note(`exported ${items} item(s) of session ${session.id} to ${file} (${formatBytes(sink.bytes)})`);
  },
};
