import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Launcher, type RunningServer } from '@/lib/testing/server';
import net from 'node:net';

/**
 * Beacons against the real production server: exact totals under concurrent load, nothing
 * answered lost on SIGTERM, and bad bodies counting nothing.
 */
const BLOGS = 50;
const POSTS = 20;
const READER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';
let dataDir: string;

function seed(dir: string) {
  execFileSync(process.execPath, ['--import', 'tsx', 'lib/testing/seed-blogs.ts', String(BLOGS), String(POSTS)], {
    cwd: path.resolve(__dirname, '..', '..'),
    env: { ...process.env, QUIRE_DATA_DIR: dir },
  });
}

function sendBeacon(agent: http.Agent, port: number, blog: string, body: string, headers: Record<string, string> = {}) {
  return new Promise<number>((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/pv',
        method: 'POST',
        agent,
        headers: {
          host: `${blog}.localhost:${port}`,
          origin: `http://${blog}.localhost:${port}`,
          'sec-fetch-site': 'same-origin',
          'user-agent': READER,
          'content-type': 'text/plain',
          ...headers,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function totals(dir: string): Map<string, number> {
  const result = new Map<string, number>();
  for (let b = 0; b < BLOGS; b++) {
    const db = new Database(path.join(dir, 'tenants', `blog${b}.db`), { readonly: true });
    // One read transaction: a flush committing between the two reads would make them disagree.
    db.exec('begin');
    for (const row of db.prepare('select post_id as post, sum(views) as views from daily_views group by post_id').all() as {
      post: number;
      views: number;
    }[]) {
      result.set(`blog${b}|${row.post}`, row.views);
    }
    for (const row of db.prepare('select id, views from posts').all() as { id: number; views: number }[]) {
      expect(row.views, `posts.views of blog${b} post ${row.id}`).toBe(result.get(`blog${b}|${row.id}`) ?? 0);
    }
    db.exec('commit');
    db.close();
  }
  return result;
}

const sum = (map: Map<string, number>) => [...map.values()].reduce((a, b) => a + b, 0);

async function until(check: () => boolean, ms: number) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-pv-'));
  seed(dataDir);
}, 120_000);

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('pageview beacons', () => {
  let server: RunningServer;
  beforeAll(async () => {
    // A load test from one address: the per-address beacon limit has its own test.
    server = await startServer(dataDir, { QUIRE_PV_FLUSH_MS: '250', QUIRE_BEACON_LIMIT: '1000000' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('counts 10,000 concurrent beacons across 50 blogs x 20 posts exactly', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const expected = new Map<string, number>();
    const jobs = Array.from({ length: 10_000 }, (_, i) => {
      const blog = `blog${i % BLOGS}`;
      const post = 1 + (Math.floor(i / BLOGS) % POSTS);
      expected.set(`${blog}|${post}`, (expected.get(`${blog}|${post}`) ?? 0) + 1);
      return () => sendBeacon(agent, server.port, blog, JSON.stringify({ p: post, r: 'https://ref.example/' }));
    });
    const statuses: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 128 }, async () => {
        while (next < jobs.length) statuses.push(await jobs[next++]!());
      }),
    );
    agent.destroy();
    expect(statuses.filter((s) => s === 204)).toHaveLength(10_000);
    expect(await until(() => sum(totals(dataDir)) === 10_000, 10_000)).toBe(true);
    expect(totals(dataDir)).toEqual(expected);
    const health = await (
      await fetch(`http://localhost:${server.port}/api/health`, { headers: { host: `localhost:${server.port}` } })
    ).json();
    expect(health.pageviews).toMatchObject({ pending: 0, flushed: 10_000, failedFlushes: 0 });
  });

  it('rejects or ignores malformed, oversized, unknown and robotic beacons, counting nothing', async () => {
    const agent = new http.Agent({ keepAlive: false });
    const before = sum(totals(dataDir));
    const cases: [string, string, Record<string, string>, number][] = [
      ['oversized', JSON.stringify({ p: 1, r: 'x'.repeat(2000) }), {}, 413],
      ['not JSON', '{"p": 1', {}, 400],
      ['wrong type', JSON.stringify({ p: '1' }), {}, 400],
      ['negative id', JSON.stringify({ p: -1 }), {}, 400],
      ['fractional id', JSON.stringify({ p: 1.5 }), {}, 400],
      ['array', '[1]', {}, 400],
      ['unknown post', JSON.stringify({ p: 999 }), {}, 204],
      ['a bot', JSON.stringify({ p: 1 }), { 'user-agent': 'Googlebot/2.1 (+http://www.google.com/bot.html)' }, 204],
      ['no user agent', JSON.stringify({ p: 1 }), { 'user-agent': '' }, 204],
      ['a prefetch', JSON.stringify({ p: 1 }), { 'sec-purpose': 'prefetch' }, 204],
    ];
    for (const [name, body, headers, status] of cases) {
      expect(await sendBeacon(agent, server.port, 'blog1', body, headers), name).toBe(status);
    }
    expect(await sendBeacon(agent, server.port, 'no-such-blog', JSON.stringify({ p: 1 }))).toBe(204);
    const get = await new Promise<number>((resolve) =>
      http.get({ host: '127.0.0.1', port: server.port, path: '/api/pv', headers: { host: `blog1.localhost:${server.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }),
    );
    expect(get).toBe(405);
    await new Promise((resolve) => setTimeout(resolve, 600)); // two flush intervals
    expect(sum(totals(dataDir))).toBe(before);
  });
});

describe('shutdown', () => {
  // A SIGTERM sent to npm (by a terminal, a process manager, a supervisor) must reach the server.
  it.each<Launcher>(['node', 'npm start'])(
    'has every beacon answered 204 before SIGTERM to `%s` in the database after exit',
    async (launcher) => {
      // Only the shutdown flush writes.
      const server = await startServer(dataDir, { QUIRE_PV_FLUSH_MS: '600000', QUIRE_BEACON_LIMIT: '1000000' }, launcher);
      const before = sum(totals(dataDir));
      const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
      let answered = 0;
      let sent = 0;
      let stop = false;
      const workers = Array.from({ length: 32 }, async () => {
        while (!stop) {
          sent++;
          const status = await sendBeacon(agent, server.port, `blog${sent % BLOGS}`, JSON.stringify({ p: 1 + (sent % POSTS) })).catch(
            () => 0,
          );
          if (status === 204) answered++;
          else if (status === 0) break; // refused: the server is going away
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const exit = server.stop('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 200));
      stop = true;
      await Promise.all(workers);
      agent.destroy();
      expect(await exit).toBe(0);
      expect(answered).toBeGreaterThan(500);
      const written = sum(totals(dataDir)) - before;
      expect(written).toBeGreaterThanOrEqual(answered);
      expect(written).toBeLessThanOrEqual(sent);
      expect(server.output()).toMatch(/flushed \d+ pending pageviews/);
      expect(await listening(server.port), 'no server left running').toBe(false);
    },
    60_000,
  );

  // The terminal or supervisor reading the log may go away first; the server must still stop.
  it('stops on SIGTERM and writes what it answered after its log pipe was closed', async () => {
    const server = await startServer(dataDir, { QUIRE_PV_FLUSH_MS: '600000' });
    const before = sum(totals(dataDir));
    server.child.stdout!.destroy();
    server.child.stderr!.destroy();
    const agent = new http.Agent({ keepAlive: false });
    for (let i = 0; i < 20; i++) {
      expect(await sendBeacon(agent, server.port, `blog${i}`, JSON.stringify({ p: 1 }))).toBe(204);
    }
    const exit = server.stop('SIGTERM');
    const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('still running after 20 s'), 20_000).unref());
    const result = await Promise.race([exit, timeout]);
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
    expect(result).toBe(0);
    expect(sum(totals(dataDir)) - before).toBe(20);
  }, 60_000);
});

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
