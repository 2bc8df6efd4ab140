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
  const ours = (): boolean => process.listeners('unhandledRejection').includes(onRejection);
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
  // newListener fires before the program's listener is added: ours goes in just ahead of it.
  const onNewListener = (event: string | symbol, listener: unknown): void => {
    if (mayListen && event === 'unhandledRejection' && listener !== onRejection && !removed && !ours()) process.on('unhandledRejection', onRejection);
    // A listener the program prepends would run before ours and, a once() one, be gone when we
    // count: ours moves back to the front once it is in (no signal is delivered before then).
    if (listener !== onSignal && (signals as (string | symbol)[]).includes(event)) queueMicrotask(() => keepFirst(event as NodeJS.Signals));
  };
  /** Set while hindsight removes a listener of its own: that is no removal to mend. */
  let ownRemoval = false;
  const removeOurs = (event: string, listener: (...args: any[]) => void): void => {
    ownRemoval = true;
    try {
      process.removeListener(event, listener);
    } finally {
      ownRemoval = false;
    }
  };
  // removeListener fires after it is gone.
  const onRemoveListener = (event: string | symbol, listener: unknown): void => {
    if (removed || ownRemoval) return;
    if (event === 'unhandledRejection' && listener !== onRejection) {
      // Ours goes when the program's last one has (unless Node ignores whether anyone listens).
      if (!alwaysListen && process.listeners('unhandledRejection').every((l) => l === onRejection)) removeOurs('unhandledRejection', onRejection);
      return;
    }
    // The program removed one of ours (removeAllListeners(event), meant for its own): it comes
    // back at once, appended (a removal loop never revisits what it appends; a process.exit() or
    // a re-raised signal may follow at once), and signals' first in line before the next turn.
    // Once per event and turn: a program that removes until none is left must get there. (A
    // removeAllListeners() of every event ends by clearing them all: the microtask mends that.)
    const ofOurs = lasting().some(([e, l]) => e === event && l === listener) || (listener === onSignal && !exiting) || (alwaysListen && listener === onRejection);
    if (!ofOurs) return;
    if (!readded.has(event)) {
      readded.add(event);
      process.on(event, listener as () => void);
    }
    queueMicrotask(reinstall);
  };
  const readded = new Set<string | symbol>();

  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const onExit = (code: number): void => {
    if (exiting) return;
    exiting = true;
    appendLast({ kind: 'log', name: 'process.exit', data: { code } });
    finish(fatal || (uncaught && code !== 0) ? 'crashed' : 'ended');
    // Exit handlers the program registered after ours run next: no flush would come after them.
    recorder.log.writeThrough();
  };

  /** Puts ours first among the signal's listeners; `orAdd`: also when it is not there at all. */
  const keepFirst = (signal: NodeJS.Signals, orAdd = false): void => {
    const listeners = process.listeners(signal);
    if (exiting || removed || listeners[0] === onSignal || (!orAdd && !listeners.includes(onSignal))) return;
    removeOurs(signal, onSignal);
    process.prependListener(signal, onSignal);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (exiting) return;
    appendLast({ kind: 'log', name: 'process.signal', data: { signal } });
    if (process.listenerCount(signal) > 1) {
      // The program handles this signal itself (ours is the other listener): it may well go on running.
      finish('running');
      return;
    }
    exiting = true;
    removeOurs(signal, onSignal);
    finish('ended');
    // Without a listener left, the re-raised signal takes Node's default action.
    process.kill(process.pid, signal);
  };

  /** Our listeners that stay for the whole session, whatever the program does. */
  const lasting = (): [string, (...args: any[]) => void][] => [
    ['uncaughtExceptionMonitor', onUncaught],
    ['exit', onExit],
    ['newListener', onNewListener],
    ['removeListener', onRemoveListener],
    ...(mode === 'warn-with-error-code' ? [['warning', onWarning] as [string, (w: Error) => void]] : []),
  ];
  const reinstall = (): void => {
    readded.clear();
    if (removed) return;
    for (const [event, listener] of lasting()) if (!listenersOf(event).includes(listener)) process.on(event, listener);
    if (alwaysListen && !ours()) process.on('unhandledRejection', onRejection);
    if (!exiting) for (const s of signals) keepFirst(s, true);
  };

  for (const [event, listener] of lasting()) process.on(event, listener);
  if (alwaysListen || (mayListen && process.listenerCount('unhandledRejection') > 0)) process.on('unhandledRejection', onRejection);
  // A removal hindsight cannot hear of (the program's removeAllListeners('removeListener')) is
  // mended when the log next seals a block.
  const unhookSeal = recorder.log.beforeSeal(reinstall);
  // First in line, so a program's own once() handler is still registered when
  // we look (it removes itself when it runs): we must not re-raise over it.
  for (const s of signals) process.prependListener(s, onSignal);

  return () => {
    removed = true;
    unhookSeal();
    for (const [event, listener] of lasting()) process.removeListener(event, listener);
    process.removeListener('unhandledRejection', onRejection);
    for (const s of signals) process.removeListener(s, onSignal);
  };
}

/** process.listeners for any event name (its typings list the signals and a few names only). */
function listenersOf(event: string): unknown[] {
  return process.listeners(event as NodeJS.Signals);
}

/** A thrown non-Error as text; String() itself throws for a null-prototype object. */
function describe(thrown: unknown): string {
  try {
    return String(thrown);
  } catch {
    return Object.prototype.toString.call(thrown);
  }
}
