import { and, eq, gt, isNull } from 'drizzle-orm';
import { accountMailLimits } from '@/lib/auth/rate-limit';
import { newToken, secretMatches, splitToken } from '@/lib/auth/tokens';
import { platformUrl } from '@/lib/config';
import { changedRows, controlDb } from '@/lib/db/control';
import { blogs, invites, memberships, type Blog, type Role, type User } from '@/lib/db/schema/control';
import { InputError, parseInput } from '@/lib/input';
import { emailSchema } from '@/lib/input/email';
import { TooManyRequests } from '@/lib/limits';
import { composeMail } from '@/lib/mail/compose';
import { oneLine } from '@/lib/mail/headers';
import { enqueueMail, mailEnabled } from '@/lib/mail/outbox';

/** Invitation links work once, for a week. Mailed when an address is given, else passed on by hand. */
const INVITE_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

export async function createInvite(blog: Blog, role: Role, createdBy: User): Promise<{ token: string; expiresAt: Date }> {
  const { id, token, secretHash } = newToken();
  const now = Date.now();
  const expiresAt = new Date(now + INVITE_LIFETIME_MS);
  await controlDb()
    .orm.insert(invites)
    .values({ id, secretHash, blogId: blog.id, role, createdBy: createdBy.id, createdAt: new Date(now), expiresAt })
    .run();
  return { token, expiresAt };
}

export function inviteUrl(token: string): string {
  return `${platformUrl()}/invite/${token}`;
}

/**
 * Where an invitation will be mailed: the address checked (one recipient) and counted against
 * the inviter's limit, before the invitation exists. Undefined when mail is not configured: the
 * link is shown for copying either way.
 */
export function invitationRecipient(invitedBy: User, to: string): string | undefined {
  const address = parseInput(emailSchema, to);
  if (!mailEnabled()) return undefined;
  const limiter = accountMailLimits().invitationsPerUser;
  const key = String(invitedBy.id);
  if (!limiter.attempt(key)) throw new TooManyRequests('Too many invitations were mailed. Try again in {wait}.', limiter.retryAfter(key));
  return address;
}

/** Mails an invitation link, saying who invites to which blog. */
export async function mailInvitation(blog: Blog, role: Role, invitedBy: User, token: string, to: string): Promise<void> {
  const title = oneLine(blog.title, 200);
  await enqueueMail(
    {
      kind: 'invite',
      blogId: blog.id,
      fromName: title,
      // Cut to a subject's length: a long address and a long title together could pass it.
      subject: oneLine(`${invitedBy.email} invites you to write on ${title}`),
      ...composeMail({
        paragraphs: [`${invitedBy.email} invites you to write on "${title}" as ${role === 'owner' ? 'an owner' : 'an editor'}.`],
        action: { label: 'Accept the invitation', url: inviteUrl(token) },
        footer: 'The link works once, for seven days. If you did not expect it, ignore this mail.',
      }),
    },
    [{ to }],
  );
}

export type InviteCheck = { ok: true; inviteId: string; blog: Blog; role: Role } | { ok: false; reason: string };

/** What an invitation link offers, or why it cannot be used. */
export async function checkInvite(token: string, now = Date.now()): Promise<InviteCheck> {
  const parts = splitToken(token);
  const row = parts
    ? await controlDb()
        .orm.select({ invite: invites, blog: blogs })
        .from(invites)
        .innerJoin(blogs, eq(blogs.id, invites.blogId))
        .where(eq(invites.id, parts.id))
        .get()
    : undefined;
  if (!parts || !row || !secretMatches(parts.secret, row.invite.secretHash)) {
    return { ok: false, reason: 'This invitation link is not valid.' };
  }
  if (row.invite.usedAt) return { ok: false, reason: 'This invitation link has already been used.' };
  if (row.invite.expiresAt.getTime() <= now) return { ok: false, reason: 'This invitation link has expired. Ask for a new one.' };
  return { ok: true, inviteId: row.invite.id, blog: row.blog, role: row.invite.role };
}

/** Uses the invitation: the user joins the blog. The link cannot be used again. */
export async function acceptInvite(token: string, user: User): Promise<{ blog: Blog; role: Role }> {
  const check = await checkInvite(token);
  if (!check.ok) throw new InputError(check.reason);
  await controlDb().transaction(async (tx) => {
    const already = await tx
      .select()
      .from(memberships)
      .where(and(eq(memberships.userId, user.id), eq(memberships.blogId, check.blog.id)))
      .get();
    if (already) throw new InputError(`You are already a member of "${check.blog.title}".`);
    // The condition makes a second, concurrent use of the same link fail.
    const used = await tx
      .update(invites)
      .set({ usedAt: new Date(), usedBy: user.id })
      .where(and(eq(invites.id, check.inviteId), isNull(invites.usedAt), gt(invites.expiresAt, new Date())))
      .run();
    if (changedRows(used) !== 1) throw new InputError('This invitation link has already been used.');
    await tx.insert(memberships).values({ userId: user.id, blogId: check.blog.id, role: check.role, createdAt: new Date() }).run();
  });
  return { blog: check.blog, role: check.role };
}

export type PendingInvite = { id: string; role: Role; createdAt: Date; expiresAt: Date };

export async function pendingInvites(blogId: number): Promise<PendingInvite[]> {
  return controlDb()
    .orm.select({ id: invites.id, role: invites.role, createdAt: invites.createdAt, expiresAt: invites.expiresAt })
    .from(invites)
    .where(and(eq(invites.blogId, blogId), isNull(invites.usedAt), gt(invites.expiresAt, new Date())))
    .all();
}

export async function revokeInvite(blogId: number, inviteId: string): Promise<void> {
  await controlDb()
    .orm.delete(invites)
    .where(and(eq(invites.blogId, blogId), eq(invites.id, inviteId)))
    .run();
}
