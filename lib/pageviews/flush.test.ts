import fs from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createBlog } from '@/lib/blogs/blogs';
import { closeControlDb } from '@/lib/db/control';
import { tenantDbPath } from '@/lib/db/paths';
import { closeTenantPool, openTenant } from '@/lib/db/pool';
import { createPost } from '@/lib/posts/posts';
import { makeTempDataDir } from '@/lib/testing/data-dir';
import { PageviewBatcher } from './batcher';
import { flushPageviews } from './flush';
import { blogStats } from './stats';

const dataDir = makeTempDataDir();
const DAY = '2026-11-21';
for (const slug of ['one', 'two']) {
  await createBlog({ slug, title: slug });
  await createPost(openTenant(slug), { title: 'First', markdown: 'x' });
}

afterAll(async () => {
  closeTenantPool();
  await closeControlDb();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const count = (slug: string, sql: string) => openTenant(slug).sqlite.prepare(sql).pluck().get() as number;

describe('flushPageviews', () => {
  it('writes daily rows, the posts total, readers and referrers', () => {
    const batcher = new PageviewBatcher({ maxPendingKeys: 1000, maxSeen: 1000 });
    for (let i = 0; i < 5; i++) batcher.record({ blog: 'one', postId: 1, day: DAY, visitor: `v${i % 2}`, referrerHost: 'news.example' });
    batcher.record({ blog: 'one', postId: 0, day: DAY, visitor: 'v0' });
    const result = flushPageviews(batcher, openTenant, DAY);
    expect(result).toEqual({ blogs: 1, views: 6, failed: [] });
    expect(count('one', 'select views from posts where id = 1')).toBe(5);
    expect(count('one', `select views from daily_views where day = '${DAY}' and post_id = 1`)).toBe(5);
    expect(count('one', `select uniques from daily_views where day = '${DAY}' and post_id = 1`)).toBe(2);
    expect(count('one', `select views from daily_views where day = '${DAY}' and post_id = 0`)).toBe(1);
    expect(count('one', `select uniques from daily_visitors where day = '${DAY}'`)).toBe(2);
    expect(count('one', `select views from daily_referrers where host = 'news.example'`)).toBe(5);
    // A second flush adds to the same rows.
    batcher.record({ blog: 'one', postId: 1, day: DAY, visitor: 'v7' });
    flushPageviews(batcher, openTenant, DAY);
    expect(count('one', `select views from daily_views where day = '${DAY}' and post_id = 1`)).toBe(6);
    expect(count('one', `select uniques from daily_visitors where day = '${DAY}'`)).toBe(3);
  });

  it("keeps a busy blog's counts for the next flush, writing the others, all or nothing per blog", () => {
    const batcher = new PageviewBatcher({ maxPendingKeys: 1000, maxSeen: 1000 });
    const before = { one: count('one', 'select views from posts where id = 1'), two: count('two', 'select views from posts where id = 1') };
    batcher.record({ blog: 'one', postId: 1, day: DAY, visitor: 'x' });
    batcher.record({ blog: 'two', postId: 1, day: DAY, visitor: 'x' });
    batcher.record({ blog: 'two', postId: 0, day: DAY, visitor: 'x', referrerHost: 'r.example' });

    // Another process holds blog two's write lock: the flush meets SQLITE_BUSY.
    const other = new Database(tenantDbPath('two'));
    other.exec('BEGIN IMMEDIATE');
    const started = Date.now();
    const failed = flushPageviews(batcher, openTenant, DAY);
    expect(Date.now() - started).toBeLessThan(1_000); // waited briefly, not the 5 s busy_timeout
    expect(failed.failed).toEqual(['two']);
    expect(count('one', 'select views from posts where id = 1')).toBe(before.one + 1);
    expect(batcher.snapshot()).toMatchObject({ pendingViews: 2, failedFlushes: 1 });
    expect(batcher.snapshot().lastError).toMatch(/two: .*locked|busy/i);

    other.exec('ROLLBACK');
    other.close();
    expect(openTenant('two').sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
    const retried = flushPageviews(batcher, openTenant, DAY);
    expect(retried).toEqual({ blogs: 1, views: 2, failed: [] });
    expect(count('two', 'select views from posts where id = 1')).toBe(before.two + 1);
    expect(count('two', `select views from daily_referrers where host = 'r.example'`)).toBe(1);
  });

  it('drops the counts of a blog that is gone, and keeps those of one that cannot be opened now', () => {
    const batcher = new PageviewBatcher({ maxPendingKeys: 1000, maxSeen: 1000 });
    batcher.record({ blog: 'gone', postId: 1, day: DAY, visitor: 'x' });
    batcher.record({ blog: 'later', postId: 1, day: DAY, visitor: 'x' });
    batcher.record({ blog: 'one', postId: 1, day: DAY, visitor: 'y' });
    const open = (slug: string) => {
      if (slug === 'later') throw new Error('under maintenance');
      return openTenant(slug); // "gone" has no file: BlogFileMissingError
    };
    const result = flushPageviews(batcher, open, DAY);
    expect(result).toEqual({ blogs: 1, views: 1, failed: ['later'] });
    expect(batcher.snapshot().pendingViews).toBe(1); // later's view waits; gone's was dropped
  });

  it('feeds the stats page: days, totals, top pages and referrers', () => {
    const stats = blogStats(openTenant('one'), 7, Date.UTC(2026, 10, 21, 12));
    expect(stats.days).toHaveLength(7);
    expect(stats.days.at(-1)).toMatchObject({ day: DAY });
    expect(stats.days.at(-1)!.views).toBe(stats.totals.views);
    expect(stats.topPages[0]).toMatchObject({ postId: 1, title: 'First', slug: 'first' });
    expect(stats.topPages.find((p) => p.postId === 0)?.title).toBe('Home page');
    expect(stats.topReferrers[0]).toEqual({ host: 'news.example', views: 5 });
  });
});
