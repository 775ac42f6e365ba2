/**
 * Seeds many blogs quickly through the library (the same writes as the CLI, without a process
 * per post), for tests and benchmarks:
 *   QUIRE_DATA_DIR=… node --import tsx lib/testing/seed-blogs.ts <blogs> <posts-per-blog> [markdown-file]
 * Blogs are named blog0, blog1, …; each gets posts "Post 1" … with ids 1 … n.
 */
import fs from 'node:fs';
import { createBlog } from '@/lib/blogs/blogs';
import { closeControlDb } from '@/lib/db/control';
import { closeTenantPool, openTenant } from '@/lib/db/pool';
import { createPost } from '@/lib/posts/posts';
import { closeWorkerPools } from '@/lib/workers/pool';

const [blogs, posts, file] = process.argv.slice(2);
const markdown = file ? fs.readFileSync(file, 'utf8') : 'A short post.';
for (let b = 0; b < Number(blogs); b++) {
  await createBlog({ slug: `blog${b}`, title: `Blog ${b}` });
  const handle = openTenant(`blog${b}`);
  handle.sqlite.exec('BEGIN');
  for (let p = 1; p <= Number(posts); p++) await createPost(handle, { title: `Post ${p}`, markdown });
  handle.sqlite.exec('COMMIT');
}
await closeWorkerPools();
closeTenantPool();
await closeControlDb();
