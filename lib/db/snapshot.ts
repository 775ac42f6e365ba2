import path from 'node:path';
import { Worker } from 'node:worker_threads';
import packageJson from '@/package.json';
import { appRoot } from '@/lib/config';
import { asLowDiskSpace, assertSpaceForBigWrites } from '@/lib/disk/space';
import { removeQuietly, tenantDbPath } from './paths';

const WORKER = () => path.join(appRoot(), 'lib', 'db', 'sqlite-worker.mjs');

type SqliteJob =
  { op: 'snapshot'; source: string; dest: string; about?: Record<string, string | number> } | { op: 'check'; source: string };

/**
 * Runs one SQLite job in a worker thread, bounded in time.
 */
function runSqliteJob(job: SqliteJob, timeoutMs: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    // Reflect.construct, not `new Worker(…)`: Next's bundler rewrites a literal `new Worker` into
    // a bundled chunk, and this worker must load from its file, beside better-sqlite3.
    const worker: Worker = Reflect.construct(Worker, [WORKER(), { workerData: job }]);
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error('snapshot timed out'));
    }, timeoutMs);
    worker.once('message', (message: { ok: boolean; result?: Record<string, unknown>; error?: string; code?: string }) => {
      clearTimeout(timer);
      void worker.terminate();
      if (message.ok) resolve(message.result ?? {});
      // The code says what went wrong (SQLITE_FULL: no room) to whoever answers the request.
      else reject(Object.assign(new Error(message.error), { code: message.code }));
    });
    worker.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

const SNAPSHOT_TIMEOUT_MS = 30 * 60 * 1000;

/**
 * A consistent, self-describing copy of a live blog at `dest`: VACUUM INTO in a worker thread
 * (one read snapshot of the WAL file; writers carry on), then `quick_check` on the copy.
 * Refused below the free-space margin; a copy that fails (the disk filled up) is removed.
 */
export async function snapshotBlog(slug: string, dest: string): Promise<void> {
  assertSpaceForBigWrites();
  try {
    await runSqliteJob(
      {
        op: 'snapshot',
        source: tenantDbPath(slug),
        dest,
        about: {
          blog: slug,
          exported_at: new Date().toISOString(),
          quire_version: packageJson.version,
        },
      },
      SNAPSHOT_TIMEOUT_MS,
    );
  } catch (error) {
    removeQuietly(dest);
    throw asLowDiskSpace(error);
  }
}

const CHECK_TIMEOUT_MS = 10 * 60 * 1000;

/**
 * Checks a blog file that arrived from elsewhere (a replica, another node) before it is served:
 * `integrity_check` and the FTS5 index's `integrity-check`, in a worker thread. Throws with what
 * was found.
 */
export async function checkBlogFile(file: string): Promise<void> {
  await runSqliteJob({ op: 'check', source: file }, CHECK_TIMEOUT_MS);
}
