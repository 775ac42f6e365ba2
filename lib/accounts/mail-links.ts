import { and, eq, gt, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { hashPassword, passwordProblem, PASSWORD_MAX, verifyPassword } from '@/lib/auth/passwords';
import { accountMailLimits } from '@/lib/auth/rate-limit';
import { invalidateUserSessions } from '@/lib/auth/sessions';
import { newToken, secretMatches, splitToken } from '@/lib/auth/tokens';
import { platformUrl } from '@/lib/config';
import { changedRows, controlDb, type ControlOrm } from '@/lib/db/control';
import { TOKEN_PAGES } from '@/lib/http/routes';
import { accountTokens, users, type User } from '@/lib/db/schema/control';
import { InputError, parseInput } from '@/lib/input';
import { emailSchema } from '@/lib/input/email';
import { TooManyRequests, type RateLimiter } from '@/lib/limits';
import { composeMail } from '@/lib/mail/compose';
import { enqueueMail, mailEnabled } from '@/lib/mail/outbox';
import { findUserByEmail, isUniqueViolation } from './accounts';

/**
 * Links sent by mail that act on an account: choosing a new password, proving an address, moving
 * the account to a new address. Each is an `accountTokens` row holding only the hash of its
 * secret (lib/auth/tokens), for one purpose, until it expires or is used once.
 */
export type TokenPurpose = (typeof accountTokens.$inferSelect)['purpose'];

const HOUR = 60 * 60_000;
const LIFETIME_MS: Record<TokenPurpose, number> = {
  'reset-password': HOUR,
  'verify-email': 7 * 24 * HOUR,
  'change-email': 24 * HOUR,
};

/** Where each link leads (pages that show the token's offer and a button that POSTs it). */
const MAIL_LINK_PATHS: Record<TokenPurpose, string> = {
  'reset-password': TOKEN_PAGES.resetPassword,
  'verify-email': TOKEN_PAGES.verifyEmail,
  'change-email': TOKEN_PAGES.changeEmail,
};

/** The one answer to "Forgot password?", whether or not the address has an account. */
export const RESET_REQUESTED = 'If an account uses this address, a link to choose a new password is on its way.';

function linkUrl(purpose: TokenPurpose, token: string): string {
  return `${platformUrl()}${MAIL_LINK_PATHS[purpose]}?token=${encodeURIComponent(token)}`;
}

async function issueToken(user: User, purpose: TokenPurpose, email: string, now = Date.now()): Promise<string> {
  const { id, token, secretHash } = newToken();
  await controlDb()
    .orm.insert(accountTokens)
    .values({ id, secretHash, userId: user.id, purpose, email, createdAt: new Date(now), expiresAt: new Date(now + LIFETIME_MS[purpose]) })
    .run();
  return token;
}

export type LinkCheck = { ok: true; tokenId: string; user: User; email: string } | { ok: false; reason: string };

const REASONS: Record<TokenPurpose, { invalid: string; used: string; expired: string }> = {
  'reset-password': {
    invalid: 'This link to choose a new password is not valid.',
    used: 'This link to choose a new password has already been used. Ask for a new one.',
    expired: 'This link to choose a new password has expired. Ask for a new one.',
  },
  'verify-email': {
    invalid: 'This confirmation link is not valid.',
    used: 'This confirmation link has already been used.',
    expired: 'This confirmation link has expired. Send a new one from your account page.',
  },
  'change-email': {
    invalid: 'This link to change your email address is not valid.',
    used: 'This link to change your email address has already been used.',
    expired: 'This link to change your email address has expired. Ask for the change again.',
  },
};

/** What a link from a mail may do, or the one sentence saying why it cannot. */
export async function checkMailLink(token: unknown, purpose: TokenPurpose, now = Date.now()): Promise<LinkCheck> {
  const reasons = REASONS[purpose];
  const parts = typeof token === 'string' ? splitToken(token) : null;
  const row = parts
    ? await controlDb()
        .orm.select({ token: accountTokens, user: users })
        .from(accountTokens)
        .innerJoin(users, eq(users.id, accountTokens.userId))
        .where(eq(accountTokens.id, parts.id))
        .get()
    : undefined;
  if (!parts || !row || row.token.purpose !== purpose || !secretMatches(parts.secret, row.token.secretHash) || row.user.disabledAt) {
    return { ok: false, reason: reasons.invalid };
  }
  if (row.token.usedAt) return { ok: false, reason: reasons.used };
  if (row.token.expiresAt.getTime() <= now) return { ok: false, reason: reasons.expired };
  return { ok: true, tokenId: row.token.id, user: row.user, email: row.token.email };
}

/** Marks the token used unless it already was (in the transaction `tx`): false when another request got there first. */
async function useToken(tx: ControlOrm, tokenId: string, now = new Date()): Promise<boolean> {
  const result = await tx
    .update(accountTokens)
    .set({ usedAt: now })
    .where(and(eq(accountTokens.id, tokenId), isNull(accountTokens.usedAt), gt(accountTokens.expiresAt, now)))
    .run();
  return changedRows(result) === 1;
}

/**
 * Every link of this purpose the user still holds stops working (a newer one, or it is done).
 * `db`: a transaction's, when part of one.
 */
async function closeOpenTokens(db: ControlOrm, userId: number, purpose: TokenPurpose, now = new Date()): Promise<void> {
  await db
    .update(accountTokens)
    .set({ usedAt: now })
    .where(and(eq(accountTokens.userId, userId), eq(accountTokens.purpose, purpose), isNull(accountTokens.usedAt)))
    .run();
}

function limit(limiter: RateLimiter, key: string, message: string): void {
  if (!limiter.attempt(key)) throw new TooManyRequests(message, limiter.retryAfter(key));
}

function platformHost(): string {
  return new URL(platformUrl()).host;
}

/* ---------- Forgot password ---------- */

const forgotSchema = z.object({ email: emailSchema });

/**
 * "Forgot password?": refuses only what says nothing about accounts (a malformed address, too
 * many requests), then answers `RESET_REQUESTED` at once. The look-up and the mail happen after
 * the answer, so neither its words nor its timing tell whether the address has an account.
 */
export function requestPasswordReset(input: unknown, clientIp: string): string {
  if (!mailEnabled()) throw new InputError('Password reset by mail is not set up on this server. Ask its operator.');
  const limits = accountMailLimits();
  limit(limits.resetsPerIp, clientIp, 'Too many requests from your address. Try again in {wait}.');
  const { email } = parseInput(forgotSchema, input);
  limit(limits.resetsPerEmail, email, 'Too many links were asked for this address. Try again in {wait}.');
  setImmediate(() => {
    mailPasswordReset(email).catch((error: unknown) => {
      console.error('[quire] a password reset mail could not be queued:', error);
    });
  });
  return RESET_REQUESTED;
}

/** Queues the reset link for the account using `email`, if there is one and it may log in. */
async function mailPasswordReset(email: string): Promise<void> {
  const user = await findUserByEmail(email);
  if (!user || user.disabledAt) return;
  const token = await issueToken(user, 'reset-password', user.email);
  const host = platformHost();
  await enqueueMail(
    {
      kind: 'account',
      subject: `Choose a new password for ${host}`,
      ...composeMail({
        paragraphs: [`Someone, hopefully you, asked to choose a new password for the account ${user.email} on ${host}.`],
        action: { label: 'Choose a new password', url: linkUrl('reset-password', token) },
        footer: 'The link works once, for one hour. If you did not ask for it, ignore this mail: your password stays as it is.',
      }),
    },
    [{ to: user.email }],
  );
}

const resetSchema = z.object({
  token: z.string().max(200),
  password: z.string().max(PASSWORD_MAX, `A password is at most ${PASSWORD_MAX} characters.`),
});

/**
 * Sets a new password from a reset link. The link and every other open reset link of the account
 * stop working, and every session ends (whoever knew the old password is logged out); the caller
 * starts a fresh one for this browser.
 */
export async function resetPassword(input: unknown): Promise<User> {
  const form = parseInput(resetSchema, input);
  const check = await checkMailLink(form.token, 'reset-password');
  if (!check.ok) throw new InputError(check.reason);
  const problem = passwordProblem(form.password, check.user.email);
  if (problem) throw new InputError(problem);
  const passwordHash = await hashPassword(form.password);
  await controlDb().transaction(async (tx) => {
    // The condition makes a second, concurrent use of the same link fail.
    if (!(await useToken(tx, check.tokenId))) throw new InputError(REASONS['reset-password'].used);
    await tx.update(users).set({ passwordHash }).where(eq(users.id, check.user.id)).run();
    await closeOpenTokens(tx, check.user.id, 'reset-password');
    await invalidateUserSessions(check.user.id, tx);
  });
  return check.user;
}

/* ---------- Verifying an address ---------- */

/** Mails a link proving that the account's address is its owner's (after sign-up, or again). */
export async function mailVerification(user: User): Promise<void> {
  if (!mailEnabled() || user.emailVerifiedAt) return;
  await closeOpenTokens(controlDb().orm, user.id, 'verify-email');
  const token = await issueToken(user, 'verify-email', user.email);
  const host = platformHost();
  await enqueueMail(
    {
      kind: 'account',
      subject: `Confirm your email address on ${host}`,
      ...composeMail({
        paragraphs: [`Please confirm that ${user.email} is the address of your account on ${host}.`],
        action: { label: 'Confirm my address', url: linkUrl('verify-email', token) },
        footer: 'The link works for seven days. If you did not create this account, ignore this mail.',
      }),
    },
    [{ to: user.email }],
  );
}

/** "Send the link again", from the account page. */
export async function resendVerification(user: User): Promise<void> {
  if (!mailEnabled()) throw new InputError('Mail is not set up on this server.');
  if (user.emailVerifiedAt) throw new InputError('Your email address is already confirmed.');
  const limiter = accountMailLimits().verificationsPerUser;
  limit(limiter, String(user.id), 'Too many links were sent. Try again in {wait}.');
  await mailVerification(user);
}

/** Following the link: the address is confirmed, if the account still uses it. */
export async function verifyEmail(input: unknown): Promise<User> {
  const { token } = parseInput(z.object({ token: z.string().max(200) }), input);
  const check = await checkMailLink(token, 'verify-email');
  if (!check.ok) throw new InputError(check.reason);
  if (check.email !== check.user.email) throw new InputError('This link was for an address your account no longer uses.');
  await controlDb().transaction(async (tx) => {
    if (!(await useToken(tx, check.tokenId))) throw new InputError(REASONS['verify-email'].used);
    await tx.update(users).set({ emailVerifiedAt: new Date() }).where(eq(users.id, check.user.id)).run();
  });
  return check.user;
}

/* ---------- Changing the address ---------- */

const emailChangeSchema = z.object({
  email: emailSchema,
  password: z.string().max(PASSWORD_MAX * 2),
});

const ADDRESS_TAKEN = 'Another account uses this email address.';

/**
 * Asks to move the account to a new address: nothing changes until a link mailed to the new
 * address is followed. Returns the sentence to show.
 */
export async function requestEmailChange(user: User, input: unknown): Promise<string> {
  if (!mailEnabled()) throw new InputError('Changing the email address needs mail, which is not set up on this server.');
  const limiter = accountMailLimits().emailChangesPerUser;
  limit(limiter, String(user.id), 'Too many changes were asked for. Try again in {wait}.');
  const form = parseInput(emailChangeSchema, input);
  if (!(await verifyPassword(user.passwordHash, form.password))) throw new InputError('Your current password is wrong.');
  if (form.email === user.email) throw new InputError('This is already your email address.');
  if (await findUserByEmail(form.email)) throw new InputError(ADDRESS_TAKEN);
  await closeOpenTokens(controlDb().orm, user.id, 'change-email');
  const token = await issueToken(user, 'change-email', form.email);
  const host = platformHost();
  await enqueueMail(
    {
      kind: 'account',
      subject: `Confirm your new email address on ${host}`,
      ...composeMail({
        paragraphs: [`Please confirm that ${form.email} should become the address of the account ${user.email} on ${host}.`],
        action: { label: 'Use this address', url: linkUrl('change-email', token) },
        footer: 'The link works for one day. Until it is followed, nothing changes. If you did not ask for this, ignore this mail.',
      }),
    },
    [{ to: form.email }],
  );
  return `A link to confirm the change is on its way to ${form.email}. Until it is followed, nothing changes.`;
}

/** Following the link: the account uses the new address (confirmed), and the old one is told. */
export async function confirmEmailChange(input: unknown): Promise<{ user: User; email: string }> {
  const { token } = parseInput(z.object({ token: z.string().max(200) }), input);
  const check = await checkMailLink(token, 'change-email');
  if (!check.ok) throw new InputError(check.reason);
  const oldEmail = check.user.email;
  try {
    await controlDb().transaction(async (tx) => {
      if (!(await useToken(tx, check.tokenId))) throw new InputError(REASONS['change-email'].used);
      await tx.update(users).set({ email: check.email, emailVerifiedAt: new Date() }).where(eq(users.id, check.user.id)).run();
      // Links mailed to the old address must not act on the account any more.
      await closeOpenTokens(tx, check.user.id, 'reset-password');
      await closeOpenTokens(tx, check.user.id, 'verify-email');
      await closeOpenTokens(tx, check.user.id, 'change-email');
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new InputError(ADDRESS_TAKEN);
    throw error;
  }
  const host = platformHost();
  await enqueueMail(
    {
      kind: 'account',
      subject: `Your email address on ${host} was changed`,
      ...composeMail({
        paragraphs: [
          `The account that used ${oldEmail} on ${host} now uses another address, confirmed from a link mailed to it.`,
          'If you did not ask for this, ask the operator of the server for help.',
        ],
      }),
    },
    [{ to: oldEmail }],
  );
  return { user: { ...check.user, email: check.email }, email: check.email };
}
