import { eq } from 'drizzle-orm';
import { controlDb, type ControlOrm } from '@/lib/db/control';
import { isOutOfDiskSpace } from '@/lib/http/errors';
import { sessions, users, type Session, type User } from '@/lib/db/schema/control';
import { newToken, secretMatches, splitToken } from './tokens';

export const SESSION_DURATION_MS = 30 * 24 * 60 * 60 * 1000;
/** A session used in its second half is extended: sliding expiry without a write per request. */
const RENEW_WHEN_LEFT_MS = SESSION_DURATION_MS / 2;

export type ValidSession = { session: Session; user: User; renewed: boolean };

export async function createSession(userId: number, now = Date.now()): Promise<{ token: string; session: Session }> {
  const { id, token, secretHash } = newToken();
  const session = await controlDb()
    .orm.insert(sessions)
    .values({ id, secretHash, userId, createdAt: new Date(now), expiresAt: new Date(now + SESSION_DURATION_MS) })
    .returning()
    .get();
  return { token, session };
}

/** The session and user behind a cookie's token, or null. Expired sessions are deleted. */
export async function validateSessionToken(token: string | undefined | null, now = Date.now()): Promise<ValidSession | null> {
  const parts = splitToken(token);
  if (!parts) return null;
  const control = controlDb();
  const row = await control.orm
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, parts.id))
    .get();
  if (!row || !secretMatches(parts.secret, row.session.secretHash)) return null;
  if (row.user.disabledAt) return null;
  if (now >= row.session.expiresAt.getTime()) {
    await unlessDiskFull(() => invalidateSession(row.session.id));
    return null;
  }
  let renewed = false;
  if (row.session.expiresAt.getTime() - now < RENEW_WHEN_LEFT_MS) {
    const expiresAt = new Date(now + SESSION_DURATION_MS);
    renewed = await unlessDiskFull(() => control.orm.update(sessions).set({ expiresAt }).where(eq(sessions.id, row.session.id)).run());
    if (renewed) row.session.expiresAt = expiresAt;
  }
  return { session: row.session, user: row.user, renewed };
}

export async function invalidateSession(sessionId: string): Promise<void> {
  await controlDb().orm.delete(sessions).where(eq(sessions.id, sessionId)).run();
}

/** "Log out everywhere": every session of the user, this one included (`db`: a transaction's). */
export async function invalidateUserSessions(userId: number, db: ControlOrm = controlDb().orm): Promise<void> {
  await db.delete(sessions).where(eq(sessions.userId, userId)).run();
}

/**
 * Checking a session writes only to tidy up (renewing, deleting an expired one): on a full disk
 * that waits for the next request, so that a signed-in author can still read the dashboard.
 */
async function unlessDiskFull(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (!isOutOfDiskSpace(error)) throw error;
    return false;
  }
}
