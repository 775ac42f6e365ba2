import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { closeControlDb } from '@/lib/db/control';
import { tenantDbPath } from '@/lib/db/paths';
import { closeTenantPool } from '@/lib/db/pool';
import { HttpError } from '@/lib/http/errors';
import { InputError } from '@/lib/input';
import { blogsOfUser, membershipOf } from '@/lib/members/access';
import { acceptInvite, createInvite } from '@/lib/members/invites';
import { listMembers, removeMember } from '@/lib/members/members';
import { makeTempDataDir } from '@/lib/testing/data-dir';
import { createOwnedBlog, logIn, signUp } from './accounts';

const dataDir = makeTempDataDir();
process.env.QUIRE_MAX_BLOGS_PER_USER = '2';
const PASSWORD = 'a long enough passphrase';

afterAll(async () => {
  closeTenantPool();
  await closeControlDb();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Each sign-up from its own address: sign-ups are limited per address (tested over HTTP). */
let signups = 0;
const nextIp = () => `192.0.2.${++signups}`;

describe('signUp', () => {
  it('creates the account, the blog file and the owner membership', async () => {
    const { user, blog } = await signUp({ email: ' Ann@Example.com ', password: PASSWORD, blog: { slug: 'ann', title: 'Ann' } }, nextIp());
    expect(user.email).toBe('ann@example.com');
    expect(user.passwordHash).toMatch(/^\$argon2id\$/);
    expect(fs.existsSync(tenantDbPath('ann'))).toBe(true);
    expect((await membershipOf(user.id, blog.slug))?.role).toBe('owner');
  });

  it.each([
    [{ email: 'ann@example.com', blog: { slug: 'ann2', title: 'T' } }, /already exists/],
    [{ email: 'not-an-email', blog: { slug: 'x1', title: 'T' } }, /valid email/],
    [{ email: 'bo@example.com', password: 'short', blog: { slug: 'x2', title: 'T' } }, /at least 10/],
    [{ email: 'roberta@example.com', password: 'roberta-is-great', blog: { slug: 'x3', title: 'T' } }, /email/],
    [{ email: 'cy@example.com', blog: { slug: 'ann', title: 'T' } }, /taken/],
    [{ email: 'cy@example.com', blog: { slug: 'admin', title: 'T' } }, /reserved/],
    [{ email: 'cy@example.com', blog: { slug: 'No Spaces', title: 'T' } }, /a-z, 0-9/],
    [{ email: 'cy@example.com', blog: { slug: 'cy', title: '' } }, /title is required/],
    [{ email: 'cy@example.com', blog: { slug: 'cy', title: 'x'.repeat(121) } }, /at most 120/],
    [{ email: 'cy@example.com' }, /first blog/],
  ])('refuses %j with a clear message and writes nothing', async (input, message) => {
    const before = fs.readdirSync(`${dataDir}/tenants`).sort();
    await expect(signUp({ password: PASSWORD, ...input }, nextIp())).rejects.toThrow(message);
    expect(fs.readdirSync(`${dataDir}/tenants`).sort()).toEqual(before);
  });

  it('keeps no account behind when the blog could not be made', async () => {
    await expect(signUp({ email: 'dee@example.com', password: PASSWORD, blog: { slug: 'ann', title: 'T' } }, nextIp())).rejects.toThrow();
    await expect(logIn({ email: 'dee@example.com', password: PASSWORD }, '10.0.0.9')).rejects.toThrow(/wrong/);
  });
});

describe('logIn', () => {
  it('accepts the right password, whatever the email case', async () => {
    const user = await logIn({ email: 'ANN@example.com', password: PASSWORD }, '10.0.0.1');
    expect(user.email).toBe('ann@example.com');
  });

  it('says the same for a wrong password and an unknown email', async () => {
    const wrongPassword = await logIn({ email: 'ann@example.com', password: 'nope nope nope' }, '10.0.0.2').catch((e: Error) => e.message);
    const unknown = await logIn({ email: 'nobody@example.com', password: PASSWORD }, '10.0.0.2').catch((e: Error) => e.message);
    expect(wrongPassword).toBe('Email or password is wrong.');
    expect(unknown).toBe(wrongPassword);
  });

  it('never locks an account: failures from other addresses do not refuse the right password', async () => {
    await signUp({ email: 'target@example.com', password: PASSWORD, blog: { slug: 'target', title: 'T' } }, nextIp());
    for (let i = 0; i < 30; i++) {
      await expect(logIn({ email: 'target@example.com', password: 'wrong password!' }, `10.1.0.${i}`)).rejects.toThrow(
        'Email or password is wrong.',
      );
    }
    expect((await logIn({ email: 'target@example.com', password: PASSWORD }, '10.1.0.99')).email).toBe('target@example.com');
  });

  it('backs off one address guessing one account after 3 failures, the right password included', async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) {
      outcomes.push(
        await logIn({ email: 'target@example.com', password: 'wrong password!' }, '10.3.0.1').then(
          () => 'ok',
          (e: Error) => e.message,
        ),
      );
    }
    expect(outcomes.slice(0, 4)).toEqual(Array(4).fill('Email or password is wrong.'));
    expect(outcomes[4]).toMatch(/^Too many wrong passwords from your address\. Try again in 1 second\.$/);
    const refused = await logIn({ email: 'target@example.com', password: PASSWORD }, '10.3.0.1').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HttpError);
    expect((refused as HttpError).status).toBe(429);
  });

  it('backs off an address guessing across accounts after 20 failures', async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < 22; i++) {
      outcomes.push(
        await logIn({ email: `guess${i}@example.com`, password: 'whatever12345' }, '10.2.0.1').then(
          () => 'ok',
          (e: Error) => e.message,
        ),
      );
    }
    expect(outcomes.slice(0, 21).every((r) => r === 'Email or password is wrong.')).toBe(true);
    expect(outcomes[21]).toMatch(/^Too many wrong passwords from your address/);
  });
});

describe('blogs, invitations and members', () => {
  it('caps the blogs one user may own', async () => {
    const { user } = await signUp({ email: 'max@example.com', password: PASSWORD, blog: { slug: 'max1', title: 'One' } }, nextIp());
    await createOwnedBlog(user, { slug: 'max2', title: 'Two' });
    await expect(createOwnedBlog(user, { slug: 'max3', title: 'Three' })).rejects.toThrow(/most this server allows/);
    expect((await blogsOfUser(user.id)).map((b) => b.slug)).toEqual(['max1', 'max2']);
  });

  it('lets an invitation be used once, by one person', async () => {
    const { user: owner, blog } = await signUp(
      { email: 'own@example.com', password: PASSWORD, blog: { slug: 'owned', title: 'Owned' } },
      nextIp(),
    );
    const { token } = await createInvite(blog, 'editor', owner);
    const { user: guest } = await signUp({ email: 'guest@example.com', password: PASSWORD, invite: token }, nextIp());
    expect((await membershipOf(guest.id, 'owned'))?.role).toBe('editor');
    const { user: other } = await signUp({ email: 'other@example.com', password: PASSWORD, blog: { slug: 'other', title: 'O' } }, nextIp());
    await expect(acceptInvite(token, other)).rejects.toThrow(/already been used/);
    const forged = `${token.slice(0, -1)}${token.endsWith('a') ? 'b' : 'a'}`;
    await expect(acceptInvite(forged, other)).rejects.toThrow(/not valid/);
  });

  it('never removes the last owner', async () => {
    const { user, blog } = await signUp({ email: 'solo@example.com', password: PASSWORD, blog: { slug: 'solo', title: 'Solo' } }, nextIp());
    await expect(removeMember(blog.id, user.id)).rejects.toThrow(InputError);
    expect(await listMembers(blog.id)).toHaveLength(1);
  });
});
