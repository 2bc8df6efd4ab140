// Handler style, as a default export: async, mutating the state it is given.
/* global setImmediate */
import { reducers } from './cartReducers.mjs';

export default async function handler(event, state) {
  await new Promise((resolve) => setImmediate(resolve));
  reducers[event.name]?.(state, event);
}
