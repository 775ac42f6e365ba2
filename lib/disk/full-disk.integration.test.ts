import { createHash, randomInt } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, quire, request, signUp, startServer, type RunningServer } from '@/lib/testing/server';
import { fillDisk, mountTmpfs, type Tmpfs } from '@/lib/testing/tmpfs';
import { LOW_ON_DISK_SPACE } from './space';

/**
 * A full disk is an expected state, not a crash (docs/architecture.md, "A full disk"). The
 * compiled server runs with its data directory on a real 12 MB tmpfs; an author publishes long
 * posts until the disk is full. The author is told so (507, one sentence), readers keep reading,
 * big writes are refused below the margin, health says not ok with the numbers, pageviews wait
 * in memory, and once there is room again everything resumes — with every acknowledged save on
 * disk and every file passing integrity_check.
 */
const MIN_FREE_MB = 2;
const MiB = 1024 * 1024;
let disk: Tmpfs;
let server: RunningServer | undefined;
let author: ApiClient;
/** Room the test takes at the start and gives back at the end. */
let ballast: string;
/** What fills the disk to the last byte once the posts have. */
let filler: string;
/** Every save the server answered 200: it must be on disk at the end. */
const acknowledged: { blog: string; id: number; title: string; sha: string }[] = [];

const WORDS = 'river stone lantern orchard quiet harbour meadow ember cedar willow copper thistle marble fern'.split(' ');
/** About `chars` characters of prose, different every time. */
function longText(chars: number): string {
  const words: string[] = [];
  let length = 0;
  while (length < chars) {
    const word = WORDS[randomInt(WORDS.length)]! + (randomInt(12) === 0 ? '.\n\n' : ' ');
    words.push(word);
    length += word.length;
  }
  return words.join('');
}
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const outOfSpace = (what: string) => `The server is out of disk space; ${what} was not saved.`;
const blogHost = (slug: string) => `${slug}.localhost:${server!.port}`;

async function save(blog: string, title: string, markdown: string, action = 'publish') {
  const reply = await author.call('POST', `/api/blogs/${blog}/posts`, { title, markdown, action });
  if (reply.status === 200) {
    const post = reply.json.post as { id: number; slug: string };
    acknowledged.push({ blog, id: post.id, title, sha: sha(markdown) });
  }
  return reply;
}

type Health = {
  ok: boolean;
  disk: { freeMb: number; totalMb: number; minFreeMb: number; low: boolean };
  pageviews: { pending: number; failedFlushes: number };
};

async function health(): Promise<{ status: number; body: Health }> {
  const reply = await request(server!.port, `localhost:${server!.port}`, '/api/health');
  return { status: reply.status, body: JSON.parse(reply.body) as Health };
}

function beacon(blog: string, post: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: server!.port,
        path: '/api/pv',
        method: 'POST',
        headers: {
          host: blogHost(blog),
          origin: `http://${blogHost(blog)}`,
          'sec-fetch-site': 'same-origin',
          'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36',
          'content-type': 'text/plain',
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ p: post }));
  });
}

async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return true;
}

/** Every SQLite file under the data directory. */
function databaseFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((name) => name.endsWith('.db')).map((name) => path.join(dir, name));
}

beforeAll(async () => {
  disk = mountTmpfs(12);
  ballast = path.join(disk.dir, 'ballast');
  filler = path.join(disk.dir, 'filler');
  fillDisk(ballast, 4 * MiB);
  server = await startServer(disk.dir, {
    QUIRE_MIN_FREE_MB: String(MIN_FREE_MB),
    QUIRE_PV_FLUSH_MS: '300',
    // Rendering a long post on a busy 2-core machine is not what is tested here.
    QUIRE_RENDER_TIMEOUT_MS: '60000',
  });
  author = await signUp(server.port, {
    email: 'author@example.com',
    password: 'a long enough passphrase',
    blog: { slug: 'long', title: 'Long' },
  });
  // A second blog of small writes only: its write-ahead log never restarts, so on a full disk
  // every write to it needs new room.
  expect((await author.call('POST', '/api/blogs', { slug: 'notes', title: 'Notes' })).status).toBe(200);
  expect((await save('notes', 'Hello', 'A short note.')).status).toBe(200);
  expect((await save('long', 'First', 'The first post.')).status).toBe(200);
});

afterAll(async () => {
  await server?.stop();
  disk?.unmount();
});

describe('a data directory on a 12 MB disk', () => {
  it('reports its free space in the health answer and the metrics while there is room', async () => {
    const { status, body } = await health();
    expect(status).toBe(200);
    expect(body.ok).toBe(true);
    expect(body.disk).toMatchObject({ minFreeMb: MIN_FREE_MB, low: false });
    expect(body.disk.totalMb).toBeGreaterThan(11);
    expect(body.disk.totalMb).toBeLessThanOrEqual(12);
    expect(body.disk.freeMb).toBeGreaterThan(MIN_FREE_MB);
    const metrics = await request(server!.port, `localhost:${server!.port}`, '/api/metrics');
    expect(metrics.body).toMatch(/^quire_disk_free_bytes \d+$/m);
    expect(metrics.body).toContain(`quire_disk_min_free_bytes ${MIN_FREE_MB * MiB}`);
    expect(metrics.body).toMatch(/^quire_disk_total_bytes 12582912$/m);
  });

  it('tells the author who fills it that the post was not saved: a 507, never a 500', { timeout: 240_000 }, async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof save>> | undefined;
    for (let i = 1; i <= 60; i++) {
      last = await save('long', `Long post ${i}`, longText(150_000));
      statuses.push(last.status);
      if (last.status !== 200) break;
    }
    expect(statuses.slice(0, -1).every((status) => status === 200)).toBe(true);
    expect(statuses.length, 'several long posts fit before the disk was full').toBeGreaterThan(3);
    expect(last!.status).toBe(507);
    expect(last!.json).toEqual({ error: outOfSpace('your post') });
    // Whatever room SQLite's files still had, the rest of the disk is filled too.
    fillDisk(filler);
    expect(server!.child.exitCode).toBeNull();
  });

  it('keeps serving readers', async () => {
    for (const [blog, page] of [
      ['long', '/'],
      ['long', '/posts/first'],
      ['long', '/posts/long-post-1'],
      ['notes', '/'],
      ['notes', '/posts/hello'],
    ] as const) {
      const reply = await request(server!.port, blogHost(blog), page);
      expect(reply.status, `${blog}${page}`).toBe(200);
    }
    expect((await author.call('GET', '/dashboard/notes')).status).toBe(200);
  });

  it('answers every small write with the sentence too', async () => {
    const small = await save('notes', 'Tiny', 'Too small to matter, yet no room.', 'save');
    expect(small.status).toBe(507);
    expect(small.json).toEqual({ error: outOfSpace('your post') });

    const page = await author.call('POST', '/api/blogs/notes/pages', { title: 'About', markdown: 'About me.' });
    expect(page.status).toBe(507);
    expect(page.json).toEqual({ error: outOfSpace('your page') });

    const settings = await author.call('PUT', '/api/blogs/notes/settings', {
      title: 'Renamed',
      description: '',
      authorName: '',
      postsPerPage: 5,
    });
    expect(settings.status).toBe(507);
    expect(settings.json).toEqual({ error: outOfSpace('this change') });

    // A reader's comment: the sentence, and the text back in the form to send again.
    const comment = await request(server!.port, blogHost('notes'), '/comments', {
      method: 'POST',
      body: new URLSearchParams({ post: 'hello', name: 'Reader', website: '', body: 'Lovely note, kept for later.' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: `http://${blogHost('notes')}` },
    });
    expect(comment.status).toBe(507);
    expect(comment.body).toContain(outOfSpace('your comment'));
    expect(comment.body).toContain('Lovely note, kept for later.</textarea>');
    expect(comment.body).toContain('Send again');
  });

  it('refuses uploads, imports, exports and snapshots early, saying the server is low on space', async () => {
    const refusals = [
      await author.call('POST', '/api/blogs/notes/media?filename=photo.png', 'not even read'),
      await author.call('POST', '/api/blogs/import?slug=copy', 'not even read'),
      await author.call('POST', '/api/blogs/notes/import', 'not even read'),
      await author.call('GET', '/api/blogs/notes/export'),
      await author.call('GET', '/api/blogs/notes/export/markdown'),
      await author.call('POST', '/api/blogs/notes/snapshots', { name: 'snapshot-x.db' }),
    ];
    for (const reply of refusals) {
      expect(reply.status).toBe(507);
      expect(reply.json).toEqual({ error: LOW_ON_DISK_SPACE });
    }
    // The dashboard says so where the downloads are, instead of links that would fail.
    expect((await author.call('GET', '/dashboard/notes/settings')).text).toContain(LOW_ON_DISK_SPACE);

    const env = { QUIRE_MIN_FREE_MB: String(MIN_FREE_MB) };
    for (const args of [
      ['snapshot', 'notes'],
      ['snapshot', '--all'],
      ['migrate', '--all'],
    ]) {
      const cli = quire(disk.dir, args, undefined, env);
      expect(cli.status, args.join(' ')).toBe(1);
      expect(cli.stderr).toMatch(
        new RegExp(`^quire: ${LOW_ON_DISK_SPACE} \\(0(\\.\\d)? MB free in .+; QUIRE_MIN_FREE_MB is ${MIN_FREE_MB}\\)\\n$`),
      );
    }
    expect(fs.existsSync(path.join(disk.dir, 'backups', 'notes'))).toBe(false);
  });

  it('says not ok in the health answer, with the numbers', async () => {
    const { status, body } = await health();
    expect(status).toBe(503);
    expect(body.ok).toBe(false);
    expect(body.disk).toMatchObject({ minFreeMb: MIN_FREE_MB, low: true });
    expect(body.disk.freeMb).toBeLessThan(MIN_FREE_MB);
  });

  it('keeps pageviews in memory while they cannot be written, and writes them all once there is room', { timeout: 60_000 }, async () => {
    const hello = acknowledged.find((post) => post.blog === 'notes' && post.title === 'Hello')!;
    for (let i = 0; i < 7; i++) expect(await beacon('notes', hello.id)).toBe(204);
    expect(await until(async () => (await health()).body.pageviews.failedFlushes > 0, 5_000)).toBe(true);
    expect((await health()).body.pageviews.pending).toBeGreaterThanOrEqual(7);

    fs.rmSync(filler);
    fs.rmSync(ballast);
    expect(await until(async () => (await health()).status === 200, 5_000)).toBe(true);
    expect((await health()).body).toMatchObject({ ok: true, disk: { low: false } });
    expect(await until(async () => (await health()).body.pageviews.pending === 0, 5_000)).toBe(true);
  });

  it('takes writes and big work again once there is room', async () => {
    expect((await save('notes', 'After', 'Room again.')).status).toBe(200);
    const exported = await author.call('GET', '/api/blogs/notes/export');
    expect(exported.status).toBe(200);
    expect(exported.text.startsWith('SQLite format 3\u0000')).toBe(true);
  });

  it('says the same when a copy bigger than the room left runs out of it part-way, leaving no partial file', async () => {
    const db = new Database(path.join(disk.dir, 'tenants', 'long.db'), { readonly: true });
    const blogBytes = (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
    db.close();
    // Room just above the margin, and less than a copy of the blog needs.
    const stats = fs.statfsSync(disk.dir);
    fillDisk(filler, stats.bavail * stats.bsize - (MIN_FREE_MB + 0.5) * MiB);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // free space is measured once a second
    const { body } = await health();
    expect(body.disk.low).toBe(false);
    expect(blogBytes, 'the blog is bigger than the room left').toBeGreaterThan(body.disk.freeMb * MiB);

    const exported = await author.call('GET', '/api/blogs/long/export');
    expect(exported.status).toBe(507);
    expect(exported.json).toEqual({ error: LOW_ON_DISK_SPACE });
    expect(fs.readdirSync(path.join(disk.dir, 'tmp'))).toEqual([]);

    const cli = quire(disk.dir, ['snapshot', 'long'], undefined, { QUIRE_MIN_FREE_MB: String(MIN_FREE_MB) });
    expect(cli.status).toBe(1);
    expect(cli.stderr).toContain(`quire: ${LOW_ON_DISK_SPACE} (`);
    expect(fs.readdirSync(path.join(disk.dir, 'backups', 'long'))).toEqual([]);
    expect((await health()).body.disk.low).toBe(false);
    fs.rmSync(filler);
  });

  it('lost no acknowledged save, and every file passes integrity_check', async () => {
    expect(await server!.stop()).toBe(0);
    server = undefined;
    const files = databaseFiles(disk.dir);
    expect(files.map((file) => path.relative(disk.dir, file))).toEqual(
      // control.db is on this disk too, unless the control plane is in PostgreSQL.
      expect.arrayContaining([...(process.env.QUIRE_CONTROL_DATABASE_URL ? [] : ['control.db']), 'tenants/long.db', 'tenants/notes.db']),
    );
    for (const file of files) {
      const db = new Database(file);
      expect(db.pragma('integrity_check', { simple: true }), file).toBe('ok');
      db.close();
    }
    for (const blog of ['long', 'notes']) {
      const db = new Database(path.join(disk.dir, 'tenants', `${blog}.db`), { readonly: true });
      const rows = db.prepare('select id, title, markdown, views from posts').all() as {
        id: number;
        title: string;
        markdown: string;
        views: number;
      }[];
      const expected = acknowledged.filter((post) => post.blog === blog);
      expect(rows.map((row) => ({ blog, id: row.id, title: row.title, sha: sha(row.markdown) }))).toEqual(expect.arrayContaining(expected));
      expect(rows).toHaveLength(expected.length);
      if (blog === 'notes') expect(rows.find((row) => row.title === 'Hello')!.views).toBe(7);
      db.close();
    }
    expect(acknowledged.filter((post) => post.blog === 'long').length).toBeGreaterThan(4);
  });
});
