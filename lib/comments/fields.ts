/**
 * The comment form's contract, shared by the form on the post page, its inline script and the
 * route that reads it.
 */
export const COMMENT_NAME_MAX = 80;
export const COMMENT_WEBSITE_MAX = 200;
export const COMMENT_BODY_MAX = 5_000;

/** Field names of the form. `honeypot` is hidden from people; only bots fill it in. */
export const COMMENT_FIELDS = {
  post: 'post',
  name: 'name',
  website: 'website',
  body: 'body',
  honeypot: 'subject',
} as const;

/** Where the form posts, on the blog's own host. */
export const COMMENT_ACTION = '/comments';

/** The id of the comments section on the post page. */
export const COMMENTS_ANCHOR = 'comments';

/** Where a reader lands after leaving a comment (also the no-JavaScript answer's 303). */
export function commentReceivedPath(postSlug: string): string {
  return `/posts/${postSlug}?comment=received#${COMMENTS_ANCHOR}`;
}

/** What a successful submission answers to a script. */
export type CommentReceipt = { status: 'pending' | 'approved'; location: string };

/** What the reader is told once a comment is taken. */
export function commentReceivedNotice(status: CommentReceipt['status']): string {
  return status === 'approved'
    ? 'Thank you! Your comment is published.'
    : 'Thank you! Your comment will appear once the author has approved it.';
}
