import fs from 'node:fs';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { closeControlDb, controlDb } from '@/lib/db/control';
import { sessions, users } from '@/lib/db/schema/control';
import { makeTempDataDir } from '@/lib/testing/data-dir';
import { SESSION_DURATION_MS, createSession, invalidateSession, invalidateUserSessions, validateSessionToken } from './sessions';

const dataDir = makeTempDataDir();
const DAY = 24 * 60 * 60 * 1000;

function makeUser(email: string): number {
  return controlDb().orm.insert(users).values({ email, passwordHash: 'x', createdAt: new Date() }).returning().get().id;
}

afterAll(() => {
  closeControlDb();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('sessions', () => {
  it('validates a fresh token and finds its user', () => {
    const userId = makeUser('a@example.com');
    const { token } = createSession(userId);
    const valid = validateSessionToken(token);
    expect(valid?.user.email).toBe('a@example.com');
    expect(valid?.renewed).toBe(false);
  });

  it('refuses a token whose secret was changed (forged), and an unknown id', () => {
    const { token } = createSession(makeUser('b@example.com'));
    const [id, secret] = token.split('.') as [string, string];
    const forged = `${id}.${secret.slice(0, -1)}${secret.endsWith('a') ? 'b' : 'a'}`;
    expect(validateSessionToken(forged)).toBeNull();
    expect(validateSessionToken(`${'c'.repeat(24)}.${secret}`)).toBeNull();
  });

  it('refuses and deletes an expired session', () => {
    const start = Date.now();
    const { token, session } = createSession(makeUser('c@example.com'), start);
    expect(validateSessionToken(token, start + SESSION_DURATION_MS + 1)).toBeNull();
    expect(controlDb().orm.select().from(sessions).where(eq(sessions.id, session.id)).get()).toBeUndefined();
  });

  it('slides: a session used in its second half is extended by a full term', () => {
    const start = Date.now();
    const { token } = createSession(makeUser('d@example.com'), start);
    const early = validateSessionToken(token, start + 5 * DAY);
    expect(early?.renewed).toBe(false);
    const late = start + 20 * DAY;
    const renewed = validateSessionToken(token, late);
    expect(renewed?.renewed).toBe(true);
    expect(renewed?.session.expiresAt.getTime()).toBe(late + SESSION_DURATION_MS);
    // Still valid past the original expiry.
    expect(validateSessionToken(token, start + SESSION_DURATION_MS + DAY)).not.toBeNull();
  });

  it('logs out one session, or every session of the user', () => {
    const userId = makeUser('e@example.com');
    const one = createSession(userId);
    const two = createSession(userId);
    const three = createSession(userId);
    invalidateSession(one.session.id);
    expect(validateSessionToken(one.token)).toBeNull();
    expect(validateSessionToken(two.token)).not.toBeNull();
    invalidateUserSessions(userId);
    expect(validateSessionToken(two.token)).toBeNull();
    expect(validateSessionToken(three.token)).toBeNull();
  });

  it('refuses the sessions of a disabled user', () => {
    const userId = makeUser('f@example.com');
    const { token } = createSession(userId);
    controlDb().orm.update(users).set({ disabledAt: new Date() }).where(eq(users.id, userId)).run();
    expect(validateSessionToken(token)).toBeNull();
  });
});
