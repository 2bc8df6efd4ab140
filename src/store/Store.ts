import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AbstractLevel } from 'abstract-level';
import { Level } from 'level';
import { MemoryLevel } from 'memory-level';
import { ErrorCodes, HindsightError } from '../errors.js';
import { recoverSpills, type SpillRecovery } from './SpillFile.js';
import { markDeadSessionsCrashed } from './Sessions.js';

/** The LevelDB surface hindsight uses: binary keys and values. */
export type LevelDB = AbstractLevel<Buffer | Uint8Array | string, Buffer, Buffer>;

export type StoreOptions =
  | { dir: string; create?: boolean }
  | { memory: true };

/** One opened recording directory (or in-memory database). */
export interface Store {
  readonly db: LevelDB;
  /** Absolute directory on disk; undefined for the memory backend. */
  readonly dir: string | undefined;
  /** What was folded in from spill files left by a process that died. */
  readonly recovered: SpillRecovery[];
  /** Sessions found still marked running at open (their writer died) and now marked crashed. */
  readonly crashedSessions: string[];
  close(): Promise<void>;
}

const OWNER_FILE = 'hindsight.pid';

export async function openStore(options: StoreOptions): Promise<Store> {
  if ('memory' in options) {
    const db = new MemoryLevel({ keyEncoding: 'buffer', valueEncoding: 'buffer' }) as unknown as LevelDB;
    await db.open();
    return { db, dir: undefined, recovered: [], crashedSessions: [], close: () => db.close() };
  }
  const dir = resolve(options.dir);
  if (options.create === false && !existsSync(join(dir, 'CURRENT'))) {
    throw new HindsightError(ErrorCodes.NOT_FOUND, `no recording at ${dir}`, { dir });
  }
  mkdirSync(dir, { recursive: true });
  // level's Level is classic-level's LevelDB binding on Node.
  const db = new Level(dir, {
    keyEncoding: 'buffer',
    valueEncoding: 'buffer',
    // Blocks are already lz4-compressed; Snappy on top only costs CPU.
    compression: false,
  }) as unknown as LevelDB;
  try {
    await db.open();
  } catch (err: any) {
    if (err?.cause?.code === 'LEVEL_LOCKED' || err?.code === 'LEVEL_LOCKED') {
      const pid = readOwner(dir);
      throw new HindsightError(
        ErrorCodes.LOCKED,
        `recording directory ${dir} is held by ${pid ? `pid ${pid}` : 'another process'}`,
        { dir, pid },
        { cause: err },
      );
    }
    throw new HindsightError(ErrorCodes.NOT_FOUND, `cannot open recording at ${dir}: ${err?.cause?.message ?? err?.message}`, { dir }, { cause: err });
  }
  writeFileSync(join(dir, OWNER_FILE), String(process.pid));
  const recovered = await recoverSpills(db, dir);
  const crashedSessions = await markDeadSessionsCrashed(db);
  return { db, dir, recovered, crashedSessions, close: () => db.close() };
}

function readOwner(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, OWNER_FILE), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
