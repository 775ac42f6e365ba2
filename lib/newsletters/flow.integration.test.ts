import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blogPaths } from '@/lib/blogs/address';
import { ApiClient, request, signUp, startServer, type RunningServer } from '@/lib/testing/server';
import { startSmtpRecorder, type ReceivedMail, type SmtpRecorder, mailSettings } from '@/lib/testing/smtp';

/**
 * The whole way as readers go it, over HTTP on the blog's own host, with a real SMTP server on
 * loopback: subscribe → the confirmation mail → confirm → the author publishes with "Email this
 * post" ticked → the newsletter arrives → one reader leaves by the link (the page, then its
 * button), another by the one-click POST their mail program sends (RFC 8058) → the next post
 * reaches neither of them, and still reaches a third.
 */
const PASSWORD = 'a long enough passphrase';
const READERS = ['link@readers.test', 'oneclick@readers.test', 'stays@readers.test'];

let dataDir: string;
let server: RunningServer;
let smtp: SmtpRecorder;
let owner: ApiClient;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-newsletter-flow-'));
  smtp = await startSmtpRecorder();
  server = await startServer(dataDir, {
    ...mailSettings(smtp),
    QUIRE_TRUSTED_PROXIES: '127.0.0.1, ::1',
  });
  owner = await signUp(server.port, { email: 'owner@example.com', password: PASSWORD, blog: { slug: 'walks', title: 'Walks' } });
});

afterAll(async () => {
  await server?.stop();
  await smtp?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

const host = () => `walks.localhost:${server.port}`;
const origin = () => `http://${host()}`;
const to = (address: string) => (mail: ReceivedMail) => mail.to.includes(address);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A form on the blog's page, posted as a browser would (or, with `origin: null`, as a mail program). */
function postForm(urlPath: string, fields: Record<string, string>, options: { origin?: string | null; ip?: string } = {}) {
  const sentOrigin = options.origin === undefined ? origin() : options.origin;
  return request(server.port, host(), urlPath, {
    method: 'POST',
    body: new URLSearchParams(fields).toString(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-forwarded-for': options.ip ?? '10.9.0.1',
      ...(sentOrigin === null ? {} : { origin: sentOrigin }),
    },
  });
}

/** The path and query of the first link in a mail's text that goes to `prefix` on the blog. */
function linkIn(mail: ReceivedMail, prefix: string): string {
  const match = new RegExp(`${origin().replaceAll('.', '\\.')}(${prefix.replace('?', '\\?')}[^\\s<>"]*)`).exec(mail.parsed.text ?? '');
  if (!match) throw new Error(`no ${prefix} link in: ${mail.parsed.text}`);
  return match[1]!;
}

function stateOf(email: string): string | undefined {
  const db = new Database(path.join(dataDir, 'tenants', 'walks.db'), { readonly: true });
  try {
    return (db.prepare('select state from subscribers where email = ?').get(email) as { state: string } | undefined)?.state;
  } finally {
    db.close();
  }
}

async function publishAndEmail(title: string) {
  const published = await owner.call('POST', '/api/blogs/walks/posts', { title, markdown: `About ${title}.`, action: 'publish' });
  expect(published.status, published.text).toBe(200);
  const id = (published.json.post as { id: number }).id;
  const sent = await owner.call('POST', `/api/blogs/walks/posts/${id}/newsletter`, {});
  expect(sent.status, sent.text).toBe(200);
  return sent.json as { recipients: number };
}

describe('a reader subscribes, reads, and leaves', () => {
  it('goes from the subscribe form to no more mail, by the link and by one click', async () => {
    // Subscribe and confirm, each reader from their own address.
    for (const [index, email] of READERS.entries()) {
      const subscribed = await postForm(blogPaths.subscribe, { email }, { ip: `10.9.1.${index + 1}` });
      expect([200, 303], subscribed.body.slice(0, 300)).toContain(subscribed.status);
      const [confirmation] = await smtp.waitFor(to(email));
      const confirmPath = linkIn(confirmation!, '/subscribe/confirm?token=');
      expect(stateOf(email)).toBe('pending');
      const token = new URL(confirmPath, origin()).searchParams.get('token')!;
      const confirmed = await postForm(confirmPath, { token }, { ip: `10.9.1.${index + 1}` });
      expect([200, 303], confirmed.body.slice(0, 300)).toContain(confirmed.status);
      expect(stateOf(email)).toBe('active');
    }

    // The author publishes with the box ticked: each reader gets the post.
    expect((await publishAndEmail('First light')).recipients).toBe(3);
    const letters = new Map<string, ReceivedMail>();
    for (const email of READERS) {
      const [letter] = await smtp.waitFor((mail) => to(email)(mail) && mail.parsed.subject === 'First light');
      letters.set(email, letter!);
    }

    // One leaves by the link: the page (GET changes nothing), then its button.
    const linkPath = linkIn(letters.get(READERS[0]!)!, '/unsubscribe?token=');
    const page = await request(server.port, host(), linkPath);
    expect(page.status).toBe(200);
    expect(stateOf(READERS[0]!)).toBe('active');
    const token = new URL(linkPath, origin()).searchParams.get('token')!;
    const left = await postForm(linkPath, { token });
    expect([200, 303], left.body.slice(0, 300)).toContain(left.status);
    expect(stateOf(READERS[0]!)).toBe('unsubscribed');

    // The other by the one-click POST to the List-Unsubscribe URL: no Origin, a fixed body.
    const header = letters.get(READERS[1]!)!.parsed.headerLines.find((line) => line.key === 'list-unsubscribe')!.line;
    const oneClickUrl = new URL(/<([^>]+)>/.exec(header)![1]!);
    expect(oneClickUrl.origin).toBe(origin());
    const oneClick = await postForm(oneClickUrl.pathname + oneClickUrl.search, { 'List-Unsubscribe': 'One-Click' }, { origin: null });
    expect(oneClick.status).toBeLessThan(400);
    expect(stateOf(READERS[1]!)).toBe('unsubscribed');

    // The next post reaches only the reader who stayed.
    expect((await publishAndEmail('Second light')).recipients).toBe(1);
    await smtp.waitFor((mail) => mail.parsed.subject === 'Second light');
    await sleep(800);
    expect(smtp.received.filter((mail) => mail.parsed.subject === 'Second light').flatMap((mail) => mail.to)).toEqual([READERS[2]]);
  }, 60_000);
});
