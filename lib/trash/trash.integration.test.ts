import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, request, startServer, type RunningServer } from '@/lib/testing/server';
import { readZipEntries } from '@/lib/testing/zip';

/**
 * The trash over real HTTP against the production server: a deleted post or page is gone for
 * readers everywhere they could meet it, waits in the dashboard's trash, comes back exactly as it
 * was, and is deleted for good by the server's housekeeping once its days are over.
 */
const PASSWORD = 'a long enough passphrase';

async function signUp(server: RunningServer, email: string, slug: string): Promise<ApiClient> {
  const client = new ApiClient(server.port);
  const reply = await client.call('POST', '/api/auth/signup', { email, password: PASSWORD, blog: { slug, title: slug } });
  expect(reply.status, JSON.stringify(reply.json)).toBe(200);
  return client;
}

async function publish(client: ApiClient, blog: string, body: Record<string, unknown>): Promise<{ id: number; slug: string }> {
  const reply = await client.call('POST', `/api/blogs/${blog}/posts`, { action: 'publish', ...body });
  expect(reply.status, JSON.stringify(reply.json)).toBe(200);
  return reply.json.post as { id: number; slug: string };
}

/** The blog's file, read beside the running server (WAL: readers never block it). */
function blogFile(dataDir: string, slug: string): Database.Database {
  return new Database(path.join(dataDir, 'tenants', `${slug}.db`), { readonly: true });
}

describe('the trash', () => {
  let dataDir: string;
  let server: RunningServer;
  let alice: ApiClient;
  let eve: ApiClient;
  const read = (urlPath: string) => request(server.port, `binned.localhost:${server.port}`, urlPath);
  const postDate = (html: string) => /<time[^>]*dateTime="([^"]+)"|<time[^>]*datetime="([^"]+)"/.exec(html)?.slice(1).find(Boolean);

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-trash-'));
    server = await startServer(dataDir);
    alice = await signUp(server, 'alice@example.com', 'binned');
    eve = await signUp(server, 'eve@example.com', 'eves');
    await publish(alice, 'binned', { title: 'Keeper', markdown: 'Stays put.' });
  });

  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('takes a deleted post away from readers everywhere, keeps it in the trash, and restores it exactly', async () => {
    const post = await publish(alice, 'binned', {
      title: 'Compost heap',
      markdown: 'All about vermiculture.',
      tags: 'garden',
      publishAt: '2025-05-01T08:00:00.000Z',
    });
    // Its statistics, as the pageview flush writes them.
    const writable = new Database(path.join(dataDir, 'tenants', 'binned.db'));
    writable.prepare("insert into daily_views (day, post_id, views, uniques) values ('2026-01-01', ?, 7, 3)").run(post.id);
    writable.close();

    const everywhere = async () => ({
      post: (await read('/posts/compost-heap')).status,
      home: (await read('/')).body.includes('Compost heap'),
      feed: (await read('/feed.xml')).body.includes('/posts/compost-heap'),
      sitemap: (await read('/sitemap.xml')).body.includes('/posts/compost-heap'),
      search: (await read('/search?q=vermiculture')).body.includes('/posts/compost-heap'),
      tag: (await read('/tag/garden')).status,
    });
    const visible = { post: 200, home: true, feed: true, sitemap: true, search: true, tag: 200 };
    expect(await everywhere()).toEqual(visible);
    const published = postDate((await read('/posts/compost-heap')).body);
    expect(published).toBe('2025-05-01T08:00:00.000Z');

    expect((await alice.call('DELETE', `/api/blogs/binned/posts/${post.id}`, {})).status).toBe(200);
    expect(await everywhere()).toEqual({ post: 404, home: false, feed: false, sitemap: false, search: false, tag: 404 });

    // Gone from the dashboard's list, waiting in the trash, its address kept.
    const list = await alice.call('GET', '/dashboard/binned');
    expect(list.text).not.toContain('Compost heap');
    expect(list.text).toContain('Trash (1)');
    const trash = await alice.call('GET', '/dashboard/binned/trash');
    expect(trash.status).toBe(200);
    expect(trash.text).toContain('Compost heap');
    expect(trash.text).toContain('Deleted for good after');
    const taken = await alice.call('POST', '/api/blogs/binned/posts', {
      title: 'Another heap',
      slug: 'compost-heap',
      markdown: 'x',
      action: 'publish',
    });
    expect(taken.status).toBe(400);
    expect(taken.json.error).toBe('A post in the trash has this address: restore it or delete it for good first.');
    // Not editable from the trash, and its statistics stay.
    expect((await alice.call('GET', `/dashboard/binned/posts/${post.id}`)).status).toBe(404);
    const file = blogFile(dataDir, 'binned');
    expect(file.prepare('select views from daily_views where post_id = ?').pluck().get(post.id)).toBe(7);
    file.close();

    const restored = await alice.call('POST', `/api/blogs/binned/trash/posts/${post.id}/restore`, {});
    expect(restored.status).toBe(200);
    expect(restored.json).toEqual({ status: 'published' });
    expect(await everywhere()).toEqual(visible);
    expect(postDate((await read('/posts/compost-heap')).body)).toBe(published);
    expect((await alice.call('GET', '/dashboard/binned/trash')).text).toContain('The trash is empty.');
  });

  it('does the same for a page and the blog’s navigation', async () => {
    const page = await alice.call('POST', '/api/blogs/binned/pages', { title: 'Colophon', markdown: 'Set in type.', action: 'publish' });
    const id = (page.json.page as { id: number }).id;
    const nav = async () => (await read('/')).body.includes('href="/colophon"');
    expect(await nav()).toBe(true);
    expect((await alice.call('DELETE', `/api/blogs/binned/pages/${id}`, {})).status).toBe(200);
    expect(await nav()).toBe(false);
    expect((await read('/colophon')).status).toBe(404);
    expect((await alice.call('GET', '/dashboard/binned/pages')).text).not.toContain('Colophon');
    expect((await alice.call('GET', '/dashboard/binned/trash')).text).toContain('Colophon');
    expect((await alice.call('POST', `/api/blogs/binned/trash/pages/${id}/restore`, {})).json).toEqual({ status: 'published' });
    expect(await nav()).toBe(true);
    expect((await read('/colophon')).status).toBe(200);
  });

  it('lets only the blog’s writers restore or delete for good', async () => {
    const post = await publish(alice, 'binned', { title: 'Private matter', markdown: 'x' });
    await alice.call('DELETE', `/api/blogs/binned/posts/${post.id}`, {});
    for (const [method, url] of [
      ['POST', `/api/blogs/binned/trash/posts/${post.id}/restore`],
      ['DELETE', `/api/blogs/binned/trash/posts/${post.id}`],
    ] as const) {
      const reply = await eve.call(method, url, {});
      expect(reply.status).toBe(404);
      expect(reply.json.error).toBe('There is no such blog in your account.');
    }
    expect((await eve.call('GET', '/dashboard/binned/trash')).status).toBe(404);
    // A post not in the trash cannot be deleted for good from there.
    const live = await publish(alice, 'binned', { title: 'Live one', markdown: 'x' });
    expect((await alice.call('DELETE', `/api/blogs/binned/trash/posts/${live.id}`, {})).status).toBe(404);
    expect((await read('/posts/live-one')).status).toBe(200);
  });

  it('deletes for good on "Delete now", freeing the address', async () => {
    const post = await publish(alice, 'binned', { title: 'Regret', markdown: 'x' });
    await alice.call('DELETE', `/api/blogs/binned/posts/${post.id}`, {});
    expect((await alice.call('DELETE', `/api/blogs/binned/trash/posts/${post.id}`, {})).status).toBe(200);
    expect((await alice.call('GET', '/dashboard/binned/trash')).text).not.toContain('Regret');
    expect((await alice.call('POST', `/api/blogs/binned/trash/posts/${post.id}/restore`, {})).status).toBe(404);
    await publish(alice, 'binned', { title: 'Regret', markdown: 'a new one' });
    expect((await read('/posts/regret')).body).toContain('a new one');
  });

  it('leaves the trash out of the Markdown zip; the blog file keeps it', async () => {
    const post = await publish(alice, 'binned', { title: 'Zip me not', markdown: 'x' });
    await alice.call('DELETE', `/api/blogs/binned/posts/${post.id}`, {});
    const page = await alice.call('POST', '/api/blogs/binned/pages', { title: 'Old page', markdown: 'x', action: 'publish' });
    await alice.call('DELETE', `/api/blogs/binned/pages/${(page.json.page as { id: number }).id}`, {});
    const download = async (url: string) =>
      Buffer.from(await (await fetch(`${alice.origin}${url}`, { headers: { cookie: alice.cookie } })).arrayBuffer());
    const zip = await readZipEntries(await download('/api/blogs/binned/export/markdown'));
    expect([...zip.keys()]).toContain('posts/keeper.md');
    expect([...zip.keys()]).not.toContain('posts/zip-me-not.md');
    expect([...zip.keys()]).not.toContain('pages/old-page.md');
    const copy = path.join(dataDir, 'export-check.db');
    fs.writeFileSync(copy, await download('/api/blogs/binned/export'));
    const db = new Database(copy, { readonly: true });
    expect(db.prepare("select status, status_before_trash from posts where slug = 'zip-me-not' and deleted_at is not null").get()).toEqual({
      status: 'draft',
      status_before_trash: 'published',
    });
    db.close();
  });
});

describe('housekeeping', () => {
  let dataDir: string;
  let server: RunningServer;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-trash-purge-'));
    // Every 3 seconds, and nothing waits in the trash: the next run deletes it for good.
    server = await startServer(dataDir, { QUIRE_PRUNE_EVERY_MIN: '0.05', QUIRE_TRASH_DAYS: '0' });
  });

  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('deletes what waited its days in the trash for good, with its statistics', async () => {
    const carol = await signUp(server, 'carol@example.com', 'purged');
    const post = await publish(carol, 'purged', { title: 'Short lived', markdown: 'x' });
    const writable = new Database(path.join(dataDir, 'tenants', 'purged.db'));
    writable.prepare("insert into daily_views (day, post_id, views, uniques) values ('2026-01-01', ?, 7, 3)").run(post.id);
    writable.close();
    expect((await carol.call('DELETE', `/api/blogs/purged/posts/${post.id}`, {})).status).toBe(200);

    const deadline = Date.now() + 20_000;
    const remaining = () => {
      const db = blogFile(dataDir, 'purged');
      try {
        return db
          .prepare('select (select count(*) from posts where id = ?) + (select count(*) from daily_views where post_id = ?)')
          .pluck()
          .get(post.id, post.id);
      } finally {
        db.close();
      }
    };
    while (remaining() !== 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
    expect(remaining()).toBe(0);
    expect((await carol.call('GET', '/dashboard/purged/trash')).text).toContain('The trash is empty.');
    expect(server.output()).toMatch(/housekeeping: purged 0 blog\(s\) and 1 post\(s\) or page\(s\) from the trash/);
    // Its address is free again.
    await publish(carol, 'purged', { title: 'Short lived', markdown: 'again' });
  });
});
