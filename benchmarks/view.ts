/**
 * The viewer on a recorded session: `hindsight view` in a child process
 * (as a user runs it) and this process as the page's client, so the times
 * include the request, the server's reconstruction and rendering, the
 * transfer and parsing the answer. After a warm-up (the summary and a few
 * states), GET /api/state at random instants: the state for a new instant,
 * the figure issue 8 sets at 100 ms once warm.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { httpGet, median, percentile, round, stopChild, type Figures } from './harness.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

/** A GET of the viewer's API with the URL's token: the time it took (answer parsed) and the document. */
async function get(url: URL, path: string): Promise<{ ms: number; doc: any }> {
  const t0 = performance.now();
  const { status, body } = await httpGet({ host: url.hostname, port: url.port, path, headers: { 'x-hindsight-token': url.searchParams.get('token') ?? '' } });
  if (status !== 200) throw new Error(`viewer answered ${status}: ${body}`);
  return { ms: performance.now() - t0, doc: JSON.parse(body) };
}

/** Serves `session` of `dir` with the CLI and times states at `probes` (seqs) through its HTTP API. */
export async function viewerFigures(dir: string, session: string, probes: number[]): Promise<Figures> {
  const child = spawn(process.execPath, [CLI, 'view', '--dir', dir, '--session', session, '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise<URL>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (b) => {
        out += String(b);
        if (out.includes('\n')) resolve(new URL(JSON.parse(out.split('\n')[0]).url));
      });
      child.on('exit', (code) => reject(new Error(`hindsight view exited early (${code})`)));
    });
    const summary = await get(url, `/api/summary?session=${session}&buckets=300`);
    for (const seq of probes.slice(0, 5)) await get(url, `/api/state?session=${session}&seq=${seq}`);
    const times: number[] = [];
    for (const seq of probes) {
      // A pause between requests, as between a user's moves: the server's background work runs there.
      await new Promise((r) => setTimeout(r, 50));
      times.push((await get(url, `/api/state?session=${session}&seq=${seq}`)).ms);
    }
    return {
      'view.summaryFirstMs': round(summary.ms, 0),
      'view.stateP50Ms': round(median(times), 1),
      'view.stateP95Ms': round(percentile(times, 95), 1),
    };
  } finally {
    await stopChild(child, 'SIGINT');
  }
}
