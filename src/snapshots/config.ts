import { ErrorCodes, HindsightError } from '../errors.js';
import { validateSessionId } from '../store/Sessions.js';
import type { CreateSnapshotOptions, SearchOptions, SnapshotConfig, SnapshotType } from './types.js';

export const DEFAULT_CONFIG: SnapshotConfig = {
  automaticInterval: 30_000,
  eventInterval: 0,
  maxRetentionTime: 24 * 60 * 60 * 1000,
  maxSnapshots: 1000,
  compressionEnabled: true,
  compressionThreshold: 1024,
  storageType: 'hybrid',
  persistenceEnabled: true,
  incrementalEnabled: true,
  checksumValidation: true,
  taggedSnapshotsOnly: false,
  maxIncrementalChain: 16,
  fullBelowBytes: 65_536,
};

export function invalidArgument(message: string, details: Record<string, unknown> = {}): HindsightError {
  return new HindsightError(ErrorCodes.INVALID_ARGUMENT, message, details);
}

function nonNegInt(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw invalidArgument(`${name} must be a non-negative integer, got ${String(v)}`);
  return v;
}

function bool(v: unknown, name: string): boolean {
  if (typeof v !== 'boolean') throw invalidArgument(`${name} must be a boolean, got ${String(v)}`);
  return v;
}

export function resolveConfig(partial: Partial<SnapshotConfig>): SnapshotConfig {
  const c: SnapshotConfig = { ...DEFAULT_CONFIG };
  for (const [k, v] of Object.entries(partial)) if (v !== undefined) (c as unknown as Record<string, unknown>)[k] = v;
  for (const k of ['automaticInterval', 'eventInterval', 'maxRetentionTime', 'maxSnapshots', 'compressionThreshold', 'fullBelowBytes'] as const) nonNegInt(c[k], k);
  if (nonNegInt(c.maxIncrementalChain, 'maxIncrementalChain') < 1) throw invalidArgument('maxIncrementalChain must be at least 1');
  for (const k of ['compressionEnabled', 'persistenceEnabled', 'incrementalEnabled', 'checksumValidation', 'taggedSnapshotsOnly'] as const) bool(c[k], k);
  if (!['memory', 'disk', 'hybrid'].includes(c.storageType)) throw invalidArgument(`storageType must be 'memory', 'disk' or 'hybrid', got ${String(c.storageType)}`);
  return c;
}

export function checkSessionId(sessionId: unknown): string {
  if (typeof sessionId !== 'string') throw invalidArgument(`sessionId must be a string, got ${typeof sessionId}`);
  validateSessionId(sessionId);
  return sessionId;
}

export function checkType(type: unknown, name = 'type'): SnapshotType | undefined {
  if (type === undefined) return undefined;
  if (type !== 'full' && type !== 'incremental') throw invalidArgument(`${name} must be 'full' or 'incremental', got ${String(type)}`);
  return type;
}

export function checkTags(tags: unknown): string[] {
  if (tags === undefined) return [];
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string' && t.length > 0)) throw invalidArgument('tags must be an array of non-empty strings');
  return [...new Set(tags as string[])];
}

export function checkCreateOptions(o: CreateSnapshotOptions | undefined): CreateSnapshotOptions {
  if (o === undefined) return {};
  if (typeof o !== 'object' || o === null) throw invalidArgument('options must be an object');
  if (o.description !== undefined && typeof o.description !== 'string') throw invalidArgument('description must be a string');
  if (o.forceCompression !== undefined) bool(o.forceCompression, 'forceCompression');
  if (o.seq !== undefined) nonNegInt(o.seq, 'seq');
  if (o.t !== undefined) nonNegInt(o.t, 't');
  if ((o.seq === undefined) !== (o.t === undefined)) throw invalidArgument('seq and t go together: pass both or neither');
  checkType(o.type);
  return { ...o, tags: checkTags(o.tags) };
}

export function checkSearch(o: SearchOptions | undefined): SearchOptions {
  const s = o ?? {};
  if (typeof s !== 'object' || s === null) throw invalidArgument('search options must be an object');
  if (s.sessionId !== undefined) checkSessionId(s.sessionId);
  if (s.tags !== undefined) checkTags(s.tags);
  checkType(s.type);
  if (s.sortBy !== undefined && s.sortBy !== 'time' && s.sortBy !== 'size') throw invalidArgument(`sortBy must be 'time' or 'size', got ${String(s.sortBy)}`);
  if (s.sortDirection !== undefined && s.sortDirection !== 'asc' && s.sortDirection !== 'desc') {
    throw invalidArgument(`sortDirection must be 'asc' or 'desc', got ${String(s.sortDirection)}`);
  }
  if (s.limit !== undefined) nonNegInt(s.limit, 'limit');
  if (s.offset !== undefined) nonNegInt(s.offset, 'offset');
  checkRange(s.timeRange);
  return s;
}

export function checkRange(r: { start?: number; end?: number } | undefined): void {
  if (r === undefined) return;
  if (typeof r !== 'object' || r === null) throw invalidArgument('timeRange must be an object { start?, end? }');
  for (const k of ['start', 'end'] as const) if (r[k] !== undefined && (typeof r[k] !== 'number' || Number.isNaN(r[k]))) throw invalidArgument(`timeRange.${k} must be a number (µs)`);
}

export function inRange(t: number, r: { start?: number; end?: number } | undefined): boolean {
  return !r || ((r.start === undefined || t >= r.start) && (r.end === undefined || t <= r.end));
}
