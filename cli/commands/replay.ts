/** `replay`: a recorded session as a regression test of today's reducers (exit 1 on a divergence). */
import { COMPARE_MODES, replay, type CompareMode } from '../../replay/replay.js';
import { formatDivergence, formatSummary } from '../../replay/format.js';
import { loadReplayModule } from '../../replay/loadModule.js';
import { COMMON_USAGE, EXIT_FAILURE, UsageError, type Command, type Context } from '../args.js';
import { toJson } from '../output.js';

function nonNegative(ctx: Context, name: string): number | undefined {
  const v = ctx.string(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a number >= 0, got ${JSON.stringify(v)}`);
  return n;
}

export const replayCommand: Command = {
  name: 'replay',
  summary: "feed a session's inputs to today's reducers; exit 1 at the first divergence",
  usage: `hindsight replay --reducers <module> [--compare every-event|markers|snapshots] [--ignore path]...
                [--tolerance n] [--relative-tolerance r] [--input name]... [--max-differences n]

Feeds the session's input events (custom events; --input names keeps only those) in order to
today's code, starting from the state recorded before the first input, and compares the state it
reaches with the recorded one. Stops at the first divergence, printing each differing path with
its expected (recorded) and actual (today's) value, and exits 1; exits 0 when every comparison matched.

  --reducers <module>  ESM or CommonJS file exporting \`reducers\` ({ [eventName]: (state, event) => state | void }),
                       or \`handler\` ((event, state) => state | void, may be async), or either as its default export
  --compare <mode>     every-event: after each input (against the state recorded just before the next input);
                       markers: at each marker; snapshots (default): at each stored checkpoint and at the session end
  --ignore <path>      dotted path to leave out, first segment the tracked name; * = any one segment,
                       ** = any number (cart.updatedAt, sessions.*.lastSeen, **.id); repeatable
  --tolerance <n>      absolute numeric difference allowed
  --relative-tolerance <r>  relative numeric difference allowed (0.001 = 0.1%)

With --json: { "ok", "session": { id, name, status, lastSeq }, "compare", "eventsReplayed", "comparisons",
  "lastSeq", "incomplete", "warnings", "firstDivergence"?: { seq, t, point: { kind: event|marker|snapshot|end, name? },
  event: { seq, t, name, data }, differences: [{ path, kind: changed|added|removed, expected?, actual? }] } }

${COMMON_USAGE}`,
  options: {
    reducers: { type: 'string' },
    compare: { type: 'string' },
    ignore: { type: 'string', multiple: true },
    tolerance: { type: 'string' },
    'relative-tolerance': { type: 'string' },
    input: { type: 'string', multiple: true },
    'max-differences': { type: 'string' },
  },
  async run(ctx) {
    const path = ctx.string('reducers');
    if (path === undefined) throw new UsageError('replay: --reducers <module> is required');
    const compare = ctx.string('compare') ?? 'snapshots';
    if (!COMPARE_MODES.includes(compare as CompareMode)) throw new UsageError(`--compare must be one of ${COMPARE_MODES.join(', ')}, got ${JSON.stringify(compare)}`);
    const absolute = nonNegative(ctx, 'tolerance');
    const relative = nonNegative(ctx, 'relative-tolerance');
    const maxDifferences = ctx.integer('max-differences');
    const code = await loadReplayModule(path);
    const result = await replay({
      recording: await ctx.open(),
      session: ctx.string('session'),
      ...code,
      compare: compare as CompareMode,
      ignore: ctx.strings('ignore'),
      tolerance: absolute === undefined && relative === undefined ? undefined : { absolute, relative },
      inputs: ctx.strings('input'),
      maxDifferences: maxDifferences === 0 ? undefined : maxDifferences,
    });
    const { out } = ctx;
    if (out.json) {
      const d = result.firstDivergence;
      out.document({
        ...result,
        firstDivergence: d && {
          ...d,
          event: { ...d.event, data: toJson(d.event.data) },
          differences: d.differences.map((x) => ({ path: x.path, kind: x.kind, expected: x.kind === 'added' ? undefined : toJson(x.expected), actual: x.kind === 'removed' ? undefined : toJson(x.actual) })),
        },
      });
    } else {
      out.line(result.ok ? out.paint('green', formatSummary(result)) : out.paint('red', formatSummary(result)));
      if (result.firstDivergence) for (const l of formatDivergence(result.firstDivergence, { startT: (await ctx.session()).info.startT, colors: out.color })) out.line(l);
      for (const w of result.warnings) out.warn(w);
    }
    return result.ok ? undefined : EXIT_FAILURE;
  },
};
