/**
 * The front server (compiled into dist/, or run by tsx in dev) and Next's route modules (bundled
 * by Next) each get their own copy of every module. State that must exist once per process — the
 * tenant pool, the control handle, page-cache generations — is therefore kept on `globalThis`
 * under a Quire key.
 */
const store = ((globalThis as Record<string, unknown>).__quire ??= new Map()) as Map<string, unknown>;

export function processWide<T>(key: string, create: () => T): T {
  if (!store.has(key)) store.set(key, create());
  return store.get(key) as T;
}

/** Forgets a process-wide value (after closing it), so the next use creates a fresh one. */
export function forgetProcessWide(key: string): void {
  store.delete(key);
}

/** A process-wide value if something created it, without creating it. */
export function peekProcessWide<T>(key: string): T | undefined {
  return store.get(key) as T | undefined;
}
