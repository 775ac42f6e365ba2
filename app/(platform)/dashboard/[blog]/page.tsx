import Link from 'next/link';
import { blogBaseUrl } from '@/lib/blogs/address';
import { dashboardBlog } from '@/lib/dashboard/access';
import { listAllPosts } from '@/lib/posts/posts';
import { PENDING_CHANGES_LABEL, STATUS_LABELS } from '@/lib/posts/status';
import { countTrash } from '@/lib/trash/trash';
import { When } from '@/app/_components/dates';
import { TrashLink } from './trash/trash-link';
import { ListTable } from '@/app/_components/list-table';

export default async function PostsPage({ params }: { params: Promise<{ blog: string }> }) {
  const { blog, handle, settings } = await dashboardBlog((await params).blog, 'write-posts');
  const posts = listAllPosts(handle);
  const { timeZone } = settings;
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
            </tr>
          ))}
        </ListTable>
      )}
    </main>
  );
}
