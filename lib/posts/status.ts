/**
 * A post's state as people see it, for the dashboard and the editor (no database imports: the
 * editor is a client component). The public queries say the same in SQL (`isPublic` in
 * lib/posts/public.ts): not a draft, and its time has come.
 */

export type PostStatus = 'draft' | 'published' | 'scheduled';

type Dated = { status: string; publishedAt: Date | number | null };

const time = (value: Date | number | null) => (value === null ? null : typeof value === 'number' ? value : value.getTime());

/** Whether readers can see it now: a scheduled post is public once its time has come. */
export function isPublicNow(post: Dated, now = Date.now()): boolean {
  const at = time(post.publishedAt);
  return post.status !== 'draft' && at !== null && at <= now;
}

/** The state to show: a scheduled post whose time has come is published, as readers see it. */
export function shownStatus(post: Dated & { status: PostStatus }, now = Date.now()): PostStatus {
  return post.status === 'scheduled' && isPublicNow(post, now) ? 'published' : post.status;
}

export const STATUS_LABELS: Record<PostStatus, string> = { draft: 'Draft', published: 'Published', scheduled: 'Scheduled' };

/** Said beside the status of a live post whose staged edit readers do not see yet. */
export const PENDING_CHANGES_LABEL = 'changes not published';

/**
 * What the editor says while the address of a post readers can see (or a published page) is
 * being changed: saving records the move (lib/posts/redirects.ts), and the old address answers
 * with a permanent redirect to the new one.
 */
export const ADDRESS_MOVE_NOTICE = 'The old address will send readers here.';
