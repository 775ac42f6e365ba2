import { and, eq, gte, sql } from 'drizzle-orm';
import { absoluteBlogUrl, blogBaseUrl, blogPaths } from '@/lib/blogs/address';
import { readSettings } from '@/lib/blogs/blogs';
import { config } from '@/lib/config';
import { controlDb } from '@/lib/db/control';
import type { TenantHandle } from '@/lib/db/pool';
import { mailOutbox, type Blog } from '@/lib/db/schema/control';
import { InputError } from '@/lib/input';
import { oneLine } from '@/lib/mail/headers';
import {
  DAY_MS,
  enqueueMailOffThread,
  mailEnabled,
  messageDelivery,
  newsletterCountsByDay,
  newsletterMessages,
  UNSUBSCRIBE_PLACEHOLDER,
  type Recipient,
} from '@/lib/mail/outbox';
import { getPost } from '@/lib/posts/posts';
import { isPublicNow } from '@/lib/posts/status';
import { runTask } from '@/lib/workers/pool';
import { TASK } from '@/lib/workers/task-names';
import type { NewsletterSource, RenderedNewsletter } from './render';
import type { SendingView } from './sending-state';
import { activeSubscribers, subscriberCounts } from './subscribers';

const MAIL_NOT_CONFIGURED = 'This server sends no email: its operator has not configured an SMTP server.';
const ALREADY_EMAILED = 'This post was already emailed to subscribers.';

export type EmailedPost = {
  messageId: number;
  /** Readers it goes to. */
  recipients: number;
  /** Of them, those the blog's daily limit holds for the following days. */
  later: number;
};

/** The date line of a newsletter, as the blog's pages print a post's date. */
const DATE_FORMAT = new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' });

/**
 * Emails a published post to the blog's active readers, once: rendered off the serving thread,
 * then one outbox message with one row per reader (each with their own unsubscribe link), in
 * one transaction. The operator's daily limit per blog fills what is left of today (UTC); the
 * rest waits for the following days' midnights.
 */
export async function emailPost(blog: Blog, handle: TenantHandle, postId: number, now = new Date()): Promise<EmailedPost> {
  if (!mailEnabled()) throw new InputError(MAIL_NOT_CONFIGURED);
  const post = getPost(handle, postId);
  if (!post) throw new InputError('There is no such post.');
  if (!isPublicNow(post, now.getTime())) throw new InputError('Only a published post can be emailed to subscribers.');
  if ((await newsletterMessages(blog.id, [post.id])).has(post.id)) throw new InputError(ALREADY_EMAILED);
  if (subscriberCounts(handle).active === 0) throw new InputError('This blog has no subscribers to email yet.');

  const settings = readSettings(handle);
  const source: NewsletterSource = {
    blogTitle: oneLine(settings.title, 1000),
    blogUrl: blogBaseUrl(blog.slug),
    postTitle: oneLine(post.title, 1000),
    postUrl: absoluteBlogUrl(blog.slug, blogPaths.post(post.slug)),
    date: DATE_FORMAT.format(post.publishedAt ?? now),
    unsubscribeUrl: UNSUBSCRIBE_PLACEHOLDER,
    html: post.html,
  };
  const rendered = await runTask<RenderedNewsletter>(TASK.renderNewsletter, source, {
    lane: 'render',
    deadlineMs: config().renderTimeoutMs,
    tooLong: 'This post took too long to make into an email. Simplify its formatting and try again.',
  });

  if ((await newsletterMessages(blog.id, [post.id])).has(post.id)) throw new InputError(ALREADY_EMAILED);
  const readers = activeSubscribers(handle);
  if (readers.length === 0) throw new InputError('This blog has no subscribers to email yet.');
  const schedule = await dailySchedule(blog.id, readers.length, now);
  let later = 0;
  // The blog's address once, not once per reader (a custom domain is looked up each time).
  const base = blogBaseUrl(blog.slug);
  const recipients: Recipient[] = readers.map((reader, index) => {
    const notBefore = schedule[index]!;
    if (notBefore.getTime() > now.getTime()) later++;
    return {
      to: reader.email,
      subscriberId: reader.id,
      unsubscribeUrl: base + blogPaths.unsubscribe(reader.token),
      notBefore,
    };
  });
  // On a pool thread (thousands of rows); `oncePerPost` checks again in the inserting transaction,
  // so two requests for one post cannot both queue it.
  const messageId = await enqueueMailOffThread(
    {
      kind: 'newsletter',
      subject: oneLine(post.title),
      text: rendered.text,
      html: rendered.html,
      fromName: oneLine(settings.title, 200),
      replyTo: settings.newsletterReplyTo || undefined,
      blogId: blog.id,
      postId: post.id,
      oncePerPost: true,
    },
    recipients,
  );
  if (messageId === null) throw new InputError(ALREADY_EMAILED);
  // enqueueMail keeps nothing only when mail is off, checked above (the configuration does not change while running).
  if (messageId === undefined) throw new InputError(MAIL_NOT_CONFIGURED);
  return { messageId, recipients: recipients.length, later };
}

/**
 * When each of `count` messages may go: today's room under the daily limit first (now), then
 * each following UTC day's room from its midnight. Days other newsletters already filled are skipped.
 */
async function dailySchedule(blogId: number, count: number, now: Date): Promise<Date[]> {
  const limit = config().newsletterDailyLimit;
  const out: Date[] = [];
  let dayStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const taken = await newsletterCountsByDay(blogId, new Date(dayStart));
  for (let first = true; out.length < count; first = false, dayStart += DAY_MS) {
    const room = Math.max(0, limit - (taken.get(dayStart) ?? 0));
    const at = first ? now : new Date(dayStart);
    for (let i = 0; i < room && out.length < count; i++) out.push(at);
  }
  return out;
}

/** The sending state of each of these posts that was emailed (posts never emailed are absent). */
export async function newsletterStates(blogId: number, postIds: number[], now = new Date()): Promise<Map<number, SendingView>> {
  const tomorrow = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) + DAY_MS;
  const states = new Map<number, SendingView>();
  for (const [postId, messageId] of await newsletterMessages(blogId, postIds)) {
    const row = await controlDb()
      .orm.select({ n: sql<number>`count(*)` })
      .from(mailOutbox)
      .where(and(eq(mailOutbox.messageId, messageId), eq(mailOutbox.state, 'queued'), gte(mailOutbox.notBefore, new Date(tomorrow))))
      .get();
    const delivery = await messageDelivery(messageId);
    states.set(postId, { ...delivery, waiting: row?.n ?? 0, waitingUntil: delivery.waitingUntil?.toISOString() ?? null });
  }
  return states;
}

/** What the editor needs to offer sending a post: whether mail works, to how many readers, and how far its newsletter went. */
export async function newsletterInfo(
  blogId: number,
  handle: TenantHandle,
  postId: number | undefined,
): Promise<{ mailEnabled: boolean; subscribers: number; state: SendingView | null }> {
  const enabled = mailEnabled();
  return {
    mailEnabled: enabled,
    subscribers: enabled ? subscriberCounts(handle).active : 0,
    state: postId === undefined ? null : ((await newsletterStates(blogId, [postId])).get(postId) ?? null),
  };
}
