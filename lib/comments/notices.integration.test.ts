import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { controlQuery } from '@/lib/testing/control';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpRecorder, type ReceivedMail, type SmtpRecorder, mailSettings } from '@/lib/testing/smtp';
import { ApiClient, request, startServer, type RunningServer } from '@/lib/testing/server';

/**
 * Comment mail over real HTTP against the production server, with a real SMTP server on
 * loopback recording what it receives. The quiet interval is 6 seconds here (15 minutes by
 * default), so the steps below run in order and wait for it where they must.
 */
const PASSWORD = 'a long enough passphrase';
const QUIET_MIN = 0.1;
const QUIET_MS = QUIET_MIN * 60_000;
const BLOG_TITLE = 'Field "Notes" & <more>';
const HOSTILE_TITLE = 'Tom & "Jerry" <i>\r\nBcc: evil@example.org';

let dataDir: string;
let smtp: SmtpRecorder;
let server: RunningServer;
let owner: ApiClient;
let ed: ApiClient; // editor, verified
let unverified: ApiClient; // editor, address not verified
let optedOut: ApiClient; // editor, verified, asked for no mail
let hostileSlug: string;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function signUp(email: string, start: { blog: string; title: string } | { invite: string }) {
  const client = new ApiClient(server.port);
  const first = 'blog' in start ? { blog: { slug: start.blog, title: start.title } } : { invite: start.invite };
  const reply = await client.call('POST', '/api/auth/signup', { email, password: PASSWORD, ...first });
  expect(reply.status, JSON.stringify(reply.json)).toBe(200);
  return client;
}

async function invitedEditor(email: string) {
  const invite = await owner.call('POST', '/api/blogs/notes/invites', { role: 'editor' });
  return signUp(email, { invite: String(invite.json.url).split('/invite/')[1]! });
}

async function publish(title: string) {
  const reply = await owner.call('POST', '/api/blogs/notes/posts', { title, markdown: `About ${title}.`, action: 'publish' });
  expect(reply.status, JSON.stringify(reply.json)).toBe(200);
  return (reply.json.post as { slug: string }).slug;
}

let readerNumber = 1;
async function comment(body: string, name = 'Reader', post = 'hello') {
  const host = `notes.localhost:${server.port}`;
  const reply = await request(server.port, host, '/comments', {
    method: 'POST',
    body: new URLSearchParams({ post, name, website: '', body }).toString(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: `http://${host}`,
      accept: 'application/json',
      'x-forwarded-for': `10.1.0.${readerNumber++}`,
    },
  });
  expect(reply.status, reply.body).toBe(200);
  return JSON.parse(reply.body) as { status: string };
}

const aboutComments = (mail: ReceivedMail) => /awaiting moderation/.test(mail.parsed.subject ?? '');
const to = (address: string) => (mail: ReceivedMail) => aboutComments(mail) && mail.to.includes(address);
/** The setting's `<input>` as the account page renders it. */
const checkbox = (html: string) => /<input[^>]*name="commentMail"[^>]*>/.exec(html)?.[0] ?? '';
const headerSection = (mail: ReceivedMail) => mail.raw.split(/\r?\n\r?\n/)[0]!;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-notices-'));
  smtp = await startSmtpRecorder();
  server = await startServer(dataDir, {
    QUIRE_TRUSTED_PROXIES: '127.0.0.1, ::1',
    ...mailSettings(smtp),
    QUIRE_COMMENT_MAIL_QUIET_MIN: String(QUIET_MIN),
  });
  owner = await signUp('owner@example.com', { blog: 'notes', title: BLOG_TITLE });
  ed = await invitedEditor('ed@example.com');
  unverified = await invitedEditor('unverified@example.com');
  optedOut = await invitedEditor('optout@example.com');
  await controlQuery(
    dataDir,
    `update users set email_verified_at = ? where email in ('owner@example.com', 'ed@example.com', 'optout@example.com')`,
    [Date.now()],
  );
  const off = await optedOut.call('POST', '/api/account/notifications', { commentMail: false });
  expect(off.status, off.text).toBe(200);
  expect(off.json).toEqual({ commentMail: false });
  await publish('Hello');
  hostileSlug = await publish(HOSTILE_TITLE);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await smtp?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('mail about comments awaiting moderation', () => {
  let digestAt = 0;

  it('mails a held comment at once to the owner and the verified editor who asked, and only counts the next', async () => {
    expect((await comment('First!\nWith a second line.', 'Ada')).status).toBe('pending');
    // Two more at once, well within the quiet interval whatever the mail's own delay: counted.
    await comment('Second comment', 'Bob');
    await comment(`Third ${'long '.repeat(100)}`, 'Cy');
    const single = 'New comment on “Hello” awaiting moderation';
    const mails = await smtp.waitFor((mail) => mail.parsed.subject === single, 2);
    expect(mails.map((mail) => mail.to).sort()).toEqual([['ed@example.com'], ['owner@example.com']]);
    const moderate = `http://localhost:${server.port}/dashboard/notes/comments`;
    for (const mail of mails) {
      expect(mail.parsed.text).toContain('Ada commented on “Hello”');
      expect(mail.parsed.text).toContain('First!\nWith a second line.');
      expect(mail.parsed.text).toContain(moderate);
      expect(mail.parsed.html).toContain(`href="${moderate}"`);
      expect(mail.parsed.html).toContain('Field &#34;Notes&#34; &#38; &#60;more&#62;');
    }
  });

  it(
    'sends the comments that followed within the quiet interval as one digest once it is over',
    async () => {
      const subject = `2 new comments awaiting moderation on ${BLOG_TITLE}`;
      const digests = await smtp.waitFor((mail) => mail.parsed.subject === subject, 2, QUIET_MS + 15_000);
      digestAt = Date.now();
      expect(digests.map((mail) => mail.to).sort()).toEqual([['ed@example.com'], ['owner@example.com']]);
      const text = digests[0]!.parsed.text!;
      expect(text).toContain('Bob on “Hello”:\nSecond comment');
      expect(text).toContain('Cy on “Hello”:\nThird long');
      expect(text).not.toContain('long '.repeat(50)); // cut to about 200 characters
      expect(text).not.toContain('First!');
      // No single mail for either of them.
      expect(smtp.received.filter((mail) => (mail.parsed.subject ?? '').startsWith('New comment'))).toHaveLength(2);
    },
    QUIET_MS + 30_000,
  );

  it('mails nobody about a comment the blog publishes at once (nothing awaits moderation)', async () => {
    const settings = (comments: string) => ({ title: BLOG_TITLE, description: '', authorName: '', postsPerPage: 10, comments });
    expect((await owner.call('PUT', '/api/blogs/notes/settings', settings('auto'))).status).toBe(200);
    expect((await comment('Straight in', 'Dan')).status).toBe('approved');
    expect((await owner.call('PUT', '/api/blogs/notes/settings', settings('moderated'))).status).toBe(200);
    const [counted] = await controlQuery<{ n: number }>(dataDir, 'select sum(pending) as n from comment_notices');
    expect(counted!.n).toBe(0);
  });

  it(
    'escapes the comment in HTML and keeps it, and stored titles, out of the headers',
    async () => {
      await sleep(Math.max(0, digestAt + QUIET_MS + 500 - Date.now()));
      const body = '<script>alert(1)</script>\nBcc: victim@example.org\nSubject: Free money';
      expect((await comment(body, '<b>Mallory</b>\r\nBcc: victim@example.org', hostileSlug)).status).toBe('pending');
      const mails = await smtp.waitFor((mail) => (mail.parsed.subject ?? '').startsWith('New comment on “Tom'), 2);
      expect(mails.map((mail) => mail.to).sort()).toEqual([['ed@example.com'], ['owner@example.com']]);
      for (const mail of mails) {
        expect(mail.parsed.subject).toBe('New comment on “Tom & "Jerry" <i> Bcc: evil@example.org” awaiting moderation');
        expect(mail.parsed.headers.has('bcc')).toBe(false);
        const headers = headerSection(mail);
        expect(headers).not.toMatch(/victim|Free money|Mallory|^Bcc:/im);
        expect(mail.parsed.html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
        expect(mail.parsed.html).toContain('&#60;b&#62;Mallory&#60;/b&#62;');
        expect(mail.parsed.html).not.toMatch(/<script|<b>|<i>/);
        expect(mail.parsed.text).toContain('<b>Mallory</b> Bcc: victim@example.org commented on');
      }
      // The comment published at once appears in no mail.
      expect(smtp.received.some((mail) => mail.raw.includes('Straight in'))).toBe(false);
    },
    QUIET_MS + 30_000,
  );

  it(
    'stops mailing someone who turns the setting off',
    async () => {
      const reply = await owner.call('POST', '/api/account/notifications', { commentMail: false });
      expect(reply.status, reply.text).toBe(200);
      const page = await owner.call('GET', '/dashboard/account');
      expect(page.text).toContain('Email me when a comment awaits moderation on my blogs');
      expect(checkbox(page.text)).not.toContain('checked');
      await sleep(QUIET_MS + 500);
      await comment('After the owner said stop', 'Eve');
      await smtp.waitFor((mail) => to('ed@example.com')(mail) && mail.raw.includes('After the owner said stop'));
      await sleep(1500); // the owner's copy, were there one, would be in the same batch
      expect(smtp.received.some((mail) => to('owner@example.com')(mail) && mail.raw.includes('After the owner said stop'))).toBe(false);
    },
    QUIET_MS + 30_000,
  );

  it('never mails an unverified address or someone who asked for none', () => {
    expect(smtp.received.filter(to('unverified@example.com'))).toEqual([]);
    expect(smtp.received.filter(to('optout@example.com'))).toEqual([]);
    // Each message went to one person only.
    expect(smtp.received.every((mail) => mail.to.length === 1)).toBe(true);
  });
});

describe('the setting', () => {
  it('is saved only for a signed-in person, from our own origin, as a yes or no', async () => {
    expect((await new ApiClient(server.port).call('POST', '/api/account/notifications', { commentMail: true })).status).toBe(401);
    const forged = await ed.call('POST', '/api/account/notifications', { commentMail: false }, { origin: 'http://evil.test' });
    expect(forged.status).toBe(403);
    const bad = await ed.call('POST', '/api/account/notifications', { commentMail: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toBe('Choose whether to get mail about comments awaiting moderation.');
    const [stored] = await controlQuery<{ comment_mail: number }>(dataDir, `select comment_mail from users where email = 'ed@example.com'`);
    expect(stored!.comment_mail).toBe(1);
  });

  it('shows the checkbox ticked and usable when mail is set up', async () => {
    const page = await ed.call('GET', '/dashboard/account');
    expect(checkbox(page.text)).toMatch(/type="checkbox"/);
    expect(checkbox(page.text)).toContain('checked=""');
    expect(checkbox(page.text)).not.toContain('disabled');
    expect(page.text).not.toContain('Mail is not set up on this server');
    const notYet = await unverified.call('GET', '/dashboard/account');
    expect(notYet.text).toContain('Your address is not verified yet');
  });
});

describe('without mail', () => {
  let bare: RunningServer;
  let bareDir: string;

  afterAll(async () => {
    await bare?.stop();
    if (bareDir) fs.rmSync(bareDir, { recursive: true, force: true });
  });

  it('shows the setting disabled with the reason, and a comment is taken with no trace of mail', async () => {
    bareDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-notices-bare-'));
    bare = await startServer(bareDir, { QUIRE_TRUSTED_PROXIES: '127.0.0.1, ::1' });
    const client = new ApiClient(bare.port);
    expect(
      (
        await client.call('POST', '/api/auth/signup', {
          email: 'solo@example.com',
          password: PASSWORD,
          blog: { slug: 'solo', title: 'Solo' },
        })
      ).status,
    ).toBe(200);
    const page = await client.call('GET', '/dashboard/account');
    expect(checkbox(page.text)).toContain('disabled=""');
    expect(page.text).toContain('Mail is not set up on this server, so Quire sends no notifications.');
    const post = await client.call('POST', '/api/blogs/solo/posts', { title: 'Hi', markdown: 'Hi.', action: 'publish' });
    expect(post.status).toBe(200);
    const host = `solo.localhost:${bare.port}`;
    const reply = await request(bare.port, host, '/comments', {
      method: 'POST',
      body: new URLSearchParams({ post: 'hi', name: 'Reader', website: '', body: 'Hello' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: `http://${host}`, accept: 'application/json' },
    });
    expect(reply.status, reply.body).toBe(200);
    expect(await controlQuery(bareDir, 'select count(*) as n from comment_notices')).toEqual([{ n: 0 }]);
    expect(await controlQuery(bareDir, 'select count(*) as n from mail_messages')).toEqual([{ n: 0 }]);
  }, 60_000);
});
