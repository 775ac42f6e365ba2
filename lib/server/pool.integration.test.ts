import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startServer, type RunningServer } from '@/lib/testing/server';

/**
 * The production server with a pool of two handles and no page cache, read and commented on
 * many blogs at once: a request keeps its blog's handle across `await`s (a comment waits for its
 * Markdown to be rendered on a worker thread before it is stored) while other requests open
 * other blogs, so handles are evicted while still in use; lib/db/pool.ts must not close them.
 */
const BLOGS = 10;
const POSTS = 3;
const PAGES = ['/', '/posts/post-1', '/posts/post-2', '/feed.xml'];
const ROUNDS = 3;
let dataDir: string;
let server: RunningServer;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-pool-'));
  execFileSync(process.execPath, ['--import', 'tsx', 'lib/testing/seed-blogs.ts', String(BLOGS), String(POSTS)], {
    cwd: path.resolve(__dirname, '..', '..'),
    env: { ...process.env, QUIRE_DATA_DIR: dataDir },
  });
  server = await startServer(dataDir, {
    QUIRE_MAX_OPEN_TENANTS: '2',
    QUIRE_PAGE_CACHE_MB: '0',
    // Each comment comes from its own reader, so that none is held back by the per-address limit.
    QUIRE_TRUSTED_PROXIES: '127.0.0.1, ::1',
  });
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('a pool smaller than the blogs being read', () => {
  it('answers every page and comment of every blog, sent all at once, without a 500', async () => {
    const failures: string[] = [];
    let reader = 0;
    const ask = (blog: string, what: string) => {
      const hostname = `${blog}.localhost:${server.port}`;
      if (what !== 'comment') return request(server.port, hostname, what);
      return request(server.port, hostname, '/comments', {
        method: 'POST',
        body: new URLSearchParams({ post: 'post-1', name: 'Reader', website: '', body: `A *comment* on ${blog}.` }).toString(),
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          origin: `http://${hostname}`,
          'x-forwarded-for': `10.0.0.${++reader}`,
        },
      });
    };
    for (let round = 0; round < ROUNDS; round++) {
      const asks = Array.from({ length: BLOGS }, (_, b) => ['comment', ...PAGES].map((what) => ({ blog: `blog${b}`, what }))).flat();
      const replies = await Promise.all(asks.map(({ blog, what }) => ask(blog, what)));
      replies.forEach((reply, i) => {
        const { blog, what } = asks[i]!;
        if (reply.status !== 200) failures.push(`${blog} ${what}: ${reply.status}`);
        else if (what === '/' && !reply.body.includes(`Blog ${blog.slice(4)}`)) failures.push(`${blog}/: another blog's page`);
      });
    }
    expect(failures).toEqual([]);
    expect(server.output()).not.toContain('connection is not open');
    for (let b = 0; b < BLOGS; b++) {
      const db = new Database(path.join(dataDir, 'tenants', `blog${b}.db`), { readonly: true });
      expect(db.prepare('select count(*) from comments').pluck().get(), `blog${b}`).toBe(ROUNDS);
      db.close();
    }
  });

  it('closes the handles it kept open for those requests once they are answered', async () => {
    const openHandles = async () => {
      const reply = await request(server.port, `localhost:${server.port}`, '/api/health');
      return (JSON.parse(reply.body) as { openHandles: number }).openHandles;
    };
    const deadline = Date.now() + 5_000;
    let open = await openHandles();
    while (open > 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      open = await openHandles();
    }
    expect(open).toBeLessThanOrEqual(2);
  });
});
