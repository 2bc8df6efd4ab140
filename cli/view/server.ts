/**
 * `hindsight view`'s server: node:http on 127.0.0.1 unless told otherwise,
 * every request checked (Host header, then token) before anything is read.
 *
 *   GET /?token=T                 the page
 *   GET /static/T/<file>          the page's files and jsondiffpatch's
 *   GET /api/<route>?...          JSON (token as ?token= or the x-hindsight-token header)
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { ErrorCodes, HindsightError, isHindsightError } from '../../src/errors.js';
import { openRecording, type Recording } from '../../reconstructor/Recording.js';
import { ViewerApi } from './api.js';
import { Assets } from './assets.js';
import { hostAllowed, isLoopback, newToken, sameToken, securityHeaders } from './guard.js';

export interface ViewerOptions {
  /** A recording directory to open (and close with the viewer), or... */
  dir?: string;
  /** ...a recording already open (left open by close()). */
  recording?: Recording;
  /** The session the page opens first (id or name); the latest when omitted. */
  session?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. Anything but a loopback address is reported to onWarning. */
  host?: string;
  /** Default: one line on stderr. */
  onWarning?: (message: string) => void;
}

export interface Viewer {
  /** http://host:port/?token=...: the page. */
  url: string;
  host: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const TOKEN_HEADER = 'x-hindsight-token';

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string>): void {
  res.writeHead(status, { ...headers, 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/** The status an API error answers with: bad input 400, an unknown session 404, anything else 500. */
function statusOf(err: unknown): number {
  if (isHindsightError(err, ErrorCodes.INVALID_ARGUMENT)) return 400;
  if (isHindsightError(err, ErrorCodes.UNKNOWN_SESSION)) return 404;
  return 500;
}

function errorJson(err: unknown): string {
  if (isHindsightError(err)) return JSON.stringify({ code: err.code, message: err.message });
  return JSON.stringify({ code: 'HINDSIGHT_INTERNAL', message: `HINDSIGHT_INTERNAL: ${String((err as Error)?.message ?? err).split('\n')[0]}` });
}

/** Starts the viewer; resolves once it listens. */
export async function startViewer(options: ViewerOptions): Promise<Viewer> {
  if (!options.recording && options.dir === undefined) throw new HindsightError(ErrorCodes.INVALID_ARGUMENT, 'startViewer needs a recording or a dir');
  const host = options.host ?? '127.0.0.1';
  const warn = options.onWarning ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  const token = newToken();
  const assets = new Assets(token);
  const page = await assets.page();
  const owned = options.recording ? undefined : await openRecording(options.dir!);
  const recording = options.recording ?? owned!;
  const api = new ViewerApi(recording, options.session);
  const bound = { host, port: 0 };
  const plain = securityHeaders();
  const json = (res: ServerResponse, status: number, body: string) => send(res, status, 'application/json; charset=utf-8', body, plain);

  async function respond(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://viewer');
    const staticPath = /^\/static\/([^/]+)\/(.+)$/.exec(url.pathname);
    const given = staticPath ? staticPath[1] : (url.searchParams.get('token') ?? req.headers[TOKEN_HEADER]);
    if (!hostAllowed(req.headers.host, bound) || !sameToken(Array.isArray(given) ? given[0] : given, token)) {
      return send(res, 403, 'text/plain; charset=utf-8', 'forbidden: open the URL `hindsight view` printed (it carries the token)\n', plain);
    }
    if (req.method !== 'GET') return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { ...plain, Allow: 'GET' });
    if (url.pathname === '/') return send(res, 200, 'text/html; charset=utf-8', page.html, securityHeaders(page.scriptHash));
    if (staticPath) {
      const asset = await assets.file(staticPath[2]);
      return asset ? send(res, 200, asset.type, asset.body, plain) : send(res, 404, 'text/plain; charset=utf-8', 'not found\n', plain);
    }
    const route = /^\/api\/([a-z]+)$/.exec(url.pathname)?.[1];
    if (route === undefined || !api.has(route)) return json(res, 404, errorJson(new HindsightError(ErrorCodes.INVALID_ARGUMENT, `no such page or API route: ${url.pathname}`)));
    try {
      json(res, 200, await api.handle(route, url.searchParams));
    } catch (err) {
      json(res, statusOf(err), errorJson(err));
    }
  }

  const server = createServer((req, res) => {
    respond(req, res).catch((err: unknown) => {
      if (!res.headersSent) json(res, 500, errorJson(err));
      else res.destroy();
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await owned?.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new HindsightError(ErrorCodes.PORT_IN_USE, `port ${options.port} on ${host} is in use (--port 0 picks a free one)`, { port: options.port, host });
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new HindsightError(ErrorCodes.INVALID_ARGUMENT, `cannot listen on ${host}: not an address of this machine`);
    throw err;
  }
  bound.port = (server.address() as { port: number }).port;
  if (!isLoopback(host)) warn(`the viewer listens on ${host}, reachable from other machines; anyone with its URL can read this recording`);
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${bound.port}/?token=${token}`,
    host,
    port: bound.port,
    token,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Browsers keep connections alive: close() alone would wait for them.
        server.closeAllConnections();
      });
      await owned?.close();
    },
  };
}
