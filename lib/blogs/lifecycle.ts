import fs from 'node:fs';
import path from 'node:path';
import { and, eq, isNotNull, lt, sql } from 'drizzle-orm';
import { findBlog, checkNewBlog } from './blogs';
import { config } from '@/lib/config';
import { controlDb } from '@/lib/db/control';
import { tenantDbPath, trashDir } from '@/lib/db/paths';
import { openTenant, tenantPool } from '@/lib/db/pool';
import { blogRedirects, blogs, type Blog } from '@/lib/db/schema/control';
import { InputError } from '@/lib/input';
import { bumpGeneration } from '@/lib/pagecache/generation';

/**
 * A blog's life after creation: soft delete to the trash, restore, purge, rename. Each moves
 * the file whole: checkpointed first, so `<slug>.db` alone is the blog, and the handle closed.
 */

function detachFile(slug: string): void {
  const handle = openTenant(slug);
  handle.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  tenantPool().close(slug);
  for (const suffix of ['-wal', '-shm']) fs.rmSync(tenantDbPath(slug) + suffix, { force: true });
}

const trashFile = (slug: string) => path.join(trashDir(), `${slug}.db`);

/** Moves the blog to the trash: readers get 404, the address stays reserved until purged. */
export function softDeleteBlog(blog: Blog): void {
  if (blog.status === 'deleted') throw new InputError(`"${blog.slug}" is already in the trash.`);
  detachFile(blog.slug);
  fs.mkdirSync(trashDir(), { recursive: true });
  fs.renameSync(tenantDbPath(blog.slug), trashFile(blog.slug));
  controlDb().orm.update(blogs).set({ status: 'deleted', deletedAt: new Date() }).where(eq(blogs.id, blog.id)).run();
  bumpGeneration(blog.slug);
}

export function restoreDeletedBlog(slug: string): Blog {
  const blog = findBlog(slug);
  if (!blog || blog.status !== 'deleted') throw new InputError(`There is no deleted blog "${slug}" in the trash.`);
  if (!fs.existsSync(trashFile(slug))) throw new InputError(`The trash has no file for "${slug}"; it cannot be restored.`);
  if (fs.existsSync(tenantDbPath(slug))) throw new InputError(`A file for "${slug}" is already in place; not overwriting it.`);
  fs.renameSync(trashFile(slug), tenantDbPath(slug));
  controlDb().orm.update(blogs).set({ status: 'active', deletedAt: null }).where(eq(blogs.id, blog.id)).run();
  bumpGeneration(slug);
  return { ...blog, status: 'active', deletedAt: null };
}

/** Deletes for good the blogs that have been in the trash longer than `days`. */
export function purgeTrash(days = config().trashDays, now = Date.now()): string[] {
  const control = controlDb();
  const expired = control.orm
    .select()
    .from(blogs)
    .where(and(eq(blogs.status, 'deleted'), isNotNull(blogs.deletedAt), lt(blogs.deletedAt, new Date(now - days * 24 * 60 * 60 * 1000))))
    .all();
  for (const blog of expired) {
    fs.rmSync(trashFile(blog.slug), { force: true });
    control.orm.delete(blogs).where(eq(blogs.id, blog.id)).run();
  }
  return expired.map((blog) => blog.slug);
}

/** Gives a blog a new address; the old subdomain answers with a permanent redirect. */
export function renameBlog(oldSlug: string, newSlug: string): Blog {
  const blog = findBlog(oldSlug);
  if (!blog || blog.status === 'deleted') throw new InputError(`There is no blog "${oldSlug}".`);
  const { slug } = checkNewBlog({ slug: newSlug, title: blog.title });
  detachFile(blog.slug);
  fs.renameSync(tenantDbPath(blog.slug), tenantDbPath(slug));
  const control = controlDb();
  control.sqlite.transaction(() => {
    control.orm.update(blogs).set({ slug }).where(eq(blogs.id, blog.id)).run();
    control.orm.delete(blogRedirects).where(eq(blogRedirects.oldSlug, slug)).run();
    control.orm
      .insert(blogRedirects)
      .values({ oldSlug: blog.slug, blogId: blog.id, createdAt: new Date() })
      .onConflictDoUpdate({ target: blogRedirects.oldSlug, set: { blogId: blog.id } })
      .run();
  })();
  bumpGeneration(oldSlug);
  bumpGeneration(slug);
  return { ...blog, slug };
}

/** Where an old address now points, if it belonged to a renamed blog. */
export function redirectTarget(oldSlug: string): string | undefined {
  const control = controlDb();
  return control
    .statement('redirects.bySlug', () =>
      control.orm
        .select({ slug: blogs.slug })
        .from(blogRedirects)
        .innerJoin(blogs, eq(blogs.id, blogRedirects.blogId))
        .where(eq(blogRedirects.oldSlug, sql.placeholder('slug')))
        .prepare(),
    )
    .get({ slug: oldSlug })?.slug;
}
