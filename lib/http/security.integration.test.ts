import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, request, startServer, type RunningServer } from '@/lib/testing/server';

/**
 * The security review's findings, each tried over real HTTP as an attacker would. The server
 * trusts the proxy on this machine, so each test speaks for whichever client address it names in
 * X-Forwarded-For.
 */
const PASSWORD = 'a long enough passphrase';
const METRICS_TOKEN = 'a-metrics-token-of-some-length';
let dataDir: string;
let server: RunningServer;
let alice: ApiClient;

const from = (address: string) => ({ 'x-forwarded-for': address });
const platform = () => `localhost:${server.port}`;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-security-'));
  server = await startServer(dataDir, {
    QUIRE_TRUSTED_PROXIES: '127.0.0.1, ::1',
    QUIRE_SIGNUPS_PER_HOUR: '3',
    QUIRE_BEACON_LIMIT: '5',
    QUIRE_REFERRERS_PER_DAY: '3',
    QUIRE_PV_FLUSH_MS: '200',
    QUIRE_METRICS_TOKEN: METRICS_TOKEN,
  });
  alice = new ApiClient(server.port);
  const signup = await alice.call(
    'POST',
    '/api/auth/signup',
    { email: 'alice@example.com', password: PASSWORD, blog: { slug: 'alices', title: 'Alice' } },
    from('192.0.2.10'),
  );
  expect(signup.status).toBe(200);
  await alice.call('POST', '/api/blogs/alices/posts', { title: 'Counted', markdown: 'Read me.', action: 'publish' });
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('after log-in, the next address', () => {
  it.each([
    '/.//evil.test',
    '//evil.test',
    '/\\evil.test',
    '/%2f%2fevil.test',
    '/%5C%5Cevil.test',
    '/%09/evil.test',
    '/%0a/evil.test',
    '/a/..//evil.test',
    '/%2e//evil.test',
    'https://evil.test/',
    'javascript:alert(1)',
    '/./%5Cevil.test',
    '///evil.test',
  ])('stays on the platform for next=%s', async (next) => {
    const reply = await alice.call('GET', `/login?next=${encodeURIComponent(next)}`);
    expect(reply.status).toBe(307);
    const location = reply.headers.get('location')!;
    expect(new URL(location, alice.origin).origin).toBe(alice.origin);
  });
});

describe('log-in limits', () => {
  const logIn = (password: string, address: string) =>
    new ApiClient(server.port).call('POST', '/api/auth/login', { email: 'alice@example.com', password }, from(address));

  it('never lock the owner out: a guesser backs off, the owner elsewhere still gets in', async () => {
    const answers: number[] = [];
    for (let i = 0; i < 30; i++) answers.push((await logIn(`wrong guess ${i}`, '198.51.100.7')).status);
    expect(answers.slice(0, 3)).toEqual([400, 400, 400]);
    expect(answers.filter((status) => status === 429).length).toBeGreaterThan(20);
    const refused = await logIn(PASSWORD, '198.51.100.7');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(refused.json.error).toMatch(/^Too many wrong passwords from your address\. Try again in \d+ (second|seconds|minute|minutes)\.$/);

    const owner = await logIn(PASSWORD, '203.0.113.5');
    expect(owner.status).toBe(200);
  });
});

describe('sign-up', () => {
  it('is limited per address, with a sentence and Retry-After', async () => {
    const signUp = (n: number) =>
      new ApiClient(server.port).call(
        'POST',
        '/api/auth/signup',
        { email: `s${n}@example.com`, password: PASSWORD, blog: { slug: `signup${n}`, title: 'S' } },
        from('198.51.100.20'),
      );
    for (let n = 1; n <= 3; n++) expect((await signUp(n)).status).toBe(200);
    const fourth = await signUp(4);
    expect(fourth.status).toBe(429);
    expect(fourth.json.error).toMatch(/^Too many sign-ups from your address\. Try again in \d+ minutes\.$/);
    expect(Number(fourth.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another address is not held back.
    expect(
      (
        await new ApiClient(server.port).call(
          'POST',
          '/api/auth/signup',
          { email: 's5@example.com', password: PASSWORD, blog: { slug: 'signup5', title: 'S' } },
          from('198.51.100.21'),
        )
      ).status,
    ).toBe(200);
  });
});

describe('pageview beacons', () => {
  const READER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';
  const blogHost = () => `alices.localhost:${server.port}`;
  const beacon = (headers: Record<string, string>, referrer = '') =>
    request(server.port, blogHost(), '/api/pv', {
      method: 'POST',
      headers: { 'user-agent': READER, 'content-type': 'text/plain', ...headers },
      body: JSON.stringify({ p: 0, r: referrer }),
    });
  const homeViews = () => {
    const db = new Database(path.join(dataDir, 'tenants', 'alices.db'), { readonly: true });
    try {
      return (db.prepare('select coalesce(sum(views), 0) from daily_views where post_id = 0').pluck().get() as number) ?? 0;
    } finally {
      db.close();
    }
  };
  const settled = () => new Promise((resolve) => setTimeout(resolve, 600));

  it('count only the blog’s own pages, not another site’s', async () => {
    const before = homeViews();
    for (const headers of [
      { origin: 'http://evil.test', 'sec-fetch-site': 'cross-site', ...from('198.51.100.30') },
      { origin: 'http://evil.test', ...from('198.51.100.31') },
      { 'sec-fetch-site': 'same-site', ...from('198.51.100.32') },
      { ...from('198.51.100.33') },
    ]) {
      expect((await beacon(headers)).status).toBe(204);
    }
    await settled();
    expect(homeViews()).toBe(before);
    expect((await beacon({ origin: `http://${blogHost()}`, ...from('198.51.100.34') })).status).toBe(204);
    expect((await beacon({ 'sec-fetch-site': 'same-origin', ...from('198.51.100.35') })).status).toBe(204);
    await settled();
    expect(homeViews()).toBe(before + 2);
  });

  it('count at most QUIRE_BEACON_LIMIT a minute from one address to one blog', async () => {
    const before = homeViews();
    for (let i = 0; i < 20; i++) expect((await beacon({ 'sec-fetch-site': 'same-origin', ...from('198.51.100.40') })).status).toBe(204);
    await settled();
    expect(homeViews()).toBe(before + 5);
  });

  it('keep a bounded number of referring sites per day; the rest are "(other)"', async () => {
    for (let i = 0; i < 8; i++) {
      await beacon({ 'sec-fetch-site': 'same-origin', ...from(`198.51.100.${50 + i}`) }, `https://site${i}.example/page`);
    }
    await settled();
    const db = new Database(path.join(dataDir, 'tenants', 'alices.db'), { readonly: true });
    const hosts = db.prepare('select host, views from daily_referrers order by host').all() as { host: string; views: number }[];
    db.close();
    expect(hosts.filter((h) => h.host !== '(other)')).toHaveLength(3);
    expect(hosts.find((h) => h.host === '(other)')?.views).toBe(5);
  });
});

describe('what the server tells strangers', () => {
  it('the health check says only that it is up; the details are the operator’s', async () => {
    const stranger = await request(server.port, platform(), '/api/health', { headers: from('203.0.113.9') });
    expect(stranger.status).toBe(200);
    expect(JSON.parse(stranger.body)).toEqual({ ok: true });
    const withToken = await request(server.port, platform(), '/api/health', {
      headers: { ...from('203.0.113.9'), authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(JSON.parse(withToken.body)).toMatchObject({ ok: true, blogs: expect.any(Object), workers: expect.any(Object) });
    const local = await request(server.port, platform(), '/api/health');
    expect(JSON.parse(local.body)).toMatchObject({ ok: true, openHandles: expect.any(Number) });
    const metrics = await request(server.port, platform(), '/api/metrics', { headers: from('203.0.113.9') });
    expect(metrics.status).toBe(403);
  });

  it('listens only where the operator says (QUIRE_LISTEN_HOST)', async () => {
    const onlyV4 = await startServer(fs.mkdtempSync(path.join(os.tmpdir(), 'quire-listen-')), { QUIRE_LISTEN_HOST: '127.0.0.1' });
    try {
      const connects = (host: string) =>
        new Promise<boolean>((resolve) => {
          const socket = net.connect(onlyV4.port, host);
          socket.once('connect', () => {
            socket.destroy();
            resolve(true);
          });
          socket.once('error', () => resolve(false));
        });
      expect(await connects('127.0.0.1')).toBe(true);
      expect(await connects('::1')).toBe(false);
      // IPv6 loopback works on this machine: the default server (every address) takes it.
      const everywhere = await new Promise<boolean>((resolve) => {
        const socket = net.connect(server.port, '::1');
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      expect(everywhere).toBe(true);
    } finally {
      await onlyV4.stop();
    }
  });
});
