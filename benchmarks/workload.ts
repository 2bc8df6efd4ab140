import type { EventInput } from '../src/events.js';

/**
 * A realistic recording mix: requests as spans with attributes (the shapes
 * RecordingSpanProcessor writes), state patches with small nested values,
 * domain events. Deterministic but for the times, which start at `t0` (seeded
 * mulberry32; an LCG's low bits repeat and made ids unrealistically
 * compressible) so runs compare.
 */
export function makeWorkload(count: number, seed = 7, t0 = Math.round((performance.timeOrigin + performance.now()) * 1000)): EventInput[] {
  let x = seed >>> 0;
  const rand = (n: number): number => {
    x = (x + 0x6d2b79f5) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return (((z ^ (z >>> 14)) >>> 0) / 4294967296) * n | 0;
  };
  // Ids as OpenTelemetry's RandomIdGenerator makes them: random bytes read
  // as hex in one call, so a flat string (a string built a digit at a time
  // is a 32-deep rope that every hash and comparison must first flatten).
  const idBytes = Buffer.alloc(16);
  const hex = (len: number): string => {
    for (let i = 0; i < len / 2; i++) idBytes[i] = rand(256);
    return idBytes.toString('hex', 0, len / 2);
  };
  const routes = ['/api/cart', '/api/cart/items', '/api/checkout', '/api/products/:id', '/health'];
  const out: EventInput[] = [];
  while (out.length < count) {
    const traceId = hex(32);
    const spanId = hex(16);
    const route = routes[rand(routes.length)];
    // Near the log's clock, as a span's times are (block forms store them relative to the block).
    const startUs = t0 + out.length * 100;
    // A request ends within the flush window: the processor writes only its span.end, saying where it started (seqs from 1).
    const startSeq = out.length + 1;
    const patches = 1 + rand(4);
    for (let i = 0; i < patches; i++) {
      const item = rand(50);
      out.push({ kind: 'state.patch', name: 'cart', traceId, spanId, data: { name: 'cart', op: 'replace', path: ['items', item, 'qty'], value: rand(10), prev: rand(10) } });
    }
    if (rand(3) === 0) out.push({ kind: 'custom', name: 'order.placed', traceId, spanId, data: { orderId: `o-${rand(100000)}`, total: rand(10000) / 100, items: rand(8) } });
    const attributes = { 'http.method': 'GET', 'http.route': route, 'http.target': `${route}?q=${rand(100)}`, 'http.status_code': 200 };
    const end = { kind: 1, parentSpanId: undefined, attributes, status: { code: 1 }, events: undefined, links: undefined, scope: '@opentelemetry/instrumentation-http', startUs, durationUs: 200 + rand(5000), dropped: undefined, startSeq, startT: startUs };
    out.push({ kind: 'span.end', name: `GET ${route}`, traceId, spanId, data: end });
  }
  return out.slice(0, count);
}
