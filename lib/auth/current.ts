import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { cache } from 'react';
import type { User } from '@/lib/db/schema/control';
import { unauthorized } from '@/lib/http/errors';
import { PATH_HEADER } from '@/lib/http/headers';
import { sessionCookieName, sessionCookieOptions } from './cookie';
import { createSession, validateSessionToken, type ValidSession } from './sessions';

/** The signed-in session of this request, validated once per request. */
export const currentSession = cache(async (): Promise<ValidSession | null> => {
  const token = (await cookies()).get(sessionCookieName())?.value;
  return await validateSessionToken(token);
});

/** For pages: the user, or a redirect to log in and come back. */
export async function requireUser(): Promise<User> {
  const valid = await currentSession();
  if (!valid) {
    const here = (await headers()).get(PATH_HEADER) ?? '/dashboard'; // set by the front
    redirect(`/login?next=${encodeURIComponent(here)}`);
  }
  return valid.user;
}

/**
 * For route handlers: the user, or a 401. A session renewed by this request gets its cookie
 * renewed too (only route handlers may set cookies).
 */
export async function requireApiUser(): Promise<User> {
  const valid = await currentSession();
  if (!valid) throw unauthorized();
  if (valid.renewed) {
    (await cookies()).set(
      sessionCookieName(),
      (await cookies()).get(sessionCookieName())!.value,
      sessionCookieOptions(valid.session.expiresAt),
    );
  }
  return valid.user;
}

/** Starts a session for the user and sets its cookie (route handlers only). */
export async function startSession(userId: number): Promise<void> {
  const { token, session } = await createSession(userId);
  (await cookies()).set(sessionCookieName(), token, sessionCookieOptions(session.expiresAt));
}

export async function clearSessionCookie(): Promise<void> {
  (await cookies()).set(sessionCookieName(), '', { ...sessionCookieOptions(new Date(0)), maxAge: 0 });
}
