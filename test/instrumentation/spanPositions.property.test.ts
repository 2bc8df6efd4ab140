import { context, trace, type Span } from '@opentelemetry/api';
import { tracing } from '@opentelemetry/sdk-node';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordingSpanProcessor } from '../../instrumentation/RecordingSpanProcessor.js';
import { Recording } from '../../reconstructor/Recording.js';
import { collectSpans } from '../../reconstructor/spans.js';
import { EventLog } from '../../src/log/EventLog.js';
import { openStore } from '../../src/store/Store.js';

/**
 * The oracle for where spans start and end: a live program starts, ends and
 * renames spans between its own events, with blocks sealed at random
 * (small blocks, explicit flushes). At every seq of the recording, the
 * spans open there (spansAt) must be exactly the spans that were open when
 * that event was written, with their parents; and the span list must say
 * where each started and ended.
 */
type Op = { op: 'start'; parent: number } | { op: 'end'; which: number } | { op: 'event' } | { op: 'flush' } | { op: 'rename'; which: number };

const ops = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.record({ op: fc.constant('start' as const), parent: fc.nat() }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('end' as const), which: fc.nat() }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('event' as const) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('flush' as const) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('rename' as const), which: fc.nat() }) },
  ),
  { maxLength: 60 },
);

interface LiveSpan {
  span: Span;
  id: string;
  parentId?: string;
  name: string;
  startSeq: number;
  endSeq?: number;
}

async function check(program: Op[], blockEvents: number): Promise<void> {
  const store = await openStore({ memory: true });
  const log = await EventLog.create(store, { blockEvents });
  const processor = new RecordingSpanProcessor(log);
  const provider = new tracing.BasicTracerProvider({ spanProcessors: [processor as unknown as tracing.SpanProcessor] });
  const tracer = provider.getTracer('oracle');
  const spans: LiveSpan[] = [];
  const open = (): LiveSpan[] => spans.filter((s) => s.endSeq === undefined);
  /** The ids open at each seq, as the live program knew them when the event was written. */
  const truth = new Map<number, string[]>();
  const written = (openThen: LiveSpan[]) => {
    for (let seq = truth.size + 1; seq <= log.lastSeq; seq++) truth.set(seq, openThen.map((s) => s.id).sort());
  };
  for (const step of program) {
    const before = open();
    if (step.op === 'start') {
      const parent = before.length > 0 && step.parent % 3 !== 0 ? before[step.parent % before.length] : undefined;
      const ctx = parent ? trace.setSpan(context.active(), parent.span) : context.active();
      const name = `s${spans.length}`;
      const span = tracer.startSpan(name, {}, ctx);
      // The resource event (and what its seal announced), written before the span starts.
      written(before);
      spans.push({ span, id: span.spanContext().spanId, parentId: parent?.id, name, startSeq: log.lastSeq + 1 });
    } else if (step.op === 'end' && before.length > 0) {
      const s = before[step.which % before.length];
      // Its span.end is the next event (a seal it fills may announce others after it).
      const endSeq = log.lastSeq + 1;
      s.span.end();
      s.endSeq = endSeq;
      written(open());
    } else if (step.op === 'rename' && before.length > 0) {
      const s = before[step.which % before.length];
      s.name += "'";
      s.span.updateName(s.name);
    } else if (step.op === 'event') {
      log.append({ kind: 'custom', name: 'tick' });
      written(open());
    } else if (step.op === 'flush') {
      await log.flush();
      written(open());
    }
  }
  await provider.shutdown();
  written(open());
  await log.close();
  const session = await Recording.fromStore(store).session(log.sessionId);
  try {
    for (const [seq, ids] of truth) {
      const found: string[] = [];
      const walk = (list: Awaited<ReturnType<typeof session.spansAt>>, parentId?: string) => {
        for (const s of list) {
          found.push(s.spanId!);
          expect(s.parentSpanId, `parent of ${s.name} at seq ${seq}`).toBe(spans.find((l) => l.id === s.spanId)!.parentId);
          if (parentId !== undefined) expect(s.parentSpanId).toBe(parentId);
          walk(s.children, s.spanId);
        }
      };
      walk(await session.spansAt({ seq }));
      expect(found.sort(), `open at seq ${seq}`).toEqual(ids);
    }
    // Spans are listed in start order. Several may start at one seq (nothing written between them):
    // those are compared by id. A span still open keeps the name it had when its start was written:
    // names are compared for ended spans.
    const listed = await collectSpans(session.events({ kinds: ['span.start', 'span.end'] }));
    for (let i = 1; i < listed.length; i++) expect(listed[i].startSeq).toBeGreaterThanOrEqual(listed[i - 1].startSeq);
    const row = (id: string | undefined, startSeq: number, endSeq: number | undefined, name: string) => [startSeq, id, endSeq, endSeq === undefined ? '' : name];
    const byStart = (a: unknown[], b: unknown[]) => (a[0] as number) - (b[0] as number) || String(a[1]).localeCompare(String(b[1]));
    expect(listed.map((s) => row(s.spanId, s.startSeq, s.endSeq, s.name)).sort(byStart)).toEqual(spans.map((s) => row(s.id, s.startSeq, s.endSeq, s.name)).sort(byStart));
  } finally {
    await store.close();
  }
}

describe('span positions (property, seeded)', () => {
  it('spansAt at every seq is the set of spans open when that event was written, across random seals', async () => {
    await fc.assert(
      fc.asyncProperty(ops, fc.integer({ min: 1, max: 6 }), (program, blockEvents) => check(program, blockEvents)),
      { seed: 20261124, numRuns: 120 },
    );
  });
});
