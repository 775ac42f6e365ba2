import { COMMENT_STATUSES, MODERATION_LIST_MAX, commentCounts, moderationList, type CommentStatus } from '@/lib/comments/comments';
import { blogBaseUrl } from '@/lib/blogs/address';
import { dashboardBlog } from '@/lib/dashboard/access';
import { READER_LINK_REL } from '@/lib/markdown/render';
import { When } from '@/app/_components/dates';
import { OwnerOnly } from '@/app/_components/owner-only';
import { PageTabs } from '@/app/_components/page-tabs';
import { ModerationButtons } from './moderation-buttons';

export const metadata = { title: 'Comments · Quire' };

const TAB_NAMES: Record<CommentStatus, string> = { pending: 'Pending', approved: 'Approved', spam: 'Spam' };
const EMPTY: Record<CommentStatus, string> = {
  pending: 'No comments are waiting for you.',
  approved: 'No approved comments yet.',
  spam: 'Nothing marked as spam.',
};

export default async function CommentsPage(props: { params: Promise<{ blog: string }>; searchParams: Promise<{ status?: string }> }) {
  const { blog, handle, allowed, settings } = await dashboardBlog((await props.params).blog, 'moderate');
  if (!allowed) return <OwnerOnly what="moderate its comments" />;
  const asked = (await props.searchParams).status;
  const status = COMMENT_STATUSES.find((s) => s === asked) ?? 'pending';
  const counts = commentCounts(handle);
  const comments = moderationList(handle, status);
  const base = `/dashboard/${blog.slug}/comments`;

  return (
    <main className="page">
      <div className="page-head">
        <h1>Comments</h1>
        <PageTabs
          label="Comments by status"
          tabs={COMMENT_STATUSES.map((tab) => ({
            href: `${base}?status=${tab}`,
            text: `${TAB_NAMES[tab]} (${counts[tab].toLocaleString('en')})`,
            current: tab === status,
          }))}
        />
      </div>
      {comments.length === 0 ? (
        <p className="muted">{EMPTY[status]}</p>
      ) : (
        <>
          {counts[status] > comments.length && (
            <p className="muted">
              Showing {status === 'pending' ? 'the oldest' : 'the newest'} {MODERATION_LIST_MAX} of {counts[status].toLocaleString('en')}.
            </p>
          )}
          <ol className="comment-queue">
            {comments.map((comment) => (
              <li key={comment.id}>
                <article aria-label={`Comment by ${comment.authorName}`}>
                  <p className="comment-head">
                    <strong>{comment.authorName}</strong>
                    {comment.authorUrl && (
                      <>
                        {' · '}
                        <a href={comment.authorUrl} rel={READER_LINK_REL} className="comment-site">
                          {comment.authorUrl}
                        </a>
                      </>
                    )}
                    {' · '}
                    <When date={comment.createdAt} timeZone={settings.timeZone} />
                    <br />
                    <span className="muted">
                      on <a href={`${blogBaseUrl(blog.slug)}/posts/${comment.postSlug}`}>{comment.postTitle}</a>
                    </span>
                  </p>
                  {/* Sanitized when the comment was received (lib/markdown renderComment). */}
                  <div className="comment-text" dangerouslySetInnerHTML={{ __html: comment.html }} />
                  <ModerationButtons url={`/api/blogs/${blog.slug}/comments/${comment.id}`} status={comment.status} />
                </article>
              </li>
            ))}
          </ol>
        </>
      )}
    </main>
  );
}
