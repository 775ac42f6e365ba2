import { setImmediate as yieldToRequests } from 'node:timers/promises';
import { and, asc, eq, gt, inArray, isNotNull, isNull, lte, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { findBlog } from '@/lib/blogs/blogs';
import { placedHere } from '@/lib/cluster/fence';
import { config, platformUrl } from '@/lib/config';
import { controlDb, type ControlOrm } from '@/lib/db/control';
import { openTenant, type TenantHandle } from '@/lib/db/pool';
import { blogs, commentNotices, memberships, users, type Blog } from '@/lib/db/schema/control';
import { comments, posts } from '@/lib/db/schema/tenant';
import { parseInput } from '@/lib/input';
import { composeMail } from '@/lib/mail/compose';
import { oneLine } from '@/lib/mail/headers';
import { enqueueMailIn, mailEnabled, wakeMailSender, type OutgoingMail } from '@/lib/mail/outbox';
import { can } from '@/lib/members/roles';

/**
 * Mail to a blog's owners and editors about comments awaiting moderation. Per person and blog
 * (`comment_notices`): the first comment after a quiet spell is mailed at once; those that
 * follow within `QUIRE_COMMENT_MAIL_QUIET_MIN` are only counted, and a timer sends them as one
 * digest once the interval is over. Only people who asked for it (`users.comment_mail`) and
 * whose address is verified get any: an unverified address may be a stranger's.
 */

/** What a single notice quotes of the comment; a digest quotes less of each. */
const NOTICE_EXCERPT = 500;
const DIGEST_EXCERPT = 200;
/** Comments listed in one digest; the rest are counted ("and N more"). */
const DIGEST_LIST_MAX = 20;

export type NoticeState = { lastSentAt: Date | null; pending: number };

/**
 * A new comment for one person: mail it now when nothing went to them for this blog within the
 * quiet interval and nothing waits for a digest; otherwise count it for the digest.
 */
export function decideNotice(state: NoticeState | undefined, now: number, quietMs: number): 'send' | 'count' {
  if (!state) return 'send';
  if (state.pending > 0) return 'count';
  if (state.lastSentAt !== null && now - state.lastSentAt.getTime() < quietMs) return 'count';
  return 'send';
}

/** Whether counted comments are due as a digest: some are waiting and the quiet interval is over. */
export function digestDue(state: NoticeState, now: number, quietMs: number): boolean {
  return state.pending > 0 && (state.lastSentAt === null || now - state.lastSentAt.getTime() >= quietMs);
}

/** A comment's text for a mail: no control characters but line breaks, cut to `max` with an ellipsis. */
export function excerpt(text: string, max: number, oneLineOnly = false): string {
  let clean = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f\u0085\u2028\u2029]/g, ' ');
  if (oneLineOnly) clean = clean.replace(/\s+/g, ' ');
  clean = clean.trim();
  if (clean.length <= max) return clean;
  let cut = clean.slice(0, max - 1);
  // Never end on half of a surrogate pair (an emoji cut in two).
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}…`;
}

export type AwaitingComment = { postTitle: string; authorName: string; body: string; createdAt: Date };

type Recipient = { userId: number; email: string };

/** Who hears of a blog's comments: members who may moderate, asked for mail, and proved their address. */
async function noticeRecipients(blogId: number, onlyUser?: number): Promise<Recipient[]> {
  const members = await controlDb()
    .orm.select({ userId: users.id, email: users.email, role: memberships.role })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(
      and(
        eq(memberships.blogId, blogId),
        eq(users.commentMail, true),
        isNotNull(users.emailVerifiedAt),
        isNull(users.disabledAt),
        onlyUser === undefined ? undefined : eq(users.id, onlyUser),
      ),
    )
    .all();
  return members.filter((member) => can(member.role, 'moderate')).map(({ userId, email }) => ({ userId, email }));
}

/** The `comment_notices` row of one person and blog. */
function noticeOf(userId: number, blogId: number) {
  return and(eq(commentNotices.userId, userId), eq(commentNotices.blogId, blogId));
}

/**
 * Called once a reader's comment is stored as pending: mails the blog's moderators who are due
 * a mail, counts it for the others. Only control.db is touched (no scan of the blog's file). It
 * never fails the comment: with mail off it does nothing, and any fault is logged.
 */
export async function noticeAwaitingComment(slug: string, comment: AwaitingComment): Promise<void> {
  if (!mailEnabled()) return;
  try {
    const blog = await findBlog(slug);
    if (!blog || blog.status === 'deleted') return;
    const recipients = await noticeRecipients(blog.id);
    if (recipients.length === 0) return;
    const quietMs = config().commentMailQuietMs;
    const at = comment.createdAt;
    const queued = await controlDb().transaction(async (tx) => {
      const states = await tx
        .select()
        .from(commentNotices)
        .where(
          and(
            eq(commentNotices.blogId, blog.id),
            inArray(
              commentNotices.userId,
              recipients.map((person) => person.userId),
            ),
          ),
        )
        .all();
      const due: Recipient[] = [];
      for (const person of recipients) {
        const state = states.find((row) => row.userId === person.userId);
        if (decideNotice(state, at.getTime(), quietMs) === 'send') {
          due.push(person);
          // lastSentAt is the comment's own time: the digest lists only those created after it.
          // (The row was read under this transaction's write lock: it exists or not until the commit.)
          if (state) await tx.update(commentNotices).set({ lastSentAt: at, pending: 0 }).where(noticeOf(person.userId, blog.id)).run();
          else await tx.insert(commentNotices).values({ userId: person.userId, blogId: blog.id, lastSentAt: at, pending: 0 }).run();
        } else {
          await tx
            .update(commentNotices)
            .set({ pending: sql`${commentNotices.pending} + 1` })
            .where(noticeOf(person.userId, blog.id))
            .run();
        }
      }
      // One message, one outbox row (and so one envelope) per person: nobody sees another's address.
      if (due.length === 0) return false;
      await enqueueMailIn(
        tx,
        singleNotice(blog, comment),
        due.map((person) => ({ to: person.email })),
      );
      return true;
    });
    if (queued) wakeMailSender();
  } catch (error) {
    console.error(`[quire] comment mail for blog "${slug}" could not be queued:`, error);
  }
}

function moderationUrl(blog: Blog): string {
  return `${platformUrl()}/dashboard/${blog.slug}/comments`;
}

function footer(blog: Blog): string {
  return (
    `You get this as an owner or editor of ${oneLine(blog.title)}. Comments that follow soon after one mail come ` +
    `together in one digest. To stop these mails, untick the box on your account page: ${platformUrl()}/dashboard/account`
  );
}

function singleNotice(blog: Blog, comment: AwaitingComment): OutgoingMail {
  const postTitle = oneLine(comment.postTitle, 200);
  const { text, html } = composeMail({
    paragraphs: [
      `${comment.authorName} commented on “${postTitle}” (${oneLine(blog.title)}):`,
      excerpt(comment.body, NOTICE_EXCERPT),
      'Readers will see the comment once you or another editor approves it.',
    ],
    action: { label: 'Moderate comments', url: moderationUrl(blog) },
    footer: footer(blog),
  });
  return { kind: 'comments', blogId: blog.id, subject: `New comment on “${postTitle}” awaiting moderation`, text, html };
}

type ListedComment = { postTitle: string; authorName: string; body: string };

/** The blog's comments still pending that came after `since`: how many, and the first few. */
function pendingSince(handle: TenantHandle, since: Date): { count: number; list: ListedComment[]; newest: number } {
  const where = and(eq(comments.status, 'pending'), gt(comments.createdAt, since));
  const counted = handle.orm
    .select({ n: sql<number>`count(*)`, newest: sql<number | null>`max(${comments.createdAt})` })
    .from(comments)
    .where(where)
    .get();
  const count = counted?.n ?? 0;
  const list = handle.orm
    .select({ postTitle: posts.title, authorName: comments.authorName, body: comments.body })
    .from(comments)
    .innerJoin(posts, eq(posts.id, comments.postId))
    .where(where)
    .orderBy(asc(comments.createdAt), asc(comments.id))
    .limit(DIGEST_LIST_MAX)
    .all();
  return { count, list, newest: counted?.newest ?? 0 };
}

function digest(blog: Blog, count: number, list: ListedComment[]): OutgoingMail {
  const more = count - list.length;
  const { text, html } = composeMail({
    paragraphs: [
      ...list.map(
        (comment) => `${comment.authorName} on “${oneLine(comment.postTitle, 200)}”:\n${excerpt(comment.body, DIGEST_EXCERPT, true)}`,
      ),
      ...(more > 0 ? [`And ${more} more.`] : []),
    ],
    action: { label: 'Moderate comments', url: moderationUrl(blog) },
    footer: footer(blog),
  });
  const subject = `${count} new ${count === 1 ? 'comment' : 'comments'} awaiting moderation on ${oneLine(blog.title, 200)}`;
  return { kind: 'comments', blogId: blog.id, subject, text, html };
}

/** Rows looked at per round; the rest wait for the next (a round never holds the thread long). */
const DIGESTS_PER_ROUND = 200;

/**
 * Sends the digests that are due: for each person and blog with counted comments whose quiet
 * interval is over, the blog's pending comments since the last mail. A person who left the
 * blog, turned the mail off or lost their verified address gets nothing, and the count is
 * dropped. One blog at a time, yielding to requests between blogs. Returns how many were queued.
 */
export async function sendDueDigests(now = Date.now(), stopped: () => boolean = () => false): Promise<number> {
  if (!mailEnabled()) return 0;
  const quietMs = config().commentMailQuietMs;
  const counted = await controlDb()
    .orm.select()
    .from(commentNotices)
    .where(
      and(gt(commentNotices.pending, 0), or(isNull(commentNotices.lastSentAt), lte(commentNotices.lastSentAt, new Date(now - quietMs)))),
    )
    .limit(DIGESTS_PER_ROUND)
    .all();
  const due = counted.filter((row) => digestDue(row, now, quietMs));
  const byBlog = new Map<number, typeof due>();
  for (const row of due) byBlog.set(row.blogId, [...(byBlog.get(row.blogId) ?? []), row]);
  let sent = 0;
  for (const [blogId, rows] of byBlog) {
    try {
      sent += await digestsOfBlog(blogId, rows, now);
    } catch (error) {
      console.error(`[quire] comment digests for blog ${blogId} could not be sent:`, error);
    }
    await yieldToRequests();
    // The server is shutting down: control.db may be closed by now.
    if (stopped()) break;
  }
  return sent;
}

async function digestsOfBlog(blogId: number, rows: (typeof commentNotices.$inferSelect)[], now: number): Promise<number> {
  const control = controlDb();
  const drop = (orm: ControlOrm, userId: number) => orm.update(commentNotices).set({ pending: 0 }).where(noticeOf(userId, blogId)).run();
  const blog = await control.orm.select().from(blogs).where(eq(blogs.id, blogId)).get();
  if (!blog || blog.status === 'deleted') {
    for (const row of rows) await drop(control.orm, row.userId);
    return 0;
  }
  // Its file is with the operator: the digest waits until the blog is back. In a cluster, the
  // node that holds its file sends it.
  if (blog.status !== 'active' || !placedHere(blog.slug)) return 0;
  const handle = openTenant(blog.slug);
  const found = new Map<number, ReturnType<typeof pendingSince>>();
  let sent = 0;
  for (const row of rows) {
    const [person] = await noticeRecipients(blogId, row.userId);
    const since = row.lastSentAt ?? new Date(0);
    const pending = person ? (found.get(since.getTime()) ?? pendingSince(handle, since)) : undefined;
    if (pending) found.set(since.getTime(), pending);
    await control.transaction(async (tx) => {
      if (!person || !pending || pending.count === 0) {
        // Nobody to tell, or every counted comment was moderated meanwhile.
        await drop(tx, row.userId);
        return;
      }
      await enqueueMailIn(tx, digest(blog, pending.count, pending.list), [{ to: person.email }]);
      await tx
        .update(commentNotices)
        // Not before the newest comment it lists: one that came while earlier blogs were looked at
        // (after the round's `now`) is in this digest and must not be in the next.
        .set({ lastSentAt: new Date(Math.max(now, pending.newest)), pending: 0 })
        .where(noticeOf(row.userId, blogId))
        .run();
      sent++;
    });
  }
  if (sent > 0) wakeMailSender();
  return sent;
}

/**
 * The digest timer, started by the server beside the mail sender: looks for due digests a few
 * times per quiet interval (at most once a minute, at least every 250 ms). Nothing without mail.
 */
export function startCommentDigests(): () => void {
  if (!mailEnabled()) return () => {};
  const everyMs = Math.min(60_000, Math.max(250, Math.round(config().commentMailQuietMs / 4)));
  let running = false;
  let stopped = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sendDueDigests(Date.now(), () => stopped)
      .catch((error: unknown) => console.error('[quire] comment digests failed:', error))
      .finally(() => (running = false));
  }, everyMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

const commentMailSchema = z.object({
  commentMail: z.boolean({ error: 'Choose whether to get mail about comments awaiting moderation.' }),
});

/** The account page's setting: mail me about comments awaiting moderation on my blogs. */
export async function setCommentMail(userId: number, input: unknown): Promise<{ commentMail: boolean }> {
  const { commentMail } = parseInput(commentMailSchema, input);
  await controlDb().transaction(async (tx) => {
    await tx.update(users).set({ commentMail }).where(eq(users.id, userId)).run();
    // Counted comments are not sent later to someone who said stop.
    if (!commentMail) await tx.update(commentNotices).set({ pending: 0 }).where(eq(commentNotices.userId, userId)).run();
  });
  return { commentMail };
}
