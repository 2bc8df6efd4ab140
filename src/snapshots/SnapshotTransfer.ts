import { ErrorCodes, HindsightError } from '../errors.js';
import { checkSessionId, checkTags, inRange } from './config.js';
import { rawPayload, readRecord, unpackPayload } from './SnapshotCodec.js';
import type { ExportEntry } from './exportImport.js';
import type { SnapshotWrite } from './SnapshotStore.js';
import type { ExportOptions, ImportOptions, ImportResult } from './types.js';
import type { ManagerInternals } from './SnapshotManager.js';

const ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The records an export holds. An incremental is expanded to a full when
 * asked, or when its base is not exported, so every export imports into an
 * empty store. Records read here are verified like any read.
 */
export async function exportEntries(m: ManagerInternals, sessionId: string, options: ExportOptions): Promise<ExportEntry[]> {
  const tags = checkTags(options.tags);
  const chosen = m.registry.session(sessionId).filter((x) => inRange(x.t, options.timeRange) && tags.every((t) => x.tags.includes(t)));
  const ids = new Set(chosen.map((x) => x.id));
  const entries: ExportEntry[] = [];
  for (const meta of chosen) {
    if (meta.type === 'incremental' && (options.expandIncrementals || !ids.has(meta.baseId!))) {
      entries.push(m.reencode(meta, 'full', undefined, await m.reader.packedState(meta)));
    } else {
      const view = await m.reader.view(meta);
      entries.push({ meta: view.meta, record: view.bytes });
    }
  }
  return entries;
}

/** Validates every entry first (chains, ids, and with validateIntegrity every payload), then writes one batch. */
export async function importEntries(m: ManagerInternals, entries: ExportEntry[], options: ImportOptions): Promise<ImportResult> {
  const overwrite = options.overwriteExisting ?? false;
  const validate = options.validateIntegrity ?? true;
  const inFile = new Set(entries.map((e) => e.meta.id));
  const fail = (reason: string, details: Record<string, unknown> = {}) => new HindsightError(ErrorCodes.INVALID_IMPORT, `nothing imported: ${reason}`, { reason, ...details });
  if (inFile.size !== entries.length) throw fail('the file holds the same snapshot id twice');
  for (const { meta, record } of entries) {
    if (!ID_PATTERN.test(meta.id)) throw fail(`snapshot id ${JSON.stringify(meta.id)} is not valid`);
    try {
      checkSessionId(meta.sessionId);
    } catch {
      throw fail(`snapshot ${meta.id} has an invalid session id`, { snapshotId: meta.id });
    }
    if (meta.type === 'incremental' && !inFile.has(meta.baseId!) && !m.registry.has(meta.baseId!)) {
      throw fail(`incremental ${meta.id} needs base ${meta.baseId}, which is neither in the file nor in the store`, { snapshotId: meta.id });
    }
    if (!validate) continue;
    try {
      unpackPayload(meta, rawPayload(readRecord(record, true), m.key));
    } catch (err) {
      if (err instanceof HindsightError && err.code === ErrorCodes.DECRYPTION_FAILED) throw err;
      throw fail(`snapshot ${meta.id} does not decode: ${(err as Error).message}`, { snapshotId: meta.id });
    }
  }
  const writes: SnapshotWrite[] = [];
  const skipped: string[] = [];
  for (const e of entries) {
    const existing = m.registry.get(e.meta.id);
    if (existing && !overwrite) {
      skipped.push(e.meta.id);
      continue;
    }
    if (existing) writes.push({ type: 'del', meta: existing });
    writes.push({ type: 'put', meta: e.meta, record: e.record });
  }
  await m.commit(writes);
  const ids = writes.filter((w) => w.type === 'put').map((w) => w.meta.id);
  return { imported: ids.length, skipped, ids };
}
