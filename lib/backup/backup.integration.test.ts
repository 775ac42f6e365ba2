import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, quire, signUp, startServer, type RunningServer } from '@/lib/testing/server';
import { findLitestream } from './litestream';

/**
 * The restore drill, with the real Litestream 0.3 and nothing mocked: the production server and
 * `quire backup run` (a `file://` replica) on one data directory; blogs created before and after
 * Litestream started, renamed, deleted and restored, a snapshot put back — each moving a file
 * Litestream replicates — and posts written all along. Then Quire, the supervisor and Litestream
 * are killed with SIGKILL, `quire backup restore` rebuilds a new directory from the replica, and
 * every file passes integrity_check and holds every post committed before the last sync.
 *
 * "Before the last sync": Litestream 0.3 copies new WAL frames every second (its monitor
 * interval) and sends them every sync interval (200 ms here), so a post committed more than
 * SYNCED_AFTER_MS before the kill was sent; that leaves 2.8 s for a busy machine.
 */
const SYNC_INTERVAL = '200ms';
const SYNCED_AFTER_MS = 4000;

const ROOT = path.resolve(__dirname, '..', '..');
let work: string;
let dataDir: string;
let restoredDir: string;
let replicaUrl: string;
let server: RunningServer;
let author: ApiClient;
let supervisor: ChildProcess;
let supervisorOutput = '';
const written: { blog: string; title: string; at: number }[] = [];

function startSupervisor(dir: string, replica: string): ChildProcess {
  const child = spawn(process.execPath, ['bin/quire.mjs', 'backup', 'run', '--replica', replica, '--sync-interval', SYNC_INTERVAL], {
    cwd: ROOT,
    env: { ...process.env, QUIRE_DATA_DIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (supervisorOutput += chunk));
  child.stderr!.on('data', (chunk) => (supervisorOutput += chunk));
  return child;
}

async function until(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${supervisorOutput.slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function writePost(blog: string, title: string): Promise<void> {
  const reply = await author.call('POST', `/api/blogs/${blog}/posts`, { title, markdown: `${title}, in ${blog}.`, action: 'publish' });
  expect(reply.status, reply.text).toBe(200);
  written.push({ blog, title, at: Date.now() });
}

/** The drill is the single machine's (control.db beside the blogs); on PostgreSQL it is refused. */
const onControlFile = !process.env.QUIRE_CONTROL_DATABASE_URL;

function cli(args: string[]) {
  const result = quire(dataDir, args);
  expect(result.status, `quire ${args.join(' ')}: ${result.stderr}`).toBe(0);
  return result.stdout;
}

beforeAll(async () => {
  if (!onControlFile) return;
  findLitestream(); // the binary this drill needs: one clear sentence if it is missing
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-backup-'));
  dataDir = path.join(work, 'data');
  restoredDir = path.join(work, 'restored');
  replicaUrl = `file://${path.join(work, 'replica')}`;
  server = await startServer(dataDir);
  author = await signUp(server.port, {
    email: 'drill@example.com',
    password: 'a long enough passphrase',
    blog: { slug: 'alpha', title: 'Alpha' },
  });
  expect((await author.call('POST', '/api/blogs', { slug: 'beta', title: 'Beta' })).status).toBe(200);
  supervisor = startSupervisor(dataDir, replicaUrl);
  await until('Litestream to start', () => /replicates control\.db and 2 blogs/.test(supervisorOutput));
});

afterAll(async () => {
  for (const child of [supervisor, server?.child]) if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe.runIf(onControlFile)('quire backup run, and quire backup restore after a crash', () => {
  it('restores every blog, and every post written before the last sync, after Quire and Litestream are killed', async () => {
    for (let i = 1; i <= 3; i++) {
      await writePost('alpha', `Alpha ${i}`);
      await writePost('beta', `Beta ${i}`);
    }
    // A blog created while Litestream runs is added to its list.
    expect((await author.call('POST', '/api/blogs', { slug: 'gamma', title: 'Gamma' })).status).toBe(200);
    await writePost('gamma', 'Gamma 1');
    // Each of these moves a file Litestream holds: the supervisor takes it off first.
    expect(cli(['blogs', 'rename', 'beta', 'beta-two'])).toContain('Renamed "beta" to "beta-two"');
    await writePost('beta-two', 'Beta after the rename');
    expect((await author.call('POST', '/api/blogs', { slug: 'delta', title: 'Delta' })).status).toBe(200);
    await writePost('delta', 'Delta before the trash');
    expect((await author.call('DELETE', '/api/blogs/delta', { confirm: 'delta' })).status).toBe(200);
    cli(['blogs', 'restore', 'delta']);
    await writePost('delta', 'Delta back from the trash');
    const snapshot = /alpha: (snapshot-\S+\.db)/.exec(cli(['snapshot', 'alpha']))![1]!;
    // A snapshot of a replicated blog carries Litestream's tables; putting it back accepts them.
    expect(cli(['restore', 'alpha', '--from', snapshot])).toContain('Restored "alpha"');
    await writePost('alpha', 'Alpha after the snapshot');
    await until('the blogs Litestream replicates to settle', () =>
      /replicates control\.db and 4 blogs/.test(supervisorOutput.slice(supervisorOutput.lastIndexOf('Litestream (pid'))),
    );
    // Litestream let go of each file before it moved: a restart without it first, then one with
    // the file where it now is. (Its read lock does not always make the move fail without this.)
    const restarts = supervisorOutput.split('\n').filter((line) => line.includes('restarting Litestream:'));
    const dropped = (slug: string) => restarts.findIndex((line) => new RegExp(`- (?:[\\w-]+, )*${slug}(?:,|$)`).test(line));
    const added = (slug: string) => restarts.findLastIndex((line) => new RegExp(`\\+ (?:[\\w-]+, )*${slug}(?:[,;]|$)`).test(line));
    const moves: [string, string][] = [
      ['beta', 'beta-two'],
      ['alpha', 'alpha'],
    ];
    for (const [before, after] of moves) {
      expect(dropped(before), restarts.join('\n')).toBeGreaterThanOrEqual(0);
      expect(dropped(before), restarts.join('\n')).toBeLessThan(added(after));
    }

    const blogs = ['alpha', 'beta-two', 'gamma', 'delta'];
    const steadyUntil = Date.now() + 7000;
    for (let n = 1; Date.now() < steadyUntil; n++) await writePost(blogs[n % blogs.length]!, `Steady ${n}`);

    const killedAt = Date.now();
    const state = JSON.parse(fs.readFileSync(path.join(dataDir, 'litestream', 'supervisor.json'), 'utf8')) as { litestreamPid: number };
    process.kill(state.litestreamPid, 'SIGKILL');
    supervisor.kill('SIGKILL');
    server.child.kill('SIGKILL');
    await server.stop();

    const restore = quire(restoredDir, ['backup', 'restore', '--replica', replicaUrl, '--data-dir', restoredDir]);
    expect(restore.status, restore.stdout + restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(/^Restored control\.db and 4 of 4 blogs into .* in [\d.]+ s; each passed integrity_check\.$/m);

    const control = new Database(path.join(restoredDir, 'control.db'), { readonly: true });
    expect(control.prepare('select slug, status from blogs order by id').all()).toEqual(blogs.map((slug) => ({ slug, status: 'active' })));
    expect(control.prepare('select old_slug from blog_redirects').pluck().all()).toEqual(['beta']);
    control.close();

    const expected = written.filter((post) => post.at < killedAt - SYNCED_AFTER_MS);
    expect(expected.length).toBeGreaterThan(20);
    for (const blog of blogs) {
      const db = new Database(path.join(restoredDir, 'tenants', `${blog}.db`), { readonly: true });
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const titles = new Set(db.prepare('select title from posts').pluck().all() as string[]);
      db.close();
      const owed = expected.filter((post) => post.blog === blog || (blog === 'beta-two' && post.blog === 'beta'));
      expect(owed.filter((post) => !titles.has(post.title)).map((post) => post.title)).toEqual([]);
    }
    expect(quire(restoredDir, ['doctor', '--full']).status).toBe(0);
  }, 120_000);

  it('refuses to restore over a directory that holds files, and says how to', () => {
    const again = quire(restoredDir, ['backup', 'restore', '--replica', replicaUrl, '--data-dir', restoredDir]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/is not empty \(control\.db.*\); restore into an empty directory, or add --force/);
  });

  it('stops with Litestream on SIGTERM, once Litestream has synced; one per data directory', async () => {
    const replica = `file://${path.join(work, 'replica-of-restored')}`;
    supervisorOutput = '';
    const run = startSupervisor(restoredDir, replica);
    const exited = new Promise<number | null>((resolve) => run.once('exit', (code) => resolve(code)));
    await until('Litestream to start', () => /replicates control\.db and 4 blogs/.test(supervisorOutput));
    const stateFile = path.join(restoredDir, 'litestream', 'supervisor.json');
    const { litestreamPid } = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { litestreamPid: number };

    const second = spawnSync(process.execPath, ['bin/quire.mjs', 'backup', 'run', '--replica', replica], {
      cwd: ROOT,
      env: { ...process.env, QUIRE_DATA_DIR: restoredDir },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(/^quire: Another quire backup run \(pid \d+ on .+\) is running for .+; stop it first\.$/m);

    run.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(() => process.kill(litestreamPid, 0)).toThrow();
    expect(fs.existsSync(stateFile)).toBe(false);
    const again = path.join(work, 'restored-again');
    const restore = quire(again, ['backup', 'restore', '--replica', replica, '--data-dir', again]);
    expect(restore.stdout + restore.stderr).toMatch(/^Restored control\.db and 4 of 4 blogs/m);
  }, 60_000);

  it('writes a config Litestream 0.3 reads: control.db and each live blog', () => {
    const file = path.join(work, 'litestream.yml');
    expect(quire(restoredDir, ['litestream-config', '--replica', replicaUrl, '--out', file]).stdout).toContain('control.db and 4 blog(s)');
    const listed = execFileSync(findLitestream().bin, ['databases', '-config', file], { encoding: 'utf8' });
    for (const name of ['control.db', 'alpha.db', 'beta-two.db', 'gamma.db', 'delta.db']) expect(listed).toContain(name);
  });
});

describe.runIf(!onControlFile)('with the control plane in PostgreSQL, without a cluster', () => {
  it('refuses the single-machine backup and restore with one sentence, writing nothing', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-backup-pg-'));
    try {
      for (const args of [
        ['backup', 'run', '--replica', `file://${dir}/replica`],
        ['backup', 'restore', '--replica', `file://${dir}/replica`],
      ]) {
        const result = quire(dir, args);
        expect(result.status).toBe(1);
        expect(result.stderr).toMatch(/The control plane is in PostgreSQL .*back it up with PostgreSQL's own tools/);
      }
      expect(fs.existsSync(path.join(dir, 'replica'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
