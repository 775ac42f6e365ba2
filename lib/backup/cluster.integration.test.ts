import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { controlQuery } from '@/lib/testing/control';
import { postgresForTestFile } from '@/lib/testing/postgres';

/**
 * `quire backup run` on a node of a cluster, with the real Litestream 0.3 and a real PostgreSQL
 * control plane: it replicates the blogs placed on its node, each under its epoch
 * (`<replica>/blogs/<id>/epoch-<n>`), and nothing else; when the placement changes (a blog placed
 * here under a new epoch, one moved away, a new one) Litestream is restarted with the new list,
 * and a replica it no longer writes to receives nothing more.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const NODE = 'node-a';
const OTHER = 'node-b';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-backup-cluster-'));
const dataDir = path.join(work, 'data');
const replicaDir = path.join(work, 'replica');
const replicaUrl = `file://${replicaDir}`;
process.env.QUIRE_DATA_DIR = dataDir;
const { url, server } = await postgresForTestFile('quire_backup_cluster');
process.env.QUIRE_CONTROL_DATABASE_URL = url;
process.env.QUIRE_CLUSTER_SECRET = 'a cluster secret long enough for the check';
process.env.QUIRE_NODE_ID = NODE;
process.env.QUIRE_CLUSTER_REPLICA = replicaUrl;

const { closeControlDb } = await import('@/lib/db/control');
const { closeTenantPool, openTenant } = await import('@/lib/db/pool');
const { registryLoaded } = await import('@/lib/registry/registry');
const { createBlog } = await import('@/lib/blogs/blogs');
const { findLitestream } = await import('./litestream');
const { restoreClusterBlog } = await import('./restore');

let supervisor: ChildProcess | undefined;
let output = '';
const ids: Record<string, number> = {};

async function sql(text: string, values: unknown[] = []): Promise<void> {
  await controlQuery(dataDir, text, values);
}

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${output.slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function write(slug: string, note: string): void {
  const db = openTenant(slug).sqlite;
  db.exec('create table if not exists drill (note text not null)');
  db.prepare('insert into drill (note) values (?)').run(note);
}

let restores = 0;
/** The notes the replica of `slug` under `epoch` holds; undefined while it has no backup. */
async function restoredNotes(slug: string, epoch: number): Promise<string[] | undefined> {
  const file = path.join(work, 'restored', `${slug}-${epoch}-${++restores}.db`);
  try {
    await restoreClusterBlog(replicaUrl, ids[slug]!, epoch, file);
  } catch (error) {
    if (/ has no backup at /.test((error as Error).message)) return undefined;
    throw error;
  }
  const db = new Database(file, { readonly: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const hasDrill = db.prepare("select 1 from sqlite_master where name = 'drill'").get();
    return hasDrill ? (db.prepare('select note from drill order by rowid').pluck().all() as string[]) : [];
  } finally {
    db.close();
  }
}

/** Every file under an epoch's folder, with its size: what Litestream has written there. */
function listing(slug: string, epoch: number): string[] {
  const dir = path.join(replicaDir, 'blogs', String(ids[slug]), `epoch-${epoch}`);
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const file = path.join(entry.parentPath, entry.name);
      return `${path.relative(dir, file)} ${fs.statSync(file).size}`;
    })
    .sort();
}

/** What the running Litestream is told to replicate: file name → replica URL. */
function replicated(): Record<string, string> {
  const config = parse(fs.readFileSync(path.join(dataDir, 'litestream', 'litestream.yml'), 'utf8')) as {
    dbs: { path: string; replicas: { url: string }[] }[];
  };
  return Object.fromEntries(config.dbs.map((db) => [path.basename(db.path), db.replicas[0]!.url]));
}

const lastStart = () => output.slice(output.lastIndexOf('Litestream (pid'));
const epochUrl = (slug: string, epoch: number) => `${replicaUrl}/blogs/${ids[slug]}/epoch-${epoch}`;

beforeAll(async () => {
  findLitestream();
  await registryLoaded(); // migrates the control plane
  const now = Date.now();
  for (const id of [NODE, OTHER]) {
    await sql('insert into nodes (id, address, state, started_at, heartbeat_at) values ($1, $2, $3, $4, $4)', [
      id,
      `127.0.0.1:${id === NODE ? 3001 : 3002}`,
      'active',
      now,
    ]);
  }
  for (const slug of ['alpha', 'beta', 'gamma']) {
    ids[slug] = (await createBlog({ slug, title: slug })).id;
    write(slug, `${slug} before`);
  }
  // gamma lives on another node: its file here is a stale copy, never replicated from here.
  await sql('update placement set node_id = $1 where blog_id = $2', [OTHER, ids.gamma]);

  supervisor = spawn(process.execPath, ['bin/quire.mjs', 'backup', 'run', '--replica', replicaUrl, '--sync-interval', '200ms'], {
    cwd: ROOT,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  supervisor.stdout!.on('data', (chunk) => (output += chunk));
  supervisor.stderr!.on('data', (chunk) => (output += chunk));
  await until('Litestream to start', () => /replicates 2 blogs placed on node node-a/.test(output));
}, 40_000);

afterAll(async () => {
  if (supervisor && supervisor.exitCode === null && supervisor.signalCode === null) supervisor.kill('SIGKILL');
  closeTenantPool();
  await closeControlDb();
  await server?.destroy();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('quire backup run on a node of a cluster', () => {
  it('replicates the blogs placed on this node under epoch 1, and no other blog nor control.db', async () => {
    expect(replicated()).toEqual({ 'alpha.db': epochUrl('alpha', 1), 'beta.db': epochUrl('beta', 1) });
    for (const slug of ['alpha', 'beta']) {
      await until(`${slug} to reach its replica`, async () => (await restoredNotes(slug, 1))?.includes(`${slug} before`) ?? false);
    }
    expect(fs.readdirSync(path.join(replicaDir, 'blogs')).sort()).toEqual([String(ids.alpha), String(ids.beta)].sort());
    expect(fs.readdirSync(replicaDir)).toEqual(['blogs']);
    await expect(restoreClusterBlog(replicaUrl, ids.gamma!, 1, path.join(work, 'gamma.db'))).rejects.toThrow(
      `Blog ${ids.gamma} has no backup at ${epochUrl('gamma', 1)}.`,
    );
    expect(fs.existsSync(path.join(work, 'gamma.db'))).toBe(false);
  });

  it('follows the placement: a new epoch, a blog moved away and a new blog restart Litestream with the new list', async () => {
    await sql('update placement set epoch = 2 where blog_id = $1', [ids.alpha]);
    await sql('update placement set node_id = $1, epoch = 2 where blog_id = $2', [OTHER, ids.beta]);
    ids.delta = (await createBlog({ slug: 'delta', title: 'delta' })).id;
    await until('Litestream to run with the new list', () => {
      const list = replicated();
      return list['alpha.db'] === epochUrl('alpha', 2) && list['delta.db'] === epochUrl('delta', 1) && Object.keys(list).length === 2;
    });
    await until('the new Litestream to start', () => /replicates 2 blogs/.test(lastStart()) && !/restarting/.test(lastStart()));
    expect(output).toMatch(/restarting Litestream: .*- .*alpha \(epoch 1\)/);
    // The Litestream that wrote under epoch 1 has stopped: whatever is there now is all there will be.
    const before = { alpha: listing('alpha', 1), beta: listing('beta', 1) };

    for (const slug of ['alpha', 'beta', 'delta']) write(slug, `${slug} after`);
    await until('alpha to reach its epoch-2 replica', async () => (await restoredNotes('alpha', 2))?.includes('alpha after') ?? false);
    await until('delta to reach its replica', async () => (await restoredNotes('delta', 1))?.includes('delta after') ?? false);
    expect(await restoredNotes('alpha', 2)).toEqual(['alpha before', 'alpha after']);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // more than a sync and a monitor interval

    expect(listing('alpha', 1)).toEqual(before.alpha);
    expect(listing('beta', 1)).toEqual(before.beta);
    expect(await restoredNotes('alpha', 1)).toEqual(['alpha before']);
    expect(await restoredNotes('beta', 1)).toEqual(['beta before']);
    expect(fs.existsSync(path.join(replicaDir, 'blogs', String(ids.beta), 'epoch-2'))).toBe(false);
    expect(fs.existsSync(path.join(replicaDir, 'blogs', String(ids.gamma)))).toBe(false);
  }, 30_000);

  it("runs no Litestream while no blog is placed on this node, and refuses a replica other than the cluster's", async () => {
    await sql('update placement set node_id = $1, epoch = epoch + 1 where node_id = $2', [OTHER, NODE]);
    await until('Litestream to stop', () => /no blog is placed on node node-a: Litestream starts when one is/.test(output));
    const state = JSON.parse(fs.readFileSync(path.join(dataDir, 'litestream', 'supervisor.json'), 'utf8')) as {
      litestreamPid: number | null;
    };
    expect(state.litestreamPid).toBeNull();

    const elsewhere = spawnSync(process.execPath, ['bin/quire.mjs', 'backup', 'run', '--replica', `file://${path.join(work, 'other')}`], {
      cwd: ROOT,
      env: process.env,
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(elsewhere.status).toBe(1);
    expect(elsewhere.stderr).toMatch(
      /^quire: On node node-a, quire backup run replicates to QUIRE_CLUSTER_REPLICA \(file:\/\/.*\), where failover restores from; --replica file:\/\/.* is another place\.$/m,
    );

    const exited = new Promise<number | null>((resolve) => supervisor!.once('exit', (code) => resolve(code)));
    supervisor!.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 30_000);
});
