import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { appRoot } from '@/lib/config';
import { InputError } from '@/lib/input';

const WORKER = () => path.join(appRoot(), 'lib', 'export', 'sqlite-worker.mjs');

export type SnapshotJob = { op: 'snapshot'; source: string; dest: string; about?: Record<string, string | number> };
export type InspectJob = {
  op: 'inspect';
  file: string;
  dest: string;
  allowedTables: string[];
  allowedIndexes: string[];
  exactObjects: Record<string, string>;
  requiredTables: string[];
  maxVersion: number;
};

/**
 * Runs one SQLite job in a worker thread, bounded in time. A refusal of an upload comes back
 * as an `InputError` carrying the sentence for the person; anything else as an Error.
 */
export function runSqliteJob(job: SnapshotJob | InspectJob, timeoutMs: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    // Reflect.construct, not `new Worker(…)`: Next's bundler rewrites a literal `new Worker` into
    // a bundled chunk, and this worker must load from its file, beside better-sqlite3.
    const worker: Worker = Reflect.construct(Worker, [WORKER(), { workerData: job }]);
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(job.op === 'inspect' ? new InputError('Checking this file took too long; it was not imported.') : new Error('snapshot timed out'));
    }, timeoutMs);
    worker.once('message', (message: { ok: boolean; result?: Record<string, unknown>; error?: string; refused?: boolean }) => {
      clearTimeout(timer);
      void worker.terminate();
      if (message.ok) resolve(message.result ?? {});
      else reject(message.refused ? new InputError(message.error!) : new Error(message.error));
    });
    worker.once('error', (error) => {
      clearTimeout(timer);
      reject(job.op === 'inspect' ? new InputError(`This file was damaged: ${error.message}.`) : error);
    });
  });
}
