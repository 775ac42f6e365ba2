import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { parse } from 'yaml';
import { ApiClient, quire, request, startServer, type RunningServer } from '@/lib/testing/server';

/**
 * The operator's commands against a running production server: what the CLI does to a blog's
 * file, readers see at once.
 */
let dataDir: string;
let server: RunningServer;
const get = (slug: string, urlPath = '/') => request(server.port, `${slug}.localhost:${server.port}`, urlPath);
const cli = (...args: string[]) => quire(dataDir, args);

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-ops-'));
  expect(cli('blogs', 'create', 'keep', '--title', 'Keeper').status).toBe(0);
  expect(quire(dataDir, ['posts', 'add', 'keep', '--title', 'Original'], 'first words').status).toBe(0);
  server = await startServer(dataDir, { QUIRE_TRUSTED_PROXIES: '127.0.0.1, ::1', QUIRE_METRICS_TOKEN: 'a-metrics-token-of-some-length' });
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

// Each test runs the CLI several times (a process each, slow on a loaded 2-core machine).
describe('snapshots', { timeout: 60_000 }, () => {
  it('snapshot → change → restore gives back the same content, and the restore can be undone', async () => {
    const taken = cli('snapshot', 'keep', '--json');
    expect(taken.status).toBe(0);
    const snapshot = (JSON.parse(taken.stdout) as { snapshot: string }[])[0]!.snapshot;
    expect(quire(dataDir, ['posts', 'add', 'keep', '--title', 'Later'], 'second words').status).toBe(0);
    expect((await get('keep')).body).toContain('Later');

    const restored = cli('restore', 'keep', '--from', snapshot);
    expect(restored.status, restored.stderr).toBe(0);
    const home = await get('keep');
    expect(home.body).toContain('Original');
    expect(home.body).not.toContain('Later');
    const names = (JSON.parse(cli('snapshots', 'keep', '--json').stdout) as { name: string }[]).map((s) => s.name);
    expect(names.some((n) => n.startsWith('pre-restore-'))).toBe(true);
  });

  it('keeps only as many snapshots as told', () => {
    cli('blogs', 'create', 'many');
    for (let i = 0; i < 4; i++) expect(quire(dataDir, ['snapshot', 'many'], undefined, { QUIRE_SNAPSHOT_KEEP: '2' }).status).toBe(0);
    expect(fs.readdirSync(path.join(dataDir, 'backups', 'many'))).toHaveLength(2);
  });

  it("refuses a snapshot name that is not one of the blog's", () => {
    const result = cli('restore', 'keep', '--from', '../../control.db');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/no such snapshot/);
  });
});

describe('delete, restore, rename', () => {
  it('delete → the blog is gone for readers; restore → it is back', async () => {
    expect(cli('blogs', 'delete', 'keep').status).toBe(0);
    expect((await get('keep')).status).toBe(404);
    expect(fs.existsSync(path.join(dataDir, 'trash', 'keep.db'))).toBe(true);
    expect(cli('blogs', 'create', 'keep').stderr).toMatch(/taken/); // the address waits in the trash
    expect(cli('blogs', 'restore', 'keep').status).toBe(0);
    const back = await get('keep', '/posts/original');
    expect(back.status).toBe(200);
    expect(back.body).toContain('first words');
  });

  it('rename → the new subdomain serves the blog and the old one redirects, path and all', async () => {
    await get('keep'); // the server has the blog open when it moves
    expect(cli('blogs', 'rename', 'keep', 'kept').status).toBe(0);
    expect((await get('kept', '/posts/original')).status).toBe(200);
    const old = await get('keep', '/posts/original?x=1');
    expect(old.status).toBe(301);
    expect(old.headers.location).toBe(`http://kept.localhost:${server.port}/posts/original?x=1`);
    expect(cli('blogs', 'rename', 'kept', 'www').stderr).toMatch(/reserved/);
    // The snapshots moved with the blog; the old address stays its redirect, not anyone's blog.
    expect(fs.existsSync(path.join(dataDir, 'backups', 'keep'))).toBe(false);
    expect(fs.readdirSync(path.join(dataDir, 'backups', 'kept')).length).toBeGreaterThan(0);
    expect(cli('blogs', 'create', 'keep').stderr).toMatch(/taken/);
  });

  it('purges only what has waited long enough', async () => {
    cli('blogs', 'create', 'gone');
    cli('blogs', 'delete', 'gone');
    expect(cli('blogs', 'purge').stdout).toMatch(/Nothing in the trash is old enough/);
    expect(cli('blogs', 'purge', '--days', '0').stdout).toMatch(/Purged: gone/);
    expect(fs.existsSync(path.join(dataDir, 'trash', 'gone.db'))).toBe(false);
    expect(cli('blogs', 'create', 'gone').status).toBe(0); // the address is free again
  });
});

describe('operations', () => {
  it('pipes into a reader that stops early without an error', () => {
    // Thirty blogs in one process (one CLI run each would take a minute on a busy machine).
    const root = path.resolve(__dirname, '..', '..');
    const seeded = spawnSync(process.execPath, ['--import', 'tsx', 'lib/testing/seed-blogs.ts', '30', '0'], {
      cwd: root,
      env: { ...process.env, QUIRE_DATA_DIR: dataDir },
      encoding: 'utf8',
    });
    expect(seeded.status, seeded.stderr).toBe(0);
    for (const args of ['blogs list', 'blogs list --json']) {
      const piped = spawnSync('bash', ['-o', 'pipefail', '-c', `node bin/quire.mjs ${args} | head -1`], {
        cwd: root,
        env: { ...process.env, QUIRE_DATA_DIR: dataDir },
        encoding: 'utf8',
      });
      expect(piped.stderr).toBe('');
      expect(piped.status).toBe(0);
      expect(piped.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    }
  });

  it('lists blogs with their size, posts, schema version and status', () => {
    const rows = JSON.parse(cli('blogs', 'list', '--json').stdout) as {
      slug: string;
      posts: number;
      schemaVersion: number;
      sizeBytes: number;
      status: string;
    }[];
    const kept = rows.find((r) => r.slug === 'kept')!;
    expect(kept).toMatchObject({ posts: 1, status: 'active' });
    expect(kept.schemaVersion).toBeGreaterThan(0);
    expect(kept.sizeBytes).toBeGreaterThan(0);
  });

  it('doctor finds a file without a blog, and is happy once it is gone', () => {
    const orphan = path.join(dataDir, 'tenants', 'orphan.db');
    fs.copyFileSync(path.join(dataDir, 'tenants', 'kept.db'), orphan);
    const sick = cli('doctor', '--json');
    expect(sick.status).toBe(1);
    expect(JSON.parse(sick.stdout).findings).toContainEqual({
      file: path.join('tenants', 'orphan.db'),
      problem: expect.stringMatching(/orphaned/),
    });
    fs.rmSync(orphan);
    const well = cli('doctor');
    expect(well.status).toBe(0);
    expect(well.stdout).toMatch(/All good/);
  });

  // control.db's backup: with the control plane in PostgreSQL it is refused (lib/backup/backup.integration.test.ts).
  it.runIf(!process.env.QUIRE_CONTROL_DATABASE_URL)(
    'writes a litestream.yml for Litestream 0.3: control.db and each blog in place, replicated by blog id',
    () => {
      const out = path.join(dataDir, 'litestream.yml');
      expect(cli('litestream-config', '--replica', 's3://backups/quire/', '--out', out).status).toBe(0);
      const control = new Database(path.join(dataDir, 'control.db'), { readonly: true });
      const live = control.prepare("select id, slug from blogs where status != 'deleted' order by id").all() as {
        id: number;
        slug: string;
      }[];
      control.close();
      expect(live.length).toBeGreaterThan(0);
      const replica = (url: string) => [{ url, 'sync-interval': '1s' }];
      expect(parse(fs.readFileSync(out, 'utf8')).dbs).toEqual([
        { path: path.join(dataDir, 'control.db'), replicas: replica('s3://backups/quire/control') },
        ...live.map((blog) => ({
          path: path.join(dataDir, 'tenants', `${blog.slug}.db`),
          replicas: replica(`s3://backups/quire/blogs/${blog.id}`),
        })),
      ]);
    },
  );

  it.runIf(!process.env.QUIRE_CONTROL_DATABASE_URL)(
    'writes a litestream.yml for Litestream 0.5 that names control.db and the tenants folder',
    () => {
      const out = path.join(dataDir, 'litestream.yml');
      expect(cli('litestream-config', '--replica', 's3://backups/quire/', '--format', '0.5', '--out', out).status).toBe(0);
      const config = parse(fs.readFileSync(out, 'utf8'));
      expect(config.retention).toEqual({ enabled: false });
      expect(config.dbs).toEqual([
        { path: path.join(dataDir, 'control.db'), replica: { url: 's3://backups/quire/control' } },
        {
          dir: path.join(dataDir, 'tenants'),
          pattern: '*.db',
          recursive: false,
          watch: true,
          replica: { url: 's3://backups/quire/tenants' },
        },
      ]);
    },
  );

  it.runIf(!process.env.QUIRE_CONTROL_DATABASE_URL)('refuses a replica Litestream would not understand, in one sentence', () => {
    const bad = cli('litestream-config', '--replica', 'ftp://example.com/x', '--out', path.join(dataDir, 'never.yml'));
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim()).toBe(
      'quire: The replica must be a URL Litestream understands: s3://bucket/path, gcs://, abs://, sftp://, or file:///absolute/path.',
    );
    expect(fs.existsSync(path.join(dataDir, 'never.yml'))).toBe(false);
  });

  it('creates, resets and disables accounts', async () => {
    const created = quire(dataDir, ['users', 'create', 'Ops@Example.com', '--password-stdin'], 'an operator password');
    expect(created.status).toBe(0);
    const client = new ApiClient(server.port);
    expect((await client.call('POST', '/api/auth/login', { email: 'ops@example.com', password: 'an operator password' })).status).toBe(200);
    const reset = cli('users', 'reset-password', 'ops@example.com');
    const password = /: ([a-z2-7-]{23})\./.exec(reset.stdout)?.[1];
    expect(password).toBeDefined();
    expect((await client.call('POST', '/api/blogs', { slug: 'opsblog', title: 'x' })).status).toBe(401); // logged out everywhere
    expect((await client.call('POST', '/api/auth/login', { email: 'ops@example.com', password })).status).toBe(200);
    expect(cli('users', 'disable', 'ops@example.com').status).toBe(0);
    expect((await client.call('POST', '/api/auth/login', { email: 'ops@example.com', password })).status).toBe(400);
    expect(cli('users', 'create', 'ops@example.com').stderr).toMatch(/already an account/);
    expect(cli('users', 'disable', 'nobody@example.com').stderr).toMatch(/no account/);
  });

  it('reports health, and metrics only to this machine or with the token', async () => {
    const health = JSON.parse((await request(server.port, `localhost:${server.port}`, '/api/health')).body);
    expect(health).toMatchObject({
      ok: true,
      blogs: { active: expect.any(Number) },
      openHandles: expect.any(Number),
      pageCache: { hits: expect.any(Number) },
    });
    expect(health.uptimeSeconds).toBeGreaterThanOrEqual(0);
    const local = await request(server.port, `localhost:${server.port}`, '/api/metrics');
    expect(local.status).toBe(200);
    expect(local.body).toMatch(/^quire_blogs\{status="active"\} \d+$/m);
    expect(local.body).toMatch(/^quire_page_cache_hits_total \d+$/m);
    const remote = { 'x-forwarded-for': '203.0.113.9' };
    expect((await request(server.port, `localhost:${server.port}`, '/api/metrics', { headers: remote })).status).toBe(403);
    const withToken = await request(server.port, `localhost:${server.port}`, '/api/metrics', {
      headers: { ...remote, authorization: 'Bearer a-metrics-token-of-some-length' },
    });
    expect(withToken.status).toBe(200);
    const wrongToken = await request(server.port, `localhost:${server.port}`, '/api/metrics', {
      headers: { ...remote, authorization: 'Bearer a-metrics-token-of-some-lengtH' },
    });
    expect(wrongToken.status).toBe(403);
  });
});
