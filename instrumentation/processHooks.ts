/**
 * Crash safety: what a recording keeps when the program ends, however it ends.
 *
 * - Uncaught exceptions and unhandled rejections (Node's default 'throw'
 *   mode turns those into uncaught exceptions when nothing listens for
 *   them; while the program listens, so do we) are seen through
 *   'uncaughtExceptionMonitor', which observes without changing anything:
 *   Node then prints the same message and exits with the same code as
 *   without hindsight. When the program has its own 'uncaughtException'
 *   handler or a capture callback, the error is recorded, written at once
 *   (the handler may rethrow, which ends Node without an 'exit' event), and
 *   the program goes on.
 * - SIGINT / SIGTERM: a listener is what stops Node's default action, so
 *   ours flushes, removes itself and re-raises the signal; the exit status
 *   is the signal's. When the program listens too, it decides (we only
 *   flush, and stay: a graceful shutdown that re-raises the signal once its
 *   own listener is gone is flushed and re-raised like any other).
 * - Under --unhandled-rejections=warn or none, Node ignores whether anyone
 *   listens for 'unhandledRejection', so ours always does. Under
 *   warn-with-error-code a listener would silence the warning and the exit
 *   code: the rejection is read from the warning Node prints instead.
 * - 'exit' (process.exit() included) writes everything with flushSync, and
 *   the session ends `ended`, or `crashed` after a fatal error or an exit
 *   with a non-zero code after an uncaught exception the program handled
 *   (a handler that logs and exits). What the program's own exit handlers
 *   record after ours is written as it comes; one of them throwing is
 *   recorded and ends the session crashed. A program that removes our
 *   listeners (removeAllListeners, for its own) gets them back. SIGKILL
 *   gives no chance: the next open of the directory marks the session
 *   crashed, and the events not yet flushed (one flush window) are lost.
 */
import type { EventInput } from '../src/events.js';
import { otelActiveContext } from '../src/tracking/TrackerCore.js';
import { copyValue } from '../src/values/copyValue.js';
import type { Recorder } from './Recorder.js';
import { RejectionWarnings, rejectionsMode, type RejectionsMode } from './rejections.js';

export interface ProcessHooksOptions {
  /** Signals flushed then re-raised (default SIGINT, SIGTERM). */
  signals?: NodeJS.Signals[];
  onError?: (err: unknown) => void;
  /** How Node treats unhandled rejections (default: read from the command line and NODE_OPTIONS). */
  rejections?: RejectionsMode;
}

/** Installs the hooks for `recorder`; returns the function that removes them. */
export function installProcessHooks(recorder: Recorder, options: ProcessHooksOptions = {}): () => void {
  const onError = options.onError ?? (() => {});
  const mode = options.rejections ?? rejectionsMode();
  // In these modes Node does the same whether or not anyone listens for 'unhandledRejection';
  // under strict the monitor sees every rejection first (ours would record it twice).
  const alwaysListen = mode === 'warn' || mode === 'none';
  const mayListen = mode !== 'strict';
  let fatal = false;
  let uncaught = false;
  /** The exit hook ran, or a signal is being re-raised: the session's end is written. */
  let exiting = false;
  let removed = false;

  const finish = (status: 'ended' | 'crashed' | 'running'): void => {
    try {
      recorder.log.flushSync(status);
    } catch (err) {
      onError(err);
    }
  };

  /** The end of a program is worth its place: over the memory cap, the backlog is spilled first to make room. */
  const appendLast = (event: EventInput): void => {
    if (recorder.log.append(event) < 0) {
      finish('running');
      recorder.log.append(event);
    }
  };

  const onUncaught = (err: unknown, origin: string, byProgram = false): void => {
    if (removed) return;
    uncaught = true;
    // A listener or a capture callback (domains, REPLs) keeps the program alive.
    const handled = byProgram || process.listenerCount('uncaughtException') > 0 || process.hasUncaughtExceptionCaptureCallback();
    try {
      const ctx = otelActiveContext();
      const e = err instanceof Error ? err : undefined;
      appendLast({
        kind: 'error',
        name: e?.name ?? 'Error',
        // Anything can be thrown: a non-Error keeps its value (a copy) beside a message.
        data: e ? { message: e.message, stack: e.stack, origin, fatal: !handled } : { message: describe(err), value: copyValue(err), origin, fatal: !handled },
        traceId: ctx?.traceId,
        spanId: ctx?.spanId,
      });
    } catch (e) {
      onError(e);
    }
    // A handled error is recorded and the program goes on; a fatal one ends the session now
    // (thrown by an exit handler too: the session was written ended, and is not).
    if (!handled) fatal = true;
    finish(fatal ? 'crashed' : 'running');
  };

  // Under throw (the default) Node turns an unhandled rejection into an uncaught exception (seen
  // above) only when nothing listens for 'unhandledRejection': a listener of ours would change
  // that. So ours listens only while the program has one of its own, and records what the
  // program's handler is given; under warn and none, always.
  const onRejection = (reason: unknown): void => onUncaught(reason, 'unhandledRejection', true);
  const ours = (): boolean => installed('unhandledRejection', onRejection);
  // Under warn-with-error-code a listener would silence the warning and the exit code 1: the
  // reason is read from the warnings Node emits when nobody handled the rejection.
  const warnings = new RejectionWarnings(onRejection);
  const onWarning = (warning: unknown): void => {
    try {
      warnings.see(warning);
    } catch (err) {
      onError(err);
    }
  };
  const isSignal = (event: string | symbol): event is NodeJS.Signals => (signals as (string | symbol)[]).includes(event);
  const isOurs = (event: string | symbol, listener: unknown): boolean =>
    lasting.some(([e, l]) => e === event && l === listener) || (listener === onSignal && isSignal(event)) || (alwaysListen && listener === onRejection);
  // newListener fires before the listener is added.
  const onNewListener = (event: string | symbol, listener: unknown): void => {
    // The program's first: ours goes in just ahead of it.
    if (mayListen && event === 'unhandledRejection' && listener !== onRejection && !removed && !ours()) process.on('unhandledRejection', onRejection);
    // A listener the program prepends would run before ours and, a once() one, be gone when we
    // count: ours moves back to the front once it is in (no signal is delivered before then).
    if (listener !== onSignal && isSignal(event)) queueMicrotask(() => keepFirst(event));
    // Ours put back by the program (listeners it saved and restores) while we had put it back
    // already: one copy stays (two would record an error twice).
    if (isOurs(event, listener) && installed(event as string, listener)) queueMicrotask(() => dedupe(event as string, listener as Listener));
  };
  /** What hindsight is removing of its own right now: that is no removal to mend. */
  let ownRemoval: { event: string | symbol; listener: unknown } | undefined;
  /** Removes every copy of one of our listeners. */
  const removeOurs = (event: string, listener: Listener): void => {
    const outer = ownRemoval;
    ownRemoval = { event, listener };
    try {
      while (installed(event, listener)) process.removeListener(event, listener);
    } finally {
      ownRemoval = outer;
    }
  };
  const dedupe = (event: string, listener: Listener): void => {
    if (removed || copiesOf(event, listener) < 2) return;
    removeOurs(event, listener);
    if (listener === onSignal) keepFirst(event as NodeJS.Signals, true);
    else process.on(event, listener);
  };
  // removeListener fires after it is gone.
  const onRemoveListener = (event: string | symbol, listener: unknown): void => {
    if (removed || (ownRemoval?.event === event && ownRemoval.listener === listener)) return;
    if (event === 'unhandledRejection' && listener !== onRejection) {
      // Ours goes when the program's last one has (unless Node ignores whether anyone listens).
      if (!alwaysListen && process.listeners('unhandledRejection').every((l) => l === onRejection)) removeOurs('unhandledRejection', onRejection);
      return;
    }
    // The program removed one of ours (removeAllListeners(event), meant for its own): it comes
    // back at once, appended (a removal loop never revisits what it appends; a process.exit() or
    // a re-raised signal may follow at once), and signals' first in line before the next turn.
    // A few times per event and turn: a program that removes until none is left must get there.
    // (A removeAllListeners() of every event ends by clearing them all: the microtask mends that.)
    if (!isOurs(event, listener) || (listener === onSignal && (exiting || steppedAside.has(event as NodeJS.Signals)))) return;
    const times = readded.get(event) ?? 0;
    if (times < READD_PER_TURN) {
      readded.set(event, times + 1);
      if (!installed(event as string, listener)) process.on(event, listener as Listener);
    }
    queueMicrotask(() => reinstall());
  };
  /** Events whose listener of ours was put back this turn, and how often. */
  const readded = new Map<string | symbol, number>();

  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const onExit = (code: number): void => {
    if (exiting) return;
    exiting = true;
    appendLast({ kind: 'log', name: 'process.exit', data: { code } });
    finish(fatal || (uncaught && code !== 0) ? 'crashed' : 'ended');
    // Exit handlers the program registered after ours run next: no flush would come after them.
    recorder.log.writeThrough();
  };

  /** Puts ours first, and once, among the signal's listeners; `orAdd`: also when it is not there at all. */
  const keepFirst = (signal: NodeJS.Signals, orAdd = false): void => {
    const copies = copiesOf(signal, onSignal);
    if (exiting || removed || steppedAside.has(signal) || (process.listeners(signal)[0] === onSignal && copies === 1) || (!orAdd && copies === 0)) return;
    removeOurs(signal, onSignal);
    process.prependListener(signal, onSignal);
  };
  /** Signals whose listener of ours is out of the way while the program's own handle one. */
  const steppedAside = new Set<NodeJS.Signals>();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (exiting || steppedAside.has(signal)) return;
    appendLast({ kind: 'log', name: 'process.signal', data: { signal } });
    if (process.listeners(signal).some((l) => l !== onSignal)) {
      stepAside(signal);
      return;
    }
    exiting = true;
    removeOurs(signal, onSignal);
    finish('ended');
    // Without a listener left, the re-raised signal takes Node's default action.
    process.kill(process.pid, signal);
  };
  /**
   * The program handles this signal itself: it decides. Ours leaves the
   * listeners for the rest of this signal, so a listener that re-raises it
   * only when it is alone (signal-exit, behind execa and many others) sees
   * them as without hindsight. Should the program die of it now, the session
   * is written ended with all it recorded until then; if it lives on, it is
   * running again, and ours is back first in line.
   */
  const stepAside = (signal: NodeJS.Signals): void => {
    steppedAside.add(signal);
    removeOurs(signal, onSignal);
    finish('ended');
    recorder.log.writeThrough(true);
    queueMicrotask(() => {
      steppedAside.delete(signal);
      if (removed || exiting) return;
      recorder.log.writeThrough(false);
      recorder.log.resume();
      keepFirst(signal, true);
    });
  };

  /** Our listeners that stay for the whole session, whatever the program does. */
  const lasting: [string, Listener][] = [
    ['uncaughtExceptionMonitor', onUncaught],
    ['exit', onExit],
    ['newListener', onNewListener],
    ['removeListener', onRemoveListener],
    ...(mode === 'warn-with-error-code' ? [['warning', onWarning] as [string, Listener]] : []),
  ];
  /**
   * Puts in what is missing of ours (all of it, at install). From a
   * microtask, a new turn starts; from a seal (which may run inside the
   * program's own removal loop, an exit handler writing as it removes), what
   * was put back this turn is left alone.
   */
  const reinstall = (fromSeal = false): void => {
    if (!fromSeal) readded.clear();
    if (removed) return;
    for (const [event, listener] of lasting) if (!readded.has(event) && !installed(event, listener)) process.on(event, listener);
    if (alwaysListen && !readded.has('unhandledRejection') && !ours()) process.on('unhandledRejection', onRejection);
    for (const s of signals) if (!readded.has(s)) keepFirst(s, true);
  };

  // Signals' first in line, so a program's own once() handler is still registered when
  // we look (it removes itself when it runs): we must not re-raise over it.
  reinstall();
  if (mayListen && process.listenerCount('unhandledRejection') > 0 && !ours()) process.on('unhandledRejection', onRejection);
  // A removal hindsight cannot hear of (the program's removeAllListeners('removeListener')) is
  // mended when the log next seals a block.
  const unhookSeal = recorder.log.beforeSeal(() => reinstall(true));

  return () => {
    removed = true;
    unhookSeal();
    for (const [event, listener] of lasting) process.removeListener(event, listener);
    process.removeListener('unhandledRejection', onRejection);
    for (const s of signals) process.removeListener(s, onSignal);
  };
}

type Listener = (...args: any[]) => void;

/** How often per turn one of our listeners is put back at once after the program removed it. */
const READD_PER_TURN = 3;

/** How often `listener` is among the process's listeners of `event` (any name: the typings list the signals and a few others only). */
function copiesOf(event: string, listener: unknown): number {
  return process.listeners(event as NodeJS.Signals).filter((l) => l === listener).length;
}

function installed(event: string, listener: unknown): boolean {
  return copiesOf(event, listener) > 0;
}

/** A thrown non-Error as text; String() itself throws for a null-prototype object. */
function describe(thrown: unknown): string {
  try {
    return String(thrown);
  } catch {
    return Object.prototype.toString.call(thrown);
  }
}
