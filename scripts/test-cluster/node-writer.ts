/**
 * What `quire blogs create` and `quire posts add` do, for many blogs in one process (a process
 * per blog would take a minute for a hundred). Run by the cluster test with one node's
 * environment (QUIRE_NODE_ID, its data directory, the control plane), so that every blog it
 * creates is placed on that node, as the CLI on that node would place it:
 *
 *   node --import tsx scripts/test-cluster/node-writer.ts create <slug>…
 *     each blog with two published posts: /posts/hello and /posts/unread (the test keeps the
 *     second unread until PostgreSQL is down, to ask a node for a page it has not cached)
 *   node --import tsx scripts/test-cluster/node-writer.ts post [--every <ms>] <blog>:<post-slug>…
 *     a published post per argument; prints `ack <blog> <post-slug> <ms since epoch>` as each
 *     is committed (an acknowledged write, for the failover's RPO); with --every, one post
 *     every <ms> at most, so that a long list is a steady load the test can kill in its middle
 */
import { createBlog } from '@/lib/blogs/blogs';
import { closeControlDb } from '@/lib/db/control';
import { closeTenantPool, openTenant } from '@/lib/db/pool';
import { createPost } from '@/lib/posts/posts';
import { closeWorkerPools } from '@/lib/workers/pool';

const [command, ...args] = process.argv.slice(2);

if (command === 'create') {
  for (const slug of args) {
    await createBlog({ slug, title: `Blog ${slug}` });
    const blog = openTenant(slug);
    await createPost(blog, { title: 'Hello', slug: 'hello', markdown: `The first post of ${slug}.` });
    await createPost(blog, { title: 'Unread', slug: 'unread', markdown: `A post of ${slug} nobody reads before PostgreSQL stops.` });
    console.log(`created ${slug}`);
  }
} else if (command === 'post') {
  const everyMs = args[0] === '--every' ? Number(args[1]) : 0;
  const posts = everyMs ? args.slice(2) : args;
  const started = Date.now();
  for (const [i, arg] of posts.entries()) {
    const [blog, post] = arg.split(':') as [string, string];
    await createPost(openTenant(blog), { title: `Write ${post}`, slug: post, markdown: `Written to ${blog} before its node died.` });
    console.log(`ack ${blog} ${post} ${Date.now()}`);
    // Paced against the start: the rate holds however long each write took.
    if (everyMs) await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + (i + 1) * everyMs - Date.now())));
  }
} else {
  throw new Error(`unknown command ${command}: create <slug>… | post [--every <ms>] <blog>:<post-slug>…`);
}

await closeWorkerPools();
closeTenantPool();
await closeControlDb();
// The control plane's LISTEN connection (the registry) may still hold the event loop.
process.exit(0);
