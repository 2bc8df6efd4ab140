#!/usr/bin/env node
/**
 * `hindsight <command> [options]`: the dispatcher. Exit codes: 0 success,
 * 1 failure (including a failed verification or a `find` that never holds),
 * 2 usage error. Every error is one line on stderr starting with its code.
 */
import { isHindsightError } from '../src/errors.js';
import { COMMON_USAGE, Context, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, parseCommandArgs, type Command } from './args.js';
import { diffCommand, eventsCommand, sessionsCommand, stateCommand } from './commands/query.js';
import { findCommand, historyCommand, spansCommand } from './commands/trace.js';
import { stepCommand } from './commands/step.js';
import { snapshotsCommand } from './commands/snapshots.js';
import { exportCommand } from './commands/export.js';
import { statsCommand, verifyCommand } from './commands/verify.js';
import { replayCommand } from './commands/replay.js';
import { viewCommand } from './commands/view.js';

const COMMANDS: Command[] = [
  sessionsCommand,
  eventsCommand,
  stateCommand,
  stepCommand,
  diffCommand,
  historyCommand,
  findCommand,
  spansCommand,
  snapshotsCommand,
  exportCommand,
  verifyCommand,
  statsCommand,
  replayCommand,
  viewCommand,
];

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `hindsight: read a time-travel recording

Usage: hindsight <command> [options]   (hindsight <command> --help for its options)

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Time expressions (--at, --from, --to): ISO-8601 up to microseconds
(2024-05-01T10:42:07.123456Z), an offset from the session start (+1.5s, +250ms,
+40us), seq:N (right after event N), or integer µs since the epoch (the t --json prints).

${COMMON_USAGE}

Exit codes: 0 success, 1 failure, 2 usage error.`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? process.stderr : process.stdout).write(`${mainHelp()}\n`);
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  let ctx: Context | undefined;
  try {
    if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)} (hindsight --help lists them)`);
    const { values, positionals } = parseCommandArgs(command, rest);
    if (values.help === true) {
      process.stdout.write(`${command.usage}\n`);
      return EXIT_OK;
    }
    ctx = new Context(values, positionals);
    const code = (await command.run(ctx)) ?? EXIT_OK;
    await ctx.close();
    return code;
  } catch (err) {
    ctx?.out.clearProgress();
    await ctx?.close().catch(() => {});
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n`);
      return EXIT_USAGE;
    }
    if (isHindsightError(err)) {
      process.stderr.write(`${err.message}\n`);
      if (process.env.HINDSIGHT_DEBUG) process.stderr.write(`${err.stack}\n`);
      return EXIT_FAILURE;
    }
    // Not one of ours (a bug, or the OS): still one line, with a stable prefix.
    const e = err as NodeJS.ErrnoException;
    process.stderr.write(`HINDSIGHT_INTERNAL: ${e?.code ? `${e.code}: ` : ''}${String(e?.message ?? err).split('\n')[0]}\n`);
    if (process.env.HINDSIGHT_DEBUG) process.stderr.write(`${e?.stack}\n`);
    return EXIT_FAILURE;
  }
}

// A reader that stops early (`| head`) closes the pipe: that ends the
// command quietly, as it ends any Unix tool, instead of an unhandled EPIPE.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') process.stderr.write(`HINDSIGHT_INTERNAL: ${err.code ?? ''}: ${err.message}\n`);
  process.exit(err.code === 'EPIPE' ? EXIT_OK : EXIT_FAILURE);
});

const code = await main(process.argv.slice(2));
// Exit once stdout has taken everything (a piped `events --json` may be megabytes),
// without waiting on any handle a library left behind.
process.stdout.write('', () => process.exit(code));
