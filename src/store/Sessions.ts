import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ErrorCodes, HindsightError } from '../errors.js';
import { packStandalone, unpackStandalone } from '../codec/ValueCodec.js';
import { Prefix, prefixRange, sessionKey } from './keys.js';
import type { LevelDB } from './Store.js';

export type SessionStatus = 'running' | 'ended' | 'crashed';

/** What a recording directory knows about one session. */
export interface SessionInfo {
  id: string;
  name: string;
  /** µs since the epoch of the session's start (the clock anchor). */
  startT: number;
  /** µs since the epoch of the last event written when the session closed or was found dead. */
  endT?: number;
  pid: number;
  argv: string[];
  hostname: string;
  nodeVersion: string;
  status: SessionStatus;
  eventCount: number;
  lastSeq: number;
  lastT: number;
  /** Events refused because the writer had fallen behind (overflow: 'drop'). */
  dropped: number;
  /** Seq ranges [first, last] accepted but never stored (a failed write): replays across them are incomplete. */
  lost?: [number, number][];
  formatVersion: number;
}

export const SESSION_FORMAT_VERSION = 1;
const ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

export function validateSessionId(id: string): void {
  if (!ID_PATTERN.test(id)) {
    throw new HindsightError(ErrorCodes.INVALID_ARGUMENT, `session id ${JSON.stringify(id)} must match ${ID_PATTERN}`);
  }
}

/** Time-sortable ids: base-36 start time, then randomness against collisions. */
export function newSessionId(startT: number): string {
  return `${startT.toString(36).padStart(11, '0')}-${randomBytes(4).toString('hex')}`;
}

export function newSessionInfo(id: string, name: string, startT: number): SessionInfo {
  return {
    id,
    name,
    startT,
    pid: process.pid,
    argv: process.argv.slice(),
    hostname: hostname(),
    nodeVersion: process.version,
    status: 'running',
    eventCount: 0,
    lastSeq: 0,
    lastT: startT,
    dropped: 0,
    formatVersion: SESSION_FORMAT_VERSION,
  };
}

export function encodeSessionInfo(info: SessionInfo): Buffer {
  return packStandalone(info);
}

export async function readSessionInfo(db: LevelDB, id: string): Promise<SessionInfo | undefined> {
  const v = await db.get(sessionKey(id));
  return v ? (unpackStandalone(v) as SessionInfo) : undefined;
}

/** All sessions, oldest first. */
export async function listSessions(db: LevelDB): Promise<SessionInfo[]> {
  const out: SessionInfo[] = [];
  for await (const v of db.values(prefixRange(Prefix.session))) out.push(unpackStandalone(v) as SessionInfo);
  return out.sort((a, b) => a.startT - b.startT || (a.id < b.id ? -1 : 1));
}

/** By exact id, else the latest session with that name; the latest session when omitted. */
export async function resolveSession(db: LevelDB, idOrName?: string): Promise<SessionInfo> {
  if (idOrName !== undefined && ID_PATTERN.test(idOrName)) {
    const byId = await readSessionInfo(db, idOrName);
    if (byId) return byId;
  }
  const all = await listSessions(db);
  const matches = idOrName === undefined ? all : all.filter((s) => s.name === idOrName);
  const found = matches[matches.length - 1];
  if (!found) {
    throw new HindsightError(
      ErrorCodes.UNKNOWN_SESSION,
      idOrName === undefined ? 'the recording holds no session' : `no session with id or name ${JSON.stringify(idOrName)}`,
      { session: idOrName },
    );
  }
  return found;
}

/**
 * Runs when a directory is opened: we hold the LevelDB lock, so no writer is
 * alive, and a session still marked running died without closing.
 */
export async function markDeadSessionsCrashed(db: LevelDB): Promise<string[]> {
  const crashed: string[] = [];
  for (const s of await listSessions(db)) {
    if (s.status !== 'running') continue;
    s.status = 'crashed';
    s.endT = s.lastT;
    await db.put(sessionKey(s.id), encodeSessionInfo(s));
    crashed.push(s.id);
  }
  return crashed;
}
