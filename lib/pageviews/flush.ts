import { config } from '@/lib/config';
import { BlogFileMissingError, type TenantHandle } from '@/lib/db/pool';
import type { BlogBatch, PageviewBatcher } from './batcher';

export type FlushResult = { blogs: number; views: number; failed: string[] };

/**
 * Writes everything pending: one transaction per blog, by upsert. A blog whose write fails
 * (busy, locked, I/O, a damaged file) gets its counts back for the next flush; the other blogs
 * are written regardless. Synchronous, so shutdown can call it last thing.
 */
export function flushPageviews(batcher: PageviewBatcher, open: (blog: string) => TenantHandle, today: string): FlushResult {
  const result: FlushResult = { blogs: 0, views: 0, failed: [] };
  for (const [blog, batch] of batcher.take()) {
    try {
      writeBatch(open(blog), batch);
      const views = [...batch.pages.values()].reduce((sum, page) => sum + page.views, 0);
      result.blogs++;
      result.views += views;
      batcher.stats.flushedViews += views;
    } catch (error) {
      // A blog that is gone (deleted, renamed) will never take these counts: drop them.
      if (error instanceof BlogFileMissingError) continue;
      batcher.restore(blog, batch);
      batcher.stats.failedFlushes++;
      batcher.stats.lastError = `${blog}: ${(error as Error).message}`;
      result.failed.push(blog);
    }
  }
  batcher.rollOver(today);
  batcher.stats.flushes++;
  batcher.stats.lastFlushAt = Date.now();
  return result;
}

/**
 * A flush runs on the server's only thread: a blog locked by another process (the CLI) must
 * not stall every reader for the full busy_timeout. It waits briefly, then keeps its counts
 * for the next flush.
 */
const FLUSH_BUSY_TIMEOUT_MS = 100;

/** Where referring sites beyond a day's bound are counted (QUIRE_REFERRERS_PER_DAY). */
export const OTHER_REFERRERS = '(other)';

function writeBatch(handle: TenantHandle, batch: BlogBatch): void {
  const s = statements(handle);
  handle.sqlite.pragma(`busy_timeout = ${FLUSH_BUSY_TIMEOUT_MS}`);
  try {
    writeInTransaction(handle, s, batch);
  } finally {
    handle.sqlite.pragma('busy_timeout = 5000');
  }
}

function writeInTransaction(handle: TenantHandle, s: ReturnType<typeof statements>, batch: BlogBatch): void {
  // IMMEDIATE: take the write lock up front, so a busy file fails here, before any change.
  handle.sqlite
    .transaction(() => {
      for (const [key, count] of batch.pages) {
        const [day, post] = key.split('|') as [string, string];
        const postId = Number(post);
        s.page.run(day, postId, count.views, count.uniques);
        if (postId > 0) s.postTotal.run(count.views, postId);
      }
      for (const [day, uniques] of batch.visitors) s.visitors.run(day, uniques);
      // Referring hosts are the reader's to invent: a day keeps a bounded number of them.
      const hostsOn = new Map<string, number>();
      for (const [key, views] of batch.referrers) {
        const bar = key.indexOf('|');
        const day = key.slice(0, bar);
        const host = key.slice(bar + 1);
        if (!hostsOn.has(day)) hostsOn.set(day, s.referrerHosts.get(day) as number);
        const known = s.referrerKnown.get(day, host) !== undefined;
        if (!known && hostsOn.get(day)! >= config().referrersPerDay) {
          s.referrer.run(day, OTHER_REFERRERS, views);
          continue;
        }
        if (!known) hostsOn.set(day, hostsOn.get(day)! + 1);
        s.referrer.run(day, host, views);
      }
    })
    .immediate();
}

function statements(handle: TenantHandle) {
  return handle.statement('pageviews.flush', () => ({
    page: handle.sqlite.prepare(
      `insert into daily_views (day, post_id, views, uniques) values (?, ?, ?, ?)
       on conflict (day, post_id) do update set views = views + excluded.views, uniques = uniques + excluded.uniques`,
    ),
    postTotal: handle.sqlite.prepare('update posts set views = views + ? where id = ?'),
    visitors: handle.sqlite.prepare(
      `insert into daily_visitors (day, uniques) values (?, ?)
       on conflict (day) do update set uniques = uniques + excluded.uniques`,
    ),
    referrerHosts: handle.sqlite.prepare('select count(*) from daily_referrers where day = ?').pluck(),
    referrerKnown: handle.sqlite.prepare('select 1 from daily_referrers where day = ? and host = ?').pluck(),
    referrer: handle.sqlite.prepare(
      `insert into daily_referrers (day, host, views) values (?, ?, ?)
       on conflict (day, host) do update set views = views + excluded.views`,
    ),
  }));
}
