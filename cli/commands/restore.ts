/**
 * `snapshots restore-file`: the reconstructed state at an instant written to
 * a JSON file, for programs that load their own state at startup; and the
 * resumed-from link of a session (`hindsight.resumed`, written by a recorder
 * that resumed from an earlier session).
 */
import { ErrorCodes, HindsightError } from '../../src/errors.js';
import type { RecordingSession } from '../../reconstructor/Recording.js';
import { UsageError, type Context } from '../args.js';
import { writeAtomically } from '../files.js';
import { formatTime, toJson } from '../output.js';

export const RESTORE_FILE_USAGE = `  restore-file --at T [--name n]... [--out file]
                                          the state at T as JSON (one name: its value; several or
                                          none: { name: value }); stdout without --out`;

export async function restoreFile(ctx: Context): Promise<number | void> {
  const session = await ctx.session();
  const at = await ctx.at('at');
  const names = ctx.strings('name');
  const file = ctx.string('out');
  if (names?.some((n) => n === '')) throw new UsageError('--name must not be empty');
  const r = await session.reconstruct(at);
  const missing = (names ?? []).filter((n) => !Object.hasOwn(r.state, n));
  if (missing.length > 0) {
    throw new HindsightError(ErrorCodes.INVALID_ARGUMENT, `no tracked ${missing.map((n) => JSON.stringify(n)).join(', ')} at seq ${r.seq} of session ${session.id}`, { names: missing });
  }
  const value = names === undefined ? r.state : names.length === 1 ? r.state[names[0]] : Object.fromEntries(names.map((n) => [n, r.state[n]]));
  const text = `${JSON.stringify(toJson(value), null, 2)}\n`;
  if (file === undefined) {
    ctx.out.line(text.trimEnd());
    return;
  }
  writeAtomically(file, text);
  if (ctx.out.json) return ctx.out.document({ session: session.id, seq: r.seq, t: r.t, names: names ?? Object.keys(r.state), file, fellBack: r.fellBack });
  ctx.out.line(`wrote ${names ? names.join(', ') : 'the tracked state'} at seq ${r.seq}, ${formatTime(r.t)} to ${file}`);
}

export interface ResumedFrom {
  fromSession: string;
  fromSeq: number;
  fromT?: number;
}

/** Where a session resumed from (its first `hindsight.resumed` event), or undefined. Reads the session's events: O(events). */
export async function resumedFrom(session: RecordingSession): Promise<ResumedFrom | undefined> {
  for await (const e of session.events({ kinds: ['session'], names: ['hindsight.resumed'], limit: 1 })) {
    const d = e.data as Partial<ResumedFrom> | undefined;
    if (d && typeof d.fromSession === 'string' && typeof d.fromSeq === 'number') return { fromSession: d.fromSession, fromSeq: d.fromSeq, fromT: d.fromT };
  }
  return undefined;
}
