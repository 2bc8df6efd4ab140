/**
 * Which objects are tracker proxies, and what they wrap.
 *
 * Module-level on purpose: copyValue must unwrap the proxies of every
 * StateTracker in the process (a proxy from one tracker can be stored in the
 * state of another), and a WeakMap keeps no proxy alive. It is the only
 * mutable module state in values/.
 */
const proxyTargets = new WeakMap<object, object>();

/** Called by the tracker when it creates a proxy. */
export function registerProxy(proxy: object, target: object): void {
  proxyTargets.set(proxy, target);
}

/** The raw object behind a tracker proxy, or the value itself. */
export function rawOf<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  const target = proxyTargets.get(value);
  return target === undefined ? value : (target as T);
}

export function isTrackerProxy(value: unknown): boolean {
  return typeof value === 'object' && value !== null && proxyTargets.has(value);
}
