import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { controlQuery } from '@/lib/testing/control';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpRecorder, type ReceivedMail, type SmtpRecorder, mailSettings } from '@/lib/testing/smtp';
import { ApiClient, quire, startServer, type RunningServer } from '@/lib/testing/server';

/**
 * Accounts by mail over real HTTP against the production server and a real SMTP server on
 * loopback: forgot password, reset links, address verification and change, invitations by mail.
 * The server trusts X-Forwarded-For so that each request can come from its own client address.
 */
const PASSWORD = 'a long enough passphrase';
let dataDir: string;
let smtp: SmtpRecorder;
let server: RunningServer;

let ipNumber = 1;
const newIp = () => `10.9.${Math.floor(ipNumber / 250)}.${ipNumber++ % 250}`;

async function signUp(email: string, blog?: string, invite?: string) {
  const client = new ApiClient(server.port);
  const start = invite ? { invite } : { blog: { slug: blog ?? email.split('@')[0]!, title: `Blog of ${email}` } };
  const reply = await client.call('POST', '/api/auth/signup', { email, password: PASSWORD, ...start }, { 'x-forwarded-for': newIp() });
  expect(reply.status, reply.text).toBe(200);
  return client;
}

async function logIn(email: string, password: string) {
  const client = new ApiClient(server.port);
  const reply = await client.call('POST', '/api/auth/login', { email, password }, { 'x-forwarded-for': newIp() });
  return { client, status: reply.status };
}

function forgot(email: string, ip = newIp(), headers: Record<string, string> = {}) {
  return new ApiClient(server.port).call('POST', '/api/auth/forgot', { email }, { 'x-forwarded-for': ip, ...headers });
}

const to = (address: string, subject?: RegExp) => (mail: ReceivedMail) =>
  mail.to.includes(address) && (subject === undefined || subject.test(mail.parsed.subject ?? ''));

/** The link in a mail's text that leads to `pathname`. */
function link(mail: ReceivedMail, pathname: string): string {
  const match = new RegExp(`https?://\\S+${pathname.replaceAll('/', '\\/')}\\S*`).exec(mail.parsed.text ?? '');
  expect(match, mail.parsed.text).not.toBeNull();
  return match![0];
}

const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;
const localPath = (url: string) => {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
};

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-accounts-mail-'));
  smtp = await startSmtpRecorder();
  server = await startServer(dataDir, {
    ...mailSettings(smtp),
    QUIRE_TRUSTED_PROXIES: '127.0.0.1, ::1',
  });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await smtp?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('forgot password', () => {
  it('answers the same for unknown, known and disabled addresses, and mails only the known one', async () => {
    await signUp('alice@example.com', 'alices');
    await signUp('dan@example.com', 'dans');
    expect(quire(dataDir, ['users', 'disable', 'dan@example.com']).status).toBe(0);

    const replies = [await forgot('nobody@example.com'), await forgot('dan@example.com'), await forgot('Alice@Example.com ')];
    for (const reply of replies) {
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual({ message: 'If an account uses this address, a link to choose a new password is on its way.' });
    }
    const [mail] = await smtp.waitFor(to('alice@example.com', /new password/));
    expect(mail!.parsed.text).toContain('/login/reset?token=');
    // The unknown and disabled addresses were asked for first: their turn has long passed.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(smtp.received.filter((m) => /new password/.test(m.parsed.subject ?? '') && !m.to.includes('alice@example.com'))).toEqual([]);
  });

  it('resets the password once, ends every old session and starts a new one', async () => {
    const before = await logIn('alice@example.com', PASSWORD);
    expect(before.status).toBe(200);
    await forgot('alice@example.com');
    const mails = await smtp.waitFor(to('alice@example.com', /new password/), 2);
    const url = link(mails[1]!, '/login/reset');

    const page = await new ApiClient(server.port).call('GET', localPath(url));
    expect(page.status).toBe(200);
    expect(page.text).toContain('Choose a new password');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');

    const browser = new ApiClient(server.port);
    const tooShort = await browser.call('POST', '/api/auth/reset', { token: tokenOf(url), password: 'short' });
    expect(tooShort.status).toBe(400);
    const reset = await browser.call('POST', '/api/auth/reset', { token: tokenOf(url), password: 'a brand new passphrase' });
    expect(reset.status, reset.text).toBe(200);
    expect(reset.json.redirect).toBe('/dashboard');
    // The fresh session works; the one from before the reset does not.
    expect((await browser.call('POST', '/api/account/password', { current: 'x', next: 'y' })).status).toBe(400);
    expect((await before.client.call('POST', '/api/account/password', { current: 'x', next: 'y' })).status).toBe(401);

    const again = await new ApiClient(server.port).call('POST', '/api/auth/reset', {
      token: tokenOf(url),
      password: 'yet another passphrase',
    });
    expect(again.status).toBe(400);
    expect(again.json.error).toMatch(/already been used/);
    expect((await new ApiClient(server.port).call('GET', localPath(url))).text).toContain('already been used');
    // The first link of the earlier test was closed by this reset too.
    const first = link(mails[0]!, '/login/reset');
    expect(
      (await new ApiClient(server.port).call('POST', '/api/auth/reset', { token: tokenOf(first), password: 'yet another passphrase' }))
        .status,
    ).toBe(400);

    expect((await logIn('alice@example.com', PASSWORD)).status).toBe(400);
    expect((await logIn('alice@example.com', 'a brand new passphrase')).status).toBe(200);
  });

  it('refuses an expired link and a made-up one', async () => {
    await signUp('bob@example.com', 'bobs');
    await forgot('bob@example.com');
    const [mail] = await smtp.waitFor(to('bob@example.com', /new password/));
    const token = tokenOf(link(mail!, '/login/reset'));
    await controlQuery(dataDir, 'update account_tokens set expires_at = ? where id = ?', [Date.now() - 1000, token.split('.')[0]]);
    const reply = await new ApiClient(server.port).call('POST', '/api/auth/reset', { token, password: 'a brand new passphrase' });
    expect(reply.status).toBe(400);
    expect(reply.json.error).toMatch(/expired/);
    const forged = `${token.split('.')[0]}.${'a'.repeat(24)}`;
    expect(
      (await new ApiClient(server.port).call('POST', '/api/auth/reset', { token: forged, password: 'a brand new passphrase' })).json.error,
    ).toMatch(/not valid/);
    expect((await logIn('bob@example.com', PASSWORD)).status).toBe(200);
  });

  it('limits requests per email address and per client address, known or not', async () => {
    for (let i = 0; i < 3; i++) expect((await forgot('flood@example.com')).status).toBe(200);
    const limited = await forgot('flood@example.com');
    expect(limited.status).toBe(429);
    expect(limited.json.error).toMatch(/^Too many links were asked for this address\. Try again in .+\.$/);

    const ip = newIp();
    for (let i = 0; i < 10; i++) expect((await forgot(`someone${i}@example.com`, ip)).status).toBe(200);
    expect((await forgot('someone-else@example.com', ip)).status).toBe(429);
  });

  it('refuses an address carrying a header', async () => {
    const reply = await forgot('alice@example.com\r\nBcc: eve@example.com');
    expect(reply.status).toBe(400);
    expect(reply.json.error).toBe('Enter a valid email address.');
  });
});

describe('email verification', () => {
  it('mails a link after sign-up; opening it changes nothing, the button confirms, once', async () => {
    const vera = await signUp('vera@example.com', 'veras');
    expect((await vera.call('GET', '/dashboard/account')).text).toContain('not confirmed yet');
    const [mail] = await smtp.waitFor(to('vera@example.com', /Confirm your email/));
    const url = link(mail!, '/account/verify');
    const page = await new ApiClient(server.port).call('GET', localPath(url));
    expect(page.text).toContain('Confirm my address');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect((await vera.call('GET', '/dashboard/account')).text).toContain('not confirmed yet');

    const confirm = await new ApiClient(server.port).call('POST', '/api/account/verify', { token: tokenOf(url) });
    expect(confirm.status, confirm.text).toBe(200);
    expect((await vera.call('GET', '/dashboard/account')).text).toContain('Your address is confirmed.');
    expect((await new ApiClient(server.port).call('POST', '/api/account/verify', { token: tokenOf(url) })).status).toBe(400);
    const resend = await vera.call('POST', '/api/account/verify/resend');
    expect(resend.json.error).toBe('Your email address is already confirmed.');
  });

  it('sends the link again, a few times an hour; only the newest works', async () => {
    const walt = await signUp('walt@example.com', 'walts');
    await smtp.waitFor(to('walt@example.com', /Confirm your email/));
    for (let i = 0; i < 3; i++) expect((await walt.call('POST', '/api/account/verify/resend')).status).toBe(200);
    expect((await walt.call('POST', '/api/account/verify/resend')).status).toBe(429);
    const mails = await smtp.waitFor(to('walt@example.com', /Confirm your email/), 4);
    expect(
      (await new ApiClient(server.port).call('POST', '/api/account/verify', { token: tokenOf(link(mails[0]!, '/account/verify')) })).status,
    ).toBe(400);
    const verified = [];
    for (const mail of mails.slice(1)) {
      verified.push(
        (await new ApiClient(server.port).call('POST', '/api/account/verify', { token: tokenOf(link(mail, '/account/verify')) })).status,
      );
    }
    expect(verified.filter((status) => status === 200)).toHaveLength(1);
  });
});

describe('email change', () => {
  it('changes nothing until the new address confirms; then the old one is told', async () => {
    const carl = await signUp('carl@example.com', 'carls');
    expect((await carl.call('POST', '/api/account/email', { email: 'carl2@example.com', password: 'wrong password!' })).status).toBe(400);
    const taken = await carl.call('POST', '/api/account/email', { email: 'bob@example.com', password: PASSWORD });
    expect(taken.json.error).toBe('Another account uses this email address.');
    const injected = await carl.call('POST', '/api/account/email', {
      email: 'carl2@example.com\nBcc: eve@example.com',
      password: PASSWORD,
    });
    expect(injected.status).toBe(400);

    const asked = await carl.call('POST', '/api/account/email', { email: 'carl2@example.com', password: PASSWORD });
    expect(asked.status, asked.text).toBe(200);
    const [mail] = await smtp.waitFor(to('carl2@example.com', /new email address/));
    expect((await logIn('carl@example.com', PASSWORD)).status).toBe(200);

    const url = link(mail!, '/account/email');
    expect((await new ApiClient(server.port).call('GET', localPath(url))).text).toContain('Use this address');
    const confirm = await new ApiClient(server.port).call('POST', '/api/account/email/confirm', { token: tokenOf(url) });
    expect(confirm.status, confirm.text).toBe(200);
    const [notice] = await smtp.waitFor(to('carl@example.com', /was changed/));
    expect(notice!.parsed.text).not.toContain('carl2@example.com');
    expect((await logIn('carl2@example.com', PASSWORD)).status).toBe(200);
    expect((await logIn('carl@example.com', PASSWORD)).status).toBe(400);
    expect((await carl.call('GET', '/dashboard/account')).text).toContain('Your address is confirmed.');
    expect((await new ApiClient(server.port).call('POST', '/api/account/email/confirm', { token: tokenOf(url) })).status).toBe(400);
  });

  it('refuses the change when another account took the address meanwhile', async () => {
    const tina = await signUp('tina@example.com', 'tinas');
    expect((await tina.call('POST', '/api/account/email', { email: 'free@example.com', password: PASSWORD })).status).toBe(200);
    const [mail] = await smtp.waitFor(to('free@example.com', /new email address/));
    await signUp('free@example.com', 'frees');
    const confirm = await new ApiClient(server.port).call('POST', '/api/account/email/confirm', {
      token: tokenOf(link(mail!, '/account/email')),
    });
    expect(confirm.status).toBe(400);
    expect(confirm.json.error).toBe('Another account uses this email address.');
    expect((await logIn('tina@example.com', PASSWORD)).status).toBe(200);
  });
});

describe('invitations by mail', () => {
  it('mails the link to the address given, names the blog and who invites, and still shows the link', async () => {
    const owner = await signUp('olga@example.com', 'olgas');
    const reply = await owner.call('POST', '/api/blogs/olgas/invites', { role: 'editor', email: 'newbie@example.com' });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.json.mailed).toBe(true);
    const [mail] = await smtp.waitFor(to('newbie@example.com'));
    expect(mail!.to).toEqual(['newbie@example.com']);
    expect(mail!.parsed.subject).toBe('olga@example.com invites you to write on Blog of olga@example.com');
    const url = link(mail!, '/invite/');
    expect(url).toBe(reply.json.url);
    expect((await new ApiClient(server.port).call('GET', localPath(url))).text).toContain('You are invited to write on');
    await signUp('newbie@example.com', undefined, url.split('/invite/')[1]);

    const injected = await owner.call('POST', '/api/blogs/olgas/invites', {
      role: 'editor',
      email: 'x@example.com\r\nBcc: eve@example.com',
    });
    expect(injected.status).toBe(400);
    const plain = await owner.call('POST', '/api/blogs/olgas/invites', { role: 'owner' });
    expect(plain.json.mailed).toBe(false);
    // Editors may not invite, by mail or not.
    const editor = (await logIn('newbie@example.com', PASSWORD)).client;
    expect((await editor.call('POST', '/api/blogs/olgas/invites', { role: 'editor', email: 'friend@example.com' })).status).toBe(403);
  });
});

describe('every write checks its origin', () => {
  it.each([
    '/api/auth/forgot',
    '/api/auth/reset',
    '/api/account/verify',
    '/api/account/verify/resend',
    '/api/account/email',
    '/api/account/email/confirm',
    '/api/blogs/alices/invites',
  ])('%s refuses another site', async (urlPath) => {
    const reply = await new ApiClient(server.port).call('POST', urlPath, { email: 'alice@example.com' }, { origin: 'http://evil.example' });
    expect(reply.status).toBe(403);
  });
});

describe('without mail configured', () => {
  let plain: RunningServer;
  let plainDir: string;
  beforeAll(async () => {
    plainDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-accounts-nomail-'));
    plain = await startServer(plainDir);
  }, 60_000);
  afterAll(async () => {
    await plain?.stop();
    fs.rmSync(plainDir, { recursive: true, force: true });
  });

  it('says what mail would enable, and that password reset needs the operator', async () => {
    const visitor = new ApiClient(plain.port);
    expect((await visitor.call('GET', '/login')).text).toContain('Forgot password?');
    const page = await visitor.call('GET', '/login/forgot');
    expect(page.text).toContain('Password reset by mail is not set up on this server');
    expect(page.text).toContain('quire users reset-password');
    expect((await visitor.call('POST', '/api/auth/forgot', { email: 'alice@example.com' })).status).toBe(400);

    const owner = new ApiClient(plain.port);
    const signup = await owner.call('POST', '/api/auth/signup', {
      email: 'nomail@example.com',
      password: PASSWORD,
      blog: { slug: 'nomail', title: 'No mail' },
    });
    expect(signup.status).toBe(200);
    for (const urlPath of ['/dashboard/account', '/dashboard/nomail/members']) {
      const text = (await owner.call('GET', urlPath)).text;
      expect(text).toContain('This server sends no mail');
      expect(text).toContain('QUIRE_SMTP_URL');
    }
    const invite = await owner.call('POST', '/api/blogs/nomail/invites', { role: 'editor', email: 'friend@example.com' });
    expect(invite.status).toBe(200);
    expect(invite.json.mailed).toBe(false);
  });
});
