import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { appRoot } from '@/lib/config';

const WORKER = () => path.join(appRoot(), 'lib', 'export', 'sqlite-worker.mjs');

export type SnapshotJob = { op: 'snapshot'; source: string; dest: string; about?: Record<string, string | number> };

/**
 * Runs one SQLite job in a worker thread, bounded in time.
 */
export function runSqliteJob(job: SnapshotJob, timeoutMs: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    // Reflect.construct, not `new Worker(…)`: Next's bundler rewrites a literal `new Worker` into
    // a bundled chunk, and this worker must load from its file, beside better-sqlite3.
    const worker: Worker = Reflect.construct(Worker, [WORKER(), { workerData: job }]);
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error('snapshot timed out'));
    }, timeoutMs);
    worker.once('message', (message: { ok: boolean; result?: Record<string, unknown>; error?: string }) => {
      clearTimeout(timer);
      void worker.terminate();
      if (message.ok) resolve(message.result ?? {});
      else reject(new Error(message.error));
    });
    worker.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
