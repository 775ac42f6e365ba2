import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { controlQuery } from '@/lib/testing/control';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quire, request, startServer } from '@/lib/testing/server';

/**
 * `quire migrate` over 1,000 real blog files, with a new migration that adds a constraint
 * one blog's data violates: a dry run touches nothing; a run killed with SIGKILL part-way
 * resumes; every blog ends at the target but the violating one, which fails alone, with its
 * reason, and shows readers a maintenance page.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const BLOGS = 1000;
const BAD = 'blog7';
let dataDir: string;
let migrationsDir: string;
let env: Record<string, string>;
let target: number;

function addMigration(dir: string, tag: string, sql: string): number {
  const journalFile = path.join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(fs.readFileSync(journalFile, 'utf8')) as {
    entries: { idx: number; version: string; when: number; tag: string; breakpoints: boolean }[];
  };
  const idx = journal.entries.length;
  journal.entries.push({ idx, version: '6', when: Date.now(), tag: `${String(idx).padStart(4, '0')}_${tag}`, breakpoints: true });
  fs.writeFileSync(journalFile, JSON.stringify(journal, null, 2));
  fs.writeFileSync(path.join(dir, `${String(idx).padStart(4, '0')}_${tag}.sql`), sql);
  return journal.entries.length;
}

const tenantFiles = () =>
  fs
    .readdirSync(path.join(dataDir, 'tenants'))
    .filter((n) => n.endsWith('.db'))
    .sort();
function fingerprint(): Map<string, string> {
  const result = new Map<string, string>();
  for (const name of fs.readdirSync(path.join(dataDir, 'tenants')).sort()) {
    const file = path.join(dataDir, 'tenants', name);
    result.set(name, `${createHash('sha1').update(fs.readFileSync(file)).digest('hex')}@${fs.statSync(file).mtimeMs}`);
  }
  return result;
}
const versionOf = (slug: string) => {
  const db = new Database(path.join(dataDir, 'tenants', `${slug}.db`), { readonly: true });
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
};

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-migrate-'));
  execFileSync(process.execPath, ['--import', 'tsx', 'lib/testing/seed-blogs.ts', String(BLOGS), '1'], {
    cwd: ROOT,
    env: { ...process.env, QUIRE_DATA_DIR: dataDir },
  });
  // One blog gets two posts with the same title: the new unique index cannot be built there.
  const bad = new Database(path.join(dataDir, 'tenants', `${BAD}.db`));
  bad
    .prepare(
      "insert into posts (slug, title, markdown, html, excerpt, status, created_at, updated_at) values ('dup', 'Post 1', 'x', '<p>x</p>', 'x', 'published', 0, 0)",
    )
    .run();
  bad.close();
  migrationsDir = path.join(dataDir, 'next-migrations');
  fs.cpSync(path.join(ROOT, 'lib', 'db', 'migrations', 'tenant'), migrationsDir, { recursive: true });
  target = addMigration(migrationsDir, 'unique_post_titles', 'CREATE UNIQUE INDEX `posts_title_unique` ON `posts` (`title`);');
  env = { QUIRE_TENANT_MIGRATIONS_DIR: migrationsDir, QUIRE_MIGRATE_CONCURRENCY: '2' };
}, 120_000);

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function runQuire(args: string[]) {
  const result = quire(dataDir, args, undefined, env);
  return { ...result, json: result.stdout.trim().startsWith('{') ? JSON.parse(result.stdout) : undefined };
}

describe('quire migrate', () => {
  it('--check migrates copies, reports the one that would fail, and touches no live file', () => {
    const before = fingerprint();
    const result = runQuire(['migrate', '--check', '--json']);
    expect(result.status).toBe(1);
    expect(result.json.wouldMigrate).toHaveLength(BLOGS - 1);
    expect(result.json.failed).toEqual([{ slug: BAD, error: expect.stringMatching(/UNIQUE constraint failed: posts\.title/) }]);
    expect(fingerprint()).toEqual(before);
    expect(fs.readdirSync(path.join(dataDir, 'tmp'))).toEqual([]);
  });

  it('--all, killed part-way, resumes: every blog at the target once, the bad one failed alone', async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'quire.mjs'), 'migrate', '--all', '--json'], {
      cwd: ROOT,
      env: { ...process.env, QUIRE_DATA_DIR: dataDir, ...env },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Wait until some blogs are recorded as done, then pull the plug.
    let recorded = 0;
    while (recorded < 100) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      try {
        recorded = (await controlQuery<{ n: number }>(dataDir, 'select count(*) as n from migration_ledger'))[0]!.n;
      } catch {
        /* the table appears when the run starts */
      }
    }
    child.kill('SIGKILL');
    await exited;
    const partial = (await controlQuery<{ n: number }>(dataDir, 'select count(*) as n from migration_ledger'))[0]!.n;
    expect(await controlQuery(dataDir, 'select finished_at from migration_runs')).toEqual([{ finished_at: null }]);
    expect(partial).toBeLessThan(BLOGS);

    const resumed = runQuire(['migrate', '--all', '--json']);
    expect(resumed.status).toBe(1);
    expect(resumed.json).toMatchObject({ resumed: true, skippedFromEarlier: partial, target });
    expect(resumed.json.failed).toEqual([{ slug: BAD, error: expect.stringMatching(/UNIQUE constraint failed/) }]);

    const runs = await controlQuery<{ id: number; finished_at: number | null }>(dataDir, 'select id, finished_at from migration_runs');
    expect(runs).toHaveLength(1);
    expect(runs[0]!.finished_at).not.toBeNull();
    const ledger = await controlQuery<{ slug: string; status: string; from_version: number; to_version: number }>(
      dataDir,
      'select slug, status, from_version, to_version from migration_ledger',
    );
    expect(ledger).toHaveLength(BLOGS);
    expect(new Set(ledger.map((row) => row.slug)).size).toBe(BLOGS);
    expect(ledger.filter((row) => row.status === 'failed').map((row) => row.slug)).toEqual([BAD]);
    // A blog was upgraded by exactly one recorded migration (or found current after the kill).
    for (const row of ledger.filter((r) => r.status === 'migrated'))
      expect([row.from_version, row.to_version]).toEqual([target - 1, target]);
    const [bad] = await controlQuery<{ status: string; status_reason: string }>(
      dataDir,
      'select status, status_reason from blogs where slug = ?',
      [BAD],
    );
    expect(bad!.status).toBe('maintenance');
    expect(bad!.status_reason).toMatch(/UNIQUE constraint failed/);

    for (const name of tenantFiles()) {
      const slug = name.slice(0, -3);
      expect(versionOf(slug), slug).toBe(slug === BAD ? target - 1 : target);
    }
    // Each migrated blog kept the snapshot taken before it changed.
    expect(fs.readdirSync(path.join(dataDir, 'backups', 'blog500')).some((n) => n.startsWith(`pre-migration-v${target - 1}-`))).toBe(true);
    expect(fs.readdirSync(path.join(dataDir, 'backups', BAD)).some((n) => n.startsWith('pre-migration-'))).toBe(true);
  }, 120_000);

  it('serves the failed blog a maintenance page and every other blog as usual', async () => {
    const server = await startServer(dataDir, env);
    try {
      const bad = await request(server.port, `${BAD}.localhost:${server.port}`, '/');
      expect(bad.status).toBe(503);
      expect(bad.body).toContain('unavailable');
      const good = await request(server.port, `blog8.localhost:${server.port}`, '/');
      expect(good.status).toBe(200);
      expect(good.body).toContain('Post 1');
      const health = JSON.parse((await request(server.port, `localhost:${server.port}`, '/api/health')).body);
      expect(health.blogs).toMatchObject({ active: BLOGS - 1, maintenance: 1 });
    } finally {
      await server.stop();
    }
  });

  it('rolls the failed blog back to its pre-migration snapshot only when told to, warning what is lost', () => {
    const dry = runQuire(['migrate', 'rollback', BAD]);
    expect(dry.status).toBe(1);
    expect(dry.stderr).toMatch(/This loses:[\s\S]*post\(s\) created or edited/);
    expect(dry.stderr).toMatch(/--yes/);
    const done = runQuire(['migrate', 'rollback', BAD, '--yes']);
    expect(done.status).toBe(0);
    expect(done.stdout).toMatch(/kept as pre-restore-/);
    expect(versionOf(BAD)).toBe(target - 1);
  });
});
