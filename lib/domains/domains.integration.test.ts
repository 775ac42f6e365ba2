import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { controlQuery } from '@/lib/testing/control';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type TestDnsServer } from '@/lib/testing/dns';
import { request, startServer, type Reply, type RunningServer } from '@/lib/testing/server';

/**
 * Custom domains over real HTTP and real DNS. The platform lives on
 * `blogs.quire.localhost:<port>` (so `quire.localhost` is its apex); custom domains are
 * real-looking public names such as `alice-writes.example.org`, which a DNS server on loopback
 * (QUIRE_DNS_SERVERS) answers for. Readers reach Quire on them by the Host header alone.
 */
const ROOT = 'blogs.quire.localhost';
let dataDir: string;
let server: RunningServer;
let dns: TestDnsServer;
/** What a domain's A record points at: it must never hear from the verification. */
let bystander: http.Server;
let bystanderHits = 0;
const root = () => `${ROOT}:${server.port}`;
const at = (host: string) => `${host}:${server.port}`;

/** A signed-in author on the platform host: JSON in and out, cookie kept, our own Origin. */
class Author {
  cookie = '';
  async call(method: string, urlPath: string, body?: unknown): Promise<Reply & { json: Record<string, unknown> }> {
    const reply = await request(server.port, root(), urlPath, {
      method,
      headers: {
        origin: `http://${root()}`,
        'content-type': 'application/json',
        ...(this.cookie ? { cookie: this.cookie } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const setCookie = reply.headers['set-cookie']?.[0];
    if (setCookie) this.cookie = setCookie.split(';')[0]!;
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(reply.body) as Record<string, unknown>;
    } catch {
      /* not JSON */
    }
    return { ...reply, json };
  }

  async add(blog: string, domain: string) {
    const reply = await this.call('POST', `/api/blogs/${blog}/domains`, { domain });
    return { ...reply, domain: reply.json.domain as { domain: string; token: string; verifiedAt: unknown } | undefined };
  }

  verify(blog: string, domain: string) {
    return this.call('POST', `/api/blogs/${blog}/domains/${domain}/verify`, {});
  }

  async settingsPage(blog: string): Promise<string> {
    const page = await this.call('GET', `/dashboard/${blog}/settings`);
    expect(page.status).toBe(200);
    return page.body;
  }
}

async function signUp(email: string, slug: string): Promise<Author> {
  const author = new Author();
  const reply = await author.call('POST', '/api/auth/signup', {
    email,
    password: 'a long enough passphrase',
    blog: { slug, title: `${slug} blog` },
  });
  expect(reply.status, reply.body).toBe(200);
  return author;
}

const notFoundYet = (domain: string) =>
  `No TXT record _quire-challenge.${domain} with this blog's token was found yet (new records can take a while to appear).`;
const UNAVAILABLE = 'This domain cannot be added here.';
const challenge = (domain: string) => `_quire-challenge.${domain}`;

const claimsOf = (domain: string) =>
  controlQuery(
    dataDir,
    `select b.slug, case when d.verified_at is null then 0 else 1 end as verified
       from blog_domains d join blogs b on b.id = d.blog_id where d.domain = ? order by b.slug`,
    [domain],
  );

let alice: Author;
let bob: Author;

beforeAll(async () => {
  dns = await startDnsServer();
  bystander = http.createServer((req, res) => {
    bystanderHits++;
    res.end('hello');
  });
  await new Promise<void>((resolve) => bystander.listen(0, '127.0.0.1', resolve));
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-domains-'));
  server = await startServer(dataDir, (port) => ({ QUIRE_ROOT_DOMAIN: `${ROOT}:${port}`, QUIRE_DNS_SERVERS: `127.0.0.1:${dns.port}` }));
  alice = await signUp('alice@example.com', 'alice');
  bob = await signUp('bob@example.com', 'bob');
  const post = await alice.call('POST', '/api/blogs/alice/posts', { title: 'Hello from Alice', markdown: 'Words.', action: 'publish' });
  expect(post.status).toBe(200);
  // Every name in these tests resolves to loopback, where the bystander listens.
  for (const name of [
    'alice-writes.example.org',
    'contested.example.net',
    'slow.example.com',
    'late.example.com',
    'forgotten.example.com',
  ]) {
    dns.a.set(name, ['127.0.0.1']);
  }
});

afterAll(async () => {
  await server?.stop();
  await dns?.stop();
  await new Promise((resolve) => bystander?.close(resolve));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const domainCheck = async (name: string) =>
  (await request(server.port, '127.0.0.1', `/api/domain-check?domain=${encodeURIComponent(name)}`)).status;

describe('custom domains', () => {
  let token = '';

  it('refuses names that are not domains, or cannot be public, each with its sentence', async () => {
    for (const [domain, message] of [
      ['not a domain', /is not a domain name/],
      ['a..b.com', /is not a domain name/],
      [`${'a'.repeat(64)}.com`, /is not a domain name/],
      ['192.168.1.10', /^Use a domain name, not an IP address\.$/],
      ['127.1', /not an IP address/],
      ['[::1]', /not an IP address/],
      ['::1', /not an IP address/],
      ['http://169.254.169.254/latest/meta-data/', /not an IP address/],
      [`bob.${ROOT}`, /belongs to this platform/],
      [ROOT, /belongs to this platform/],
      ['quire.localhost', /^quire\.localhost belongs to this platform/],
      ['localhost', /is not a public name: names under \.localhost/],
      ['alice.localhost', /is not a public name: names under \.localhost/],
      ['nas.local', /names under \.local /],
      ['metadata.google.internal', /names under \.internal /],
      ['1.0.0.127.in-addr.arpa', /names under \.arpa /],
      ['alice.test', /names under \.test /],
      ['alice.example', /names under \.example /],
      ['nowhere.invalid', /names under \.invalid /],
      ['http://intranet/', /is a single name, not a domain/],
    ] as const) {
      const reply = await alice.call('POST', '/api/blogs/alice/domains', { domain });
      expect(reply.status, domain).toBe(400);
      expect(reply.json.error, domain).toMatch(message);
    }
  });

  it('adds a domain unverified: nothing is served there, and the dashboard shows both records and the expiry', async () => {
    const reply = await alice.add('alice', 'https://Alice-Writes.example.org/');
    expect(reply.status, reply.body).toBe(200);
    expect(reply.domain!.domain).toBe('alice-writes.example.org');
    expect(reply.domain!.verifiedAt).toBeNull();
    token = reply.domain!.token;

    expect((await request(server.port, at('alice-writes.example.org'), '/')).status).toBe(404);
    expect((await request(server.port, at('alice-writes.example.org'), '/posts/hello-from-alice')).status).toBe(404);
    // No proof is served over HTTP any more: ownership is shown in DNS.
    expect((await request(server.port, at('alice-writes.example.org'), `/.well-known/quire-verify/${token}`)).status).toBe(404);
    expect(await domainCheck('alice-writes.example.org')).toBe(404);
    // The subdomain still serves the blog itself.
    expect((await request(server.port, at(`alice.${ROOT}`), '/')).status).toBe(200);

    const settings = await alice.settingsPage('alice');
    expect(settings).toContain(challenge('alice-writes.example.org'));
    expect(settings).toContain(token);
    expect(settings).toMatch(/<td>TXT<\/td>/);
    expect(settings).toMatch(/<td>CNAME<\/td>/);
    expect(settings).toMatch(/this claim expires <time dateTime="[^"]+">/);
  });

  it('lets only the blog’s owner manage its domains', async () => {
    expect((await bob.call('POST', '/api/blogs/alice/domains', { domain: 'bob-took.example.org' })).status).toBe(404);
    expect((await bob.verify('alice', 'alice-writes.example.org')).status).toBe(404);
    expect((await bob.call('DELETE', '/api/blogs/alice/domains/alice-writes.example.org', {})).status).toBe(404);
    expect((await bob.call('DELETE', '/api/blogs/bob/domains/alice-writes.example.org', {})).status).toBe(404);
    const anonymous = new Author();
    expect((await anonymous.call('POST', '/api/blogs/alice/domains', { domain: 'x.example.org' })).status).toBe(401);
  });

  it('does not verify a name that only points here, nor a TXT record with another value', async () => {
    // The name resolves to loopback: that proves nothing about who owns it.
    for (const records of [undefined, ['not-the-token'], [`${token}x`], [token.slice(1)], ['v=spf1 -all']]) {
      if (records) dns.txt.set(challenge('alice-writes.example.org'), records);
      else dns.txt.delete(challenge('alice-writes.example.org'));
      const reply = await alice.verify('alice', 'alice-writes.example.org');
      expect(reply.status, String(records)).toBe(400);
      expect(reply.json.error).toBe(notFoundYet('alice-writes.example.org'));
    }
    // The token on the name itself, not under _quire-challenge, does not count either.
    dns.txt.delete(challenge('alice-writes.example.org'));
    dns.txt.set('alice-writes.example.org', [token]);
    expect((await alice.verify('alice', 'alice-writes.example.org')).status).toBe(400);
    dns.txt.delete('alice-writes.example.org');
    expect((await request(server.port, at('alice-writes.example.org'), '/')).status).toBe(404);
    expect(await claimsOf('alice-writes.example.org')).toEqual([{ slug: 'alice', verified: 0 }]);
  });

  it('says nothing about what the resolver answered when DNS fails', async () => {
    // A name the DNS server does not know at all (NXDOMAIN) reads like any other failure.
    expect((await bob.add('bob', 'forgotten.example.com')).status).toBe(200);
    dns.a.delete('forgotten.example.com');
    const reply = await bob.verify('bob', 'forgotten.example.com');
    expect(reply.status).toBe(400);
    expect(reply.json.error).toBe(notFoundYet('forgotten.example.com'));
    expect(reply.body).not.toMatch(/ENOTFOUND|ENODATA|127\.0\.0\.1|queryTxt/);
  });

  it('verifies once the TXT record holds the token (chunks joined), then serves the blog there', async () => {
    // Long TXT values arrive in chunks; other TXT records may sit beside it.
    dns.txt.set(challenge('alice-writes.example.org'), ['v=spf1 -all', [token.slice(0, 10), token.slice(10)]]);
    const reply = await alice.verify('alice', 'alice-writes.example.org');
    expect(reply.status, reply.body).toBe(200);
    expect((reply.json.domain as { isPrimary: boolean }).isPrimary).toBe(true);

    const home = await request(server.port, at('alice-writes.example.org'), '/');
    expect(home.status).toBe(200);
    expect(home.body).toContain('Hello from Alice');
    expect(home.headers['set-cookie']).toBeUndefined();
    const post = await request(server.port, at('alice-writes.example.org'), '/posts/hello-from-alice');
    expect(post.status).toBe(200);
    expect(await domainCheck('alice-writes.example.org')).toBe(200);
    expect(await domainCheck('ALICE-WRITES.example.org.')).toBe(200);
    expect(await alice.settingsPage('alice')).not.toMatch(/this claim expires/);
  });

  it('sends readers of the subdomain to the primary domain with a 301, path and query kept', async () => {
    const moved = await request(server.port, at(`alice.${ROOT}`), '/posts/hello-from-alice?x=1');
    expect(moved.status).toBe(301);
    expect(moved.headers.location).toBe(`http://alice-writes.example.org:${server.port}/posts/hello-from-alice?x=1`);
    // Beacons from pages still open on the old address are counted, not redirected.
    const beacon = await request(server.port, at(`alice.${ROOT}`), '/api/pv', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'sec-fetch-site': 'same-origin' },
      body: '{"p":0}',
    });
    expect(beacon.status).toBe(204);
  });

  it('uses the primary domain in the pages’ absolute URLs: canonical, feeds, sitemap', async () => {
    const base = `http://alice-writes.example.org:${server.port}`;
    const post = await request(server.port, at('alice-writes.example.org'), '/posts/hello-from-alice');
    expect(post.body).toContain(`<link rel="canonical" href="${base}/posts/hello-from-alice"/>`);
    expect(post.body).not.toContain(`alice.${ROOT}`);
    const feed = await request(server.port, at('alice-writes.example.org'), '/feed.xml');
    expect(feed.body).toContain(`<link>${base}/posts/hello-from-alice</link>`);
    expect(feed.body).not.toContain(`alice.${ROOT}`);
    const sitemap = await request(server.port, at('alice-writes.example.org'), '/sitemap.xml');
    expect(sitemap.body).toContain(`<loc>${base}/posts/hello-from-alice</loc>`);
  });

  it('answers the TLS proxy for live hosts only', async () => {
    expect(await domainCheck(`alice.${ROOT}`)).toBe(200);
    expect(await domainCheck(ROOT)).toBe(200);
    expect(await domainCheck(`nobody.${ROOT}`)).toBe(404);
    expect(await domainCheck('example.com')).toBe(404);
    expect(await domainCheck('forgotten.example.com')).toBe(404);
    expect(await domainCheck('')).toBe(404);
    expect(await domainCheck('../../etc/passwd')).toBe(404);
    expect((await request(server.port, 'anything.example', '/api/domain-check?domain=alice-writes.example.org')).status).toBe(200);
  });

  it('lets a later claimant who shows the TXT record take a name from an unverified first claim', async () => {
    const first = await alice.add('alice', 'contested.example.net');
    expect(first.status).toBe(200);
    // No 409, and nothing says another blog claimed it: each claim has its own token.
    const second = await bob.add('bob', 'contested.example.net');
    expect(second.status, second.body).toBe(200);
    expect(second.domain!.token).not.toBe(first.domain!.token);
    expect(await claimsOf('contested.example.net')).toEqual([
      { slug: 'alice', verified: 0 },
      { slug: 'bob', verified: 0 },
    ]);

    // The record holds Bob's token: another blog's token does not verify Alice's claim.
    dns.txt.set(challenge('contested.example.net'), [second.domain!.token]);
    const aliceTry = await alice.verify('alice', 'contested.example.net');
    expect(aliceTry.status).toBe(400);
    expect(aliceTry.json.error).toBe(notFoundYet('contested.example.net'));
    expect((await bob.verify('bob', 'contested.example.net')).status).toBe(200);

    // Alice's claim is gone; the name is Bob's blog.
    expect(await claimsOf('contested.example.net')).toEqual([{ slug: 'bob', verified: 1 }]);
    expect(await alice.settingsPage('alice')).not.toContain('contested.example.net');
    expect((await alice.verify('alice', 'contested.example.net')).status).toBe(404);
    const served = await request(server.port, at('contested.example.net'), '/');
    expect(served.status).toBe(200);
    expect(served.body).toContain('bob blog');
  });

  it('refuses a name another blog has verified in a neutral sentence; only the owner of both is told where it is', async () => {
    // Bob's verified domain, asked for by Alice: the same words as any name that cannot be had.
    const stranger = await alice.add('alice', 'contested.example.net');
    expect(stranger.status).toBe(409);
    expect(stranger.json.error).toBe(UNAVAILABLE);
    const strangerToo = await bob.add('bob', 'alice-writes.example.org');
    expect(strangerToo.json.error).toBe(UNAVAILABLE);
    expect(strangerToo.body).not.toMatch(/alice|claimed|another blog/i);

    // Alice owns both blogs: she may be told.
    expect((await alice.call('POST', '/api/blogs', { slug: 'alice-two', title: 'Alice again' })).status).toBe(200);
    const own = await alice.add('alice-two', 'alice-writes.example.org');
    expect(own.status).toBe(409);
    expect(own.json.error).toBe('This domain is already in use on this platform. If it is yours, remove it from the other blog first.');
    // On the same blog, it is simply already there.
    expect((await alice.add('alice', 'alice-writes.example.org')).json.error).toBe(
      'alice-writes.example.org is already added to this blog.',
    );
  });

  it('lets an unverified claim expire after 7 days: it blocks nobody, is removed, and no longer verifies', async () => {
    const makeOld = (domain: string) =>
      controlQuery(dataDir, 'update blog_domains set created_at = ? where domain = ?', [
        Date.now() - 7 * 24 * 60 * 60 * 1000 - 60_000,
        domain,
      ]);

    // Claimed again by another blog: the expired claim goes, and the new one stands alone.
    const bobs = await bob.add('bob', 'slow.example.com');
    expect(bobs.status).toBe(200);
    await makeOld('slow.example.com');
    expect((await alice.add('alice', 'slow.example.com')).status).toBe(200);
    expect(await claimsOf('slow.example.com')).toEqual([{ slug: 'alice', verified: 0 }]);
    // Even with its token in DNS, the expired claim cannot be verified: it is gone.
    dns.txt.set(challenge('slow.example.com'), [bobs.domain!.token]);
    expect((await bob.verify('bob', 'slow.example.com')).status).toBe(404);

    // Read in the blog's list: removed.
    expect((await bob.add('bob', 'forgotten.example.com')).json.error).toBe('forgotten.example.com is already added to this blog.');
    await makeOld('forgotten.example.com');
    expect(await bob.settingsPage('bob')).not.toContain('forgotten.example.com');
    expect(await claimsOf('forgotten.example.com')).toEqual([]);

    // Its token shows up in DNS a minute too late: refused, and the claim removed.
    const late = await bob.add('bob', 'late.example.com');
    dns.txt.set(challenge('late.example.com'), [late.domain!.token]);
    await makeOld('late.example.com');
    const tooLate = await bob.verify('bob', 'late.example.com');
    expect(tooLate.status).toBe(400);
    expect(tooLate.json.error).toMatch(/^The claim on late\.example\.com expired/);
    expect(await claimsOf('late.example.com')).toEqual([]);
    expect((await request(server.port, at('late.example.com'), '/')).status).toBe(404);
  });

  it('stops serving a removed domain at once, and the subdomain serves again', async () => {
    expect((await alice.call('DELETE', '/api/blogs/alice/domains/alice-writes.example.org', {})).status).toBe(200);
    expect((await request(server.port, at('alice-writes.example.org'), '/')).status).toBe(404);
    expect(await domainCheck('alice-writes.example.org')).toBe(404);
    const home = await request(server.port, at(`alice.${ROOT}`), '/');
    expect(home.status).toBe(200);
    expect(home.body).toContain('Hello from Alice');
    expect(home.body).toContain(`<link rel="canonical" href="http://alice.${ROOT}:${server.port}/"/>`);
    // Now free, another blog may claim it — and verify it only with its own token.
    const bobs = await bob.add('bob', 'alice-writes.example.org');
    expect(bobs.status).toBe(200);
    expect((await bob.verify('bob', 'alice-writes.example.org')).json.error).toBe(notFoundYet('alice-writes.example.org'));
  });

  it('never fetched anything from a domain, nor asked DNS for an address: only TXT records', () => {
    expect(bystanderHits).toBe(0);
    expect(dns.questions.length).toBeGreaterThan(0);
    for (const question of dns.questions) expect(question).toMatch(/^TXT _quire-challenge\./);
  });
});
