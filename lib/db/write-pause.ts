import { HttpError } from '@/lib/http/errors';
import { processWide } from '@/lib/process/shared';

/**
 * Blogs whose file another thread is about to write in bulk: an import merging into a blog
 * holds its write lock for a second or two (docs/architecture.md, "Moving in"), and a write
 * from this thread meanwhile would wait for it with the whole server (better-sqlite3 waits by
 * sleeping). So, while such work runs, the blog's writes from people are refused at once, with
 * a sentence and Retry-After; readers are not affected.
 */
const paused = () => processWide('write-pauses', () => new Map<string, string>());

/** Pauses the blog's writes with `reason` until the returned function is called. */
export function pauseWrites(slug: string, reason: string): () => void {
  paused().set(slug, reason);
  return () => {
    if (paused().get(slug) === reason) paused().delete(slug);
  };
}

/** Throws a 503 (with Retry-After) while the blog's writes are paused (lib/cluster/fence.ts `assertWritable` adds a cluster's fence). */
export function assertNotPaused(slug: string): void {
  const reason = paused().get(slug);
  if (reason) throw Object.assign(new HttpError(503, reason), { retryAfterSeconds: 15 });
}
