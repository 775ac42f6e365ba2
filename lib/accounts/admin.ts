import { eq, sql } from 'drizzle-orm';
import { hashPassword, passwordProblem } from '@/lib/auth/passwords';
import { generateSecureRandomString } from '@/lib/auth/tokens';
import { invalidateUserSessions } from '@/lib/auth/sessions';
import { controlDb } from '@/lib/db/control';
import { memberships, users, type User } from '@/lib/db/schema/control';
import { InputError, parseInput } from '@/lib/input';
import { emailSchema } from '@/lib/input/email';
import { findUserByEmail } from './accounts';

/** The operator's side of accounts, for the `quire users` commands. */

export type UserRow = { email: string; createdAt: Date; disabled: boolean; blogs: number };

export async function listUsers(): Promise<UserRow[]> {
  const rows = await controlDb()
    .orm.select({
      email: users.email,
      createdAt: users.createdAt,
      disabledAt: users.disabledAt,
      blogs: sql<number>`count(${memberships.blogId})`,
    })
    .from(users)
    .leftJoin(memberships, eq(memberships.userId, users.id))
    .groupBy(users.id, users.email, users.createdAt, users.disabledAt)
    .orderBy(users.email)
    .all();
  return rows.map(({ disabledAt, ...row }) => ({ ...row, disabled: disabledAt !== null }));
}

/** A password people can type: four groups of five base32 characters (100 bits). */
export function generatePassword(): string {
  return generateSecureRandomString().slice(0, 20).match(/.{5}/g)!.join('-');
}

export async function createUserAccount(emailInput: string, password: string): Promise<User> {
  const email = parseInput(emailSchema, emailInput);
  if (await findUserByEmail(email)) throw new InputError(`There is already an account for ${email}.`);
  const problem = passwordProblem(password, email);
  if (problem) throw new InputError(problem);
  const passwordHash = await hashPassword(password);
  return controlDb().orm.insert(users).values({ email, passwordHash, createdAt: new Date() }).returning().get();
}

async function existingUser(email: string): Promise<User> {
  const user = await findUserByEmail(email);
  if (!user) throw new InputError(`There is no account for ${email.trim().toLowerCase()}.`);
  return user;
}

/** Sets a new password and ends every session of the account. */
export async function resetPassword(email: string, password: string): Promise<void> {
  const user = await existingUser(email);
  const problem = passwordProblem(password, user.email);
  if (problem) throw new InputError(problem);
  const passwordHash = await hashPassword(password);
  await controlDb().orm.update(users).set({ passwordHash }).where(eq(users.id, user.id)).run();
  await invalidateUserSessions(user.id);
}

/** Disables an account: it can no longer log in, and its sessions end now. */
export async function setDisabled(email: string, disabled: boolean): Promise<void> {
  const user = await existingUser(email);
  await controlDb()
    .orm.update(users)
    .set({ disabledAt: disabled ? new Date() : null })
    .where(eq(users.id, user.id))
    .run();
  if (disabled) await invalidateUserSessions(user.id);
}
