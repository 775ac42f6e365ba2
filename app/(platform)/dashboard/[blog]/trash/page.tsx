import { config } from '@/lib/config';
import { dashboardBlog } from '@/lib/dashboard/access';
import { can } from '@/lib/members/roles';
import { STATUS_LABELS, type PostStatus } from '@/lib/posts/status';
import { listTrash } from '@/lib/trash/trash';
import { When } from '@/app/_components/dates';
import { TrashActions } from './trash-actions';
import { ListTable } from '@/app/_components/list-table';

export const metadata = { title: 'Trash · Quire' };

export default async function TrashPage({ params }: { params: Promise<{ blog: string }> }) {
  const { blog, handle, role, settings } = await dashboardBlog((await params).blog, 'read-dashboard');
  // Each kind is shown to those who may write it; the routes check the same on the server.
  const items = listTrash(handle).filter((item) => can(role, item.kind === 'post' ? 'write-posts' : 'write-pages'));
  const days = config().trashDays;
  return (
    <main className="page">
      <h1>Trash</h1>
      <p className="muted">
        Deleted posts and pages wait here for {days.toLocaleString('en')} {days === 1 ? 'day' : 'days'}, then are deleted for good. Readers
        no longer see them; each keeps its address, and restoring it puts it back exactly as it was.
      </p>
      {items.length === 0 ? (
        <p>The trash is empty.</p>
      ) : (
        <ListTable
          columns={[
            { label: 'Title' },
            { label: 'Was' },
            { label: 'Deleted', wideOnly: true },
            { label: 'Deleted for good after' },
            { label: 'Actions', unlabelled: true },
          ]}
        >
          {items.map((item) => (
            <tr key={`${item.kind}-${item.id}`}>
              <td>
                {item.title} <span className="muted small">({item.kind})</span>
              </td>
              <td>
                <span className={`status status-${item.statusBeforeTrash}`}>
                  {STATUS_LABELS[item.statusBeforeTrash as PostStatus] ?? STATUS_LABELS.draft}
                </span>
              </td>
              <td className="wide-only">
                <When date={item.deletedAt} timeZone={settings.timeZone} />
              </td>
              <td>
                <When date={item.purgeAt} timeZone={settings.timeZone} />
              </td>
              <td>
                <TrashActions url={`/api/blogs/${blog.slug}/trash/${item.kind}s/${item.id}`} kind={item.kind} title={item.title} />
              </td>
            </tr>
          ))}
        </ListTable>
      )}
    </main>
  );
}
