import fs from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '@/lib/db/connection';
import { migrate, migrationSet, schemaVersion } from '@/lib/db/migrate';

/**
 * One blog's migration, run in a worker thread so several blogs migrate at once.
 * - check: copy the live file's bytes and migrate the copy; the live file is only ever read.
 * - apply: snapshot the live file, then migrate it; a failure leaves it as it was.
 */
export type BlogJob = { slug: string; file: string; mode: 'check' | 'apply'; scratch: string; backups: string };
export type BlogJobResult = {
  slug: string;
  from: number;
  to: number;
  status: 'migrated' | 'current' | 'failed' | 'would-migrate';
  error?: string;
  snapshot?: string;
};

function runBlogJob(job: BlogJob): BlogJobResult {
  const target = migrationSet('tenant').migrations.length;
  let from = -1;
  try {
    if (job.mode === 'check') {
      // Byte copies, not a SQLite connection: even a read-only one would leave -wal and -shm
      // files beside a live blog. SQLite replays the copied WAL when it opens the copy.
      fs.copyFileSync(job.file, job.scratch);
      if (fs.existsSync(`${job.file}-wal`)) fs.copyFileSync(`${job.file}-wal`, `${job.scratch}-wal`);
      const copy = openDatabase(job.scratch, { mustExist: true, cacheKiB: 2048 });
      from = schemaVersion(copy);
      if (from >= target) {
        copy.close();
        for (const suffix of ['', '-wal', '-shm']) fs.rmSync(job.scratch + suffix, { force: true });
        return { slug: job.slug, from, to: from, status: 'current' };
      }
      try {
        migrate(copy, migrationSet('tenant'));
      } finally {
        copy.close();
        for (const suffix of ['', '-wal', '-shm']) fs.rmSync(job.scratch + suffix, { force: true });
      }
      return { slug: job.slug, from, to: target, status: 'would-migrate' };
    }

    const db = openDatabase(job.file, { mustExist: true, cacheKiB: 2048 });
    try {
      from = schemaVersion(db);
      if (from >= target) return { slug: job.slug, from, to: from, status: 'current' };
      fs.mkdirSync(job.backups, { recursive: true });
      const snapshot = `pre-migration-v${from}-${new Date().toISOString().replace(/[:.]/g, '-')}.db`;
      db.prepare('VACUUM INTO ?').run(path.join(job.backups, snapshot));
      try {
        migrate(db, migrationSet('tenant'));
      } catch (error) {
        return { slug: job.slug, from, to: schemaVersion(db), status: 'failed', error: (error as Error).message, snapshot };
      }
      return { slug: job.slug, from, to: target, status: 'migrated', snapshot };
    } finally {
      db.close();
    }
  } catch (error) {
    return { slug: job.slug, from, to: from, status: 'failed', error: (error as Error).message };
  }
}

// As a worker: take jobs from the parent until it says stop.
if (parentPort && workerData?.role === 'blog-job') {
  const port = parentPort;
  port.on('message', (job: BlogJob | null) => {
    if (job === null) return process.exit(0);
    port.postMessage(runBlogJob(job));
  });
  port.postMessage({ ready: true });
}
