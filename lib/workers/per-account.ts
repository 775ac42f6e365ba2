import { HttpError } from '@/lib/http/errors';
import { processWide } from '@/lib/process/shared';

/**
 * One task of a kind in flight per account (an import, a preview): a single stranger's account
 * cannot fill the worker pool's queue for everyone else. A second one while the first runs gets
 * a 429 with `busy` as its sentence.
 */
export async function onePerAccount<T>(kind: string, accountId: string | number, busy: string, run: () => Promise<T>): Promise<T> {
  const release = claimForAccount(kind, accountId, busy);
  try {
    return await run();
  } finally {
    release();
  }
}

/**
 * The same slot, for work that outlives a request (an import job): taken now, given back by
 * calling what this returns (once; later calls do nothing).
 */
export function claimForAccount(kind: string, accountId: string | number, busy: string): () => void {
  const inFlight = processWide(`in-flight-${kind}`, () => new Set<string | number>());
  if (inFlight.has(accountId)) throw new HttpError(429, busy);
  inFlight.add(accountId);
  let released = false;
  return () => {
    if (!released) inFlight.delete(accountId);
    released = true;
  };
}
