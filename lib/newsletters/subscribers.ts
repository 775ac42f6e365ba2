import { and, desc, eq, gt, lt, sql } from 'drizzle-orm';
import { generateSecureRandomString } from '@/lib/auth/tokens';
import type { TenantHandle } from '@/lib/db/pool';
import { subscribers } from '@/lib/db/schema/tenant';
import { parseInput } from '@/lib/input';
import { emailSchema } from '@/lib/input/email';

export type Subscriber = typeof subscribers.$inferSelect;
export type SubscriberState = Subscriber['state'];

/**
 * A blog's readers by mail, in the blog's own file (the author owns the list and takes it along
 * with the export). Double opt-in: a reader who fills the form is `pending` until they follow
 * the link mailed to them; an import brings readers who opted in elsewhere as `active`.
 */

/** The reader's secret in their confirm and unsubscribe links (the same for both, kept for good). */
function newSubscriberToken(): string {
  return generateSecureRandomString(20);
}

export type AddResult = { subscriber: Subscriber; created: boolean };

/**
 * A reader asking to subscribe: a new pending row, or the existing one (pending stays pending;
 * an unsubscribed or bounced reader who asks again becomes pending again and must confirm).
 * An active reader is left as is (the caller says the same thing either way: no one learns who
 * is subscribed).
 */
export function requestSubscription(handle: TenantHandle, emailInput: string, now = new Date()): AddResult {
  const email = parseInput(emailSchema, emailInput);
  return handle.sqlite.transaction((): AddResult => {
    const existing = handle.orm.select().from(subscribers).where(eq(subscribers.email, email)).get();
    if (existing) {
      if (existing.state === 'unsubscribed' || existing.state === 'bounced') {
        const subscriber = handle.orm
          .update(subscribers)
          // A new secret: links in the newsletters they got before must not confirm them again.
          .set({ state: 'pending', token: newSubscriberToken(), endedAt: null, endedReason: null, confirmedAt: null })
          .where(eq(subscribers.id, existing.id))
          .returning()
          .get();
        return { subscriber, created: false };
      }
      return { subscriber: existing, created: false };
    }
    const subscriber = handle.orm
      .insert(subscribers)
      .values({ email, state: 'pending', token: newSubscriberToken(), source: 'form', createdAt: now })
      .returning()
      .get();
    return { subscriber, created: true };
  })();
}

export function findSubscriberByToken(handle: TenantHandle, token: string): Subscriber | undefined {
  if (!/^[a-z2-7]{20,64}$/.test(token)) return undefined;
  return handle.orm.select().from(subscribers).where(eq(subscribers.token, token)).get();
}

/** The reader followed their link: pending → active. Returns the row, or undefined for a bad token. */
export function confirmSubscription(handle: TenantHandle, token: string, now = new Date()): Subscriber | undefined {
  const subscriber = findSubscriberByToken(handle, token);
  if (!subscriber) return undefined;
  if (subscriber.state !== 'pending') return subscriber;
  return handle.orm
    .update(subscribers)
    .set({ state: 'active', confirmedAt: now })
    .where(eq(subscribers.id, subscriber.id))
    .returning()
    .get();
}

/** The reader left (their link, or the one-click POST): no newsletter reaches them again. */
export function unsubscribe(handle: TenantHandle, token: string, now = new Date()): Subscriber | undefined {
  const subscriber = findSubscriberByToken(handle, token);
  if (!subscriber) return undefined;
  if (subscriber.state === 'unsubscribed') return subscriber;
  return handle.orm
    .update(subscribers)
    .set({ state: 'unsubscribed', endedAt: now, endedReason: 'unsubscribed' })
    .where(eq(subscribers.id, subscriber.id))
    .returning()
    .get();
}

/** Their mail server refused the address for good: not sent to again until they subscribe anew. */
export function markBounced(handle: TenantHandle, subscriberId: number, reason: string, now = new Date()): void {
  handle.orm
    .update(subscribers)
    .set({ state: 'bounced', endedAt: now, endedReason: reason.slice(0, 500) })
    .where(and(eq(subscribers.id, subscriberId), eq(subscribers.state, 'active')))
    .run();
}

/** Every active reader, in the order they joined: whom a newsletter goes to. */
export function activeSubscribers(handle: TenantHandle): Pick<Subscriber, 'id' | 'email' | 'token'>[] {
  return handle.orm
    .select({ id: subscribers.id, email: subscribers.email, token: subscribers.token })
    .from(subscribers)
    .where(eq(subscribers.state, 'active'))
    .orderBy(subscribers.id)
    .all();
}

export function subscriberCounts(handle: TenantHandle): Record<SubscriberState, number> {
  const counts: Record<SubscriberState, number> = { pending: 0, active: 0, unsubscribed: 0, bounced: 0 };
  const rows = handle.orm
    .select({ state: subscribers.state, n: sql<number>`count(*)` })
    .from(subscribers)
    .groupBy(subscribers.state)
    .all();
  for (const row of rows) counts[row.state] = row.n;
  return counts;
}

export type ImportedSubscriber = { email: string; name?: string; createdAt?: Date; state: 'active' | 'unsubscribed' };

/**
 * Readers from another platform's list (a CSV: lib/newsletters/csv.ts): new addresses are added
 * as they were there; an address already here keeps its own state (an unsubscribe here wins).
 */
function importSubscribers(handle: TenantHandle, rows: ImportedSubscriber[], now = new Date()): { added: number; kept: number } {
  let added = 0;
  const insert = handle.sqlite.prepare(
    `insert into subscribers (email, name, state, token, source, created_at, confirmed_at, ended_at, ended_reason)
     values (?, ?, ?, ?, 'import', ?, ?, ?, ?) on conflict(email) do nothing`,
  );
  handle.sqlite.transaction(() => {
    for (const row of rows) {
      const createdAt = (row.createdAt ?? now).getTime();
      const ended = row.state === 'unsubscribed';
      const result = insert.run(
        row.email,
        row.name ?? null,
        row.state,
        newSubscriberToken(),
        createdAt,
        ended ? null : createdAt,
        ended ? now.getTime() : null,
        ended ? 'unsubscribed before the import' : null,
      );
      added += result.changes;
    }
  })();
  return { added, kept: rows.length - added };
}

/**
 * Imports in transactions of `chunk` rows, letting other requests run between them: a list of
 * 200,000 readers would otherwise hold the serving thread for a second. Each address is added
 * once whatever happens (an import that stops half-way can simply be run again).
 */
export async function importSubscribersInChunks(
  handle: TenantHandle,
  rows: ImportedSubscriber[],
  now = new Date(),
  chunk = 2_000,
): Promise<{ added: number; kept: number }> {
  let added = 0;
  for (let start = 0; start < rows.length; start += chunk) {
    if (start > 0) await new Promise((resolve) => setImmediate(resolve));
    added += importSubscribers(handle, rows.slice(start, start + chunk), now).added;
  }
  return { added, kept: rows.length - added };
}

/** What the dashboard lists of a reader (owners only: it is personal data). */
export type SubscriberRow = Pick<Subscriber, 'id' | 'email' | 'name' | 'state' | 'source' | 'createdAt' | 'confirmedAt' | 'endedAt'>;

const rowColumns = {
  id: subscribers.id,
  email: subscribers.email,
  name: subscribers.name,
  state: subscribers.state,
  source: subscribers.source,
  createdAt: subscribers.createdAt,
  confirmedAt: subscribers.confirmedAt,
  endedAt: subscribers.endedAt,
};

const SUBSCRIBER_PAGE_SIZE = 50;

/**
 * One page of the list, newest first: the readers before `before` (a row id; the first page
 * without it). `older` is the id to ask for the next page with, when there is one.
 */
export function listSubscribers(
  handle: TenantHandle,
  options: { before?: number; limit?: number } = {},
): { rows: SubscriberRow[]; older?: number } {
  const limit = options.limit ?? SUBSCRIBER_PAGE_SIZE;
  const rows = handle.orm
    .select(rowColumns)
    .from(subscribers)
    .where(options.before === undefined ? undefined : lt(subscribers.id, options.before))
    .orderBy(desc(subscribers.id))
    .limit(limit + 1)
    .all();
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  return { rows: page, older: more ? page[page.length - 1]!.id : undefined };
}

/** Readers after `afterId` in the order they joined, `limit` at a time: the export reads the list in pieces. */
export function subscribersAfter(handle: TenantHandle, afterId: number, limit: number): SubscriberRow[] {
  return handle.orm.select(rowColumns).from(subscribers).where(gt(subscribers.id, afterId)).orderBy(subscribers.id).limit(limit).all();
}

/** The owner removed a reader from the list: their row is gone (a new subscription starts over). */
export function removeSubscriber(handle: TenantHandle, id: number): boolean {
  return handle.orm.delete(subscribers).where(eq(subscribers.id, id)).run().changes > 0;
}
