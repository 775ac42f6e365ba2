import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startServer, type Reply, type RunningServer } from '@/lib/testing/server';

/**
 * Custom domains over real HTTP. The platform lives on `quire.localhost:<port>`, so names such
 * as `alice-writes.localhost` are outside it; like browsers, Quire's verification treats
 * `*.localhost` as loopback, so "Verify" really fetches the token through the domain's name.
 */
let dataDir: string;
let server: RunningServer;
const root = () => `quire.localhost:${server.port}`;
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
}

async function signUp(email: string, slug: string): Promise<Author> {
  const author = new Author();
  const reply = await author.call('POST', '/api/auth/signup', { email, password: 'a long enough passphrase', blog: { slug, title: `${slug} blog` } });
  expect(reply.status, reply.body).toBe(200);
  return author;
}

let alice: Author;
let bob: Author;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-domains-'));
  server = await startServer(dataDir, (port) => ({ QUIRE_ROOT_DOMAIN: `quire.localhost:${port}`, QUIRE_DOMAIN_VERIFY_PORT: String(port) }));
  alice = await signUp('alice@example.com', 'alice');
  bob = await signUp('bob@example.com', 'bob');
  const post = await alice.call('POST', '/api/blogs/alice/posts', { title: 'Hello from Alice', markdown: 'Words.', action: 'publish' });
  expect(post.status).toBe(200);
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const domainCheck = async (name: string) => (await request(server.port, '127.0.0.1', `/api/domain-check?domain=${encodeURIComponent(name)}`)).status;

describe('custom domains', () => {
  let token = '';

  it('refuses names that are not domains, or belong to the platform, with a sentence', async () => {
    for (const [domain, message] of [
      ['not a domain', /is not a domain name/],
      ['http://x', /is not a domain name/],
      ['192.168.1.10', /not an IP address/],
      ['bob.quire.localhost', /belongs to this platform/],
      ['quire.localhost', /belongs to this platform/],
      ['a..b.com', /is not a domain name/],
      [`${'a'.repeat(64)}.com`, /is not a domain name/],
    ] as const) {
      const reply = await alice.call('POST', '/api/blogs/alice/domains', { domain });
      expect(reply.status, domain).toBe(400);
      expect(reply.json.error).toMatch(message);
    }
  });

  it('adds a domain unverified: nothing is served there but its token', async () => {
    const reply = await alice.call('POST', '/api/blogs/alice/domains', { domain: 'https://Alice-Writes.localhost/' });
    expect(reply.status, reply.body).toBe(200);
    const domain = reply.json.domain as { domain: string; token: string; verifiedAt: unknown };
    expect(domain.domain).toBe('alice-writes.localhost');
    expect(domain.verifiedAt).toBeNull();
    token = domain.token;

    expect((await request(server.port, at('alice-writes.localhost'), '/')).status).toBe(404);
    expect((await request(server.port, at('alice-writes.localhost'), '/posts/hello-from-alice')).status).toBe(404);
    const proof = await request(server.port, at('alice-writes.localhost'), `/.well-known/quire-verify/${token}`);
    expect(proof.status).toBe(200);
    expect(proof.body).toBe(token);
    expect((await request(server.port, at('alice-writes.localhost'), '/.well-known/quire-verify/wrong')).status).toBe(404);
    expect(await domainCheck('alice-writes.localhost')).toBe(404);
    // The subdomain still serves the blog itself.
    expect((await request(server.port, at('alice.quire.localhost'), '/')).status).toBe(200);
  });

  it('keeps a claimed domain from being claimed by another blog', async () => {
    const reply = await bob.call('POST', '/api/blogs/bob/domains', { domain: 'alice-writes.localhost' });
    expect(reply.status).toBe(409);
    expect(reply.json.error).toBe('alice-writes.localhost is already claimed by another blog on this platform.');
  });

  it('lets only the blog’s owner manage its domains', async () => {
    expect((await bob.call('POST', '/api/blogs/alice/domains', { domain: 'bob-took.localhost' })).status).toBe(404);
    expect((await bob.call('POST', '/api/blogs/alice/domains/alice-writes.localhost/verify', {})).status).toBe(404);
    expect((await bob.call('DELETE', '/api/blogs/alice/domains/alice-writes.localhost', {})).status).toBe(404);
    expect((await bob.call('DELETE', '/api/blogs/bob/domains/alice-writes.localhost', {})).status).toBe(404);
    const anonymous = new Author();
    expect((await anonymous.call('POST', '/api/blogs/alice/domains', { domain: 'x.localhost' })).status).toBe(401);
  });

  it('says why a domain that does not reach this server cannot be verified', async () => {
    expect((await bob.call('POST', '/api/blogs/bob/domains', { domain: 'nowhere.invalid' })).status).toBe(200);
    const reply = await bob.call('POST', '/api/blogs/bob/domains/nowhere.invalid/verify', {});
    expect(reply.status).toBe(400);
    expect(reply.json.error).toMatch(/^nowhere\.invalid is not verified yet: Quire could not reach http:\/\/nowhere\.invalid:\d+\/\.well-known\/quire-verify\/\w+: its DNS record was not found/);
    expect(await domainCheck('nowhere.invalid')).toBe(404);
  });

  it('verifies by fetching the token through the domain, then serves the blog there', async () => {
    const reply = await alice.call('POST', '/api/blogs/alice/domains/alice-writes.localhost/verify', {});
    expect(reply.status, reply.body).toBe(200);
    expect((reply.json.domain as { isPrimary: boolean }).isPrimary).toBe(true);

    const home = await request(server.port, at('alice-writes.localhost'), '/');
    expect(home.status).toBe(200);
    expect(home.body).toContain('Hello from Alice');
    expect(home.headers['set-cookie']).toBeUndefined();
    const post = await request(server.port, at('alice-writes.localhost'), '/posts/hello-from-alice');
    expect(post.status).toBe(200);
    expect(await domainCheck('alice-writes.localhost')).toBe(200);
    expect(await domainCheck('ALICE-WRITES.localhost.')).toBe(200);
  });

  it('sends readers of the subdomain to the primary domain with a 301, path and query kept', async () => {
    const moved = await request(server.port, at('alice.quire.localhost'), '/posts/hello-from-alice?x=1');
    expect(moved.status).toBe(301);
    expect(moved.headers.location).toBe(`http://alice-writes.localhost:${server.port}/posts/hello-from-alice?x=1`);
    // Beacons from pages still open on the old address are counted, not redirected.
    const beacon = await request(server.port, at('alice.quire.localhost'), '/api/pv', { method: 'POST', headers: { 'content-type': 'text/plain', 'sec-fetch-site': 'same-origin' }, body: '{"p":0}' });
    expect(beacon.status).toBe(204);
  });

  it('uses the primary domain in the pages’ absolute URLs: canonical, feeds, sitemap', async () => {
    const base = `http://alice-writes.localhost:${server.port}`;
    const post = await request(server.port, at('alice-writes.localhost'), '/posts/hello-from-alice');
    expect(post.body).toContain(`<link rel="canonical" href="${base}/posts/hello-from-alice"/>`);
    expect(post.body).not.toContain('alice.quire.localhost');
    const feed = await request(server.port, at('alice-writes.localhost'), '/feed.xml');
    expect(feed.body).toContain(`<link>${base}/posts/hello-from-alice</link>`);
    expect(feed.body).not.toContain('alice.quire.localhost');
    const sitemap = await request(server.port, at('alice-writes.localhost'), '/sitemap.xml');
    expect(sitemap.body).toContain(`<loc>${base}/posts/hello-from-alice</loc>`);
  });

  it('answers the TLS proxy for live hosts only', async () => {
    expect(await domainCheck('alice.quire.localhost')).toBe(200);
    expect(await domainCheck('quire.localhost')).toBe(200);
    expect(await domainCheck('nobody.quire.localhost')).toBe(404);
    expect(await domainCheck('example.com')).toBe(404);
    expect(await domainCheck('')).toBe(404);
    expect(await domainCheck('../../etc/passwd')).toBe(404);
    expect((await request(server.port, 'anything.example', '/api/domain-check?domain=alice-writes.localhost')).status).toBe(200);
  });

  it('stops serving a removed domain at once, and the subdomain serves again', async () => {
    expect((await alice.call('DELETE', '/api/blogs/alice/domains/alice-writes.localhost', {})).status).toBe(200);
    expect((await request(server.port, at('alice-writes.localhost'), '/')).status).toBe(404);
    expect((await request(server.port, at('alice-writes.localhost'), `/.well-known/quire-verify/${token}`)).status).toBe(404);
    expect(await domainCheck('alice-writes.localhost')).toBe(404);
    const home = await request(server.port, at('alice.quire.localhost'), '/');
    expect(home.status).toBe(200);
    expect(home.body).toContain('Hello from Alice');
    expect(home.body).toContain(`<link rel="canonical" href="http://alice.quire.localhost:${server.port}/"/>`);
    // Now free, another blog may claim it.
    expect((await bob.call('POST', '/api/blogs/bob/domains', { domain: 'alice-writes.localhost' })).status).toBe(200);
  });
});
