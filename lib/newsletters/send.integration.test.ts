import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecureRandomString } from '@/lib/auth/tokens';
import { ApiClient, signUp, startServer, type RunningServer } from '@/lib/testing/server';
import { startSmtpRecorder, type ReceivedMail, type SmtpRecorder, mailSettings, TEST_MAIL_FROM } from '@/lib/testing/smtp';
import type { SendingView } from './sending-state';

/**
 * Newsletters over real HTTP against the production server, delivered to a real SMTP server on
 * loopback (lib/testing/smtp.ts): who gets a post, what the mail holds, bounces, the daily limit,
 * and a mail server that goes away mid-send.
 */
const PASSWORD = 'a long enough passphrase';

type State = 'pending' | 'active' | 'unsubscribed' | 'bounced';

/** Readers written straight into the blog's file, as an import leaves them. */
function addReaders(dataDir: string, blog: string, readers: { email: string; state: State }[]): Map<string, string> {
  const db = new Database(path.join(dataDir, 'tenants', `${blog}.db`));
  const tokens = new Map<string, string>();
  const insert = db.prepare(
    `insert into subscribers (email, state, token, source, created_at, confirmed_at) values (?, ?, ?, 'import', ?, ?)`,
  );
  db.transaction(() => {
    for (const reader of readers) {
      const token = generateSecureRandomString(20);
      tokens.set(reader.email, token);
      insert.run(reader.email, reader.state, token, Date.now(), reader.state === 'active' ? Date.now() : null);
    }
  })();
  db.close();
  return tokens;
}

function readerState(dataDir: string, blog: string, email: string): { state: string; ended_reason: string | null } {
  const db = new Database(path.join(dataDir, 'tenants', `${blog}.db`), { readonly: true });
  try {
    return db.prepare('select state, ended_reason from subscribers where email = ?').get(email) as {
      state: string;
      ended_reason: string | null;
    };
  } finally {
    db.close();
  }
}

async function publish(client: ApiClient, blog: string, title: string, markdown = `About ${title}.`) {
  const reply = await client.call('POST', `/api/blogs/${blog}/posts`, { title, markdown, action: 'publish' });
  expect(reply.status, reply.text).toBe(200);
  return reply.json.post as { id: number; slug: string };
}

/** "Publish now" with the box ticked: the editor publishes, then asks for the newsletter. */
async function publishAndEmail(client: ApiClient, blog: string, title: string, markdown?: string) {
  const post = await publish(client, blog, title, markdown);
  const sent = await client.call('POST', `/api/blogs/${blog}/posts/${post.id}/newsletter`, {});
  expect(sent.status, sent.text).toBe(200);
  return { post, sent: sent.json as { recipients: number; later: number; state: SendingView } };
}

const bySubject = (subject: string) => (mail: ReceivedMail) => mail.parsed.subject === subject;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function perRecipient(mails: ReceivedMail[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const mail of mails) for (const to of mail.to) counts.set(to, (counts.get(to) ?? 0) + 1);
  return counts;
}

describe('newsletters', () => {
  let dataDir: string;
  let server: RunningServer;
  let smtp: SmtpRecorder;
  let owner: ApiClient;
  let tokens: Map<string, string>;
  const base = () => `http://news.localhost:${server.port}`;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-newsletter-'));
    smtp = await startSmtpRecorder();
    server = await startServer(dataDir, {
      ...mailSettings(smtp),
    });
    owner = await signUp(server.port, { email: 'owner@example.com', password: PASSWORD, blog: { slug: 'news', title: 'Field Notes' } });
    const settings = await owner.call('PUT', '/api/blogs/news/settings', {
      title: 'Field Notes',
      description: '',
      authorName: '',
      postsPerPage: 10,
      newsletterReplyTo: 'Owner@Example.com',
    });
    expect(settings.status, settings.text).toBe(200);
    tokens = addReaders(dataDir, 'news', [
      { email: 'ann@readers.test', state: 'active' },
      { email: 'bob@readers.test', state: 'active' },
      { email: 'cat@readers.test', state: 'active' },
      { email: 'pending@readers.test', state: 'pending' },
      { email: 'gone@readers.test', state: 'unsubscribed' },
      { email: 'bounced@readers.test', state: 'bounced' },
    ]);
  });

  afterAll(async () => {
    await server?.stop();
    await smtp?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('mails each active reader once, to them alone, with absolute addresses and their own unsubscribe link', async () => {
    const markdown =
      'Look: ![the ridge](/media/1/ridge.png)\n\nSee [the last walk](/posts/last-walk) and [notes](#notes).\n\n<script>alert(1)</script>';
    const { post, sent } = await publishAndEmail(owner, 'news', 'Up the ridge', markdown);
    expect(sent.recipients).toBe(3);
    expect(sent.later).toBe(0);
    const mails = await smtp.waitFor(bySubject('Up the ridge'), 3);
    await sleep(500);
    const all = smtp.received.filter(bySubject('Up the ridge'));
    expect(all).toHaveLength(3);
    expect([...perRecipient(all).entries()].sort()).toEqual([
      ['ann@readers.test', 1],
      ['bob@readers.test', 1],
      ['cat@readers.test', 1],
    ]);
    for (const mail of mails) {
      const reader = mail.to[0]!;
      const unsubscribe = `${base()}/unsubscribe?token=${tokens.get(reader)}`;
      expect(mail.to).toHaveLength(1);
      expect(mail.parsed.to && !Array.isArray(mail.parsed.to) ? mail.parsed.to.text : '').toBe(reader);
      expect(mail.parsed.from?.value[0]).toMatchObject({ name: 'Field Notes', address: TEST_MAIL_FROM });
      expect(mail.parsed.replyTo?.value[0]?.address).toBe('owner@example.com');
      const html = String(mail.parsed.html);
      const text = mail.parsed.text ?? '';
      expect(html).toContain(`src="${base()}/media/1/ridge.png"`);
      expect(html).toContain(`href="${base()}/posts/last-walk"`);
      expect(html).toContain(`href="${base()}/posts/${post.slug}#notes"`);
      expect(html).toContain(`href="${base()}/posts/${post.slug}"`);
      expect(html).not.toMatch(/<script|src="\/|href="\//);
      expect(html).toContain(`href="${unsubscribe.replaceAll('&', '&amp;')}"`);
      expect(text).toContain(`${base()}/posts/last-walk`);
      expect(text).toContain(`Unsubscribe: ${unsubscribe}`);
      expect(text).toContain('You get this because you subscribed to Field Notes.');
      // Nobody else's address or link in anyone's mail.
      for (const other of ['ann', 'bob', 'cat'].map((name) => `${name}@readers.test`).filter((o) => o !== reader)) {
        expect(mail.raw).not.toContain(other);
        expect(mail.raw).not.toContain(tokens.get(other)!);
      }
      const header = (name: string) => mail.parsed.headerLines.find((line) => line.key === name)?.line.replace(/\r\n\s+/g, ' ');
      expect(header('list-unsubscribe')).toBe(`List-Unsubscribe: <${unsubscribe}>`);
      expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    }
    const state = await owner.call('GET', `/api/blogs/news/posts/${post.id}/newsletter`);
    expect(state.json.state).toMatchObject({ total: 3, sent: 3, failed: 0, waiting: 0 });
    const list = await owner.call('GET', '/dashboard/news');
    expect(list.text).toContain('Sent 3 of 3');
  });

  it('refuses to email a post twice, a draft, or for someone who is not a member', async () => {
    const post = await publish(owner, 'news', 'Once only');
    expect((await owner.call('POST', `/api/blogs/news/posts/${post.id}/newsletter`, {})).status).toBe(200);
    const again = await owner.call('POST', `/api/blogs/news/posts/${post.id}/newsletter`, {});
    expect(again.status).toBe(400);
    expect(again.json.error).toBe('This post was already emailed to subscribers.');
    await smtp.waitFor(bySubject('Once only'), 3);
    await sleep(500);
    expect(smtp.received.filter(bySubject('Once only'))).toHaveLength(3);

    const draft = await owner.call('POST', '/api/blogs/news/posts', { title: 'Draft', markdown: 'Not yet.', action: 'save' });
    const refused = await owner.call('POST', `/api/blogs/news/posts/${(draft.json.post as { id: number }).id}/newsletter`, {});
    expect(refused.status).toBe(400);
    expect(refused.json.error).toBe('Only a published post can be emailed to subscribers.');

    const stranger = await signUp(server.port, { email: 'eve@example.com', password: PASSWORD, blog: { slug: 'eves', title: 'Eve' } });
    expect((await stranger.call('POST', `/api/blogs/news/posts/${post.id}/newsletter`, {})).status).toBe(404);
    const crossSite = await owner.call('POST', `/api/blogs/news/posts/${post.id}/newsletter`, {}, { origin: 'https://evil.test' });
    expect(crossSite.status).toBe(403);
  });

  it('marks a reader whose server refuses the address bounced, and does not mail them again', async () => {
    addReaders(dataDir, 'news', [{ email: 'vanished@readers.test', state: 'active' }]);
    smtp.refuse.add('vanished@readers.test');
    const { post } = await publishAndEmail(owner, 'news', 'Into the fog');
    await smtp.waitFor(bySubject('Into the fog'), 3);
    let state: SendingView | undefined;
    for (let i = 0; i < 50; i++) {
      state = (await owner.call('GET', `/api/blogs/news/posts/${post.id}/newsletter`)).json.state as SendingView;
      if (state.queued === 0) break;
      await sleep(100);
    }
    expect(state).toMatchObject({ total: 4, sent: 3, failed: 1 });
    expect(state!.errors[0]!.to).toBe('vanished@readers.test');
    expect(state!.errors[0]!.error).toContain('No such mailbox');
    const list = await owner.call('GET', '/dashboard/news');
    expect(list.text).toContain('1 failed');
    await sleep(300);
    expect(readerState(dataDir, 'news', 'vanished@readers.test')).toMatchObject({ state: 'bounced' });

    const next = await publishAndEmail(owner, 'news', 'Clear skies');
    expect(next.sent.recipients).toBe(3);
    await smtp.waitFor(bySubject('Clear skies'), 3);
    await sleep(500);
    expect(smtp.received.filter(bySubject('Clear skies')).flatMap((mail) => mail.to)).not.toContain('vanished@readers.test');
  });

  it('delivers every message exactly once when the SMTP server stops mid-send and comes back', async () => {
    const many = Array.from({ length: 300 }, (_, i) => ({ email: `many${i}@crowd.test`, state: 'active' as const }));
    addReaders(dataDir, 'news', many);
    const { sent } = await publishAndEmail(owner, 'news', 'The long way round');
    expect(sent.recipients).toBe(303);
    await smtp.waitFor(bySubject('The long way round'), 40);
    await smtp.stop();
    const before = smtp.received.filter(bySubject('The long way round')).length;
    expect(before).toBeLessThan(303);
    await sleep(1500);
    await smtp.start();
    const mails = await smtp.waitFor(bySubject('The long way round'), 303, 60_000);
    await sleep(1500);
    const all = smtp.received.filter(bySubject('The long way round'));
    expect(all).toHaveLength(303);
    const counts = perRecipient(all);
    expect(counts.size).toBe(303);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(mails.map((mail) => mail.messageId)).size).toBe(mails.length);
  }, 90_000);
});

describe('the daily limit, and a server without mail', () => {
  let dataDir: string;
  let server: RunningServer;
  let bare: RunningServer;
  let smtp: SmtpRecorder;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-newsletter-limit-'));
    smtp = await startSmtpRecorder();
    server = await startServer(dataDir, {
      ...mailSettings(smtp),
      QUIRE_NEWSLETTER_DAILY_LIMIT: '4',
    });
  });

  afterAll(async () => {
    await server?.stop();
    await bare?.stop();
    await smtp?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('sends what today allows and keeps the rest for the next days, and says so', async () => {
    const owner = await signUp(server.port, { email: 'o@example.com', password: PASSWORD, blog: { slug: 'daily', title: 'Daily' } });
    addReaders(
      dataDir,
      'daily',
      Array.from({ length: 6 }, (_, i) => ({ email: `r${i}@readers.test`, state: 'active' as const })),
    );
    const first = await publishAndEmail(owner, 'daily', 'Monday');
    expect(first.sent).toMatchObject({ recipients: 6, later: 2 });
    await smtp.waitFor(bySubject('Monday'), 4);
    await sleep(800);
    expect(smtp.received.filter(bySubject('Monday'))).toHaveLength(4);
    const state = (await owner.call('GET', `/api/blogs/daily/posts/${first.post.id}/newsletter`)).json.state as SendingView;
    expect(state).toMatchObject({ total: 6, sent: 4, queued: 2, waiting: 2 });
    const tomorrow = new Date();
    tomorrow.setUTCHours(24, 0, 0, 0);
    expect(state.waitingUntil).toBe(tomorrow.toISOString());
    const list = await owner.call('GET', '/dashboard/daily');
    expect(list.text).toContain('Sent 4 of 6');
    expect(list.text).toContain('2 waiting for tomorrow’s daily limit');

    // Today is full: a second post waits whole; tomorrow has 2 places left, the day after the rest.
    const second = await publishAndEmail(owner, 'daily', 'Tuesday');
    expect(second.sent).toMatchObject({ recipients: 6, later: 6 });
    await sleep(500);
    expect(smtp.received.filter(bySubject('Tuesday'))).toHaveLength(0);
    const secondState = (await owner.call('GET', `/api/blogs/daily/posts/${second.post.id}/newsletter`)).json.state as SendingView;
    expect(secondState).toMatchObject({ total: 6, sent: 0, waiting: 6 });
    expect(Date.parse(secondState.waitingUntil!)).toBe(tomorrow.getTime() + 24 * 60 * 60 * 1000);
  });

  it('says in one sentence that mail is not configured', async () => {
    const bareDir = path.join(dataDir, 'bare');
    fs.mkdirSync(bareDir);
    bare = await startServer(bareDir);
    const owner = await signUp(bare.port, { email: 'o@example.com', password: PASSWORD, blog: { slug: 'quiet', title: 'Quiet' } });
    addReaders(bareDir, 'quiet', [{ email: 'r@readers.test', state: 'active' }]);
    const post = await publish(owner, 'quiet', 'Nobody hears');
    const reply = await owner.call('POST', `/api/blogs/quiet/posts/${post.id}/newsletter`, {});
    expect(reply.status).toBe(400);
    expect(reply.json.error).toBe('This server sends no email: its operator has not configured an SMTP server.');
    const editor = await owner.call('GET', `/dashboard/quiet/posts/${post.id}`);
    expect(editor.text).toContain('Email is not set up on this server');
  });
});
