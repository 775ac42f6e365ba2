import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { decoyHash, hashPassword, passwordProblem, PASSWORD_MAX, verifyPassword } from '@/lib/auth/passwords';
import { authLimits } from '@/lib/auth/rate-limit';
import { TooManyRequests } from '@/lib/limits';
import { invalidateUserSessions } from '@/lib/auth/sessions';
import { checkNewBlog, createBlog, type NewBlog } from '@/lib/blogs/blogs';
import { config } from '@/lib/config';
import { controlDb } from '@/lib/db/control';
import { users, type Blog, type User } from '@/lib/db/schema/control';
import { HttpError } from '@/lib/http/errors';
import { InputError, parseInput } from '@/lib/input';
import { EMAIL_MAX, emailSchema } from '@/lib/input/email';
import { addMembership, ownedBlogCount } from '@/lib/members/access';
import { acceptInvite, checkInvite } from '@/lib/members/invites';
import { onePerAccount } from '@/lib/workers/per-account';

const signUpSchema = z.object({
  email: emailSchema,
  password: z.string().max(PASSWORD_MAX, `A password is at most ${PASSWORD_MAX} characters.`),
  /** `timeZone`: the browser's, which becomes the blog's (lib/blogs/blogs.ts). */
  blog: z.object({ slug: z.string(), title: z.string(), timeZone: z.unknown().optional() }).optional(),
  invite: z.string().max(200).optional(),
});

/**
 * Creates an account and, unless joining by invitation, its first blog with the new user as
 * owner. Everything is checked before anything is written, so a refusal leaves nothing behind.
 */
export async function signUp(input: unknown, clientIp: string): Promise<{ user: User; blog: Blog }> {
  const signups = authLimits().signupsPerIp;
  if (!signups.attempt(clientIp)) {
    throw new TooManyRequests('Too many sign-ups from your address. Try again in {wait}.', signups.retryAfter(clientIp));
  }
  const form = parseInput(signUpSchema, input);
  const mode = config().signup;
  const invite = form.invite ? await checkInvite(form.invite) : undefined;
  if (invite && !invite.ok) throw new InputError(invite.reason);
  if (mode === 'closed') throw new HttpError(403, 'Sign-up is closed on this server.');
  if (mode === 'invite' && !invite) throw new HttpError(403, 'Sign-up on this server needs an invitation link.');
  if (!invite && !form.blog) throw new InputError('Choose an address and a title for your first blog.');

  const problem = passwordProblem(form.password, form.email);
  if (problem) throw new InputError(problem);
  if (await findUserByEmail(form.email)) throw new InputError('An account with this email already exists. Log in instead.');
  if (form.blog) await checkNewBlog(form.blog);

  const passwordHash = await hashPassword(form.password);
  const control = controlDb();
  let user: User;
  try {
    user = await control.orm.insert(users).values({ email: form.email, passwordHash, createdAt: new Date() }).returning().get();
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new InputError('An account with this email already exists. Log in instead.');
    }
    throw error;
  }
  try {
    if (form.invite) return { user, blog: (await acceptInvite(form.invite, user)).blog };
    return { user, blog: await createOwnedBlog(user, form.blog!) };
  } catch (error) {
    await control.orm.delete(users).where(eq(users.id, user.id)).run();
    throw error;
  }
}

/** A unique constraint refused a write (SQLite or PostgreSQL; drizzle wraps the driver's error). */
export function isUniqueViolation(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

const CREATING_BLOG = 'Another blog of yours is being created. Try again in a moment.';

/**
 * A new blog owned by `user`, within the per-user limit. One at a time per account, so that two
 * at once cannot both pass the limit's check.
 */
export async function createOwnedBlog(user: User, input: NewBlog, provideFile?: (slug: string) => void): Promise<Blog> {
  return onePerAccount('new-blog', user.id, CREATING_BLOG, async () => {
    await assertMayOwnAnotherBlog(user);
    const blog = await createBlog(input, provideFile);
    await addMembership(user.id, blog.id, 'owner');
    return blog;
  });
}

/** Refuses, with its sentence, an account that owns as many blogs as the server allows. */
export async function assertMayOwnAnotherBlog(user: User): Promise<void> {
  const max = config().maxBlogsPerUser;
  if ((await ownedBlogCount(user.id)) >= max) {
    throw new InputError(`You already own ${max} blogs (counting any in the trash), the most this server allows.`);
  }
}

export async function findUserByEmail(email: string): Promise<User | undefined> {
  return controlDb().orm.select().from(users).where(eq(users.email, email.trim().toLowerCase())).get();
}

const logInSchema = z.object({
  email: z.string().max(EMAIL_MAX * 2),
  password: z.string().max(PASSWORD_MAX * 2),
});

const WRONG = 'Email or password is wrong.';

/**
 * Checks a log-in. Failures back off per client address and per address and account — never per
 * account alone, so nobody can lock the owner out from elsewhere; the error never tells whether
 * the email has an account, and an unknown email costs the same argon2 work as a known one.
 */
export async function logIn(input: unknown, clientIp: string): Promise<User> {
  const form = parseInput(logInSchema, input);
  const email = form.email.trim().toLowerCase();
  const limits = authLimits();
  const pair = `${clientIp}|${email}`;
  const wait = Math.max(limits.failuresPerIp.waitMs(clientIp), limits.failuresPerIpAndAccount.waitMs(pair));
  if (wait > 0) throw new TooManyRequests('Too many wrong passwords from your address. Try again in {wait}.', wait);
  const user = await findUserByEmail(email);
  const valid = await verifyPassword(user?.passwordHash ?? (await decoyHash()), form.password);
  if (!user || !valid || user.disabledAt) {
    limits.failuresPerIp.fail(clientIp);
    limits.failuresPerIpAndAccount.fail(pair);
    throw new InputError(WRONG);
  }
  limits.failuresPerIpAndAccount.succeed(pair);
  return user;
}

const passwordChangeSchema = z.object({
  current: z.string().max(PASSWORD_MAX * 2),
  next: z.string().max(PASSWORD_MAX, `A password is at most ${PASSWORD_MAX} characters.`),
});

/** Changes the password and ends every other session of the user. */
export async function changePassword(user: User, input: unknown): Promise<void> {
  const form = parseInput(passwordChangeSchema, input);
  if (!(await verifyPassword(user.passwordHash, form.current))) throw new InputError('Your current password is wrong.');
  const problem = passwordProblem(form.next, user.email);
  if (problem) throw new InputError(problem);
  const passwordHash = await hashPassword(form.next);
  await controlDb().orm.update(users).set({ passwordHash }).where(eq(users.id, user.id)).run();
  await invalidateUserSessions(user.id);
}
