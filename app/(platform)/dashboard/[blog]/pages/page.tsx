import Link from 'next/link';
import { dashboardBlog } from '@/lib/dashboard/access';
import { listAllPages } from '@/lib/pages/pages';
import { STATUS_LABELS } from '@/lib/posts/status';
import { countTrash } from '@/lib/trash/trash';
import { When } from '@/app/_components/dates';
import { TrashLink } from '../trash/trash-link';
import { ListTable } from '@/app/_components/list-table';

export default async function PagesPage({ params }: { params: Promise<{ blog: string }> }) {
  const { blog, handle, settings } = await dashboardBlog((await params).blog, 'write-pages');
  const pages = listAllPages(handle);
  return (
    <main className="page">
      <div className="page-head">
        <h1>Pages</h1>
        <div className="button-row">
          <TrashLink blog={blog.slug} count={countTrash(handle)} />
          <Link className="button primary" href={`/dashboard/${blog.slug}/pages/new`}>
            New page
          </Link>
        </div>
      </div>
      <p className="muted">Published pages appear in your blog&rsquo;s navigation, in the order of their position.</p>
      {pages.length === 0 ? (
        <p>No pages yet. An &ldquo;About&rdquo; page is a good start.</p>
      ) : (
        <ListTable
          columns={[{ label: 'Title' }, { label: 'Status' }, { label: 'Position', numeric: true }, { label: 'Updated', wideOnly: true }]}
        >
          {pages.map((page) => (
            <tr key={page.id}>
              <td>
                <Link href={`/dashboard/${blog.slug}/pages/${page.id}`}>{page.title}</Link>
              </td>
              <td>
                <span className={`status status-${page.status}`}>{STATUS_LABELS[page.status]}</span>
              </td>
              <td className="num">{page.navOrder}</td>
              <td className="wide-only">
                <When date={page.updatedAt} timeZone={settings.timeZone} />
              </td>
            </tr>
          ))}
        </ListTable>
      )}
    </main>
  );
}
