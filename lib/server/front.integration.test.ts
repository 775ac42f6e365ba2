import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTree } from '@/lib/testing/data-dir';
import { quire, rawRequest, request, startServer, type RunningServer } from '@/lib/testing/server';

/**
 * The real production server on a free port with its own data directory, driven over HTTP
 * with Host headers, and blogs made by the real CLI.
 */
let dataDir: string;
let server: RunningServer;
let port: number;
const host = (slug?: string) => (slug ? `${slug}.localhost:${port}` : `localhost:${port}`);
const get = (slug: string | undefined, urlPath: string, headers?: Record<string, string>) =>
  request(port, host(slug), urlPath, { headers });

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-it-'));
  expect(quire(dataDir, ['blogs', 'create', 'alice', '--title', 'Alice Writes']).status).toBe(0);
  expect(quire(dataDir, ['blogs', 'create', 'bob', '--title', 'Bob Blogs']).status).toBe(0);
  expect(quire(dataDir, ['blogs', 'create', 'broken']).status).toBe(0);
  const added = quire(
    dataDir,
    ['posts', 'add', 'alice', '--title', 'Tables and code'],
    '| a | b |\n|---|---|\n| 1 | 2 |\n\n```js\nlet x = 1;\n```\n',
  );
  expect(added.status).toBe(0);
  quire(dataDir, ['posts', 'add', 'bob', '--title', 'Only on Bob'], 'Bob text');
  quire(dataDir, ['posts', 'add', 'alice', '--title', 'Secret draft', '--draft'], 'draft text');
  // Damage one blog's file before the server ever opens it.
  fs.writeFileSync(path.join(dataDir, 'tenants', 'broken.db'), Buffer.alloc(8192, 'garbage!'));
  fs.rmSync(path.join(dataDir, 'tenants', 'broken.db-wal'), { force: true });
  fs.rmSync(path.join(dataDir, 'tenants', 'broken.db-shm'), { force: true });
  server = await startServer(dataDir);
  port = server.port;
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('blogs by subdomain', () => {
  it('serves public pages as plain HTML: no Next runtime, no inline RSC payload, cached or not', async () => {
    for (let i = 0; i < 2; i++) {
      const page = await get('alice', '/posts/tables-and-code');
      expect(page.status).toBe(200);
      expect(page.body).toContain('Tables and code');
      expect(page.body).toMatch(/<link rel="stylesheet" href="\/_next\/static\/[^"]+\.css"/);
      expect(page.body).toContain("sendBeacon('/api/pv'");
      expect(page.body).not.toContain('__next_f');
      expect(page.body).not.toMatch(/<script[^>]* src="\/_next\//);
      expect(Number(page.headers['content-length'] ?? Buffer.byteLength(page.body))).toBe(Buffer.byteLength(page.body));
    }
  });

  it('serves each blog its own posts, newest first, without drafts', async () => {
    const alice = await get('alice', '/');
    expect(alice.status).toBe(200);
    expect(alice.body).toContain('Alice Writes');
    expect(alice.body).toContain('Tables and code');
    expect(alice.body).not.toContain('Only on Bob');
    expect(alice.body).not.toContain('Secret draft');
    const bob = await get('bob', '/');
    expect(bob.body).toContain('Only on Bob');
    expect(bob.body).not.toContain('Tables and code');
  });

  it('renders a post with its table and highlighted code', async () => {
    const post = await get('alice', '/posts/tables-and-code');
    expect(post.status).toBe(200);
    expect(post.body).toContain('<table>');
    expect(post.body).toContain('hljs-keyword');
    expect(post.body).toMatch(/min read/);
  });

  it("answers an unknown post, a draft and an unknown path with the blog's 404 page", async () => {
    for (const urlPath of ['/posts/nope', '/posts/secret-draft', '/no/such/page']) {
      const reply = await get('alice', urlPath);
      expect(reply.status, urlPath).toBe(404);
      expect(reply.body).toContain('Page not found');
      expect(reply.body).toContain('Alice Writes'); // inside the blog's own layout
    }
  });

  it('answers an unknown blog with a 404 page', async () => {
    const reply = await get('nobody', '/');
    expect(reply.status).toBe(404);
    expect(reply.headers['content-type']).toContain('text/html');
    expect(reply.body).toContain('Page not found');
  });

  it('redirects a trailing slash to the canonical address', async () => {
    const reply = await get('alice', '/posts/tables-and-code/');
    expect(reply.status).toBe(308);
    expect(reply.headers.location).toBe('/posts/tables-and-code');
  });

  it('keeps dot segments inside the blog', async () => {
    const reply = await rawRequest(port, host('alice'), '/posts/%2e%2e/%2e%2e/api/health');
    expect(reply.status).toBe(404);
    expect(reply.text).not.toContain('"ok":true');
  });

  it('serves the site icon on blog hosts, and sends /favicon.ico to it', async () => {
    const favicon = await get('alice', '/favicon.ico');
    expect(favicon.status).toBe(301);
    expect(favicon.headers.location).toBe('/icon.svg');
    const icon = await get('alice', '/icon.svg');
    expect(icon.status).toBe(200);
    expect(icon.headers['content-type']).toContain('image/svg+xml');
  });

  it('serves the landing page and the health check on the root host', async () => {
    expect((await get(undefined, '/')).body).toContain('Quire');
    const health = await get(undefined, '/api/health');
    expect(JSON.parse(health.body)).toMatchObject({ ok: true, version: expect.any(String) });
  });
});

describe('hostile input', () => {
  it.each([
    '/sites/alice',
    '/sites/alice/posts/tables-and-code',
    '/Sites/alice',
    '/%73ites/alice',
    '/sites%2falice',
    '/x/../sites/alice',
    '/x/%2e%2e/sites/alice',
  ])('keeps the internal route %s unreachable from the root host', async (urlPath) => {
    const reply = await rawRequest(port, host(), urlPath);
    expect(reply.status).toBe(404);
    expect(reply.text).not.toContain('Tables and code');
  });

  it('gives hostile hosts a 404 and creates no file', async () => {
    const before = listTree(dataDir);
    const hosts = [
      `../../etc.localhost:${port}`,
      `..localhost:${port}`,
      `%2e%2e.localhost:${port}`,
      `alice..localhost:${port}`,
      `${'a'.repeat(64)}.localhost:${port}`,
      `${'a.'.repeat(130)}localhost:${port}`,
      `www.localhost:${port}`,
      `xn--80ak6aa92e.localhost:${port}`,
      `newblog.localhost:${port}`,
      `127.0.0.1:${port}`,
      `[::1]:${port}`,
      `alice.evil.test`,
      `a.b.localhost:${port}`,
      `control.localhost:${port}`,
      `alice.localhost:99999`,
    ];
    for (const hostile of hosts) {
      const reply = await rawRequest(port, hostile, '/');
      expect([400, 404], hostile).toContain(reply.status);
    }
    expect(listTree(dataDir)).toEqual(before);
  });

  it('gives a blog with a corrupt file a 503 page while the others still serve', async () => {
    const broken = await get('broken', '/');
    expect(broken.status).toBe(503);
    expect(broken.body).toContain('unavailable');
    expect((await get('alice', '/')).status).toBe(200);
    expect((await get('bob', '/posts/only-on-bob')).status).toBe(200);
  });
});

describe('page cache', () => {
  it('answers a repeat visit from memory, with ETag and 304', async () => {
    await get('bob', '/posts/only-on-bob');
    const hit = await get('bob', '/posts/only-on-bob');
    expect(hit.headers['x-quire-cache']).toBe('hit');
    expect(hit.headers.etag).toBeTruthy();
    const notModified = await get('bob', '/posts/only-on-bob', { 'if-none-match': hit.headers.etag as string });
    expect(notModified.status).toBe(304);
    expect(notModified.body).toBe('');
  });

  it('serves brotli or gzip when asked', async () => {
    await get('bob', '/');
    const br = await request(port, host('bob'), '/', { headers: { 'accept-encoding': 'gzip, br' } });
    expect(br.headers['content-encoding']).toBe('br');
    const gzip = await request(port, host('bob'), '/', { headers: { 'accept-encoding': 'gzip' } });
    expect(gzip.headers['content-encoding']).toBe('gzip');
  });

  it('shows a post added by the CLI at once (another process writing)', async () => {
    await get('bob', '/');
    expect((await get('bob', '/')).headers['x-quire-cache']).toBe('hit');
    expect(quire(dataDir, ['posts', 'add', 'bob', '--title', 'Fresh from the CLI'], 'new').status).toBe(0);
    const after = await get('bob', '/');
    expect(after.body).toContain('Fresh from the CLI');
  });

  it('never caches a 404', async () => {
    await get('alice', '/posts/missing');
    const again = await get('alice', '/posts/missing');
    expect(again.status).toBe(404);
    expect(again.headers['x-quire-cache']).not.toBe('hit');
  });
});

describe('the CLI', () => {
  it.each([
    [['blogs', 'create', 'Bad Slug!'], /a-z, 0-9/],
    [['blogs', 'create', 'admin'], /reserved/],
    [['blogs', 'create', 'alice'], /taken/],
    [['blogs', 'create', 'x', '--title', 'y'.repeat(121)], /at most 120/],
    [['posts', 'add', 'ghost', '--title', 'T', '--file', '/etc/hostname'], /no blog "ghost"/],
    [['posts', 'add', 'alice', '--title', 'T', '--file', '/no/such/file.md'], /Cannot read/],
    [['posts', 'add', 'alice', '--title', '', '--file', '/etc/hostname'], /needs a title/],
    [['posts', 'add', 'alice'], /--title/],
    [['nonsense'], /unknown command/],
  ])('refuses %j with one clear line and exit code 1', (args, message) => {
    const result = quire(dataDir, args as string[]);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });

  it('refuses an empty post from standard input', () => {
    const result = quire(dataDir, ['posts', 'add', 'alice', '--title', 'Empty'], '  \n');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/needs some text/);
  });
});

describe('lifecycle', () => {
  it('stops cleanly on SIGTERM, closing its databases', async () => {
    const own = await startServer(dataDir);
    expect((await request(own.port, `alice.localhost:${own.port}`, '/')).status).toBe(200);
    expect(await own.stop('SIGTERM')).toBe(0);
    expect(own.output()).toContain('[quire] stopped');
  });
});
