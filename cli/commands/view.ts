/** `hindsight view`: the timeline viewer, a local page served until Ctrl-C. */
import { COMMON_USAGE, UsageError, type Command } from '../args.js';
import { startViewer } from '../view/server.js';

export const viewCommand: Command = {
  name: 'view',
  summary: 'open a timeline viewer of the recording in the browser (a local page, served until Ctrl-C)',
  usage: `hindsight view [--port n] [--host addr]

Serves a page on 127.0.0.1 and prints its URL on stdout; the URL carries a
random token, and requests without it are refused (403). --port 0 (default)
picks a free port. --host listens on another address: a warning says so, as
anyone who can reach it and has the URL can read the recording. The
recording stays open (locked) until Ctrl-C. With --json: one line,
{ "url", "host", "port" }.

${COMMON_USAGE}`,
  options: { port: { type: 'string' }, host: { type: 'string' } },
  async run(ctx) {
    const port = ctx.integer('port') ?? 0;
    if (port > 65535) throw new UsageError(`--port must be at most 65535, got ${port}`);
    const recording = await ctx.open();
    // Resolved now, so an unknown --session fails before anything listens.
    const session = ctx.string('session') === undefined ? undefined : (await ctx.session()).id;
    const viewer = await startViewer({ recording, session, port, host: ctx.string('host'), onWarning: (m) => ctx.out.warn(m) });
    const { out } = ctx;
    if (out.json) out.document({ url: viewer.url, host: viewer.host, port: viewer.port });
    else {
      out.line(viewer.url);
      out.note(out.paint('dim', 'serving the viewer; Ctrl-C stops it'));
    }
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await viewer.close();
  },
};
