/**
 * What Node does with an unhandled rejection, and how hindsight learns of
 * one without changing that (see processHooks).
 *
 * Node's --unhandled-rejections modes (node/lib/internal/process/promises.js):
 * under throw (the default) a rejection nobody handles becomes an uncaught
 * exception, and a listener for 'unhandledRejection' counts as handling it;
 * strict raises it as an uncaught exception first; warn and none do the same
 * whether anyone listens; warn-with-error-code warns and sets exit code 1
 * unless someone listens. So under warn-with-error-code the reason is read
 * from the warnings Node emits: one carrying the reason (an Error's stack,
 * or the reason as text), then a fixed sentence ending in the rejection id.
 */

export type RejectionsMode = 'throw' | 'strict' | 'warn' | 'none' | 'warn-with-error-code';

const MODES: readonly string[] = ['throw', 'strict', 'warn', 'none', 'warn-with-error-code'];

/** Node accepts either spelling of an option name. */
const OPTION = /^--unhandled[-_]rejections(?:=(.*))?$/;

/**
 * The --unhandled-rejections mode the program runs under: the command line
 * wins over NODE_OPTIONS (the last one given in each), and Node's default is
 * throw.
 */
export function rejectionsMode(execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env.NODE_OPTIONS ?? ''): RejectionsMode {
  const mode = modeIn(execArgv) ?? modeIn(splitNodeOptions(nodeOptions));
  return mode !== undefined && MODES.includes(mode) ? (mode as RejectionsMode) : 'throw';
}

function modeIn(args: readonly string[]): string | undefined {
  let mode: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const m = OPTION.exec(args[i]);
    if (m) mode = m[1] ?? args[++i];
  }
  return mode;
}

/** NODE_OPTIONS as Node splits it: on spaces, except inside double quotes, which are dropped (a backslash escapes within them). */
export function splitNodeOptions(text: string): string[] {
  const out: string[] = [];
  let token = '';
  let started = false;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '\\' && i + 1 < text.length) token += text[++i];
    else if (c === '"') {
      quoted = !quoted;
      started = true;
    } else if (c === ' ' && !quoted) {
      if (started) out.push(token);
      token = '';
      started = false;
    } else {
      token += c;
      started = true;
    }
  }
  if (started) out.push(token);
  return out;
}

/** The warning Node emits after the one carrying a rejection's reason. */
const GENERIC = /^Unhandled promise rejection\. This error originated either by .*\(rejection id: \d+\)$/s;

/**
 * Pairs Node's two warnings per unhandled rejection: the reason, then the
 * fixed sentence. A reason is passed on only once its sentence follows, so
 * a program's own warning under that name is not taken for a rejection.
 */
export class RejectionWarnings {
  private pending: string | undefined;

  constructor(private readonly onReason: (reason: unknown) => void) {}

  see(warning: unknown): void {
    if (!(warning instanceof Error) || warning.name !== 'UnhandledPromiseRejectionWarning' || typeof warning.message !== 'string') return;
    // Only what follows a reason can be the sentence: a reason may read like it.
    if (this.pending === undefined || !GENERIC.test(warning.message)) {
      this.pending = warning.message;
      return;
    }
    const reason = this.pending;
    this.pending = undefined;
    this.onReason(reasonFromWarning(reason));
  }
}

/**
 * The reason of a rejection as the warning tells it: an Error's stack
 * ("Name: message", or "Name [CODE]: message" for Node's own errors, then
 * the frames) becomes an Error again, anything else stays the text it was
 * printed as.
 */
export function reasonFromWarning(text: string): unknown {
  const at = text.indexOf('\n    at ');
  const head = /^([A-Za-z_$][\w$]*)(?: \[([\w$]+)\])?(?:: ([^]*))?$/.exec(at < 0 ? '' : text.slice(0, at));
  if (head === null) return text;
  const err = new Error(head[3] ?? '') as Error & { code?: string };
  err.name = head[1];
  if (head[2] !== undefined) err.code = head[2];
  err.stack = text;
  return err;
}
