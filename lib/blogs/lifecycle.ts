import fs from 'node:fs';
import { and, eq, isNotNull, lt, ne } from 'drizzle-orm';
import { checkNewBlog, findBlog, markUnderMaintenance } from './blogs';
import { config } from '@/lib/config';
import { placedHere } from '@/lib/cluster/fence';
import { controlDb } from '@/lib/db/control';
import { backupsDir, tenantDbPath, trashDir, trashedDbPath } from '@/lib/db/paths';
import { MOVING_FILE_GRACE_MS, moveBlogFile, tenantPool } from '@/lib/db/pool';
import { blogRedirects, blogs, type Blog } from '@/lib/db/schema/control';
import { InputError } from '@/lib/input';
import { bumpGeneration } from '@/lib/pagecache/generation';

/**
 * A blog's life after creation: soft delete to the trash, restore, purge, rename. Each moves
 * the file whole (`moveBlogFile`): taken from Litestream and checkpointed first, so
 * `<slug>.db` alone is the blog, and the handle closed.
 */

/** Moves the blog to the trash: readers get 404, the address stays reserved until purged. */
export async function softDeleteBlog(blog: Blog): Promise<void> {
  if (blog.status === 'deleted') throw new InputError(`"${blog.slug}" is already in the trash.`);
  await moveBlogFile(blog.slug, () => {
    fs.mkdirSync(trashDir(), { recursive: true });
    fs.renameSync(tenantDbPath(blog.slug), trashedDbPath(blog.slug));
  });
  await controlDb().orm.update(blogs).set({ status: 'deleted', deletedAt: new Date() }).where(eq(blogs.id, blog.id)).run();
  bumpGeneration(blog.slug);
}

export async function restoreDeletedBlog(slug: string): Promise<Blog> {
  const blog = await findBlog(slug);
  if (!blog || blog.status !== 'deleted') throw new InputError(`There is no deleted blog "${slug}" in the trash.`);
  if (!fs.existsSync(trashedDbPath(slug))) throw new InputError(`The trash has no file for "${slug}"; it cannot be restored.`);
  if (fs.existsSync(tenantDbPath(slug))) throw new InputError(`A file for "${slug}" is already in place; not overwriting it.`);
  fs.renameSync(trashedDbPath(slug), tenantDbPath(slug));
  await controlDb().orm.update(blogs).set({ status: 'active', deletedAt: null }).where(eq(blogs.id, blog.id)).run();
  bumpGeneration(slug);
  return { ...blog, status: 'active', deletedAt: null };
}

/** Deletes for good the blogs that have been in the trash longer than `days`. */
export async function purgeTrash(days = config().trashDays, now = Date.now()): Promise<string[]> {
  const control = controlDb();
  const expired = await control.orm
    .select()
    .from(blogs)
    .where(and(eq(blogs.status, 'deleted'), isNotNull(blogs.deletedAt), lt(blogs.deletedAt, new Date(now - days * 24 * 60 * 60 * 1000))))
    .all();
  for (const blog of expired) {
    // In a cluster, the node its file is on purges it.
    if (!placedHere(blog.slug)) continue;
    fs.rmSync(trashedDbPath(blog.slug), { force: true });
    // Its snapshots go too: the address is free again, and a new blog there must not see them.
    fs.rmSync(backupsDir(blog.slug), { recursive: true, force: true });
    await control.orm.delete(blogs).where(eq(blogs.id, blog.id)).run();
  }
  return expired.filter((blog) => placedHere(blog.slug)).map((blog) => blog.slug);
}

/** Gives a blog a new address; the old subdomain answers with a permanent redirect. */
export async function renameBlog(oldSlug: string, newSlug: string): Promise<Blog> {
  const blog = await findBlog(oldSlug);
  if (!blog || blog.status === 'deleted') throw new InputError(`There is no blog "${oldSlug}".`);
  const { slug } = await checkNewBlog({ slug: newSlug, title: blog.title });
  await moveBlogFile(blog.slug, () => {
    // Checked again after the wait for the backup process: never rename over another file.
    if (fs.existsSync(tenantDbPath(slug))) throw new InputError(`The address "${slug}" was taken meanwhile; nothing was changed.`);
    fs.renameSync(tenantDbPath(blog.slug), tenantDbPath(slug));
  });
  // The snapshots follow the blog; nothing of it stays at the old address.
  if (fs.existsSync(backupsDir(blog.slug))) fs.renameSync(backupsDir(blog.slug), backupsDir(slug));
  await controlDb().transaction(async (tx) => {
    await tx.update(blogs).set({ slug }).where(eq(blogs.id, blog.id)).run();
    await tx.delete(blogRedirects).where(eq(blogRedirects.oldSlug, slug)).run();
    await tx
      .insert(blogRedirects)
      .values({ oldSlug: blog.slug, blogId: blog.id, createdAt: new Date() })
      .onConflictDoUpdate({ target: blogRedirects.oldSlug, set: { blogId: blog.id } })
      .run();
  });
  bumpGeneration(oldSlug);
  bumpGeneration(slug);
  return { ...blog, slug };
}

const OFFLINE_REASON = 'The operator is working on this blog; it will be back in a moment.';
export const RELEASE_SWEEP_MS = 500;
/** Longer than the server's sweep plus what it gives a request in flight to finish. */
const OFFLINE_GRACE_MS = RELEASE_SWEEP_MS + MOVING_FILE_GRACE_MS + 200;

/**
 * For the CLI, which shares blog files with a running server: takes the blog offline (readers
 * get 503, the server lets go of its handles within OFFLINE_GRACE_MS), runs `operation`, and
 * puts the blog back online unless the operation itself changed its status.
 */
export async function withBlogOffline<T>(slug: string, operation: () => Promise<T> | T): Promise<T> {
  const blog = await findBlog(slug);
  if (!blog || blog.status !== 'active') return operation();
  await markUnderMaintenance(blog, OFFLINE_REASON);
  await new Promise((resolve) => setTimeout(resolve, OFFLINE_GRACE_MS));
  try {
    return await operation();
  } finally {
    await controlDb()
      .orm.update(blogs)
      .set({ status: 'active', statusReason: null })
      .where(and(eq(blogs.id, blog.id), eq(blogs.status, 'maintenance'), eq(blogs.statusReason, OFFLINE_REASON)))
      .run();
  }
}

/**
 * The server's side: it lets go of its handles on blogs that are not active (every
 * RELEASE_SWEEP_MS), once the requests using them end (at most MOVING_FILE_GRACE_MS later).
 */
export async function releaseInactiveBlogs(): Promise<void> {
  if (tenantPool().openSlugs().length === 0) return;
  const inactive = await controlDb().orm.select({ slug: blogs.slug }).from(blogs).where(ne(blogs.status, 'active')).all();
  // The handles open once the query is answered: one opened meanwhile is let go of too.
  const open = new Set(tenantPool().openSlugs());
  for (const { slug } of inactive) {
    if (open.has(slug)) tenantPool().close(slug);
  }
}
