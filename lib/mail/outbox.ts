import { and, eq, inArray, lte, sql } from 'drizzle-orm';
import { setImmediate as yieldToRequests } from 'node:timers/promises';
import { z } from 'zod';
import { config } from '@/lib/config';
import { controlDb } from '@/lib/db/control';
import { mailMessages, mailOutbox } from '@/lib/db/schema/control';
import { parseInput } from '@/lib/input';
import { emailSchema } from '@/lib/input/email';
import { processWide } from '@/lib/process/shared';
import { runTask } from '@/lib/workers/pool';
import { TASK } from '@/lib/workers/task-names';
import { headerText } from './headers';

/** Replaced in a message's bodies by each recipient's own unsubscribe URL when it is sent. */
export const UNSUBSCRIBE_PLACEHOLDER = '{{unsubscribe}}';

type MailKind = (typeof mailMessages.$inferInsert)['kind'];

export type OutgoingMail = {
  kind: MailKind;
  subject: string;
  text: string;
  html?: string;
  /** Shown in From before the platform's address: a blog's title. */
  fromName?: string;
  replyTo?: string;
  blogId?: number;
  postId?: number;
  /** A newsletter goes once: nothing is queued (null) if the blog has one for this post already. */
  oncePerPost?: boolean;
};

export type Recipient = {
  to: string;
  /** A newsletter's one-click unsubscribe URL for this reader (also the List-Unsubscribe header). */
  unsubscribeUrl?: string;
  subscriberId?: number;
  /** Not before this time (a blog's daily limit); now by default. */
  notBefore?: Date;
};

/** Whether an SMTP server is configured: without one Quire sends nothing and says so. */
export function mailEnabled(): boolean {
  return config().smtpUrl !== undefined;
}

const unsubscribeUrlSchema = z.url({ protocol: /^https?$/ }).max(2000);

/**
 * Puts a message in the outbox for each recipient, in one transaction: from here the sender
 * (sender.ts) delivers it whatever happens to the process or the SMTP server. Returns the
 * message's id, or undefined when mail is not configured (nothing is kept then).
 */
export function enqueueMail(mail: OutgoingMail, recipients: Recipient[]): number | undefined | null {
  if (!mailEnabled()) return undefined;
  headerText(mail.subject, 'subject');
  if (mail.fromName !== undefined) headerText(mail.fromName, 'sender name', 200);
  const replyTo = mail.replyTo === undefined ? undefined : parseInput(emailSchema, mail.replyTo);
  const rows = recipients.map((recipient) => ({
    toAddress: parseInput(emailSchema, recipient.to),
    unsubscribeUrl: recipient.unsubscribeUrl === undefined ? null : parseInput(unsubscribeUrlSchema, recipient.unsubscribeUrl),
    subscriberId: recipient.subscriberId ?? null,
    notBefore: recipient.notBefore ?? new Date(),
  }));
  const control = controlDb();
  const { oncePerPost, ...content } = mail;
  const id = control.sqlite
    .transaction(() => {
      if (oncePerPost && mail.blogId !== undefined && mail.postId !== undefined) {
        const existing = control.orm
          .select({ id: mailMessages.id })
          .from(mailMessages)
          .where(and(eq(mailMessages.blogId, mail.blogId), eq(mailMessages.kind, mail.kind), eq(mailMessages.postId, mail.postId)))
          .get();
        if (existing) return null;
      }
      const message = control.orm
        .insert(mailMessages)
        .values({ ...content, replyTo, createdAt: new Date() })
        .returning({ id: mailMessages.id })
        .get();
      // One prepared statement run per row: building multi-row inserts through the ORM took
      // 350–630 ms of the serving thread for 10,000 readers; this takes a few tens.
      const insert = control.sqlite.prepare(
        'insert into mail_outbox (message_id, to_address, unsubscribe_url, subscriber_id, not_before) values (?, ?, ?, ?, ?)',
      );
      for (const row of rows) insert.run(message.id, row.toAddress, row.unsubscribeUrl, row.subscriberId, row.notBefore.getTime());
      return message.id;
    })
    .immediate(); // "once per post": the check and the insert under one write lock
  if (id !== null) wakeMailSender();
  return id;
}

/**
 * `enqueueMail` on a pool thread, for a newsletter's thousands of rows: 10,000 readers are
 * 0.1–0.3 s of inserts (and their checks), which the thread serving every blog does not wait for.
 */
export async function enqueueMailOffThread(mail: OutgoingMail, recipients: Recipient[]): Promise<number | undefined | null> {
  const id = await runTask<number | undefined | null>(
    TASK.enqueueMail,
    { mail, recipients },
    {
      lane: 'bulk',
      deadlineMs: config().bulkTimeoutMs,
      tooLong: 'Queuing this mail took too long. Try again in a minute.',
    },
  );
  if (id !== null && id !== undefined) wakeMailSender();
  return id;
}

/** What `enqueueMailOffThread` hands the pool thread, checked there (lib/tasks). */
export const queuedMailSchema = z.object({
  mail: z.object({
    kind: z.enum(['account', 'invite', 'comments', 'subscribe', 'newsletter']),
    subject: z.string(),
    text: z.string(),
    html: z.string().optional(),
    fromName: z.string().optional(),
    replyTo: z.string().optional(),
    blogId: z.number().int().optional(),
    postId: z.number().int().optional(),
    oncePerPost: z.boolean().optional(),
  }),
  recipients: z.array(
    z.object({
      to: z.string(),
      unsubscribeUrl: z.string().optional(),
      subscriberId: z.number().int().optional(),
      notBefore: z.date().optional(),
    }),
  ),
});

export type Delivery = {
  total: number;
  sent: number;
  queued: number;
  failed: number;
  waitingUntil?: Date;
  errors: { to: string; error: string }[];
};

/** How far a message has gone: for the dashboard's "sent N of M" (failures listed, 20 at most). */
export function messageDelivery(messageId: number): Delivery {
  const control = controlDb();
  const counts = control.orm
    .select({ state: mailOutbox.state, n: sql<number>`count(*)`, until: sql<number | null>`max(${mailOutbox.notBefore})` })
    .from(mailOutbox)
    .where(eq(mailOutbox.messageId, messageId))
    .groupBy(mailOutbox.state)
    .all();
  const of = (state: string) => counts.find((row) => row.state === state)?.n ?? 0;
  const queuedUntil = counts.find((row) => row.state === 'queued')?.until;
  const errors = control.orm
    .select({ to: mailOutbox.toAddress, error: mailOutbox.lastError })
    .from(mailOutbox)
    .where(and(eq(mailOutbox.messageId, messageId), eq(mailOutbox.state, 'failed')))
    .limit(20)
    .all()
    .map((row) => ({ to: row.to, error: row.error ?? 'not delivered' }));
  return {
    total: of('queued') + of('sent') + of('failed'),
    sent: of('sent'),
    queued: of('queued'),
    failed: of('failed'),
    waitingUntil: queuedUntil && queuedUntil > Date.now() ? new Date(queuedUntil) : undefined,
    errors,
  };
}

/** The newsletters sent for a blog's posts: post id → the message's id (the latest, if several). */
export function newsletterMessages(blogId: number, postIds: number[]): Map<number, number> {
  if (postIds.length === 0) return new Map();
  const rows = controlDb()
    .orm.select({ postId: mailMessages.postId, id: sql<number>`max(${mailMessages.id})` })
    .from(mailMessages)
    .where(and(eq(mailMessages.blogId, blogId), eq(mailMessages.kind, 'newsletter'), inArray(mailMessages.postId, postIds)))
    .groupBy(mailMessages.postId)
    .all();
  return new Map(rows.map((row) => [row.postId!, row.id]));
}

/**
 * Newsletter messages a blog has queued or sent for each UTC day from `fromDay` (a midnight) on:
 * day start (ms) → count, in one query (the daily limit's schedule reads it).
 */
export function newsletterCountsByDay(blogId: number, fromDay: Date): Map<number, number> {
  const rows = controlDb()
    .sqlite.prepare(
      `select ? + cast((o.not_before - ?) / ${DAY_MS} as integer) * ${DAY_MS} as day, count(*) as n
       from mail_outbox o join mail_messages m on m.id = o.message_id
       where o.state in ('queued', 'sent') and o.not_before >= ? and m.blog_id = ? and m.kind = 'newsletter'
       group by day`,
    )
    .all(fromDay.getTime(), fromDay.getTime(), fromDay.getTime(), blogId) as { day: number; n: number }[];
  return new Map(rows.map((row) => [row.day, row.n]));
}
export const DAY_MS = 24 * 60 * 60 * 1000;

/** Rows due now, oldest first, skipping those already being sent. */
export function dueMail(now: number, limit: number, skip: ReadonlySet<number>): DueMail[] {
  const control = controlDb();
  return (
    control.orm
      .select({
        id: mailOutbox.id,
        to: mailOutbox.toAddress,
        unsubscribeUrl: mailOutbox.unsubscribeUrl,
        subscriberId: mailOutbox.subscriberId,
        attempts: mailOutbox.attempts,
        message: mailMessages,
      })
      .from(mailOutbox)
      .innerJoin(mailMessages, eq(mailMessages.id, mailOutbox.messageId))
      .where(and(eq(mailOutbox.state, 'queued'), lte(mailOutbox.notBefore, new Date(now))))
      // A person waiting for a password reset goes before a newsletter's thousands of readers.
      .orderBy(sql`${mailMessages.kind} = 'newsletter'`, mailOutbox.notBefore, mailOutbox.id)
      .limit(limit + skip.size)
      .all()
      .filter((row) => !skip.has(row.id))
      .slice(0, limit)
  );
}

export type DueMail = {
  id: number;
  to: string;
  unsubscribeUrl: string | null;
  subscriberId: number | null;
  attempts: number;
  message: typeof mailMessages.$inferSelect;
};

export function markSent(id: number): void {
  controlDb().orm.update(mailOutbox).set({ state: 'sent', sentAt: new Date(), lastError: null }).where(eq(mailOutbox.id, id)).run();
}

export function markFailed(id: number, error: string): void {
  controlDb().orm.update(mailOutbox).set({ state: 'failed', lastError: error }).where(eq(mailOutbox.id, id)).run();
}

/** Tries again later; `countAttempt` false when the fault was the server's, not this message's. */
export function markRetry(id: number, error: string, notBefore: Date, countAttempt: boolean): void {
  controlDb()
    .orm.update(mailOutbox)
    .set({ lastError: error, notBefore, attempts: countAttempt ? sql`${mailOutbox.attempts} + 1` : mailOutbox.attempts })
    .where(eq(mailOutbox.id, id))
    .run();
}

/** Lets an enqueue start sending at once instead of at the sender's next look (sender.ts). */
function wakeMailSender(): void {
  processWide<{ wake?: () => void }>('mail-sender-wake', () => ({})).wake?.();
}

export function onMailSenderWake(wake: (() => void) | undefined): void {
  processWide<{ wake?: () => void }>('mail-sender-wake', () => ({})).wake = wake;
}

export type OutboxSummary = {
  queued: number;
  /** Of the queued, those whose time has come (the rest wait for a retry or a daily limit). */
  due: number;
  oldestDue: Date | undefined;
  sentLastDay: number;
  /** Given up on, among messages queued in the last day. */
  failedLastDay: number;
  /** The latest reasons rows are waiting or failed, newest first. */
  recentErrors: { to: string; state: string; error: string }[];
};

/** The outbox at a glance, for `quire mail status` and the health report. */
export function outboxSummary(now = Date.now()): OutboxSummary {
  const control = controlDb();
  const dayAgo = now - DAY_MS;
  const row = control.sqlite
    .prepare(
      `select
         count(*) filter (where o.state = 'queued') as queued,
         count(*) filter (where o.state = 'queued' and o.not_before <= ?) as due,
         min(o.not_before) filter (where o.state = 'queued' and o.not_before <= ?) as oldestDue,
         count(*) filter (where o.state = 'sent' and o.sent_at >= ?) as sentLastDay,
         count(*) filter (where o.state = 'failed' and m.created_at >= ?) as failedLastDay
       from mail_outbox o join mail_messages m on m.id = o.message_id`,
    )
    .get(now, now, dayAgo, dayAgo) as { queued: number; due: number; oldestDue: number | null; sentLastDay: number; failedLastDay: number };
  const recentErrors = control.orm
    .select({ to: mailOutbox.toAddress, state: mailOutbox.state, error: mailOutbox.lastError })
    .from(mailOutbox)
    .where(sql`${mailOutbox.lastError} is not null`)
    .orderBy(sql`${mailOutbox.id} desc`)
    .limit(5)
    .all()
    .map((r) => ({ to: r.to, state: r.state, error: r.error ?? '' }));
  return {
    queued: row.queued,
    due: row.due,
    oldestDue: row.oldestDue === null ? undefined : new Date(row.oldestDue),
    sentLastDay: row.sentLastDay,
    failedLastDay: row.failedLastDay,
    recentErrors,
  };
}

/** What waits in the outbox, from its index alone (cheap enough for every health check). */
export function outboxBacklog(now = Date.now()): { queued: number; due: number; oldestDueAt: string | null } {
  const row = controlDb()
    .sqlite.prepare(
      `select count(*) as queued, count(*) filter (where not_before <= ?) as due, min(not_before) as oldest
       from mail_outbox where state = 'queued'`,
    )
    .get(now) as { queued: number; due: number; oldest: number | null };
  return {
    queued: row.queued,
    due: row.due,
    oldestDueAt: row.oldest !== null && row.oldest <= now ? new Date(row.oldest).toISOString() : null,
  };
}

/** Sent and failed rows are kept this long (a newsletter's "sent N of M" with them), then deleted. */
export const OUTBOX_KEPT_DAYS = 90;

/**
 * Deletes finished outbox rows past OUTBOX_KEPT_DAYS, then messages left with none
 * (housekeeping): a thousand rows per transaction, yielding between, so neither the serving
 * thread nor the sender waits on a long delete.
 */
export async function pruneOutbox(now = Date.now()): Promise<number> {
  const control = controlDb();
  const before = now - OUTBOX_KEPT_DAYS * DAY_MS;
  const batch = control.sqlite.prepare(
    `delete from mail_outbox where id in (
       select o.id from mail_outbox o join mail_messages m on m.id = o.message_id
       where m.created_at < ? and o.state != 'queued' limit 1000)`,
  );
  let deleted = 0;
  for (;;) {
    const { changes } = batch.run(before);
    deleted += changes;
    if (changes < 1000) break;
    await yieldToRequests();
  }
  control.sqlite
    .prepare(
      `delete from mail_messages where created_at < ? and not exists (select 1 from mail_outbox where message_id = mail_messages.id)`,
    )
    .run(before);
  return deleted;
}
