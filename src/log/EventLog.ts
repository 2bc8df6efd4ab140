import { existsSync, renameSync, unlinkSync } from 'node:fs';
import type { Packr } from 'msgpackr';
import { AnchoredClock, type Clock } from '../Clock.js';
import { ErrorCodes, HindsightError } from '../errors.js';
import { LOG_EVENT_NAMES, type EventInput } from '../events.js';
import { createPackr, packStandalone } from '../codec/ValueCodec.js';
import { blockInfo, compressBlock, compressBlockSync, packBlockSafely, type BlockInfo, type PackedBlock } from '../codec/BlockCodec.js';
import { PackBuffers } from '../codec/PackBuffers.js';
import { blockKey, sessionKey, structuresKey, timeKey } from '../store/keys.js';
import { encodeSessionInfo, newSessionId, newSessionInfo, validateSessionId, type SessionInfo, type SessionStatus } from '../store/Sessions.js';
import { appendSpill, foldOps, readSpill, spillPath, type PutOp } from '../store/SpillFile.js';
import type { Store } from '../store/Store.js';
import { OpenBlock } from './OpenBlock.js';
import { positiveInt, type EventLogOptions, type EventLogStats, type OverflowPolicy } from './options.js';
import { holdReport, isPacking, releaseHeldReports, whilePacking } from './packingGuard.js';

export type { EventLogOptions, EventLogStats, OverflowPolicy } from './options.js';

interface Sealed {
  info: BlockInfo;
  packed: PackedBlock;
  value?: Buffer;
}

/**
 * The recording side of the event log. append() is the hot path: it stamps
 * seq and t, stores the event in the open block and returns. Encoding, compression
 * and LevelDB batches happen in a write loop that groups whatever blocks are
 * sealed into one batch (group commit).
 */
export class EventLog {
  readonly sessionId: string;
  readonly store: Store;
  private readonly info: SessionInfo;
  private readonly clock: Clock;
  private readonly packr: Packr;
  private readonly structures: unknown[] = [];
  private readonly buffers = new PackBuffers();
  /** How many shared structures a successful batch has stored (spills do not count). */
  private structuresSaved = 0;
  private readonly blockEvents: number;
  private readonly flushMs: number;
  private readonly maxPending: number;
  private readonly overflow: OverflowPolicy;
  private readonly onError: (err: Error) => void;

  private readonly open: OpenBlock;
  private currentFirstSeq = 1;
  private nextSeq = 1;
  private lastT = 0;
  private sealed: Sealed[] = [];
  private inflight: Sealed[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private droppedUnreported = 0;
  private closing = false;
  /** Waiters woken after every batch the writer finishes (and when it stops). */
  private progress: (() => void)[] = [];
  private closed = false;
  private spilled = false;
  /** Set by writeThrough: the process is exiting. */
  private throughSync = false;
  private spillGeneration = 0;
  /** Called before each block is taken for packing (see beforeSeal). */
  private readonly sealHooks = new Set<() => void>();
  private runningSealHooks = false;
  private readonly counters: EventLogStats = { appended: 0, dropped: 0, lost: 0, written: 0, blocks: 0, bytesWritten: 0, pending: 0, errors: 0, encodeMs: 0 };

  private constructor(store: Store, options: EventLogOptions) {
    this.store = store;
    this.clock = options.clock ?? new AnchoredClock();
    const startT = this.nowUs();
    this.sessionId = options.sessionId ?? newSessionId(startT);
    validateSessionId(this.sessionId);
    this.info = newSessionInfo(this.sessionId, options.name ?? 'session', startT);
    this.lastT = startT;
    this.blockEvents = positiveInt(options.blockEvents ?? 2048, 'blockEvents');
    this.flushMs = positiveInt(options.flushIntervalMillis ?? 50, 'flushIntervalMillis');
    this.maxPending = positiveInt(options.maxPendingEvents ?? 262_144, 'maxPendingEvents');
    this.overflow = options.overflow ?? 'drop';
    if (this.overflow !== 'drop' && this.overflow !== 'wait') {
      throw new HindsightError(ErrorCodes.INVALID_ARGUMENT, `overflow must be 'drop' or 'wait', got ${String(this.overflow)}`);
    }
    if (this.overflow === 'wait' && !store.dir) {
      throw new HindsightError(ErrorCodes.INVALID_ARGUMENT, "overflow 'wait' needs a disk store (it spills to a file)");
    }
    this.onError = options.onError ?? (() => {});
    this.open = new OpenBlock(this.blockEvents);
    this.packr = createPackr(this.structures);
  }

  /** Opens a new session in `store` and records its metadata. */
  static async create(store: Store, options: EventLogOptions = {}): Promise<EventLog> {
    const log = new EventLog(store, options);
    if (await store.db.get(sessionKey(log.sessionId))) {
      throw new HindsightError(ErrorCodes.INVALID_ARGUMENT, `session ${log.sessionId} already exists`);
    }
    await store.db.put(sessionKey(log.sessionId), encodeSessionInfo(log.info));
    return log;
  }

  get session(): Readonly<SessionInfo> {
    return this.info;
  }

  /** Seq of the last accepted event (0 before any). */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /** t of the last accepted event (the session start before any). */
  get lastEventT(): number {
    return this.lastT;
  }

  /** The time append would stamp now (it never goes back before the last event's). */
  now(): number {
    const t = this.nowUs();
    return t < this.lastT ? this.lastT : t;
  }

  /**
   * Runs `hook` before each block is taken for packing, on every path
   * (block full, timer, flush, flushSync, close): what it appends goes into
   * that block. The span processor announces there the spans still open,
   * so a reader finds every span open at an event within the event's own
   * block. Returns the function that removes the hook.
   */
  beforeSeal(hook: () => void): () => void {
    this.sealHooks.add(hook);
    return () => this.sealHooks.delete(hook);
  }

  stats(): EventLogStats {
    return { ...this.counters, pending: this.pendingCount() };
  }

  /**
   * Records one event; returns its seq, or -1 when it was refused (closed or
   * overflowing). The log takes ownership of `input` and its data until they
   * are encoded: producers pass fresh objects nobody mutates afterwards
   * (tracked state, record() and the span processor do), which spares a
   * copy per event. A kind, name or id that is not a string (from untyped
   * JavaScript) is stored as String(value), a null id as absent.
   */
  append(input: EventInput): number {
    if (this.closing) return this.refuse();
    // Untyped JavaScript may pass anything: packed, a non-object would take its whole block down.
    if (typeof input !== 'object' || input === null) return this.reject(input);
    if (this.counters.appended - this.counters.written - this.counters.lost >= this.maxPending && !this.makeRoom()) return this.refuse();
    const t = this.now();
    this.lastT = t;
    const seq = this.nextSeq++;
    this.counters.appended++;
    // What a seal hook appends joins the block being sealed, however full.
    if (this.open.push(input, t) >= this.blockEvents && !this.runningSealHooks) this.seal();
    else if (this.timer === undefined) this.armTimer();
    if (this.throughSync) this.flushSync();
    return seq;
  }

  /** Whole µs from the clock: a custom Clock may hand out fractions, and blocks store integer gaps. */
  private nowUs(): number {
    return Math.floor(this.clock.nowUs());
  }

  /** Resolves once everything appended before the call is in LevelDB (or counted lost). */
  async flush(): Promise<void> {
    const target = this.counters.appended;
    // Called by a getter while a block is packed: that block is in no queue
    // yet; it is sealed before any continuation runs.
    if (isPacking()) await null;
    this.seal();
    this.startWriter();
    // Wait for these events only, batch by batch: under sustained load the writer never idles.
    while (this.writing && (this.counters.written + this.counters.lost < target || this.spilled)) {
      await new Promise<void>((resolve) => this.progress.push(resolve));
    }
  }

  /**
   * The synchronous path for process.on('exit') and fatal handlers: writes
   * everything not yet acknowledged by LevelDB to the session's spill file
   * with blocking fs calls. The next open of the directory folds it in.
   */
  flushSync(status: SessionStatus = 'running'): void {
    if (!this.store.dir) return;
    // From a getter while a block is packed, spilling would pack over that
    // block. Unless the program is ending (an exit or fatal path passes the
    // final status): then that packing never resumes, and everything else
    // must still reach the disk.
    if (isPacking() && status === 'running') {
      holdReport(() => this.report(new HindsightError(ErrorCodes.WRITE_FAILED, 'flushSync() called while a block is being encoded (from a getter in event data): skipped')));
      return;
    }
    try {
      // seal() would leave the open block to the packing that never resumes.
      if (isPacking()) this.encodeOpen();
      else this.seal();
      const notCompressing = this.sealed;
      const pendingBlocks = [...this.inflight, ...notCompressing];
      this.inflight = [];
      this.sealed = [];
      if (status !== 'running') {
        this.info.status = status;
        this.info.endT = this.lastT;
      }
      try {
        // Structures always go with a spill: it may be all that survives.
        const { ops } = this.opsFor(pendingBlocks, (b) => b.value ?? compressBlockSync(b.info, b.packed), true);
        appendSpill(spillPath(this.store.dir, this.sessionId), ops);
        this.spilled = true;
        this.spillGeneration++;
        for (const b of pendingBlocks) this.counters.written += b.info.count;
      } catch (err) {
        this.markLost(pendingBlocks);
        throw err;
      } finally {
        // An inflight block's buffer is still read by its compression: the writer gives it back.
        for (const b of notCompressing) this.release(b);
      }
    } catch (err) {
      this.report(err);
    }
  }

  /**
   * From now on (until `writeThrough(false)`) every append is written at
   * once with flushSync: the process is exiting, or may die at any moment
   * (a signal re-raised by the program), and what is recorded until then
   * must still reach the disk (no timer or writer runs again).
   */
  writeThrough(on = true): void {
    this.throughSync = on;
  }

  /**
   * The program outlived the end status a flushSync wrote (a signal it
   * handled and survived): the session is running again, and says so on
   * disk at once.
   */
  resume(): void {
    if (this.closing || this.info.status === 'running') return;
    this.info.status = 'running';
    delete this.info.endT;
    this.flushSync();
  }

  /** Flushes, marks the session ended (or as given) and stops accepting events. */
  async close(status: Exclude<SessionStatus, 'running'> = 'ended'): Promise<void> {
    if (this.closing) return;
    // From here on append refuses: nothing is accepted that close would not write.
    this.closing = true;
    await this.flush();
    this.closed = true;
    // Nothing is appended any more: the block arrays go (a log object may outlive its session).
    this.open.clear();
    this.buffers.clear();
    this.info.status = status;
    this.info.endT = this.lastT;
    this.info.dropped = this.counters.dropped;
    await this.store.db.put(sessionKey(this.sessionId), encodeSessionInfo(this.info));
  }

  private pendingCount(): number {
    return this.counters.appended - this.counters.written - this.counters.lost;
  }

  private refuse(): number {
    this.counters.dropped++;
    this.droppedUnreported++;
    return -1;
  }

  /** Not an event object: refused and reported (INVALID_ARGUMENT), the open block untouched. */
  private reject(input: unknown): number {
    const err = new HindsightError(ErrorCodes.INVALID_ARGUMENT, `append() takes an event object, got ${input === null ? 'null' : typeof input}`);
    // onError may append or flush: not while a block is packed.
    if (isPacking()) holdReport(() => this.report(err));
    else this.report(err);
    return -1;
  }

  /** Overflow: with 'wait', write the backlog synchronously so the event fits. */
  private makeRoom(): boolean {
    if (this.overflow !== 'wait') return false;
    // A getter appending while a block is packed cannot spill (see packingGuard):
    // its events are kept, over the cap, until the packing ends.
    if (isPacking()) return true;
    this.flushSync();
    return this.pendingCount() < this.maxPending;
  }

  private armTimer(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.seal();
    }, this.flushMs);
    // The recorder never keeps a finished program alive.
    this.timer.unref();
  }

  private seal(): void {
    // Appends made by a getter while a block is packed wait in the open block: this
    // log's loop below takes them, another log's flush timer does.
    if (isPacking()) {
      if (this.timer === undefined && this.open.count > 0) this.armTimer();
      return;
    }
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.encodeOpen();
    this.startWriter();
  }

  /** Packs the open block, and what is appended meanwhile, the seal hooks running before each block is taken. */
  private encodeOpen(): void {
    for (;;) {
      // Also with nothing open: a flush or exit announces the spans open then.
      if (this.sealHooks.size > 0) this.runSealHooks();
      if (this.open.count === 0) return;
      this.encodeCurrent();
    }
  }

  private encodeCurrent(): void {
    // Appends made by a getter while this block is packed go to the other arrays.
    const block = this.open.take();
    const info = blockInfo(block, this.currentFirstSeq);
    this.currentFirstSeq += block.times.length;
    let packed: PackedBlock | undefined;
    let failure: unknown;
    // Encoded at once, in seq order (shared structures grow in that order):
    // the event objects die young instead of being promoted while they wait
    // for the writer, which cut GC time by about half on the benchmark mix.
    const started = performance.now();
    try {
      packed = whilePacking(() => packBlockSafely(this.packr, this.structures, block, this.buffers));
    } catch (err) {
      failure = err;
    } finally {
      this.open.done(block);
    }
    // Reported once the packing is over: onError may append or flush.
    releaseHeldReports();
    if (packed === undefined) {
      this.markLost([{ info }]);
      this.report(failure);
      return;
    }
    this.counters.encodeMs += performance.now() - started;
    this.sealed.push({ info, packed });
  }

  private runSealHooks(): void {
    if (this.runningSealHooks) return;
    this.runningSealHooks = true;
    try {
      for (const hook of this.sealHooks) {
        try {
          hook();
        } catch (err) {
          this.report(err);
        }
      }
    } finally {
      this.runningSealHooks = false;
    }
  }

  private startWriter(): void {
    if (!this.writing && (this.sealed.length > 0 || this.spilled)) this.writing = this.writeLoop();
  }

  private wake(): void {
    const waiters = this.progress;
    this.progress = [];
    for (const w of waiters) w();
  }

  /** Gives a block's buffer back to the pool once its packed bytes are read no more (see PackBuffers.give). */
  private release(b: Sealed, reuse = true): void {
    const buffer = b.packed.buffer;
    if (buffer === undefined) return;
    b.packed.buffer = undefined;
    this.buffers.give(buffer, reuse);
  }

  /** Events that will never be stored: counted, and their seq ranges kept in the session metadata. */
  private markLost(blocks: { info: BlockInfo }[]): void {
    for (const b of blocks) {
      this.counters.lost += b.info.count;
      (this.info.lost ??= []).push([b.info.firstSeq, b.info.lastSeq]);
    }
  }

  private async writeLoop(): Promise<void> {
    try {
      while (this.sealed.length > 0 || this.spilled) {
        // Folding runs here, between batches, so no batch races it.
        if (this.sealed.length === 0) {
          await this.foldOwnSpill();
          this.wake();
          continue;
        }
        const blocks = this.sealed;
        this.sealed = [];
        this.inflight = blocks;
        try {
          // lz4 runs on the libuv pool, all blocks of the batch in parallel.
          await Promise.all(
            blocks.map(async (b) => {
              try {
                b.value = await compressBlock(b.info, b.packed);
              } catch (err) {
                // flushSync may still take this block over and compress its bytes.
                this.release(b, false);
                throw err;
              }
              this.release(b);
            }),
          );
          if (this.inflight !== blocks) continue; // flushSync took them over
          const { ops, structures } = this.opsFor(blocks, (b) => b.value!);
          await this.store.db.batch(ops.map(([key, value]) => ({ type: 'put' as const, key, value })));
          this.structuresSaved = Math.max(this.structuresSaved, structures);
          if (this.inflight !== blocks) continue;
          this.inflight = [];
          for (const b of blocks) {
            this.counters.written += b.info.count;
            this.counters.blocks++;
            this.counters.bytesWritten += b.value!.length;
          }
        } catch (err) {
          if (this.inflight === blocks) {
            this.inflight = [];
            this.markLost(blocks);
          }
          this.report(err);
        }
        this.reportDrops();
        this.wake();
      }
    } finally {
      this.writing = undefined;
      this.wake();
    }
  }

  /**
   * The put operations that store `blocks`, plus session metadata and the
   * shared structures when some are not stored yet (or `withStructures`).
   */
  private opsFor(blocks: Sealed[], valueOf: (b: Sealed) => Buffer, withStructures = false): { ops: PutOp[]; structures: number } {
    const ops: PutOp[] = [];
    for (const b of blocks) {
      const value = valueOf(b);
      b.value = value;
      ops.push([blockKey(this.sessionId, b.info.firstSeq), value]);
      ops.push([timeKey(this.sessionId, b.info.firstT, b.info.firstSeq), Buffer.alloc(0)]);
    }
    const structures = this.structures.length;
    if (withStructures || structures > this.structuresSaved) {
      // In the same batch as the first block that uses them; marked saved only once the batch lands.
      ops.push([structuresKey(this.sessionId), packStandalone(this.structures.slice())]);
    }
    const last = blocks[blocks.length - 1];
    if (last) {
      this.info.lastSeq = Math.max(this.info.lastSeq, last.info.lastSeq);
      this.info.lastT = Math.max(this.info.lastT, last.info.lastT);
      this.info.eventCount = this.info.lastSeq;
    }
    this.info.dropped = this.counters.dropped;
    ops.push([sessionKey(this.sessionId), encodeSessionInfo(this.info)]);
    return { ops, structures };
  }

  /** Once the writer has caught up, the drop count goes into the log itself. */
  private reportDrops(): void {
    if (this.droppedUnreported === 0 || this.closing || this.pendingCount() >= this.maxPending / 2) return;
    const count = this.droppedUnreported;
    this.droppedUnreported = 0;
    this.append({ kind: 'log', name: LOG_EVENT_NAMES.dropped, data: { count, total: this.counters.dropped } });
  }

  /** Moves the spill file aside first, so frames spilled during the fold go to a new file. */
  private async foldOwnSpill(): Promise<void> {
    const generation = this.spillGeneration;
    if (this.store.dir) {
      const file = spillPath(this.store.dir, this.sessionId);
      if (existsSync(file)) {
        const folding = `${file}.folding`;
        renameSync(file, folding);
        try {
          await foldOps(this.store.db, readSpill(folding).ops);
          unlinkSync(folding);
        } catch (err) {
          this.report(err);
        }
      }
    }
    // Frames spilled during the fold went to a new file: fold that one too.
    if (generation === this.spillGeneration) this.spilled = false;
  }

  private report(err: unknown): void {
    this.counters.errors++;
    const e = err instanceof Error ? err : new Error(String(err));
    try {
      this.onError(e instanceof HindsightError ? e : new HindsightError(ErrorCodes.WRITE_FAILED, e.message, {}, { cause: e }));
    } catch {
      // A throwing onError must not take the recorder (or the host) down.
    }
  }
}
