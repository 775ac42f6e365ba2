import Link from 'next/link';
import { blogBaseUrl } from '@/lib/blogs/address';
import { dashboardBlog } from '@/lib/dashboard/access';
import { mailEnabled } from '@/lib/mail/outbox';
import { newsletterStates } from '@/lib/newsletters/send';
import { subscriberCounts } from '@/lib/newsletters/subscribers';
import { listAllPosts } from '@/lib/posts/posts';
import { PENDING_CHANGES_LABEL, STATUS_LABELS } from '@/lib/posts/status';
import { countTrash } from '@/lib/trash/trash';
import { When } from '@/app/_components/dates';
import { PostNewsletter } from './newsletter-panel';
import { TrashLink } from './trash/trash-link';
import { ListTable } from '@/app/_components/list-table';

export default async function PostsPage({ params }: { params: Promise<{ blog: string }> }) {
  const { blog, handle, settings } = await dashboardBlog((await params).blog, 'write-posts');
  const posts = listAllPosts(handle);
  const { timeZone } = settings;
  // A newsletter column only where there is something to show or do: mail on and readers, or posts already emailed.
  const sending = await newsletterStates(
    blog.id,
    posts.map((post) => post.id),
  );
  const enabled = mailEnabled();
  const subscribers = enabled ? subscriberCounts(handle).active : 0;
  const newsletterColumn = sending.size > 0 || (enabled && subscribers > 0);
  return (
    <main className="page">
      <div className="page-head">
        <h1>Posts</h1>
        <div className="button-row">
          <TrashLink blog={blog.slug} count={countTrash(handle)} />
          <Link className="button primary" href={`/dashboard/${blog.slug}/posts/new`}>
            New post
          </Link>
        </div>
      </div>
      {posts.length === 0 ? (
        <p>No posts yet. Write the first one.</p>
      ) : (
        <ListTable
          columns={[
            { label: 'Title' },
            { label: 'Status' },
            { label: 'Published', wideOnly: true },
            { label: 'Updated', wideOnly: true },
            { label: 'Views', numeric: true },
            ...(newsletterColumn ? [{ label: 'Newsletter' }] : []),
          ]}
        >
          {posts.map((post) => (
            <tr key={post.id}>
              <td>
                <Link href={`/dashboard/${blog.slug}/posts/${post.id}`}>{post.title}</Link>
                {post.status === 'published' && (
                  <>
                    {' '}
                    <a
                      className="muted read-on-blog"
                      href={`${blogBaseUrl(blog.slug)}/posts/${post.slug}`}
                      aria-label={`Read "${post.title}" on the blog`}
                    >
                      ↗
                    </a>
                  </>
                )}
              </td>
              <td>
                <span className={`status status-${post.status}`}>{STATUS_LABELS[post.status]}</span>
                {post.hasPendingChanges && (
                  <span className="pending-mark">
                    {'\u00a0· '}
                    {PENDING_CHANGES_LABEL}
                  </span>
                )}
              </td>
              <td className="wide-only">
                <When date={post.publishedAt} timeZone={timeZone} />
              </td>
              <td className="wide-only">
                <When date={post.updatedAt} timeZone={timeZone} />
              </td>
              <td className="num">{post.views.toLocaleString('en')}</td>
              {newsletterColumn && (
                <td>
                  {(post.status === 'published' || sending.has(post.id)) && (
                    <PostNewsletter
                      blog={blog.slug}
                      postId={post.id}
                      info={{ mailEnabled: enabled, subscribers, state: sending.get(post.id) ?? null }}
                    />
                  )}
                </td>
              )}
            </tr>
          ))}
        </ListTable>
      )}
    </main>
  );
}
