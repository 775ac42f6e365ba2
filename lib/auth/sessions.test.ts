import fs from 'node:fs';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { closeControlDb, controlDb } from '@/lib/db/control';
import { sessions, users } from '@/lib/db/schema/control';
import { makeTempDataDir } from '@/lib/testing/data-dir';
import { SESSION_DURATION_MS, createSession, invalidateSession, invalidateUserSessions, validateSessionToken } from './sessions';

const dataDir = makeTempDataDir();
const DAY = 24 * 60 * 60 * 1000;

async function makeUser(email: string): Promise<number> {
  return (await controlDb().orm.insert(users).values({ email, passwordHash: 'x', createdAt: new Date() }).returning().get()).id;
}

afterAll(async () => {
  await closeControlDb();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('sessions', () => {
  it('validates a fresh token and finds its user', async () => {
    const userId = await makeUser('a@example.com');
    const { token } = await createSession(userId);
    const valid = await validateSessionToken(token);
    expect(valid?.user.email).toBe('a@example.com');
    expect(valid?.renewed).toBe(false);
  });

  it('refuses a token whose secret was changed (forged), and an unknown id', async () => {
    const { token } = await createSession(await makeUser('b@example.com'));
    const [id, secret] = token.split('.') as [string, string];
    const forged = `${id}.${secret.slice(0, -1)}${secret.endsWith('a') ? 'b' : 'a'}`;
    expect(await validateSessionToken(forged)).toBeNull();
    expect(await validateSessionToken(`${'c'.repeat(24)}.${secret}`)).toBeNull();
  });

  it('refuses and deletes an expired session', async () => {
    const start = Date.now();
    const { token, session } = await createSession(await makeUser('c@example.com'), start);
    expect(await validateSessionToken(token, start + SESSION_DURATION_MS + 1)).toBeNull();
    expect(await controlDb().orm.select().from(sessions).where(eq(sessions.id, session.id)).get()).toBeUndefined();
  });

  it('slides: a session used in its second half is extended by a full term', async () => {
    const start = Date.now();
    const { token } = await createSession(await makeUser('d@example.com'), start);
    const early = await validateSessionToken(token, start + 5 * DAY);
    expect(early?.renewed).toBe(false);
    const late = start + 20 * DAY;
    const renewed = await validateSessionToken(token, late);
    expect(renewed?.renewed).toBe(true);
    expect(renewed?.session.expiresAt.getTime()).toBe(late + SESSION_DURATION_MS);
    // Still valid past the original expiry.
    expect(await validateSessionToken(token, start + SESSION_DURATION_MS + DAY)).not.toBeNull();
  });

  it('logs out one session, or every session of the user', async () => {
    const userId = await makeUser('e@example.com');
    const one = await createSession(userId);
    const two = await createSession(userId);
    const three = await createSession(userId);
    await invalidateSession(one.session.id);
    expect(await validateSessionToken(one.token)).toBeNull();
    expect(await validateSessionToken(two.token)).not.toBeNull();
    await invalidateUserSessions(userId);
    expect(await validateSessionToken(two.token)).toBeNull();
    expect(await validateSessionToken(three.token)).toBeNull();
  });

  it('refuses the sessions of a disabled user', async () => {
    const userId = await makeUser('f@example.com');
    const { token } = await createSession(userId);
    await controlDb().orm.update(users).set({ disabledAt: new Date() }).where(eq(users.id, userId)).run();
    expect(await validateSessionToken(token)).toBeNull();
  });
});
