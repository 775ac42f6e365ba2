import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blogFileHash } from '@/lib/testing/data-dir';
import { ApiClient, quire, request, startServer, type RunningServer } from '@/lib/testing/server';
import { zipOf } from '@/lib/testing/zip';

/**
 * One stranger's heavy or hostile work never stalls the other blogs (docs/architecture.md,
 * "Isolation"): it runs on the worker pool under a deadline, readers of other blogs are answered
 * while it runs, and a task stopped at its deadline leaves the live blog byte for byte the same.
 * Order of completion is asserted, never a time.
 */
const PASSWORD = 'a long enough passphrase';
/** Mixed emphasis delimiters: quadratic in the old renderer, linear now, but still real work at this size. */
const HOSTILE = '*a **b _c ~~d'.repeat(15_000);
let dataDir: string;
let server: RunningServer;
let alice: ApiClient;

const fileHash = (slug: string) => blogFileHash(dataDir, slug);

type Health = {
  eventLoopDelay: { thisMinute: { p50Ms: number; p99Ms: number; maxMs: number } };
  workers: Record<'render' | 'bulk', Record<string, number>>;
};

async function health(): Promise<Health> {
  return JSON.parse((await request(server.port, `localhost:${server.port}`, '/api/health')).body) as Health;
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function upload(client: ApiClient, url: string, body: Buffer) {
  return fetch(`${client.origin}${url}`, {
    method: 'POST',
    headers: { cookie: client.cookie, origin: client.origin, 'content-type': 'application/octet-stream' },
    body: new Uint8Array(body),
  }).then(async (response) => ({ status: response.status, json: (await response.json()) as { error?: string } }));
}

/** A zip of many long posts: legitimate, but more work than the import deadline allows. */
const longImport = () =>
  zipOf(Array.from({ length: 80 }, (_, i): [string, Buffer] => [`posts/p${i}.md`, Buffer.from(`---\ntitle: Long ${i}\n---\n${HOSTILE}`)]));

const readerPage = () => request(server.port, `victim.localhost:${server.port}`, '/posts/precious');

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-isolation-'));
  server = await startServer(dataDir, { QUIRE_BULK_TIMEOUT_S: '1', QUIRE_IMPORT_MAX_MB: '64', QUIRE_MAX_BLOGS_PER_USER: '2' });
  alice = new ApiClient(server.port);
  await alice.call('POST', '/api/auth/signup', {
    email: 'alice@example.com',
    password: PASSWORD,
    blog: { slug: 'victim', title: 'Victim' },
  });
  expect((await alice.call('POST', '/api/blogs/victim/posts', { title: 'Precious', markdown: 'keep me', action: 'publish' })).status).toBe(
    200,
  );
  expect((await readerPage()).status).toBe(200); // now in the page cache
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('hostile Markdown', () => {
  it('is rendered off the serving thread: a reader is answered while a 200,000-character preview renders', async () => {
    let previewDone = false;
    const previewing = alice.call('POST', '/api/blogs/victim/preview', { markdown: HOSTILE }).finally(() => (previewDone = true));
    await until(async () => ((await health()).workers.render.busy ?? 0) > 0 || previewDone, 'the preview to start rendering');
    expect(previewDone).toBe(false);
    expect((await readerPage()).status).toBe(200);
    expect(previewDone).toBe(false);
    const preview = await previewing;
    expect(preview.status).toBe(200);
    expect(String(preview.json.html)).toMatch(/^<p>/);
  });
});

describe('heavy imports', () => {
  it('are stopped at their deadline with a sentence, readers are answered meanwhile, and the blog is unchanged', async () => {
    const before = fileHash('victim');
    let importDone = false;
    const importing = upload(alice, '/api/blogs/victim/import', await longImport()).finally(() => (importDone = true));
    await until(async () => ((await health()).workers.bulk.busy ?? 0) > 0 || importDone, 'the import to start');
    expect(importDone).toBe(false);

    const reader = await readerPage();
    expect(reader.status).toBe(200);
    expect(reader.body).toContain('keep me');
    // The reader was answered while the import was still running.
    expect(importDone).toBe(false);

    const reply = await importing;
    expect(reply.status).toBe(400);
    expect(reply.json.error).toBe('Preparing this file took too long; nothing was imported.');
    expect(fileHash('victim')).toBe(before);
    await until(
      async () => !fs.existsSync(path.join(dataDir, 'tmp')) || fs.readdirSync(path.join(dataDir, 'tmp')).length === 0,
      'scratch files to go',
    );
  });

  it('run one at a time per account', async () => {
    const first = upload(alice, '/api/blogs/victim/import', await longImport());
    await until(async () => ((await health()).workers.bulk.busy ?? 0) > 0, 'the first import to start');
    const second = await upload(alice, '/api/blogs/victim/import', await longImport());
    expect(second.status).toBe(429);
    expect(second.json.error).toBe('You already have an import running. Wait for it to finish, then try again.');
    expect((await first).status).toBe(400);
  });
});

describe('quotas', () => {
  it('count blogs in the trash toward the blogs an account may own', async () => {
    expect((await alice.call('POST', '/api/blogs', { slug: 'second', title: 'Second' })).status).toBe(200);
    expect((await alice.call('DELETE', '/api/blogs/second', { confirm: 'second' })).status).toBe(200);
    const third = await alice.call('POST', '/api/blogs', { slug: 'third', title: 'Third' });
    expect(third.status).toBe(400);
    expect(third.json.error).toBe('You already own 2 blogs (counting any in the trash), the most this server allows.');
  });
});

describe('the shared thread', () => {
  it('is observable: event-loop delay and the worker pool in the health report', async () => {
    const report = await health();
    for (const value of Object.values(report.eventLoopDelay.thisMinute)) expect(value).toBeGreaterThanOrEqual(0);
    expect(report.workers.render.threads).toBeGreaterThan(0);
    expect(report.workers.render.completed).toBeGreaterThan(0);
    for (const key of ['busy', 'queued', 'completed', 'stopped', 'refused']) expect(typeof report.workers.bulk[key]).toBe('number');
  });
});

describe('renders past their deadline, and housekeeping', () => {
  const snapshots = () => fs.readdirSync(path.join(dataDir, 'backups', 'victim')).filter((name) => name.endsWith('.db'));

  beforeAll(async () => {
    // Before: two snapshots, and a blog in the trash (the quota test's).
    for (let i = 0; i < 2; i++) expect(quire(dataDir, ['snapshot', 'victim']).status).toBe(0);
    expect(snapshots().length).toBeGreaterThanOrEqual(2);
    expect(fs.existsSync(path.join(dataDir, 'trash', 'second.db'))).toBe(true);
    // The same blogs, served with a render deadline no real render meets.
    await server.stop();
    // Also: the trash and snapshots pruned every 3 s, keeping nothing old.
    server = await startServer(dataDir, {
      QUIRE_RENDER_TIMEOUT_MS: '1',
      QUIRE_PRUNE_EVERY_MIN: '0.05',
      QUIRE_TRASH_DAYS: '0',
      QUIRE_SNAPSHOT_KEEP: '1',
      QUIRE_SNAPSHOT_DAYS: '0',
    });
    const signedIn = alice.cookie;
    alice = new ApiClient(server.port);
    alice.cookie = signedIn;
  });

  it('save nothing and say why; the blog file is unchanged', async () => {
    const before = fileHash('victim');
    const reply = await alice.call('POST', '/api/blogs/victim/posts', { title: 'Hostile', markdown: HOSTILE, action: 'publish' });
    expect(reply.status).toBe(400);
    expect(reply.json.error).toBe(
      'This text took too long to format, so it was not saved. Simplify its formatting (very long runs of symbols, deep nesting) and try again.',
    );
    expect(fileHash('victim')).toBe(before);
    const list = await alice.call('GET', '/dashboard/victim');
    expect(list.text).not.toContain('Hostile');
  });

  it('refuse a comment with a sentence, keeping the reader’s text', async () => {
    const origin = `http://victim.localhost:${server.port}`;
    const reply = await request(server.port, `victim.localhost:${server.port}`, '/comments', {
      method: 'POST',
      headers: { origin, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ post: 'precious', name: 'Mallory', body: HOSTILE.slice(0, 5000) }).toString(),
    });
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body)).toEqual({ error: 'This comment took too long to format. Please simplify it and send it again.' });
    expect((await health()).workers.render.stopped).toBeGreaterThan(0);
  });

  it('the server purges the trash and prunes snapshots by itself, on its schedule', async () => {
    await until(async () => snapshots().length === 1 && !fs.existsSync(path.join(dataDir, 'trash', 'second.db')), 'housekeeping');
    expect(quire(dataDir, ['blogs', 'list', '--all', '--json']).stdout).not.toContain('"second"');
  });
});
