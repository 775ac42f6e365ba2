import fs from 'node:fs';
import { createOwnedBlog } from '@/lib/accounts/accounts';
import { createBlog, readSettings } from '@/lib/blogs/blogs';
import { config } from '@/lib/config';
import { tenantDbPath } from '@/lib/db/paths';
import { openDetachedTenant } from '@/lib/db/pool';
import { asLowDiskSpace, assertSpaceForBigWrites } from '@/lib/disk/space';
import type { Blog, User } from '@/lib/db/schema/control';
import { IMPORT_TOO_LONG } from '@/lib/workers/deadline';
import { receiveUpload } from '@/lib/uploads/receive';
import { onePerAccount } from '@/lib/workers/per-account';
import { runTask } from '@/lib/workers/pool';
import { TASK } from '@/lib/workers/task-names';
import { removeQuietly, scratchFile } from '@/lib/db/paths';

/** After the import's own deadline (checked between its steps), the pool ends the thread. */
const HARD_STOP_GRACE_MS = 15_000;

// ── Bringing the prepared file in ────────────────────────────────────────────────────────

/** A new blog made from a prepared file, owned by `owner` (the CLI makes blogs without one). */
export async function adoptAsNewBlog(owner: User | undefined, fresh: string, input: { slug: string; title?: string }): Promise<Blog> {
  const imported = openDetachedTenant(fresh, 'import');
  const settings = readSettings(imported);
  imported.sqlite.close();
  const title = input.title?.trim() || settings.title;
  const blog = { slug: input.slug, title, description: settings.description };
  const place = (slug: string) => fs.renameSync(fresh, tenantDbPath(slug));
  return owner ? await createOwnedBlog(owner, blog, place) : await createBlog(blog, place);
}

/**
 * An upload (or a snapshot being restored) made into a fresh blog file by the import pipeline
 * (lib/export/prepare.ts) on the worker pool's bulk lane, under `QUIRE_BULK_TIMEOUT_S`.
 */
export async function prepareOffThread(upload: string): Promise<string> {
  // Named here, so that whatever happens to the thread, no scratch file outlives the request.
  const fresh = scratchFile('import', '.db');
  const copy = scratchFile('import-copy', '.db');
  try {
    await runTask<void>(
      TASK.prepareImport,
      { upload, fresh, copy },
      {
        lane: 'bulk',
        deadlineMs: config().bulkTimeoutMs,
        graceMs: HARD_STOP_GRACE_MS,
        tooLong: IMPORT_TOO_LONG,
      },
    );
    return fresh;
  } catch (error) {
    removeQuietly(fresh);
    throw error;
  } finally {
    removeQuietly(copy);
  }
}

/**
 * Every import route's shape: receive, prepare off the serving thread, hand over; one import
 * per account at a time; scratch files never outlive it.
 */
export async function withPreparedUpload<T>(request: Request, accountId: number, adopt: (fresh: string) => Promise<T> | T): Promise<T> {
  // An import writes the upload, a prepared copy and a snapshot: refused before any of it when low.
  assertSpaceForBigWrites();
  return onePerAccount('import', accountId, 'You already have an import running. Wait for it to finish, then try again.', async () => {
    const upload = await receiveUpload(request.body, Number(request.headers.get('content-length') ?? 0)).catch((error: unknown) => {
      throw asLowDiskSpace(error);
    });
    try {
      const fresh = await prepareOffThread(upload);
      try {
        return await adopt(fresh);
      } finally {
        removeQuietly(fresh);
      }
    } catch (error) {
      throw asLowDiskSpace(error);
    } finally {
      removeQuietly(upload);
    }
  });
}
