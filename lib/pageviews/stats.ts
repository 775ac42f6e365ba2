import type { TenantHandle } from '@/lib/db/pool';
import { utcDay } from './visitor';

export const STATS_RANGES = [7, 30, 90] as const;
export type StatsRange = (typeof STATS_RANGES)[number];

export type DayPoint = { day: string; views: number; uniques: number };

export type BlogStats = {
  days: DayPoint[];
  totals: { views: number; uniques: number };
  topPages: { postId: number; title: string; slug: string | null; views: number; uniques: number }[];
  topReferrers: { host: string; views: number }[];
};

const DAY_MS = 24 * 60 * 60 * 1000;

/** What the author's stats page shows for the last `range` days (UTC), today included. */
export function blogStats(handle: TenantHandle, range: StatsRange, now = Date.now()): BlogStats {
  const first = utcDay(now - (range - 1) * DAY_MS);
  const last = utcDay(now);
  const s = statements(handle);

  const views = new Map((s.viewsByDay.all(first, last) as { day: string; views: number }[]).map((r) => [r.day, r.views]));
  const uniques = new Map((s.uniquesByDay.all(first, last) as { day: string; uniques: number }[]).map((r) => [r.day, r.uniques]));
  const days: DayPoint[] = [];
  for (let i = range - 1; i >= 0; i--) {
    const day = utcDay(now - i * DAY_MS);
    days.push({ day, views: views.get(day) ?? 0, uniques: uniques.get(day) ?? 0 });
  }
  return {
    days,
    totals: {
      views: days.reduce((sum, d) => sum + d.views, 0),
      uniques: days.reduce((sum, d) => sum + d.uniques, 0),
    },
    topPages: (
      s.topPages.all(first, last) as {
        postId: number;
        title: string | null;
        slug: string | null;
        trashed: 0 | 1;
        views: number;
        uniques: number;
      }[]
    ).map(({ trashed, ...row }) =>
      // A post in the trash keeps its statistics until it is deleted for good; readers cannot follow a link to it.
      trashed
        ? { ...row, slug: null, title: `${row.title} (in the trash)` }
        : { ...row, title: row.postId === 0 ? 'Home page' : (row.title ?? 'A deleted post') },
    ),
    topReferrers: s.topReferrers.all(first, last) as { host: string; views: number }[],
  };
}

function statements(handle: TenantHandle) {
  return handle.statement('pageviews.stats', () => ({
    viewsByDay: handle.sqlite.prepare('select day, sum(views) as views from daily_views where day between ? and ? group by day'),
    uniquesByDay: handle.sqlite.prepare('select day, uniques from daily_visitors where day between ? and ?'),
    topPages: handle.sqlite.prepare(
      `select v.post_id as postId, p.title as title, p.slug as slug, p.deleted_at is not null as trashed, sum(v.views) as views, sum(v.uniques) as uniques
       from daily_views v left join posts p on p.id = v.post_id
       where v.day between ? and ? group by v.post_id order by views desc, v.post_id limit 10`,
    ),
    topReferrers: handle.sqlite.prepare(
      'select host, sum(views) as views from daily_referrers where day between ? and ? group by host order by views desc, host limit 10',
    ),
  }));
}
