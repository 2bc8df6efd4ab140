/**
 * Resume: a new session starts a tracked name from the last recorded state of
 * that name in an earlier session (one that ended, or one that crashed: what
 * reached the disk is what it resumes from), and records where it came from.
 */
import type { SnapshotManager } from '../src/snapshots/SnapshotManager.js';
import { listSessions, type SessionInfo } from '../src/store/Sessions.js';
import type { Store } from '../src/store/Store.js';
import { stateAtSeq, type TrackedState } from './restore.js';

/** `'latest'`: the newest other session; otherwise a session id, or the newest other session with that name. */
export type ResumeSource = 'latest' | (string & {});

export interface ResumePoint {
  /** The session resumed from. */
  fromSession: string;
  /** Its last stored event included in the resumed state, and that event's time. */
  fromSeq: number;
  fromT: number;
  /** The last state of every name tracked there (`{ [name]: value }`). */
  state: TrackedState;
}

/** Name of the `session` event a resumed session records (data: fromSession, fromSeq, fromT, names). */
export const RESUMED_EVENT = { kind: 'session', name: 'hindsight.resumed' } as const;

/** The environment variable that turns resume on without code changes (`latest`, a session id or a name). */
export const RESUME_ENV = 'HINDSIGHT_RESUME';

export function pickSession(sessions: readonly SessionInfo[], ownSessionId: string, source: ResumeSource): SessionInfo | undefined {
  const others = sessions.filter((s) => s.id !== ownSessionId);
  if (source === 'latest') return others.at(-1);
  return others.find((s) => s.id === source) ?? others.filter((s) => s.name === source).at(-1);
}

/**
 * The last stored state of the session `source` names, or undefined when no
 * such session exists (a first run starts from its initial values).
 */
export async function loadResumePoint(store: Store, snapshots: SnapshotManager | undefined, ownSessionId: string, source: ResumeSource): Promise<ResumePoint | undefined> {
  const info = pickSession(await listSessions(store.db), ownSessionId, source);
  if (!info) return undefined;
  // Everything stored, not info.lastSeq: a crashed writer's metadata may lag its last flushed block.
  const at = await stateAtSeq(store, snapshots, info.id, Number.POSITIVE_INFINITY, info.startT);
  return { fromSession: info.id, fromSeq: at.seq, fromT: at.t, state: at.state };
}
