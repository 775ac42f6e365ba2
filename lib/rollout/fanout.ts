import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { and, desc, eq, isNull, ne } from 'drizzle-orm';
import { markActive, markUnderMaintenance } from '@/lib/blogs/blogs';
import { appRoot, config } from '@/lib/config';
import { blogIdsPlacedHere } from '@/lib/cluster/placement';
import { controlDb } from '@/lib/db/control';
import { migrationSet } from '@/lib/db/migrate';
import { backupsDir, scratchFile, tenantDbPath } from '@/lib/db/paths';
import { assertSpaceForBigWrites, diskSpace } from '@/lib/disk/space';
import { threadModule } from '@/lib/process/thread-module';
import { blogs, migrationLedger, migrationRuns, type Blog } from '@/lib/db/schema/control';
import type { BlogJob, BlogJobResult } from './blog-job';

/**
 * `quire migrate`: bring every blog file to the current schema, many at a time, safely.
 * Each blog is snapshotted before it changes; a ledger in control.db records each blog's
 * outcome, so a killed run resumes where it stopped and never redoes a blog; one blog's
 * failure puts that blog (only) under maintenance and the run goes on.
 */

export type Progress = (done: number, total: number, last: BlogJobResult) => void;

export type FanOutSummary = {
  runId: number | null;
  target: number;
  total: number;
  migrated: string[];
  current: string[];
  wouldMigrate: string[];
  failed: { slug: string; error: string }[];
  resumed: boolean;
  skippedFromEarlier: number;
  /** Blogs not started because free space fell below the margin (QUIRE_MIN_FREE_MB). */
  notStarted: number;
};

/** Every live blog; in a cluster, those placed on this node (each node migrates its own). */
async function liveBlogs(): Promise<Blog[]> {
  const rows = await controlDb().orm.select().from(blogs).where(ne(blogs.status, 'deleted')).orderBy(blogs.slug).all();
  const here = await blogIdsPlacedHere();
  return here ? rows.filter((blog) => here.has(blog.id)) : rows;
}

/**
 * Runs jobs on `concurrency` worker threads, reporting each result as it arrives; a thread's
 * next job waits for its last result to be recorded. Each job snapshots or copies a blog: when
 * free space falls below the margin, no further job starts.
 */
async function runJobs(jobs: BlogJob[], concurrency: number, onResult: (result: BlogJobResult) => Promise<void> | void): Promise<void> {
  if (jobs.length === 0) return;
  const queue = [...jobs];
  const workerCount = Math.min(concurrency, jobs.length);
  await Promise.all(
    Array.from({ length: workerCount }, () => {
      const worker = new Worker(path.join(appRoot(), 'lib', 'process', 'ts-worker.mjs'), {
        workerData: { module: threadModule('lib/rollout/blog-job.ts'), role: 'blog-job' },
      });
      return new Promise<void>((resolve, reject) => {
        const next = () => {
          const job = diskSpace().low ? undefined : queue.shift();
          if (job) worker.postMessage(job);
          else {
            worker.postMessage(null);
            resolve();
          }
        };
        worker.on('message', (message: BlogJobResult | { ready: true }) => {
          if ('ready' in message) return next();
          Promise.resolve(onResult(message)).then(next, (error: unknown) => {
            void worker.terminate();
            reject(error);
          });
        });
        worker.once('error', reject);
      });
    }),
  );
}

/** Dry run: migrates a copy of every blog behind the schema; no live file is written. */
export async function checkAll(onProgress?: Progress): Promise<FanOutSummary> {
  assertSpaceForBigWrites();
  const target = migrationSet('tenant').migrations.length;
  const all = await liveBlogs();
  const summary = emptySummary(null, target, all.length);
  let done = 0;
  const jobs = all.map((blog): BlogJob => ({
    slug: blog.slug,
    file: tenantDbPath(blog.slug),
    mode: 'check',
    scratch: scratchFile(`check-${blog.slug}`, '.db'),
    backups: backupsDir(blog.slug),
  }));
  await runJobs(jobs, config().migrateConcurrency, (result) => {
    record(summary, result);
    onProgress?.(++done, all.length, result);
  });
  return { ...summary, notStarted: all.length - done };
}

/** Migrates every blog, resuming an unfinished run toward the same target if there is one. */
export async function migrateAll(onProgress?: Progress): Promise<FanOutSummary> {
  assertSpaceForBigWrites();
  const control = controlDb();
  const target = migrationSet('tenant').migrations.length;
  const unfinished = await control.orm
    .select()
    .from(migrationRuns)
    .where(and(isNull(migrationRuns.finishedAt), eq(migrationRuns.targetVersion, target)))
    .orderBy(desc(migrationRuns.id))
    .get();
  const runId =
    unfinished?.id ??
    (await control.orm.insert(migrationRuns).values({ targetVersion: target, startedAt: new Date() }).returning().get()).id;

  const ledger = await control.orm
    .select({ slug: migrationLedger.slug })
    .from(migrationLedger)
    .where(eq(migrationLedger.runId, runId))
    .all();
  const handled = new Set(ledger.map((r) => r.slug));
  const all = await liveBlogs();
  const todo = all.filter((blog) => !handled.has(blog.slug));
  const summary = { ...emptySummary(runId, target, all.length), resumed: Boolean(unfinished), skippedFromEarlier: handled.size };
  let done = handled.size;
  const bySlug = new Map(all.map((blog) => [blog.slug, blog]));

  const jobs = todo.map((blog): BlogJob => ({
    slug: blog.slug,
    file: tenantDbPath(blog.slug),
    mode: 'apply',
    scratch: '',
    backups: backupsDir(blog.slug),
  }));
  await runJobs(jobs, config().migrateConcurrency, async (result) => {
    const status = result.status === 'would-migrate' ? 'failed' : result.status;
    // The ledger row and the blog's status change together: a kill between blogs loses nothing.
    await control.transaction(async (tx) => {
      await tx
        .insert(migrationLedger)
        .values({
          runId,
          slug: result.slug,
          fromVersion: result.from,
          toVersion: result.to,
          status,
          error: result.error ?? null,
          snapshot: result.snapshot ?? null,
          finishedAt: new Date(),
        })
        .run();
      const blog = bySlug.get(result.slug)!;
      if (status === 'failed') await markUnderMaintenance(blog, `Its file could not be upgraded to schema ${target}: ${result.error}`, tx);
      else await markActive(blog.slug, result.to, tx);
    });
    record(summary, result);
    onProgress?.(++done, all.length, result);
  });

  // Stopped for want of room: the run stays open, and the next `migrate --all` resumes it.
  const stopped = done < all.length;
  if (!stopped) await control.orm.update(migrationRuns).set({ finishedAt: new Date() }).where(eq(migrationRuns.id, runId)).run();
  return { ...summary, notStarted: all.length - done };
}

export type MigrationStatus = { target: number; blogs: { slug: string; version: number; status: Blog['status'] }[] };

/** Each blog's schema version as control.db last recorded it, and the target. */
export async function migrationStatus(): Promise<MigrationStatus> {
  return {
    target: migrationSet('tenant').migrations.length,
    blogs: (await liveBlogs()).map((blog) => ({ slug: blog.slug, version: blog.schemaVersion, status: blog.status })),
  };
}

function emptySummary(runId: number | null, target: number, total: number): FanOutSummary {
  return {
    runId,
    target,
    total,
    migrated: [],
    current: [],
    wouldMigrate: [],
    failed: [],
    resumed: false,
    skippedFromEarlier: 0,
    notStarted: 0,
  };
}

function record(summary: FanOutSummary, result: BlogJobResult): void {
  if (result.status === 'migrated') summary.migrated.push(result.slug);
  else if (result.status === 'current') summary.current.push(result.slug);
  else if (result.status === 'would-migrate') summary.wouldMigrate.push(result.slug);
  else summary.failed.push({ slug: result.slug, error: result.error ?? 'unknown error' });
}
