/** Replay results for people: the CLI's text output and the vitest helper's failure message. */
import { inspect } from 'node:util';
import type { Divergence, ReplayResult } from './replay.js';

export interface FormatOptions {
  /** Session start (µs), for `+offset` times; the divergence's absolute t is shown when omitted. */
  startT?: number;
  /** util.inspect colours. */
  colors?: boolean;
}

const show = (v: unknown, colors: boolean) => inspect(v, { depth: 4, colors, breakLength: Infinity, compact: 3 });

function when(t: number, startT: number | undefined): string {
  const iso = new Date(Math.floor(t / 1000)).toISOString().slice(0, -1) + String(t % 1000).padStart(3, '0') + 'Z';
  return startT === undefined ? iso : `${iso}, +${((t - startT) / 1000).toFixed(3)}ms`;
}

/** Where the states were compared, and the input that led there. */
function pointText(d: Divergence): string {
  switch (d.point.kind) {
    case 'event':
      return 'after input';
    case 'marker':
      return `at marker "${d.point.name}", last input`;
    case 'snapshot':
      return 'at a checkpoint, last input';
    default:
      return 'at the session end, last input';
  }
}

/**
 * Lines describing a divergence:
 *   diverged at seq 17 (2024-...Z, +7.000ms) after input "cart.add" (seq 15, data { sku: 'w' })
 *   diverged at seq 30 (2024-...Z, +9.000ms) at marker "paid", last input "cart.pay" (seq 28, data {})
 *     cart.total: expected 10, actual 12
 *     cart.coupon: missing today (expected 'SAVE')
 *     cart.voucher: not in the recording (actual 'X')
 */
export function formatDivergence(d: Divergence, options: FormatOptions = {}): string[] {
  const colors = options.colors ?? false;
  const lines = [
    `diverged at seq ${d.seq} (${when(d.t, options.startT)}) ${pointText(d)} "${d.event.name}" (seq ${d.event.seq}, data ${show(d.event.data, colors)})`,
  ];
  for (const diff of d.differences) {
    if (diff.kind === 'removed') lines.push(`  ${diff.path}: missing today (expected ${show(diff.expected, colors)})`);
    else if (diff.kind === 'added') lines.push(`  ${diff.path}: not in the recording (actual ${show(diff.actual, colors)})`);
    else lines.push(`  ${diff.path}: expected ${show(diff.expected, colors)}, actual ${show(diff.actual, colors)}`);
  }
  return lines;
}

/** One summary line: what was replayed and compared. */
export function formatSummary(r: ReplayResult): string {
  const verdict = r.ok ? 'ok' : 'DIVERGED';
  return `${verdict}: session ${r.session.id} "${r.session.name}" (${r.session.status}): ${r.eventsReplayed} input event(s) replayed, ${r.comparisons} comparison(s) (${r.compare}), read up to seq ${r.lastSeq}${r.incomplete ? ', recording incomplete' : ''}`;
}

/** The whole report: summary, divergence, warnings. */
export function formatReplay(r: ReplayResult, options: FormatOptions = {}): string {
  const lines = [formatSummary(r)];
  if (r.firstDivergence) lines.push(...formatDivergence(r.firstDivergence, options));
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}
