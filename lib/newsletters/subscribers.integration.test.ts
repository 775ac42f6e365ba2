import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, request, startServer, type RunningServer } from '@/lib/testing/server';
import { startSmtpRecorder, type ReceivedMail, type SmtpRecorder, mailSettings, TEST_MAIL_FROM } from '@/lib/testing/smtp';
import { SUBSCRIBE_LIMITS } from './limits';

/**
 * A blog's readers over real HTTP against the production server, with a real SMTP server on
 * loopback: the form, double opt-in by mail, unsubscribing (the link and RFC 8058 one-click),
 * the limits, and the owners' list, export and import. The server trusts X-Forwarded-For here
 * so that each test can be its own reader.
 */
const PASSWORD = 'a long enough passphrase';
let dataDir: string;
let smtp: SmtpRecorder;
let server: RunningServer;
let alice: ApiClient; // owns "alices"
let ed: ApiClient; // editor on "alices"
let eve: ApiClient; // owns "eves"; nothing else

async function signUp(email: string, start: { blog: string } | { invite: string }) {
  const client = new ApiClient(server.port);
  const first = 'blog' in start ? { blog: { slug: start.blog, title: `${start.blog} <Journal>` } } : { invite: start.invite };
  const reply = await client.call('POST', '/api/auth/signup', { email, password: PASSWORD, ...first });
  expect(reply.status, JSON.stringify(reply.json)).toBe(200);
  return client;
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-subscribers-'));
  smtp = await startSmtpRecorder();
  server = await startServer(dataDir, {
    QUIRE_TRUSTED_PROXIES: '127.0.0.1, ::1',
    ...mailSettings(smtp),
  });
  alice = await signUp('alice@example.com', { blog: 'alices' });
  eve = await signUp('eve@example.com', { blog: 'eves' });
  const invite = await alice.call('POST', '/api/blogs/alices/invites', { role: 'editor' });
  ed = await signUp('ed@example.com', { invite: String(invite.json.url).split('/invite/')[1]! });
  const post = await alice.call('POST', '/api/blogs/alices/posts', { title: 'Hello', markdown: 'About hello.', action: 'publish' });
  expect(post.status).toBe(200);
});

afterAll(async () => {
  await server?.stop();
  await smtp?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const host = (slug = 'alices') => `${slug}.localhost:${server.port}`;
const blogOrigin = (slug = 'alices') => `http://${host(slug)}`;

let readerNumber = 1;
const newReader = () => `10.1.${Math.floor(readerNumber / 250)}.${readerNumber++ % 250}`;

function subscribe(email: string, options: { origin?: string | null; ip?: string; extra?: Record<string, string>; blog?: string } = {}) {
  const origin = options.origin === undefined ? blogOrigin(options.blog) : options.origin;
  return request(server.port, host(options.blog), '/subscribe', {
    method: 'POST',
    body: new URLSearchParams({ email, website: '', ...options.extra }).toString(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-forwarded-for': options.ip ?? newReader(),
      ...(origin === null ? {} : { origin }),
    },
  });
}

type Row = { id: number; email: string; name: string | null; state: string; token: string; confirmed_at: number | null };

function stored(blog = 'alices'): Row[] {
  const db = new Database(path.join(dataDir, 'tenants', `${blog}.db`), { readonly: true });
  try {
    return db.prepare('select * from subscribers order by id').all() as Row[];
  } finally {
    db.close();
  }
}
const storedOne = (email: string) => stored().find((row) => row.email === email);

const mailsTo = (address: string) => smtp.received.filter((mail) => mail.to.includes(address));

/** The path and query of the link in a mail (its host is the blog's, as the test's requests are). */
function linkIn(mail: ReceivedMail, pathStart: string): string {
  const match = new RegExp(`https?://[^\\s/]+(${pathStart.replace('?', '\\?')}[^\\s"<]+)`).exec(mail.parsed.text ?? '');
  if (!match) throw new Error(`no ${pathStart} link in:\n${mail.parsed.text}`);
  return match[1]!;
}

const form = () => ({ 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': newReader() });

/** Subscribes and confirms an address through the mail it gets; returns its token. */
async function subscribeAndConfirm(email: string): Promise<string> {
  expect((await subscribe(email)).status).toBe(200);
  const [mail] = await smtp.waitFor((m) => m.to.includes(email));
  const confirm = linkIn(mail!, '/subscribe/confirm?token=');
  const reply = await request(server.port, host(), confirm, { method: 'POST', body: '', headers: { ...form(), origin: blogOrigin() } });
  expect(reply.status).toBe(200);
  return new URL(confirm, 'http://x').searchParams.get('token')!;
}

describe('the form on the blog', () => {
  it('is on the home page and under each post: plain HTML, no cookie, the same page from the cache', async () => {
    for (const page of ['/', '/posts/hello']) {
      const first = await request(server.port, host(), page);
      expect(first.status).toBe(200);
      expect(first.body).toMatch(/<form class="subscribe-form"[^>]* action="\/subscribe" method="post">/);
      expect(first.body).toContain('name="email"');
      expect(first.headers['set-cookie']).toBeUndefined();
      const again = await request(server.port, host(), page);
      expect(again.headers['x-quire-cache']).toBe('hit');
    }
  });
});

describe('subscribing, double opt-in', () => {
  it('mails one confirmation to the reader alone; the link shows a button; only the POST confirms', async () => {
    const reply = await subscribe('Reader.One@Example.net');
    expect(reply.status).toBe(200);
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(reply.body).toContain('Check your inbox');
    expect(storedOne('reader.one@example.net')?.state).toBe('pending');

    const [mail] = await smtp.waitFor((m) => m.to.includes('reader.one@example.net'));
    expect(mail!.to).toEqual(['reader.one@example.net']);
    expect(mail!.parsed.subject).toBe('Confirm your subscription to alices <Journal>');
    expect(mail!.parsed.from?.value[0]).toEqual({ name: 'alices <Journal>', address: TEST_MAIL_FROM });
    expect(mail!.parsed.text).toContain('If this was not you, ignore this mail');
    // No other address anywhere in it: not the owner's, not another reader's.
    const addresses = (mail!.raw.match(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g) ?? []).map((a) => a.toLowerCase());
    expect(addresses).toContain('reader.one@example.net');
    expect(addresses.filter((a) => a !== 'reader.one@example.net' && !a.endsWith('@quire.test'))).toEqual([]);

    const confirm = linkIn(mail!, '/subscribe/confirm?token=');
    for (let i = 0; i < 2; i++) {
      const page = await request(server.port, host(), confirm);
      expect(page.status).toBe(200);
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.headers['x-quire-cache']).toBeUndefined();
      expect(page.body).toMatch(
        /<form method="post" action="\/subscribe\/confirm\?token=[a-z2-7]+"><button type="submit">Confirm<\/button>/,
      );
    }
    expect(storedOne('reader.one@example.net')?.state).toBe('pending');

    const done = await request(server.port, host(), confirm, { method: 'POST', body: '', headers: { ...form(), origin: blogOrigin() } });
    expect(done.status).toBe(200);
    expect(done.body).toContain('You are subscribed to alices &#60;Journal&#62;');
    expect(storedOne('reader.one@example.net')).toMatchObject({ state: 'active', confirmed_at: expect.any(Number) });
  });

  it('answers an address already subscribed exactly as a new one, and mails it nothing', async () => {
    const answer = async (email: string) => (await subscribe(email)).body.replaceAll(email, 'EMAIL');
    await subscribeAndConfirm('known@example.net');
    const known = await answer('known@example.net');
    const fresh = await answer('fresh@example.net');
    expect(known).toBe(fresh);
    // The later message arrived; none came for the subscribed reader before or with it.
    await smtp.waitFor((m) => m.to.includes('fresh@example.net'));
    expect(mailsTo('known@example.net')).toHaveLength(1);
    expect(storedOne('known@example.net')?.state).toBe('active');
  });

  it('mails a reader who has not confirmed yet again, when they ask again', async () => {
    await subscribe('slow@example.net');
    await smtp.waitFor((m) => m.to.includes('slow@example.net'));
    await subscribe('slow@example.net');
    await smtp.waitFor((m) => m.to.includes('slow@example.net'), 2);
    expect(stored().filter((row) => row.email === 'slow@example.net')).toHaveLength(1);
  });

  it.each([
    ['another site', 'http://evil.test'],
    ['another blog on this server', () => blogOrigin('eves')],
    ['the platform itself', () => `http://localhost:${server.port}`],
    ['no Origin at all', null],
  ])('refuses a subscription from %s with 403, storing and mailing nothing', async (_what, origin) => {
    const reply = await subscribe('forged@example.net', { origin: typeof origin === 'function' ? origin() : origin });
    expect(reply.status).toBe(403);
    expect(reply.body).toContain('This subscription was sent from another site and was refused.');
    expect(storedOne('forged@example.net')).toBeUndefined();
  });

  it('refuses a bad address in one sentence, and does nothing for a bot that filled the hidden field', async () => {
    const bad = await subscribe('not an address');
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('Enter a valid email address.');
    const bot = await subscribe('bot@example.net', { extra: { website: 'http://spam.test' } });
    expect(bot.status).toBe(200);
    expect(bot.body).toContain('Check your inbox');
    expect(storedOne('bot@example.net')).toBeUndefined();
  });

  it('slows down a flood from one client, and confirmations to one address, with 429 and Retry-After', async () => {
    const ip = newReader();
    for (let i = 0; i < SUBSCRIBE_LIMITS.perIp.limit; i++) expect((await subscribe(`flood${i}@example.net`, { ip })).status).toBe(200);
    const refused = await subscribe('flood-last@example.net', { ip });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.body).toMatch(/You have asked to subscribe several times in a short time\. Please try again in \d+ minutes\./);
    expect(storedOne('flood-last@example.net')).toBeUndefined();

    for (let i = 0; i < SUBSCRIBE_LIMITS.perEmail.limit; i++) expect((await subscribe('victim@example.net')).status).toBe(200);
    const again = await subscribe('victim@example.net');
    expect(again.status).toBe(429);
    expect(again.body).toContain('This address has been sent several confirmations in a short time.');
  });
});

describe('unsubscribing', () => {
  it('shows a button at the link, and unsubscribes on its POST', async () => {
    const token = await subscribeAndConfirm('leaving@example.net');
    const link = `/unsubscribe?token=${token}`;
    const page = await request(server.port, host(), link);
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).toContain('<button type="submit">Unsubscribe</button>');
    expect(storedOne('leaving@example.net')?.state).toBe('active');
    const done = await request(server.port, host(), link, { method: 'POST', body: '', headers: { ...form(), origin: blogOrigin() } });
    expect(done.status).toBe(200);
    expect(done.body).toContain('You will get no more mail from alices &#60;Journal&#62;.');
    expect(storedOne('leaving@example.net')?.state).toBe('unsubscribed');
  });

  it('takes the RFC 8058 one-click POST of a mail program: no Origin, no cookie, the token in the URL', async () => {
    const token = await subscribeAndConfirm('oneclick@example.net');
    const reply = await request(server.port, host(), `/unsubscribe?token=${token}`, {
      method: 'POST',
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(reply.status).toBe(200);
    expect(storedOne('oneclick@example.net')?.state).toBe('unsubscribed');
  });

  it('answers a bad or unknown token with 404 and one sentence, on every link', async () => {
    for (const link of ['/subscribe/confirm', '/unsubscribe']) {
      for (const token of ['', 'nope', 'a'.repeat(32), `${'b'.repeat(20)}<script>`]) {
        for (const method of ['GET', 'POST']) {
          const reply = await request(server.port, host(), `${link}?token=${encodeURIComponent(token)}`, {
            method,
            body: method === 'POST' ? 'List-Unsubscribe=One-Click' : undefined,
            headers: method === 'POST' ? form() : {},
          });
          expect(reply.status, `${method} ${link} ${token}`).toBe(404);
          expect(reply.body).toContain('This link is not valid: check that it was copied whole from the mail.');
          expect(reply.body).not.toContain('<script>');
        }
      }
    }
  });
});

async function upload(client: ApiClient, csv: string | Buffer) {
  const response = await fetch(`${client.origin}/api/blogs/alices/subscribers/import`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', origin: client.origin, cookie: client.cookie },
    body: typeof csv === 'string' ? csv : new Uint8Array(csv),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, 'fixtures', name), 'utf8');

describe("the owners' list", () => {
  it('shows every member the counts, and only owners the list, the export and the import', async () => {
    const counts = await ed.call('GET', '/api/blogs/alices/subscribers');
    expect(counts.status).toBe(200);
    expect((counts.json.counts as Record<string, number>).active).toBeGreaterThan(0);

    for (const [client, status] of [
      [ed, 403],
      [eve, 404],
    ] as const) {
      expect((await client.call('GET', '/api/blogs/alices/subscribers/list')).status).toBe(status);
      expect((await client.call('GET', '/api/blogs/alices/subscribers/export')).status).toBe(status);
      expect((await upload(client, 'new@example.net\n')).status).toBe(status);
      expect((await client.call('DELETE', `/api/blogs/alices/subscribers/${storedOne('known@example.net')!.id}`)).status).toBe(status);
      expect((await client.call('GET', '/api/blogs/alices/subscribers')).status).toBe(client === ed ? 200 : 404);
    }
    expect(storedOne('new@example.net')).toBeUndefined();
    expect(storedOne('known@example.net')).toBeDefined();

    const mine = await alice.call('GET', '/api/blogs/alices/subscribers/list');
    expect(mine.status).toBe(200);
    const rows = mine.json.rows as { email: string }[];
    expect(rows[0]!.email).toBe(stored().at(-1)!.email); // newest first

    const ownerPage = await alice.call('GET', '/dashboard/alices/subscribers');
    expect(ownerPage.status).toBe(200); // a rendering error still streams part of the page
    expect(ownerPage.text).toContain('known@example.net');
    const editorPage = await ed.call('GET', '/dashboard/alices/subscribers');
    expect(editorPage.status).toBe(200);
    expect(editorPage.text).toContain('Only the blog’s owners see the readers’ addresses.');
    expect(editorPage.text).not.toContain('known@example.net');
  });

  it("imports Substack's export: added, already here, skipped with reasons; readers who stopped the mails stay unsubscribed", async () => {
    const reply = await upload(alice, fixture('substack-subscribers.csv'));
    expect(reply.status, JSON.stringify(reply.json)).toBe(200);
    expect(reply.json.report).toEqual({
      format: 'substack',
      added: 3,
      kept: 0,
      skipped: 3,
      reasons: [
        'Line 5: "not-an-address" is not an email address.',
        'Line 6 has no email address.',
        'Line 7: quentin.free@example.com is already on line 3.',
      ],
    });
    expect(storedOne('pia.paid@example.com')?.state).toBe('active');
    expect(storedOne('rut.stopped@example.com')?.state).toBe('unsubscribed');
  });

  it("imports Ghost's members export, and an address already here keeps its state", async () => {
    const withLeaver = `${fixture('ghost-members.csv')}6630a1f2c1d2e3f4a5b6c7de,leaving@example.net,,,true,false,,2024-04-01T00:00:00.000Z,,,\n`;
    const reply = await upload(alice, withLeaver);
    expect(reply.status, JSON.stringify(reply.json)).toBe(200);
    expect(reply.json.report).toMatchObject({ format: 'ghost', added: 5, kept: 1, skipped: 1 });
    expect(storedOne('grace@example.org')).toMatchObject({ state: 'active', name: 'Grace Hopper' });
    expect(storedOne('quiet@example.org')?.state).toBe('unsubscribed');
    expect(storedOne('gone@example.org')?.state).toBe('unsubscribed');
    expect(storedOne('leaving@example.net')?.state).toBe('unsubscribed'); // they left here: the import does not bring them back
    const again = await upload(alice, fixture('ghost-members.csv'));
    expect(again.json.report).toMatchObject({ added: 0, kept: 5 });
  });

  it('refuses a hostile file in one sentence, importing nothing', async () => {
    const before = stored().length;
    const tooBig = await upload(alice, Buffer.alloc(10 * 1024 * 1024 + 1, 'a'));
    expect(tooBig).toEqual({ status: 413, json: { error: 'The file is larger than 10 MB.' } });
    const broken = await upload(alice, 'email,name\nok@example.net,"never closed\n');
    expect(broken.status).toBe(400);
    expect(broken.json.error).toMatch(/^The file is not valid CSV at line \d+: a quoted value is never closed\.$/);
    const noEmail = await upload(alice, 'name,city\nAda,London\n');
    expect(noEmail).toEqual({
      status: 400,
      json: { error: 'The file has no email column: its first line should name one ("email"), or be an address.' },
    });
    const tooMany = await upload(alice, Array.from({ length: 200_001 }, (_, i) => `r${i}@example.net`).join('\n'));
    expect(tooMany).toEqual({ status: 400, json: { error: 'The file has more than 200,000 rows.' } });
    expect(stored()).toHaveLength(before);
  });

  it('exports the list as a CSV download, formulas defused', async () => {
    const reply = await alice.call('GET', '/api/blogs/alices/subscribers/export');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(reply.headers.get('content-disposition')).toMatch(/^attachment; filename="alices-subscribers-\d{4}-\d{2}-\d{2}\.csv"$/);
    const lines = reply.text.split('\r\n');
    expect(lines[0]).toBe('email,name,state,created_at,confirmed_at');
    expect(lines.at(-1)).toBe('');
    expect(lines).toHaveLength(stored().length + 2);
    expect(lines).toContain('grace@example.org,Grace Hopper,active,2024-01-15T10:00:00.000Z,2024-01-15T10:00:00.000Z');
    expect(lines.find((line) => line.startsWith('ada@example.org,'))).toMatch(/^ada@example\.org,'=cmd\|' \/C calc'!A0,active,/);
    expect(lines.find((line) => line.startsWith('reader.one@example.net,'))).toMatch(/^reader\.one@example\.net,,active,\S+Z,\S+Z$/);
    // A download is not started by another site's page.
    const crossSite = await alice.call('GET', '/api/blogs/alices/subscribers/export', undefined, { 'sec-fetch-site': 'same-site' });
    expect(crossSite.status).toBe(403);
  });

  it('lets an owner remove a reader', async () => {
    const id = storedOne('grace@example.org')!.id;
    expect((await alice.call('DELETE', `/api/blogs/alices/subscribers/${id}`)).status).toBe(200);
    expect(storedOne('grace@example.org')).toBeUndefined();
    expect((await alice.call('DELETE', `/api/blogs/alices/subscribers/${id}`)).status).toBe(404);
  });
});
