import { and, eq, gte, inArray, lt, lte, ne, notExists, sql } from 'drizzle-orm';
import { setImmediate as yieldToRequests } from 'node:timers/promises';
import { z } from 'zod';
import { config } from '@/lib/config';
import { changedRows, controlDb, type ControlOrm } from '@/lib/db/control';
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
export async function enqueueMail(mail: OutgoingMail, recipients: Recipient[]): Promise<number | undefined | null> {
  if (!mailEnabled()) return undefined;
  const checked = checkMail(mail, recipients);
  // "once per post": the check and the insert under one write lock
  const id = await controlDb().transaction((tx) => insertMail(tx, checked));
  if (id !== null) wakeMailSender();
  return id;
}

/**
 * `enqueueMail` inside the caller's transaction `tx` (its rows go, or not, with the caller's
 * writes). The caller wakes the sender once it has committed (`wakeMailSender`).
 */
export async function enqueueMailIn(tx: ControlOrm, mail: OutgoingMail, recipients: Recipient[]): Promise<number | undefined | null> {
  if (!mailEnabled()) return undefined;
  return insertMail(tx, checkMail(mail, recipients));
}

type OutboxRow = Omit<typeof mailOutbox.$inferInsert, 'messageId'>;
type CheckedMail = { mail: OutgoingMail; rows: OutboxRow[] };

/** The message's headers and addresses checked (nothing unsafe reaches a header), and a row per recipient. */
function checkMail(mail: OutgoingMail, recipients: Recipient[]): CheckedMail {
  headerText(mail.subject, 'subject');
  if (mail.fromName !== undefined) headerText(mail.fromName, 'sender name', 200);
  const replyTo = mail.replyTo === undefined ? undefined : parseInput(emailSchema, mail.replyTo);
  const rows = recipients.map((recipient) => ({
    toAddress: parseInput(emailSchema, recipient.to),
    unsubscribeUrl: recipient.unsubscribeUrl === undefined ? null : parseInput(unsubscribeUrlSchema, recipient.unsubscribeUrl),
    subscriberId: recipient.subscriberId ?? null,
    notBefore: recipient.notBefore ?? new Date(),
  }));
  return { mail: { ...mail, replyTo }, rows };
}

/** Rows per insert statement: 500 rows of 5 values stay far below either backend's limit on parameters. */
const ROWS_PER_INSERT = 500;

/** The message and its rows, through `tx`; null (nothing written) when `oncePerPost` finds one queued already. */
async function insertMail(tx: ControlOrm, { mail, rows }: CheckedMail): Promise<number | null> {
  const { oncePerPost, ...content } = mail;
  if (oncePerPost && mail.blogId !== undefined && mail.postId !== undefined) {
    const existing = await tx
      .select({ id: mailMessages.id })
      .from(mailMessages)
      .where(and(eq(mailMessages.blogId, mail.blogId), eq(mailMessages.kind, mail.kind), eq(mailMessages.postId, mail.postId)))
      .get();
    if (existing) return null;
  }
  const message = await tx
    .insert(mailMessages)
    .values({ ...content, createdAt: new Date() })
    .returning({ id: mailMessages.id })
    .get();
  // A newsletter's 10,000 readers are 20 statements, on a pool thread (enqueueMailOffThread).
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const chunk = rows.slice(start, start + ROWS_PER_INSERT).map((row) => ({ ...row, messageId: message.id }));
    await tx.insert(mailOutbox).values(chunk).run();
  }
  return message.id;
}

/**
 * `enqueueMail` on a pool thread, for a newsletter's thousands of rows: 10,000 readers are
 * 0.3–1 s of inserts (and their checks), which the thread serving every blog does not wait for.
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
export async function messageDelivery(messageId: number): Promise<Delivery> {
  const control = controlDb();
  const counts = await control.orm
    .select({ state: mailOutbox.state, n: sql<number>`count(*)`, until: sql<number | null>`max(${mailOutbox.notBefore})` })
    .from(mailOutbox)
    .where(eq(mailOutbox.messageId, messageId))
    .groupBy(mailOutbox.state)
    .all();
  const of = (state: string) => counts.find((row) => row.state === state)?.n ?? 0;
  const queuedUntil = counts.find((row) => row.state === 'queued')?.until;
  const failed = await control.orm
    .select({ to: mailOutbox.toAddress, error: mailOutbox.lastError })
    .from(mailOutbox)
    .where(and(eq(mailOutbox.messageId, messageId), eq(mailOutbox.state, 'failed')))
    .limit(20)
    .all();
  const errors = failed.map((row) => ({ to: row.to, error: row.error ?? 'not delivered' }));
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
export async function newsletterMessages(blogId: number, postIds: number[]): Promise<Map<number, number>> {
  if (postIds.length === 0) return new Map();
  const rows = await controlDb()
    .orm.select({ postId: mailMessages.postId, id: sql<number>`max(${mailMessages.id})` })
    .from(mailMessages)
    .where(and(eq(mailMessages.blogId, blogId), eq(mailMessages.kind, 'newsletter'), inArray(mailMessages.postId, postIds)))
    .groupBy(mailMessages.postId)
    .all();
  return new Map(rows.map((row) => [row.postId!, row.id]));
}

/**
 * Newsletter messages a blog has queued or sent for each UTC day from `fromDay` (a UTC midnight)
 * on: day start (ms) → count, in one query (the daily limit's schedule reads it).
 */
export async function newsletterCountsByDay(blogId: number, fromDay: Date): Promise<Map<number, number>> {
  // Days since 1970 (UTC midnights are whole days of ms); integer division on both backends.
  const day = sql<number>`${mailOutbox.notBefore} / ${sql.raw(String(DAY_MS))}`;
  const rows = await controlDb()
    .orm.select({ day, n: sql<number>`count(*)` })
    .from(mailOutbox)
    .innerJoin(mailMessages, eq(mailMessages.id, mailOutbox.messageId))
    .where(
      and(
        inArray(mailOutbox.state, ['queued', 'sent']),
        gte(mailOutbox.notBefore, fromDay),
        eq(mailMessages.blogId, blogId),
        eq(mailMessages.kind, 'newsletter'),
      ),
    )
    .groupBy(day)
    .all();
  return new Map(rows.map((row) => [row.day * DAY_MS, row.n]));
}
export const DAY_MS = 24 * 60 * 60 * 1000;

/** Rows due now, oldest first, skipping those already being sent. */
export async function dueMail(now: number, limit: number, skip: ReadonlySet<number>): Promise<DueMail[]> {
  const rows = await controlDb()
    .orm.select({
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
    .all();
  const candidates = rows.filter((row) => !skip.has(row.id)).slice(0, limit);
  if (candidates.length === 0) return [];
  // Claimed in one statement: of several senders (the nodes of a cluster), only one gets a row.
  // A claimed row is due again after CLAIM_MS: if this sender dies before the server's answer is
  // recorded, another sends it then.
  const claimed = await controlDb()
    .orm.update(mailOutbox)
    .set({ notBefore: new Date(now + CLAIM_MS) })
    .where(
      and(
        inArray(
          mailOutbox.id,
          candidates.map((row) => row.id),
        ),
        eq(mailOutbox.state, 'queued'),
        lte(mailOutbox.notBefore, new Date(now)),
      ),
    )
    .returning({ id: mailOutbox.id })
    .all();
  const ours = new Set(claimed.map((row) => row.id));
  return candidates.filter((row) => ours.has(row.id));
}

/** How long a sender holds the rows it took (see dueMail). */
const CLAIM_MS = 10 * 60 * 1000;

export type DueMail = {
  id: number;
  to: string;
  unsubscribeUrl: string | null;
  subscriberId: number | null;
  attempts: number;
  message: typeof mailMessages.$inferSelect;
};

export async function markSent(id: number): Promise<void> {
  await controlDb().orm.update(mailOutbox).set({ state: 'sent', sentAt: new Date(), lastError: null }).where(eq(mailOutbox.id, id)).run();
}

export async function markFailed(id: number, error: string): Promise<void> {
  await controlDb().orm.update(mailOutbox).set({ state: 'failed', lastError: error }).where(eq(mailOutbox.id, id)).run();
}

/** Tries again later; `countAttempt` false when the fault was the server's, not this message's. */
export async function markRetry(id: number, error: string, notBefore: Date, countAttempt: boolean): Promise<void> {
  await controlDb()
    .orm.update(mailOutbox)
    .set({ lastError: error, notBefore, attempts: countAttempt ? sql`${mailOutbox.attempts} + 1` : mailOutbox.attempts })
    .where(eq(mailOutbox.id, id))
    .run();
}

/** Lets an enqueue start sending at once instead of at the sender's next look (sender.ts). */
export function wakeMailSender(): void {
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
export async function outboxSummary(now = Date.now()): Promise<OutboxSummary> {
  const control = controlDb();
  const dayAgo = now - DAY_MS;
  const { state, notBefore, sentAt } = mailOutbox;
  const row = await control.orm
    .select({
      queued: sql<number>`count(*) filter (where ${state} = 'queued')`,
      due: sql<number>`count(*) filter (where ${state} = 'queued' and ${notBefore} <= ${now})`,
      oldestDue: sql<number | null>`min(${notBefore}) filter (where ${state} = 'queued' and ${notBefore} <= ${now})`,
      sentLastDay: sql<number>`count(*) filter (where ${state} = 'sent' and ${sentAt} >= ${dayAgo})`,
      failedLastDay: sql<number>`count(*) filter (where ${state} = 'failed' and ${mailMessages.createdAt} >= ${dayAgo})`,
    })
    .from(mailOutbox)
    .innerJoin(mailMessages, eq(mailMessages.id, mailOutbox.messageId))
    .get();
  const errorRows = await control.orm
    .select({ to: mailOutbox.toAddress, state: mailOutbox.state, error: mailOutbox.lastError })
    .from(mailOutbox)
    .where(sql`${mailOutbox.lastError} is not null`)
    .orderBy(sql`${mailOutbox.id} desc`)
    .limit(5)
    .all();
  const recentErrors = errorRows.map((r) => ({ to: r.to, state: r.state, error: r.error ?? '' }));
  const oldestDue = row?.oldestDue ?? null;
  return {
    queued: row?.queued ?? 0,
    due: row?.due ?? 0,
    oldestDue: oldestDue === null ? undefined : new Date(oldestDue),
    sentLastDay: row?.sentLastDay ?? 0,
    failedLastDay: row?.failedLastDay ?? 0,
    recentErrors,
  };
}

/** What waits in the outbox, from its index alone (cheap enough for every health check). */
export async function outboxBacklog(now = Date.now()): Promise<{ queued: number; due: number; oldestDueAt: string | null }> {
  const row = await controlDb()
    .orm.select({
      queued: sql<number>`count(*)`,
      due: sql<number>`count(*) filter (where ${mailOutbox.notBefore} <= ${now})`,
      oldest: sql<number | null>`min(${mailOutbox.notBefore})`,
    })
    .from(mailOutbox)
    .where(eq(mailOutbox.state, 'queued'))
    .get();
  const oldest = row?.oldest ?? null;
  return {
    queued: row?.queued ?? 0,
    due: row?.due ?? 0,
    oldestDueAt: oldest !== null && oldest <= now ? new Date(oldest).toISOString() : null,
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
  const orm = controlDb().orm;
  const before = new Date(now - OUTBOX_KEPT_DAYS * DAY_MS);
  const finished = orm
    .select({ id: mailOutbox.id })
    .from(mailOutbox)
    .innerJoin(mailMessages, eq(mailMessages.id, mailOutbox.messageId))
    .where(and(lt(mailMessages.createdAt, before), ne(mailOutbox.state, 'queued')))
    .limit(1000);
  let deleted = 0;
  for (;;) {
    const changes = changedRows(await orm.delete(mailOutbox).where(inArray(mailOutbox.id, finished)).run());
    deleted += changes;
    if (changes < 1000) break;
    await yieldToRequests();
  }
  const anyRow = orm
    .select({ one: sql`1` })
    .from(mailOutbox)
    .where(eq(mailOutbox.messageId, mailMessages.id));
  await orm
    .delete(mailMessages)
    .where(and(lt(mailMessages.createdAt, before), notExists(anyRow)))
    .run();
  return deleted;
}
