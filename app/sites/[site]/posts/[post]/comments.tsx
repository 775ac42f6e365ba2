import type { CommentMode } from '@/lib/blogs/blogs';
import { cache } from 'react';
import { approvedComments, commentCountLabel } from '@/lib/comments/comments';
import { COMMENTS_ANCHOR, commentReceivedNotice } from '@/lib/comments/fields';
import type { TenantHandle } from '@/lib/db/pool';
import { READER_LINK_REL } from '@/lib/markdown/render';
import { PostDate } from '../../post-date';
import { CommentForm } from './comment-form';

/** Read once per render: the count beside the date and the list below share it. */
const loadComments = cache(approvedComments);

/** " · 3 comments" beside the post's date, linking to them; nothing while there are none. */
export function CommentCount({ handle, postId }: { handle: TenantHandle; postId: number }) {
  const count = loadComments(handle, postId).length;
  if (count === 0) return null;
  return (
    <>
      {' · '}
      <a href={`#${COMMENTS_ANCHOR}`}>{commentCountLabel(count)}</a>
    </>
  );
}

/**
 * Under a post: its approved comments, oldest first, then the form (unless comments are off).
 * `received`: the reader just sent one (the form's no-JavaScript answer lands here).
 */
export function Comments(props: { handle: TenantHandle; post: { id: number; slug: string }; mode: CommentMode; received: boolean }) {
  const comments = loadComments(props.handle, props.post.id);
  if (props.mode === 'off' && comments.length === 0) return null;
  return (
    <section id={COMMENTS_ANCHOR} className="comments" aria-labelledby="comments-heading">
      <h2 id="comments-heading">{comments.length > 0 ? commentCountLabel(comments.length) : 'Comments'}</h2>
      {props.received && (
        <p className="comment-notice" role="status">
          {commentReceivedNotice(props.mode === 'auto' ? 'approved' : 'pending')}
        </p>
      )}
      {comments.length > 0 && (
        <ol className="comment-list">
          {comments.map((comment) => (
            <li key={comment.id} id={`comment-${comment.id}`}>
              <p className="comment-meta">
                <span className="comment-author">
                  {comment.authorUrl ? (
                    <a href={comment.authorUrl} rel={READER_LINK_REL}>
                      {comment.authorName}
                    </a>
                  ) : (
                    comment.authorName
                  )}
                </span>{' '}
                · <PostDate date={comment.createdAt} />
              </p>
              {/* Sanitized when the comment was received (lib/markdown renderComment). */}
              <div className="comment-body" dangerouslySetInnerHTML={{ __html: comment.html }} />
            </li>
          ))}
        </ol>
      )}
      {props.mode === 'off' ? (
        <p className="comments-closed">Comments are closed.</p>
      ) : (
        <CommentForm post={props.post.slug} moderated={props.mode === 'moderated'} />
      )}
    </section>
  );
}
