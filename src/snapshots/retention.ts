import { packStandalone } from '../codec/ValueCodec.js';
import { boxNegativeZeros } from './stateValue.js';
import type { SnapshotRegistry } from './SnapshotRegistry.js';
import type { SnapshotReader } from './SnapshotReader.js';
import type { SnapshotWrite } from './SnapshotStore.js';
import type { DiffOp } from './structuralDiff.js';
import type { SnapshotConfig, SnapshotMeta } from './types.js';

export type RetentionPolicy = Pick<SnapshotConfig, 'maxSnapshots' | 'maxRetentionTime' | 'taggedSnapshotsOnly'>;

/** Whether `policy` can remove anything (the recorder's default keeps every checkpoint). */
export function retentionActive(policy: RetentionPolicy): boolean {
  return policy.taggedSnapshotsOnly || policy.maxRetentionTime > 0 || policy.maxSnapshots > 0;
}

/**
 * Which snapshots of one session retention removes (ids, oldest first).
 * `session` is in seq order. The newest snapshot and the `protect`ed ones
 * (the bases the manager still diffs against) always stay. Dependencies are
 * not this function's concern: planRemoval rebases whatever depends on a
 * removed snapshot, so any subset is safe to remove.
 */
export function planRetention(session: SnapshotMeta[], policy: RetentionPolicy, nowMs: number, protect: ReadonlySet<string>): string[] {
  if (session.length === 0 || !retentionActive(policy)) return [];
  const newest = session[session.length - 1].id;
  const keep = (m: SnapshotMeta) => m.id === newest || protect.has(m.id);
  const out = new Set<string>();
  for (const m of session) {
    if (keep(m)) continue;
    if (policy.taggedSnapshotsOnly && m.tags.length === 0) out.add(m.id);
    else if (policy.maxRetentionTime > 0 && m.createdAt < nowMs - policy.maxRetentionTime) out.add(m.id);
  }
  if (policy.maxSnapshots > 0) {
    let excess = session.length - out.size - policy.maxSnapshots;
    for (const m of session) {
      if (excess <= 0) break;
      if (out.has(m.id) || keep(m)) continue;
      out.add(m.id);
      excess--;
    }
  }
  return session.filter((m) => out.has(m.id)).map((m) => m.id);
}

/** Re-encodes a snapshot's payload under new metadata (the manager's codec settings). */
export type Reencode = (meta: SnapshotMeta, type: 'full' | 'incremental', baseId: string | undefined, raw: Buffer) => { record: Buffer; meta: SnapshotMeta };

/**
 * The batch that removes `ids` without breaking any survivor: a surviving
 * snapshot whose base is removed is rebased onto its nearest surviving
 * ancestor (its ops become the removed ancestors' ops followed by its own,
 * which is exact: ops apply in order), or, when the full at the root of its
 * chain is removed too, rewritten as a full of its reconstructed state.
 * Everything is computed from the intact store before the batch is written,
 * so a LevelDB batch makes the whole removal atomic.
 */
export async function planRemoval(ids: string[], registry: SnapshotRegistry, reader: SnapshotReader, reencode: Reencode): Promise<SnapshotWrite[]> {
  const removed = new Set(ids);
  const writes: SnapshotWrite[] = [];
  const opsCache = new Map<string, DiffOp[]>();
  const opsOf = async (m: SnapshotMeta) => {
    let ops = opsCache.get(m.id);
    if (!ops) opsCache.set(m.id, (ops = await reader.ops(m)));
    return ops;
  };
  for (const id of ids) {
    for (const child of registry.dependents(id)) {
      if (removed.has(child.id)) continue;
      // Removed ancestors between the child and its nearest survivor, nearest first.
      const skipped: SnapshotMeta[] = [];
      let anchor: SnapshotMeta | undefined = registry.get(child.baseId!);
      while (anchor && removed.has(anchor.id)) {
        skipped.push(anchor);
        anchor = anchor.type === 'incremental' && anchor.baseId !== undefined ? registry.get(anchor.baseId) : undefined;
      }
      let rewritten;
      if (anchor) {
        const ops: DiffOp[] = [];
        for (const s of skipped.reverse()) ops.push(...(await opsOf(s)));
        ops.push(...(await opsOf(child)));
        // Decoded ops hold real -0 again: box them so they pack exactly.
        rewritten = reencode(child, 'incremental', anchor.id, packStandalone(boxNegativeZeros(ops)));
      } else {
        rewritten = reencode(child, 'full', undefined, await reader.packedState(child));
      }
      writes.push({ type: 'put', ...rewritten });
    }
  }
  for (const id of ids) writes.push({ type: 'del', meta: registry.get(id)! });
  return writes;
}
