import { COMMENT_ACTION, COMMENT_BODY_MAX, COMMENT_FIELDS, COMMENT_NAME_MAX, COMMENT_WEBSITE_MAX } from '@/lib/comments/fields';
import { COMMENT_FORM_ID, commentFormScript } from '@/lib/comments/form-script';

/**
 * The comment form: plain HTML that posts to the blog's own host (the server answers with a
 * redirect, or a page holding the reader's text), enhanced by a small inline script that sends
 * it with fetch and shows the answer here, keeping what was typed (lib/comments/form-script.ts).
 */
export function CommentForm({ post, moderated }: { post: string; moderated: boolean }) {
  return (
    <>
      <form id={COMMENT_FORM_ID} className="comment-form" method="post" action={COMMENT_ACTION}>
        <h3>Leave a comment</h3>
        <input type="hidden" name={COMMENT_FIELDS.post} value={post} />
        <label>
          <span>Name</span>
          <input name={COMMENT_FIELDS.name} required maxLength={COMMENT_NAME_MAX} autoComplete="name" />
        </label>
        <label>
          <span>
            Website <small>(optional)</small>
          </span>
          <input name={COMMENT_FIELDS.website} type="url" maxLength={COMMENT_WEBSITE_MAX} autoComplete="url" placeholder="https://" />
        </label>
        {/* Hidden from people (and from screen readers and the keyboard); bots fill it in. */}
        <div aria-hidden="true" style={{ position: 'absolute', left: '-10000px', width: 1, height: 1, overflow: 'hidden' }}>
          <label>
            Leave this empty <input name={COMMENT_FIELDS.honeypot} tabIndex={-1} autoComplete="off" />
          </label>
        </div>
        <label>
          <span>Comment</span>
          <textarea name={COMMENT_FIELDS.body} required maxLength={COMMENT_BODY_MAX} rows={6} aria-describedby="comment-hint" />
        </label>
        <small id="comment-hint">
          Plain text, or simple Markdown: *emphasis*, **strong**, `code`, &gt; quotes, lists and links.
          {moderated && ' Comments appear once the author has approved them.'}
        </small>
        <div className="form-messages" aria-live="polite" />
        <button type="submit">Post comment</button>
      </form>
      <script dangerouslySetInnerHTML={{ __html: commentFormScript() }} />
    </>
  );
}
