/** What `hindsight/register` does in a process, decided from its environment (documented in register.ts). */
import { basename, join } from 'node:path';
import { DEFAULT_INSTRUMENTATIONS, type InstrumentationName, type StartRecordingOptions } from './startRecording.js';

export interface RegisterPlan {
  enabled: boolean;
  /** Why recording is off, when it is. */
  reason?: string;
  options: StartRecordingOptions;
}

/** The recording directory when HINDSIGHT_DIR is unset, relative to the working directory. */
export const DEFAULT_DIR = '.hindsight';

const truthy = (v: string | undefined): boolean => v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());
const list = (v: string | undefined): string[] | undefined =>
  v === undefined || v.trim() === '' ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean);

/** What register does in this process, from the environment (pure: tests call it). */
export function planFromEnv(env: NodeJS.ProcessEnv, pid: number, mainThread: boolean, argv: string[]): RegisterPlan {
  const options: StartRecordingOptions = {};
  if (truthy(env.HINDSIGHT_DISABLED)) return { enabled: false, reason: 'HINDSIGHT_DISABLED', options };
  if (!mainThread) return { enabled: false, reason: 'worker thread', options };
  const base = env.HINDSIGHT_DIR || DEFAULT_DIR;
  const root = env.HINDSIGHT_ROOT_PID;
  const isChild = root !== undefined && root !== String(pid);
  if (isChild && (env.HINDSIGHT_CHILDREN ?? 'own') === 'skip') return { enabled: false, reason: 'child process (HINDSIGHT_CHILDREN=skip)', options };
  options.dir = isChild ? join(base, 'children', String(pid)) : base;
  options.name = env.HINDSIGHT_SESSION || (argv[1] ? basename(argv[1]) : 'node');
  const interval = env.HINDSIGHT_SNAPSHOT_INTERVAL_MS;
  if (interval !== undefined && interval.trim() !== '' && Number.isFinite(Number(interval)) && Number(interval) >= 0) {
    options.snapshots = { automaticInterval: Number(interval) };
  }
  const instr = list(env.HINDSIGHT_INSTRUMENTATIONS);
  if (instr) options.instrumentations = instr.includes('none') ? [] : (instr.filter((n) => (DEFAULT_INSTRUMENTATIONS as readonly string[]).includes(n)) as InstrumentationName[]);
  const deny = list(env.HINDSIGHT_REDACT_DENY);
  const allow = list(env.HINDSIGHT_REDACT_ALLOW);
  if (deny || allow) options.redact = { deny, allow };
  if (truthy(env.HINDSIGHT_CAPTURE_CONSOLE)) options.captureConsole = true;
  return { enabled: true, options };
}
