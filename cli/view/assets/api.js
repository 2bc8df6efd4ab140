/** Calls to the viewer's JSON API, each carrying the token the page was opened with. */

const token = new URLSearchParams(location.search).get('token') ?? '';

/**
 * GET /api/<route> with `params` (arrays become repeated parameters;
 * undefined and '' are left out). Rejects with the server's one-line message.
 */
export async function api(route, params = {}) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    for (const one of Array.isArray(v) ? v : [v]) if (one !== undefined && one !== '') query.append(k, String(one));
  }
  const res = await fetch(`/api/${route}?${query}`, { headers: { 'x-hindsight-token': token } });
  const body = await res.json().catch(() => ({ message: `${res.status} ${res.statusText}` }));
  if (!res.ok) throw new Error(body.message ?? `${res.status}`);
  return body;
}

/** The page URL for a session and instant (the token kept): a link that reopens this view. */
export function viewUrl(session, seq) {
  const query = new URLSearchParams({ token, session, seq: String(seq) });
  return `${location.pathname}?${query}`;
}

/** The session and seq a URL asks for. */
export function requested() {
  const q = new URLSearchParams(location.search);
  const seq = q.get('seq');
  return { session: q.get('session') ?? undefined, seq: seq !== null && /^\d+$/.test(seq) ? Number(seq) : undefined };
}
