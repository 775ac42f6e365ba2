import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { eq } from 'drizzle-orm';
import { findBlog, markActive, markUnderMaintenance, readSettings } from '@/lib/blogs/blogs';
import { config } from '@/lib/config';
import { controlDb } from '@/lib/db/control';
import { assertSpaceForBigWrites } from '@/lib/disk/space';
import { migrationSet } from '@/lib/db/migrate';
import { backupsDir, tenantDbPath } from '@/lib/db/paths';
import { moveBlogFile, tenantPool } from '@/lib/db/pool';
import { blogs, type Blog } from '@/lib/db/schema/control';
import { prepareOffThread } from '@/lib/export/import';
import { snapshotBlog } from '@/lib/db/snapshot';
import { InputError } from '@/lib/input';
import { bumpGeneration } from '@/lib/pagecache/generation';

/**
 * Snapshots: consistent copies of a blog file under `backups/<slug>/`, named by why they were
 * taken (`snapshot-`, `pre-migration-v<N>-`, `pre-import-`, `pre-restore-`) and when.
 */
export type SnapshotKind = 'snapshot' | 'pre-import' | 'pre-restore';

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');

/** Takes a snapshot of a live blog; returns its file name. */
export async function takeSnapshot(slug: string, kind: SnapshotKind = 'snapshot'): Promise<string> {
  assertSpaceForBigWrites();
  const dir = backupsDir(slug);
  fs.mkdirSync(dir, { recursive: true });
  const name = `${kind}-${stamp()}.db`;
  await snapshotBlog(slug, path.join(dir, name));
  return name;
}

/** Replaces a blog's file with a prepared one, keeping a snapshot of what it replaced. */
export async function replaceBlogFile(blog: Blog, fresh: string, reason: 'pre-import' | 'pre-restore'): Promise<string> {
  const snapshot = await takeSnapshot(blog.slug, reason);
  await swapInFile(blog.slug, fresh);
  const title = readSettings(tenantPool().get(blog.slug)).title;
  await controlDb().orm.update(blogs).set({ title }).where(eq(blogs.id, blog.id)).run();
  await markActive(blog.slug, migrationSet('tenant').migrations.length);
  return snapshot;
}

/**
 * Puts `fresh` in place of a blog's file, atomically. The old file's WAL is checkpointed and
 * truncated first (refused while busy), so nothing of it can be read as part of the new one.
 */
async function swapInFile(slug: string, fresh: string): Promise<void> {
  await moveBlogFile(slug, () => fs.renameSync(fresh, tenantDbPath(slug)));
  bumpGeneration(slug);
}

export type RollbackPlan = { slug: string; snapshot: Snapshot; snapshotVersion: number; lost: string[] };

/** What `migrate rollback` would do: the newest pre-migration snapshot and what is lost. */
export function planRollback(slug: string): RollbackPlan {
  const snapshot = listSnapshots(slug).find((s) => s.name.startsWith('pre-migration-'));
  if (!snapshot) throw new InputError(`"${slug}" has no pre-migration snapshot to go back to.`);
  const snapshotVersion = Number(/^pre-migration-v(\d+)-/.exec(snapshot.name)?.[1] ?? 0);
  const since = snapshot.createdAt.getTime();
  // Read directly: opening through the pool would try to migrate the file again.
  const live = new Database(tenantDbPath(slug), { readonly: true, fileMustExist: true });
  const count = (sql: string) => live.prepare(sql).pluck().get(since) as number;
  const lost = [
    `${count('select count(*) from posts where updated_at > ?')} post(s) created or edited since ${snapshot.createdAt.toISOString()}`,
    `${count('select count(*) from pages where updated_at > ?')} page(s) created or edited since then`,
    `the pageviews counted since then`,
    `the schema goes back to version ${snapshotVersion}`,
  ];
  live.close();
  return { slug, snapshot, snapshotVersion, lost };
}

/** Puts the pre-migration snapshot back as it is (not migrated); the current file is kept too. */
export async function rollbackMigration(plan: RollbackPlan): Promise<string> {
  const kept = await takeSnapshot(plan.slug, 'pre-restore');
  const copy = path.join(path.dirname(tenantDbPath(plan.slug)), `.${plan.slug}.rollback`);
  fs.copyFileSync(path.join(backupsDir(plan.slug), plan.snapshot.name), copy);
  await swapInFile(plan.slug, copy);
  const blog = (await findBlog(plan.slug))!;
  const target = migrationSet('tenant').migrations.length;
  if (plan.snapshotVersion < target) {
    await markUnderMaintenance(blog, `Rolled back to schema ${plan.snapshotVersion}; run quire migrate once the cause is fixed.`);
  }
  return kept;
}

export type Snapshot = { name: string; size: number; createdAt: Date };

export function listSnapshots(slug: string): Snapshot[] {
  const dir = backupsDir(slug);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.db'))
    .map((name) => {
      const stat = fs.statSync(path.join(dir, name));
      return { name, size: stat.size, createdAt: stat.mtime };
    })
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
}

/** Puts a snapshot back (the current file is snapshotted first, so this too can be undone). */
export async function restoreSnapshot(blog: Blog, name: string): Promise<string> {
  assertSpaceForBigWrites();
  if (!/^[\w.-]+\.db$/.test(name) || !listSnapshots(blog.slug).some((s) => s.name === name)) {
    throw new InputError('There is no such snapshot of this blog.');
  }
  const fresh = await prepareOffThread(path.join(backupsDir(blog.slug), name));
  return replaceBlogFile(blog, fresh, 'pre-restore');
}

/**
 * Keeps the newest `keep` snapshots of a blog and any younger than `maxDays`; deletes the rest.
 * The newest snapshot is never deleted. Returns the names removed.
 */
export function pruneSnapshots(slug: string, keep = config().snapshotKeep, maxDays = config().snapshotDays, now = Date.now()): string[] {
  const removed: string[] = [];
  listSnapshots(slug).forEach((snapshot, index) => {
    const old = now - snapshot.createdAt.getTime() > maxDays * 24 * 60 * 60 * 1000;
    if (index > 0 && (index >= keep || old)) {
      fs.rmSync(path.join(backupsDir(slug), snapshot.name), { force: true });
      removed.push(snapshot.name);
    }
  });
  return removed;
}
