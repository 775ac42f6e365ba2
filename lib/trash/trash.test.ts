import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { closeControlDb } from '@/lib/db/control';
import { closeTenantPool } from '@/lib/db/pool';
import { getPage, listAllPages, listNavPages, savePage } from '@/lib/pages/pages';
import { createPost, getPost, listAllPosts, savePost } from '@/lib/posts/posts';
import { getPublishedPost, listPublishedPostDates, listPublishedPosts } from '@/lib/posts/public';
import { findRedirect } from '@/lib/posts/redirects';
import { blogStats } from '@/lib/pageviews/stats';
import { freshBlog, makeTempDataDir } from '@/lib/testing/data-dir';
import { countTrash, deleteForGood, listTrash, moveToTrash, oldestInTrash, purgeExpiredTrash, restoreFromTrash } from './trash';

const dataDir = makeTempDataDir();
/** A new blog for each test: trash contents never leak from one to the next. */
const newBlog = () => freshBlog('trash');

afterAll(async () => {
  closeTenantPool();
  await closeControlDb();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const HOUR = 60 * 60 * 1000;
const row = (h: Awaited<ReturnType<typeof freshBlog>>, id: number) =>
  h.sqlite.prepare('select status, published_at, deleted_at, status_before_trash, slug, title from posts where id = ?').get(id);

describe('a post in the trash', () => {
  it('is gone for readers and from the dashboard list, and listed in the trash with its purge date', async () => {
    const h = await newBlog();
    const post = await createPost(h, { title: 'Binned', markdown: 'Binned text', tags: 'x' });
    h.sqlite.prepare("insert into daily_views (day, post_id, views, uniques) values ('2026-01-01', ?, 7, 3)").run(post.id);
    moveToTrash(h, 'post', post.id);
    expect(getPublishedPost(h, post.slug)).toBeUndefined();
    expect(listPublishedPosts(h, { limit: 10 }).posts).toEqual([]);
    expect(listPublishedPostDates(h)).toEqual([]);
    expect(listAllPosts(h)).toEqual([]);
    expect(getPost(h, post.id)).toBeUndefined(); // not editable until restored
    const [item] = listTrash(h, 30);
    expect(item).toMatchObject({ kind: 'post', id: post.id, title: 'Binned', slug: 'binned', statusBeforeTrash: 'published' });
    expect(item!.purgeAt.getTime() - item!.deletedAt.getTime()).toBe(30 * 24 * HOUR);
    expect(countTrash(h)).toBe(1);
    // Its statistics stay until it is deleted for good, without a link readers could not follow.
    expect(h.sqlite.prepare('select views from daily_views where post_id = ?').pluck().get(post.id)).toBe(7);
    expect(blogStats(h, 90, Date.UTC(2026, 0, 2)).topPages).toEqual([
      { postId: post.id, title: 'Binned (in the trash)', slug: null, views: 7, uniques: 3 },
    ]);
    expect(() => moveToTrash(h, 'post', post.id)).toThrow(/no longer exists/);
  });

  it('keeps its address: another post cannot take it, and says why', async () => {
    const h = await newBlog();
    const post = await createPost(h, { title: 'Kept', markdown: 'x' });
    moveToTrash(h, 'post', post.id);
    const taken = 'A post in the trash has this address: restore it or delete it for good first.';
    await expect(createPost(h, { title: 'Other', slug: 'kept', markdown: 'y' })).rejects.toThrow(taken);
    const other = await createPost(h, { title: 'Other', markdown: 'y' });
    await expect(savePost(h, other.id, { title: 'Other', slug: 'kept', markdown: 'y', action: 'publish' })).rejects.toThrow(taken);
    // A title that would make the same address gets the next free one instead.
    expect((await createPost(h, { title: 'Kept', markdown: 'z' })).slug).toBe('kept-2');
  });

  it('comes back exactly as it was: status, date, address, tags', async () => {
    const h = await newBlog();
    const published = await createPost(h, { title: 'Back', markdown: 'x', tags: 'garden', publishAt: new Date(Date.UTC(2025, 4, 1)) });
    const draft = await createPost(h, { title: 'Draft', markdown: 'x', draft: true });
    const before = [row(h, published.id), row(h, draft.id)];
    moveToTrash(h, 'post', published.id);
    moveToTrash(h, 'post', draft.id);
    expect(restoreFromTrash(h, 'post', published.id)).toEqual({ status: 'published' });
    expect(restoreFromTrash(h, 'post', draft.id)).toEqual({ status: 'draft' });
    expect([row(h, published.id), row(h, draft.id)]).toEqual(before);
    expect(getPublishedPost(h, 'back')?.tags).toEqual([{ slug: 'garden', name: 'garden' }]);
    expect(listTrash(h)).toEqual([]);
    expect(() => restoreFromTrash(h, 'post', published.id)).toThrow(/not in the trash/);
  });

  it('comes back scheduled if its time has not come, published if it came meanwhile', async () => {
    const h = await newBlog();
    const now = Date.now();
    const later = await savePost(h, undefined, { title: 'Later', markdown: 'x', action: 'schedule', publishAt: new Date(now + 48 * HOUR) });
    const soon = await savePost(h, undefined, { title: 'Soon', markdown: 'x', action: 'schedule', publishAt: new Date(now + HOUR) });
    moveToTrash(h, 'post', later.id);
    moveToTrash(h, 'post', soon.id);
    const inTwoHours = new Date(now + 2 * HOUR);
    expect(restoreFromTrash(h, 'post', later.id, inTwoHours)).toEqual({ status: 'scheduled' });
    expect(restoreFromTrash(h, 'post', soon.id, inTwoHours)).toEqual({ status: 'published' });
    expect(row(h, soon.id)).toMatchObject({ published_at: now + HOUR });
  });

  it('comes back a draft when the file says it was something a post cannot be', async () => {
    const h = await newBlog();
    const post = await createPost(h, { title: 'Odd', markdown: 'x' });
    moveToTrash(h, 'post', post.id);
    h.sqlite.prepare("update posts set status_before_trash = 'famous' where id = ?").run(post.id);
    expect(restoreFromTrash(h, 'post', post.id)).toEqual({ status: 'draft' });
  });

  it('is deleted for good with its statistics, and redirects to it go too', async () => {
    const h = await newBlog();
    const post = await createPost(h, { title: 'First name', slug: 'first', markdown: 'x' });
    await savePost(h, post.id, { title: 'First name', slug: 'second', markdown: 'x', action: 'publish' }); // /posts/first → /posts/second
    expect(findRedirect(h, '/posts/first')).toBe('/posts/second');
    h.sqlite.prepare("insert into daily_views (day, post_id, views, uniques) values ('2026-01-01', ?, 7, 3)").run(post.id);
    expect(() => deleteForGood(h, 'post', post.id)).toThrow(/not in the trash/); // only from the trash
    moveToTrash(h, 'post', post.id);
    deleteForGood(h, 'post', post.id);
    expect(row(h, post.id)).toBeUndefined();
    expect(h.sqlite.prepare('select count(*) from daily_views where post_id = ?').pluck().get(post.id)).toBe(0);
    expect(findRedirect(h, '/posts/first')).toBeUndefined();
    expect((await createPost(h, { title: 'Second', slug: 'second', markdown: 'y' })).slug).toBe('second'); // the address is free
  });
});

describe('a page in the trash', () => {
  it('leaves the navigation, keeps its address, and comes back as it was', async () => {
    const h = await newBlog();
    const page = await savePage(h, undefined, { title: 'About', markdown: 'me', action: 'publish', navOrder: 3 });
    moveToTrash(h, 'page', page.id);
    expect(listNavPages(h)).toEqual([]);
    expect(listAllPages(h)).toEqual([]);
    expect(getPage(h, page.id)).toBeUndefined();
    await expect(savePage(h, undefined, { title: 'About', slug: 'about', markdown: 'x' })).rejects.toThrow(
      'A page in the trash has this address: restore it or delete it for good first.',
    );
    expect(listTrash(h)).toMatchObject([{ kind: 'page', id: page.id, statusBeforeTrash: 'published' }]);
    expect(restoreFromTrash(h, 'page', page.id)).toEqual({ status: 'published' });
    expect(listNavPages(h)).toMatchObject([{ slug: 'about', title: 'About' }]);
    expect(getPage(h, page.id)).toMatchObject({ navOrder: 3, status: 'published', deletedAt: null, statusBeforeTrash: null });
  });
});

describe('purgeExpiredTrash', () => {
  it('deletes for good only what was put in the trash at or before the cutoff', async () => {
    const h = await newBlog();
    const old = await createPost(h, { title: 'Old', markdown: 'x' });
    const recent = await createPost(h, { title: 'Recent', markdown: 'x' });
    const page = await savePage(h, undefined, { title: 'Old page', markdown: 'x' });
    const t = Date.UTC(2026, 0, 10);
    expect(oldestInTrash(h)).toBeNull();
    moveToTrash(h, 'post', old.id, new Date(t));
    moveToTrash(h, 'page', page.id, new Date(t + 1));
    moveToTrash(h, 'post', recent.id, new Date(t + 10 * HOUR));
    expect(oldestInTrash(h)).toBe(t);
    expect(purgeExpiredTrash(h, t + 1)).toBe(2);
    expect(listTrash(h).map((item) => item.title)).toEqual(['Recent']);
    expect(oldestInTrash(h)).toBe(t + 10 * HOUR);
    expect(purgeExpiredTrash(h, t + 1)).toBe(0);
  });
});
