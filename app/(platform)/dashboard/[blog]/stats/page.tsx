import { blogBaseUrl } from '@/lib/blogs/address';
import { dashboardBlog } from '@/lib/dashboard/access';
import { STATS_RANGES, blogStats, type StatsRange } from '@/lib/pageviews/stats';
import { PageTabs } from '@/app/_components/page-tabs';
import { ViewsChart } from './chart';
import { OTHER_REFERRERS } from '@/lib/pageviews/flush';

export const metadata = { title: 'Stats · Quire' };

export default async function StatsPage(props: { params: Promise<{ blog: string }>; searchParams: Promise<{ days?: string }> }) {
  const { blog, handle } = await dashboardBlog((await props.params).blog, 'read-dashboard');
  const asked = Number((await props.searchParams).days);
  const range: StatsRange = (STATS_RANGES as readonly number[]).includes(asked) ? (asked as StatsRange) : 30;
  const stats = blogStats(handle, range);
  const base = `/dashboard/${blog.slug}/stats`;

  return (
    <main className="page">
      <div className="page-head">
        <h1>Stats</h1>
        <PageTabs
          label="Period"
          tabs={STATS_RANGES.map((days) => ({ href: `${base}?days=${days}`, text: `${days} days`, current: days === range }))}
        />
      </div>
      <dl className="totals">
        <div>
          <dt>Views</dt>
          <dd>{stats.totals.views.toLocaleString('en')}</dd>
        </div>
        <div>
          <dt>Readers</dt>
          <dd>{stats.totals.uniques.toLocaleString('en')}</dd>
        </div>
      </dl>
      <ViewsChart days={stats.days} />
      <p className="muted small">
        Counted from a beacon on each page: no cookies, no stored addresses; bots and prefetches are not counted. A reader is one address
        and browser on one day. New views appear within a few seconds. Days are UTC days (midnight to midnight UTC), whatever the
        blog&rsquo;s time zone.
      </p>
      <div className="two-columns">
        <section>
          <h2>Top posts</h2>
          {stats.topPages.length === 0 ? (
            <p className="muted">No views in this period yet.</p>
          ) : (
            <table className="list">
              <tbody>
                {stats.topPages.map((page) => (
                  <tr key={page.postId}>
                    <td>{page.slug ? <a href={`${blogBaseUrl(blog.slug)}/posts/${page.slug}`}>{page.title}</a> : page.title}</td>
                    <td className="num">{page.views.toLocaleString('en')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section>
          <h2>Top referrers</h2>
          {stats.topReferrers.length === 0 ? (
            <p className="muted">No visits from other sites in this period.</p>
          ) : (
            <table className="list">
              <tbody>
                {stats.topReferrers.map((referrer) => (
                  <tr key={referrer.host}>
                    <td>{referrer.host === OTHER_REFERRERS ? 'Other sites' : referrer.host}</td>
                    <td className="num">{referrer.views.toLocaleString('en')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </main>
  );
}
