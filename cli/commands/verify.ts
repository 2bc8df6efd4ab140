/** `verify` (every block and snapshot checksum, lost ranges) and `stats` (sizes and counts). */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionInfo } from '../../src/store/Sessions.js';
import { COMMON_USAGE, EXIT_FAILURE, type Command, type Context } from '../args.js';
import { formatBytes, formatTime } from '../output.js';
import { verifySnapshots, walkBlocks, type BlockWalk } from '../verifyData.js';
import { openManager } from './snapshots.js';

/** The sessions a whole-recording command covers: --session when given, else all of them. */
async function selectedSessions(ctx: Context): Promise<SessionInfo[]> {
  if (ctx.string('session') !== undefined) return [(await ctx.session()).info];
  return (await ctx.open()).sessions();
}

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'check every block and snapshot checksum; report lost ranges (exit 1 if any)',
  usage: `hindsight verify [--session s]

Checks every event block (checksum, decoding, gaps between blocks) and every
snapshot (its record's checksum, then its chain) of every session, or of
--session only. Exit 1 when anything is damaged or missing.
With --json: { "ok", "sessions": [{ id, name, blocks, events, lost: [{ fromSeq, toSeq, fromT?, toT?, reason: corrupt|missing, error? }] }],
  "snapshots": { checked, corrupt: [{ id, sessionId, seq, t, type, ok, error }] }, "indexErrors": [message] }

${COMMON_USAGE}`,
  options: {},
  async run(ctx) {
    const sessions = await selectedSessions(ctx);
    const recording = await ctx.open();
    const results: { info: SessionInfo; walk: BlockWalk }[] = [];
    for (const info of sessions) {
      const walk = await walkBlocks(recording.store, info, (done, total) => ctx.out.progress(`verifying ${info.name}`, done, total));
      results.push({ info, walk });
    }
    const { manager, indexErrors } = await openManager(ctx);
    let checks;
    try {
      checks = await verifySnapshots(manager, recording.store, sessions.map((s) => s.id), (d, t) => ctx.out.progress('verifying snapshots', d, t));
    } finally {
      await manager.shutdown();
    }
    ctx.out.clearProgress();
    const corrupt = checks.filter((c) => !c.ok);
    const lostCount = results.reduce((n, r) => n + r.walk.lost.length, 0);
    const ok = lostCount === 0 && corrupt.length === 0 && indexErrors.length === 0;
    const { out } = ctx;
    if (out.json) {
      out.document({
        ok,
        sessions: results.map(({ info, walk }) => ({ id: info.id, name: info.name, blocks: walk.blocks, events: walk.events, lost: walk.lost })),
        snapshots: { checked: checks.length, corrupt },
        indexErrors,
      });
      return ok ? undefined : EXIT_FAILURE;
    }
    for (const { info, walk } of results) {
      const status = walk.lost.length ? out.paint('red', 'DAMAGED') : out.paint('green', 'ok');
      out.line(`session ${info.id} "${info.name}": ${walk.blocks} block(s), ${walk.events}/${info.lastSeq} event(s) readable: ${status}`);
      for (const l of walk.lost) {
        const when = l.fromT !== undefined ? ` (${formatTime(l.fromT)} .. ${formatTime(l.toT!)})` : '';
        out.line(`  lost seq ${l.fromSeq}..${l.toSeq}${when}: ${l.reason}${l.error ? `: ${l.error}` : ''}`);
      }
    }
    for (const c of corrupt) out.line(`${out.paint('red', 'CORRUPT')} snapshot ${c.id} (session ${c.sessionId}, seq ${c.seq}, ${c.type}): ${c.error}`);
    for (const e of indexErrors) out.line(`${out.paint('red', 'CORRUPT')} ${e}`);
    out.line(`${checks.length} snapshot(s) checked, ${corrupt.length + indexErrors.length} damaged`);
    if (!ok) out.note('verification failed: reconstructions across the lost ranges fall back to earlier snapshots or stop with an error');
    return ok ? undefined : EXIT_FAILURE;
  },
};

function dirBytes(dir: string): number {
  let n = 0;
  for (const name of readdirSync(dir)) {
    const s = statSync(join(dir, name));
    n += s.isDirectory() ? dirBytes(join(dir, name)) : s.size;
  }
  return n;
}

const ratio = (raw: number, stored: number) => (stored > 0 ? Math.round((raw / stored) * 100) / 100 : 0);

export const statsCommand: Command = {
  name: 'stats',
  summary: 'events, bytes, compression ratio, snapshots by type',
  usage: `hindsight stats [--session s]

With --json: { "session", "name", "events": { total, byKind }, "blocks": { count, storedBytes, rawBytes,
  compressionRatio, bytesPerEvent }, "snapshots": { total, full, incremental, storedBytes, rawBytes }, "directoryBytes" }
(compressionRatio: packed bytes before lz4 / bytes stored; directoryBytes: the whole recording directory).

${COMMON_USAGE}`,
  options: {},
  async run(ctx) {
    const session = await ctx.session();
    const recording = await ctx.open();
    const walk = await walkBlocks(recording.store, session.info, (d, t) => ctx.out.progress('reading', d, t));
    const { manager } = await openManager(ctx);
    const metas = await manager.searchSnapshots({ sessionId: session.id });
    await manager.shutdown();
    ctx.out.clearProgress();
    const snaps = {
      total: metas.length,
      full: metas.filter((m) => m.type === 'full').length,
      incremental: metas.filter((m) => m.type === 'incremental').length,
      storedBytes: metas.reduce((n, m) => n + m.storedSize, 0),
      rawBytes: metas.reduce((n, m) => n + m.rawSize, 0),
    };
    const blocks = {
      count: walk.blocks,
      storedBytes: walk.storedBytes,
      rawBytes: walk.rawBytes,
      compressionRatio: ratio(walk.rawBytes, walk.storedBytes),
      bytesPerEvent: walk.events ? Math.round((walk.storedBytes / walk.events) * 10) / 10 : 0,
    };
    const directoryBytes = recording.store.dir ? dirBytes(recording.store.dir) : 0;
    const { out } = ctx;
    if (out.json) return out.document({ session: session.id, name: session.info.name, events: { total: walk.events, byKind: walk.byKind }, blocks, snapshots: snaps, directoryBytes });
    out.line(`session     ${session.id} "${session.info.name}" (${session.info.status})`);
    out.line(`events      ${walk.events}: ${Object.entries(walk.byKind).map(([k, n]) => `${k} ${n}`).join(', ')}`);
    out.line(`blocks      ${blocks.count}, ${formatBytes(blocks.storedBytes)} stored, ${formatBytes(blocks.rawBytes)} packed: compression ${blocks.compressionRatio}x, ${blocks.bytesPerEvent} bytes/event`);
    out.line(`snapshots   ${snaps.total} (${snaps.full} full, ${snaps.incremental} incremental), ${formatBytes(snaps.storedBytes)} stored, ${formatBytes(snaps.rawBytes)} raw`);
    out.line(`directory   ${formatBytes(directoryBytes)} (all sessions)`);
    if (walk.lost.length) out.warn(`${walk.lost.length} damaged or missing range(s): run hindsight verify`);
  },
};
