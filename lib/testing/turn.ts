/** Resolves on the next turn of the event loop: what "seen by the next request" means in a test. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
