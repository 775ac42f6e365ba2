import fs from 'node:fs';
import Database from 'better-sqlite3';
import { ne } from 'drizzle-orm';
import { controlDb } from '@/lib/db/control';
import { tenantDbPath } from '@/lib/db/paths';
import { blogs, type Blog } from '@/lib/db/schema/control';

export type BlogInfo = {
  slug: string;
  title: string;
  status: Blog['status'];
  /** The file and its WAL, in bytes. */
  sizeBytes: number;
  posts: number | null;
  lastWrite: string | null;
  schemaVersion: number | null;
  problem?: string;
};

/** What `quire blogs list` shows: each blog as its own file says, read without writing. */
export async function describeBlogs(options: { includeDeleted?: boolean } = {}): Promise<BlogInfo[]> {
  const rows = options.includeDeleted
    ? await controlDb().orm.select().from(blogs).orderBy(blogs.slug).all()
    : await controlDb().orm.select().from(blogs).where(ne(blogs.status, 'deleted')).orderBy(blogs.slug).all();
  return rows.map((blog) => {
    const file = tenantDbPath(blog.slug);
    const stats = ['', '-wal'].map((suffix) => fs.statSync(file + suffix, { throwIfNoEntry: false }));
    const info: BlogInfo = {
      slug: blog.slug,
      title: blog.title,
      status: blog.status,
      sizeBytes: stats.reduce((sum, s) => sum + (s?.size ?? 0), 0),
      posts: null,
      lastWrite: stats.some(Boolean) ? new Date(Math.max(...stats.map((s) => s?.mtimeMs ?? 0))).toISOString() : null,
      schemaVersion: null,
    };
    if (!stats[0]) return blog.status === 'deleted' ? info : { ...info, problem: 'file missing' };
    try {
      const db = new Database(file, { readonly: true, fileMustExist: true });
      try {
        info.schemaVersion = db.pragma('user_version', { simple: true }) as number;
        info.posts = db.prepare('select count(*) from posts').pluck().get() as number;
      } finally {
        db.close();
      }
    } catch (error) {
      info.problem = (error as Error).message;
    }
    return info;
  });
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
