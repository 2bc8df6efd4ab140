/** `snapshots list | info | create | delete | cleanup | verify | export | import | restore-file`. */
import { readFileSync } from 'node:fs';
import { ErrorCodes, HindsightError } from '../../src/errors.js';
import { SnapshotManager } from '../../src/snapshots/SnapshotManager.js';
import { planRetention } from '../../src/snapshots/retention.js';
import type { SnapshotMeta } from '../../src/snapshots/types.js';
import { COMMON_USAGE, EXIT_FAILURE, UsageError, type Command, type Context } from '../args.js';
import { formatBytes, formatTime, toJson } from '../output.js';
import { verifySnapshots, type SnapshotCheck } from '../verifyData.js';
import { writeAtomically } from '../files.js';
import { RESTORE_FILE_USAGE, restoreFile } from './restore.js';

/**
 * A manager over the recording's own snapshots. Retention is off (0/0) unless
 * asked for: the manager's defaults (24 h, 1,000 per session) would otherwise
 * delete snapshots as a side effect of `create`.
 */
export async function openManager(ctx: Context, retentionMs = 0): Promise<{ manager: SnapshotManager; indexErrors: string[] }> {
  const recording = await ctx.open();
  const manager = new SnapshotManager({ store: recording.store, storageType: 'disk', automaticInterval: 0, eventInterval: 0, maxSnapshots: 0, maxRetentionTime: retentionMs, foldInWorker: false });
  const indexErrors: string[] = [];
  // Registered before loading finishes: damaged index entries are reported through 'error'.
  manager.on('error', (e: { type: string; error: unknown }) => {
    if (e.type === 'index_entry_corrupt') indexErrors.push((e.error as Error).message);
  });
  await manager.ready();
  return { manager, indexErrors };
}

/** Durations of --older-than: 90s, 30m, 12h, 7d, 2w (and plain ms). */
export function parseDurationMs(text: string): number {
  const m = /^(\d+)(ms|s|m|h|d|w)$/.exec(text.trim());
  if (!m) throw new UsageError(`bad duration ${JSON.stringify(text)} (expected e.g. 90s, 30m, 12h, 7d, 2w)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'ms']!;
  const ms = Number(m[1]) * unit;
  // Retention reads 0 as "keep forever": refusing it avoids a cleanup that silently does nothing.
  if (ms <= 0) throw new UsageError('--older-than must be longer than 0');
  return ms;
}

function metaRow(m: SnapshotMeta): string[] {
  return [m.id, String(m.seq), formatTime(m.t), m.type, m.baseId ?? '', m.tags.join(','), formatBytes(m.storedSize), new Date(m.createdAt).toISOString()];
}

const META_HEADERS = ['id', 'seq', 't', 'type', 'base', 'tags', 'stored', 'written'];

type Sub = (ctx: Context, manager: SnapshotManager, indexErrors: string[]) => Promise<number | void>;

const SUBCOMMANDS: Record<string, Sub> = {
  async list(ctx, manager) {
    const session = await ctx.session();
    const metas = await manager.searchSnapshots({ sessionId: session.id, sortBy: 'time' });
    if (ctx.out.json) return ctx.out.document({ session: session.id, snapshots: metas });
    if (metas.length === 0) return ctx.out.note(`session ${session.id} has no snapshot`);
    ctx.out.table(META_HEADERS, metas.map(metaRow));
  },

  async info(ctx, manager) {
    const id = ctx.positional(1, 'snapshot id');
    const meta = manager.getMetadata(id);
    if (!meta) throw new HindsightError(ErrorCodes.UNKNOWN_SNAPSHOT, `no snapshot with id ${id}`, { snapshotId: id });
    const chain: string[] = [];
    for (let m: SnapshotMeta | undefined = meta; m; m = m.baseId ? manager.getMetadata(m.baseId) : undefined) chain.unshift(m.id);
    const state = ctx.flag('state') ? await manager.reconstructState(id) : undefined;
    if (ctx.out.json) return ctx.out.document({ snapshot: meta, chain, state: ctx.flag('state') ? toJson(state) : undefined });
    const { out } = ctx;
    for (const [k, v] of Object.entries(meta)) out.line(`${k.padEnd(12)} ${k === 't' ? `${v} (${formatTime(v as number)})` : k === 'createdAt' ? new Date(v as number).toISOString() : Array.isArray(v) ? v.join(', ') : String(v)}`);
    out.line(`${'chain'.padEnd(12)} ${chain.join(' -> ')}`);
    if (ctx.flag('state')) out.line(out.value(state, 8, 3));
  },

  async create(ctx, manager) {
    const session = await ctx.session();
    const at = ctx.string('at') === undefined ? { seq: session.info.lastSeq } : await ctx.at('at');
    const r = await session.reconstruct(at);
    // A full: an incremental from a fresh manager would have no in-memory base to diff against anyway.
    const id = await manager.createSnapshot(session.id, r.state, { seq: r.seq, t: r.t, type: 'full', tags: ctx.strings('tag') ?? ['cli'], description: ctx.string('description') });
    const meta = manager.getMetadata(id)!;
    if (ctx.out.json) return ctx.out.document({ session: session.id, snapshot: meta });
    ctx.out.line(`created ${meta.type} snapshot ${id} at seq ${meta.seq}, ${formatTime(meta.t)} (${formatBytes(meta.storedSize)})`);
  },

  async delete(ctx, manager) {
    const id = ctx.positional(1, 'snapshot id');
    if (!(await manager.deleteSnapshot(id))) throw new HindsightError(ErrorCodes.UNKNOWN_SNAPSHOT, `no snapshot with id ${id}`, { snapshotId: id });
    if (ctx.out.json) return ctx.out.document({ deleted: id });
    ctx.out.line(`deleted snapshot ${id} (snapshots built on it were rebased first)`);
  },

  async verify(ctx, manager, indexErrors) {
    const sessionIds = ctx.string('session') === undefined ? (await (await ctx.open()).sessions()).map((s) => s.id) : [(await ctx.session()).id];
    const checks = await verifySnapshots(manager, (await ctx.open()).store, sessionIds, (done, total) => ctx.out.progress('verifying snapshots', done, total));
    return reportSnapshotChecks(ctx, checks, indexErrors);
  },

  async export(ctx, manager) {
    const session = await ctx.session();
    const format = ctx.string('format') ?? 'json';
    if (format !== 'json' && format !== 'binary') throw new UsageError(`snapshots export --format must be json or binary, got ${JSON.stringify(format)}`);
    const outFile = ctx.string('out');
    if (format === 'binary' && outFile === undefined && process.stdout.isTTY) throw new UsageError('binary export to a terminal: pass --out <file>');
    ctx.out.progress('exporting snapshots', 0, 1);
    const data = await manager.exportSnapshots(session.id, { format, expandIncrementals: ctx.flag('expand'), tags: ctx.strings('tag') });
    ctx.out.progress('exporting snapshots', 1, 1);
    if (outFile === undefined) {
      ctx.out.clearProgress();
      process.stdout.write(data);
      if (format === 'json') process.stdout.write('\n');
      return;
    }
    writeAtomically(outFile, data);
    const count = (await manager.searchSnapshots({ sessionId: session.id, tags: ctx.strings('tag') })).length;
    if (ctx.out.json) return ctx.out.document({ session: session.id, file: outFile, format, count, bytes: Buffer.byteLength(data) });
    ctx.out.note(`exported ${count} snapshot(s) of ${session.id} to ${outFile} (${formatBytes(Buffer.byteLength(data))})`);
  },

  async import(ctx, manager) {
    const file = ctx.positional(1, 'import file');
    let data: Buffer;
    try {
      data = readFileSync(file);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new HindsightError(ErrorCodes.INVALID_IMPORT, `nothing imported: cannot read ${file} (${e.code ?? e.message})`, { file });
    }
    const result = await manager.importSnapshots(data, { overwriteExisting: ctx.flag('overwrite') });
    if (ctx.out.json) return ctx.out.document({ imported: result.imported, skipped: result.skipped, ids: result.ids });
    ctx.out.line(`imported ${result.imported} snapshot(s)${result.skipped.length ? `, kept ${result.skipped.length} already present (--overwrite replaces them)` : ''}`);
  },
};

async function cleanup(ctx: Context): Promise<number | void> {
  const olderThan = ctx.string('older-than');
  if (olderThan === undefined) throw new UsageError('snapshots cleanup needs --older-than <duration> (e.g. 7d)');
  const ms = parseDurationMs(olderThan);
  const sessionIds = ctx.flag('all') ? undefined : [(await ctx.session()).id];
  const { manager } = await openManager(ctx, ms);
  let removed: string[];
  if (ctx.flag('dry-run')) {
    const ids = sessionIds ?? (await (await ctx.open()).sessions()).map((s) => s.id);
    removed = [];
    for (const sid of ids) {
      const metas = (await manager.searchSnapshots({ sessionId: sid })).sort((a, b) => a.seq - b.seq || (a.id < b.id ? -1 : 1));
      removed.push(...planRetention(metas, { maxSnapshots: 0, maxRetentionTime: ms, taggedSnapshotsOnly: false }, Date.now(), new Set()));
    }
  } else {
    removed = [];
    const ids = sessionIds ?? (await (await ctx.open()).sessions()).map((s) => s.id);
    for (let i = 0; i < ids.length; i++) {
      ctx.out.progress('cleaning up', i, ids.length);
      removed.push(...(await manager.applyRetention(ids[i])));
    }
  }
  await manager.shutdown();
  if (ctx.out.json) return ctx.out.document({ olderThanMs: ms, dryRun: ctx.flag('dry-run'), removed });
  ctx.out.line(`${ctx.flag('dry-run') ? 'would remove' : 'removed'} ${removed.length} snapshot(s) written more than ${olderThan} ago${removed.length ? `: ${removed.join(', ')}` : ''} (the newest of each session is kept)`);
}

/** Prints snapshot checks; exit 1 when any failed. Shared with the top-level `verify`. */
export function reportSnapshotChecks(ctx: Context, checks: SnapshotCheck[], indexErrors: string[]): number | void {
  const bad = checks.filter((c) => !c.ok);
  if (ctx.out.json) {
    ctx.out.document({ ok: bad.length === 0 && indexErrors.length === 0, checked: checks.length, corrupt: bad, indexErrors });
  } else {
    for (const c of bad) ctx.out.line(`${ctx.out.paint('red', 'CORRUPT')} snapshot ${c.id} (session ${c.sessionId}, seq ${c.seq}, ${c.type}): ${c.error}`);
    for (const e of indexErrors) ctx.out.line(`${ctx.out.paint('red', 'CORRUPT')} ${e}`);
    ctx.out.line(`${checks.length} snapshot(s) checked, ${bad.length + indexErrors.length} damaged`);
  }
  return bad.length || indexErrors.length ? EXIT_FAILURE : undefined;
}

export const snapshotsCommand: Command = {
  name: 'snapshots',
  summary: 'list | info <id> | create | delete <id> | cleanup --older-than 7d | verify | export | import <file> | restore-file',
  usage: `hindsight snapshots <subcommand>
  list                                    snapshots of the session, by time
  info <id> [--state]                     metadata, base chain (and the state with --state)
  create [--at T] [--tag t]... [--description d]
                                          a full snapshot of the state at T (default: the end)
  delete <id>                             delete one (snapshots built on it are rebased first)
  cleanup --older-than 7d [--all] [--dry-run]
                                          remove snapshots written longer ago than that
                                          (this session, or every one with --all; the newest of each stays)
  verify                                  check every snapshot's checksum and chain (all sessions
                                          unless --session); exit 1 when any is damaged
  export [--out file] [--format json|binary] [--expand] [--tag t]...
                                          write the session's snapshots (stdout without --out)
  import <file> [--overwrite]             all or nothing: a damaged file imports nothing
${RESTORE_FILE_USAGE}

JSON shapes: list { session, snapshots: [meta] }; info { snapshot: meta, chain: [id], state? };
create { session, snapshot: meta }; delete { deleted }; cleanup { olderThanMs, dryRun, removed: [id] };
verify { ok, checked, corrupt: [{ id, sessionId, seq, t, type, ok, error }], indexErrors };
export { session, file, format, count, bytes }; import { imported, skipped, ids }.

${COMMON_USAGE}`,
  options: {
    at: { type: 'string' },
    tag: { type: 'string', multiple: true },
    description: { type: 'string' },
    state: { type: 'boolean', default: false },
    'older-than': { type: 'string' },
    all: { type: 'boolean', default: false },
    'dry-run': { type: 'boolean', default: false },
    out: { type: 'string' },
    format: { type: 'string' },
    expand: { type: 'boolean', default: false },
    overwrite: { type: 'boolean', default: false },
    name: { type: 'string', multiple: true },
  },
  async run(ctx) {
    const sub = ctx.positional(0, 'subcommand (list, info, create, delete, cleanup, verify, export, import)');
    if (sub === 'cleanup') return cleanup(ctx);
    if (sub === 'restore-file') return restoreFile(ctx);
    const fn = SUBCOMMANDS[sub];
    if (!fn || !Object.prototype.hasOwnProperty.call(SUBCOMMANDS, sub)) throw new UsageError(`unknown snapshots subcommand ${JSON.stringify(sub)}`);
    if (sub === 'import') ctx.positional(1, 'import file');
    const { manager, indexErrors } = await openManager(ctx);
    try {
      return await fn(ctx, manager, indexErrors);
    } finally {
      await manager.shutdown();
    }
  },
};
