/**
 * Sets an own, enumerable data property. A '__proto__' key must stay data
 * (plain assignment would change the object's prototype instead); every
 * other key takes the plain assignment, which is the fast path.
 */
export function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}
