/**
 * bench:restore — continuous backup with Litestream 0.3 (docs/architecture.md, "Backups"): how
 * far behind the replica is, and how long getting every blog back takes.
 *
 * One run seeds BLOGS (default 100; BENCH_RESTORE_BLOGS) blogs of POSTS (default 10;
 * BENCH_RESTORE_POSTS) copies of the 1,500-word post through lib/testing/seed-blogs.ts, then:
 *   replicate  `quire backup run --replica file://<tmp>/replica` with its defaults (sync-interval
 *              1s): the time until every blog has its first snapshot in the replica
 *   lag        SAMPLES (default 60; BENCH_RESTORE_SAMPLES) posts written through lib/posts in this
 *              process, one every ~350 ms (so at every phase of Litestream's 1 s tick), each to the
 *              next blog in turn: from the write's commit to the moment a new WAL segment file of
 *              that blog is in the replica (its folder polled every 5 ms). No other process
 *              writes those blogs meanwhile, so that segment is the one holding the write; the
 *              restore below checks that every sampled post came back
 *   hand-off   `quire blogs rename` of an idle blog with the supervisor running (Litestream is
 *              restarted without the file first) and, for reference, without it
 *   restore    the supervisor stopped (SIGTERM: Litestream syncs, then exits); `quire backup
 *              restore --json` into an empty directory at --concurrency 1, 4 (its default) and 8:
 *              wall time of the command, each blog's restore + integrity_check (its JSON)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  baseEnv,
  collectStderr,
  fmt,
  longPost,
  makeTmpDir,
  measureBefore,
  percentile,
  printHeader,
  printSoftware,
  printTable,
  readCount,
  REPO_ROOT,
  runBench,
  seedBlogs,
  startChild,
  stop,
  type Before,
} from './common';

const BLOGS = readCount('BENCH_RESTORE_BLOGS', 100, 2);
const POSTS = readCount('BENCH_RESTORE_POSTS', 10);
const SAMPLES = readCount('BENCH_RESTORE_SAMPLES', 60);
const SAMPLE_EVERY_MS = 350;
const LAG_TIMEOUT_MS = 30_000;
const CONCURRENCIES = [1, 4, 8];

type Restore = { concurrency: number; wallMs: number; blogMs: number[]; failed: number; bytes: number; exitCode: number | null };

async function main(): Promise<void> {
  const notes: string[] = [];
  execFileSync(process.execPath, ['scripts/build-server.mjs', '--if-stale'], { cwd: REPO_ROOT, stdio: 'inherit' });
  const before = await measureBefore();
  const tmp = makeTmpDir('quire-bench-restore-');
  const dataDir = path.join(tmp, 'data');
  const replicaDir = path.join(tmp, 'replica');
  const replica = `file://${replicaDir}`;
  const post = longPost(tmp);

  console.log(`seeding ${BLOGS} blogs of ${POSTS} posts…`);
  const seedMs = seedBlogs(dataDir, BLOGS, POSTS, post.file, 1_800_000);
  const dataBytes = folderBytes(path.join(dataDir, 'tenants'));

  const renameWithout = timedCli(dataDir, ['blogs', 'rename', `blog${BLOGS - 1}`, 'renamed-before']);

  console.log('starting quire backup run…');
  const startedAt = performance.now();
  const supervisor = await startChild(
    'quire backup run',
    ['bin/quire.mjs', 'backup', 'run', '--replica', replica],
    { QUIRE_DATA_DIR: dataDir },
    /replicates control\.db and \d+ blogs/,
    { stopTimeoutMs: 120_000 },
  );
  await until(() => countSnapshots(replicaDir) >= BLOGS + 1, 600_000);
  const firstSyncMs = performance.now() - startedAt;

  console.log(`lag: ${SAMPLES} writes…`);
  process.env.QUIRE_DATA_DIR = dataDir;
  const { openTenant, closeTenantPool } = await import('@/lib/db/pool');
  const { createPost } = await import('@/lib/posts/posts');
  const { closeControlDb } = await import('@/lib/db/control');
  const { closeWorkerPools } = await import('@/lib/workers/pool');
  const lags: number[] = [];
  const sampled: { slug: string; title: string }[] = [];
  let unseen = 0;
  for (let i = 0; i < SAMPLES; i++) {
    const blog = i % (BLOGS - 1); // the last blog was renamed
    const walDir = currentWalDir(replicaDir, blog + 1);
    const segments = new Set(listFiles(walDir));
    const title = `Lag sample ${i}`;
    await createPost(openTenant(`blog${blog}`), { title, markdown: 'A sentence, to time.' });
    const committed = performance.now();
    sampled.push({ slug: `blog${blog}`, title });
    const appeared = await until(() => listFiles(walDir).some((name) => !segments.has(name)), LAG_TIMEOUT_MS, 5);
    if (appeared) lags.push(performance.now() - committed);
    else unseen++;
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_EVERY_MS * (0.5 + Math.random())));
  }
  closeTenantPool();
  await closeControlDb();
  await closeWorkerPools();

  const renameWith = timedCli(dataDir, ['blogs', 'rename', 'renamed-before', 'renamed-after']);
  collectStderr(supervisor, notes);
  await stop(supervisor);
  if (supervisor.exit !== 'code 0') notes.push(`quire backup run ended with ${supervisor.exit}.`);

  const restores: Restore[] = [];
  for (const concurrency of CONCURRENCIES) {
    console.log(`restore, --concurrency ${concurrency}…`);
    const target = path.join(tmp, `restored-${concurrency}`);
    restores.push(restoreAll(replica, target, concurrency));
    if (concurrency === CONCURRENCIES.at(-1)) notes.push(...checkSamples(target, sampled));
    fs.rmSync(target, { recursive: true, force: true });
  }
  const { findLitestream } = await import('@/lib/backup/litestream');
  const litestream = findLitestream();
  report({
    notes,
    before,
    seedMs,
    dataBytes,
    post: post.source,
    firstSyncMs,
    lags,
    unseen,
    renameWith,
    renameWithout,
    restores,
    litestream: `${litestream.version} (${litestream.bin})`,
  });
}

/** Waits for `condition`, polling; false if it did not hold within `timeoutMs`. */
async function until(condition: () => boolean, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return true;
}

function listFiles(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => !name.endsWith('.tmp')) : [];
}

/** The WAL folder of a database's newest generation in a file:// replica (Litestream 0.3's layout). */
function currentWalDir(replicaDir: string, blogId: number): string {
  const generations = path.join(replicaDir, 'blogs', String(blogId), 'generations');
  const newest = listFiles(generations)
    .map((name) => ({ name, at: fs.statSync(path.join(generations, name)).mtimeMs }))
    .sort((a, b) => b.at - a.at)[0];
  return newest ? path.join(generations, newest.name, 'wal') : '';
}

function countSnapshots(replicaDir: string): number {
  if (!fs.existsSync(replicaDir)) return 0;
  return (fs.readdirSync(replicaDir, { recursive: true }) as string[]).filter((name) => name.endsWith('.snapshot.lz4')).length;
}

function folderBytes(dir: string): number {
  return fs.readdirSync(dir).reduce((sum, name) => sum + fs.statSync(path.join(dir, name)).size, 0);
}

function timedCli(dataDir: string, args: string[]): { ms: number; ok: boolean } {
  const started = performance.now();
  const result = spawnSync(process.execPath, ['bin/quire.mjs', ...args], {
    cwd: REPO_ROOT,
    env: { ...baseEnv(), QUIRE_DATA_DIR: dataDir },
  });
  return { ms: performance.now() - started, ok: result.status === 0 };
}

function restoreAll(replica: string, target: string, concurrency: number): Restore {
  const started = performance.now();
  const args = [
    'bin/quire.mjs',
    'backup',
    'restore',
    '--replica',
    replica,
    '--data-dir',
    target,
    '--concurrency',
    String(concurrency),
    '--json',
  ];
  const result = spawnSync(process.execPath, args, { cwd: REPO_ROOT, env: baseEnv(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wallMs = performance.now() - started;
  let summary: { blogs: { ms: number; ok: boolean }[]; failed: number } = { blogs: [], failed: -1 };
  try {
    summary = JSON.parse(result.stdout) as typeof summary;
  } catch {
    // reported through exitCode and failed = -1
  }
  const tenants = path.join(target, 'tenants');
  return {
    concurrency,
    wallMs,
    blogMs: summary.blogs.map((blog) => blog.ms),
    failed: summary.failed,
    bytes: fs.existsSync(tenants) ? folderBytes(tenants) : 0,
    exitCode: result.status,
  };
}

/** Every sampled post is in the restored blog: the segments timed above held them. */
function checkSamples(target: string, sampled: { slug: string; title: string }[]): string[] {
  const missing: string[] = [];
  for (const { slug, title } of sampled) {
    const db = new Database(path.join(target, 'tenants', `${slug}.db`), { readonly: true });
    if (!db.prepare('select 1 from posts where title = ?').get(title)) missing.push(`${slug}: ${title}`);
    db.close();
  }
  return missing.length ? [`${missing.length} sampled post(s) missing from the restore, the first: ${missing[0]}`] : [];
}

// ---------------------------------------------------------------------------------------------
// Report

type Results = {
  notes: string[];
  before: Before;
  seedMs: number;
  dataBytes: number;
  post: string;
  firstSyncMs: number;
  lags: number[];
  unseen: number;
  renameWith: { ms: number; ok: boolean };
  renameWithout: { ms: number; ok: boolean };
  restores: Restore[];
  litestream: string;
};

function report(r: Results): void {
  const litestream = r.litestream;
  printHeader('bench:restore', r.before);
  printSoftware({ sqlite: true });
  console.log(`litestream: ${litestream}, file:// replica on the same disk (${os.tmpdir()})`);
  console.log(
    `blogs:    ${BLOGS} of ${POSTS} posts (${r.post}), ${fmt(r.dataBytes / 1e6, 1)} MB of blog files, seeded in ${fmt(r.seedMs / 1000, 1)} s\n`,
  );

  console.log(`first sync: every blog's first snapshot in the replica ${fmt(r.firstSyncMs / 1000, 1)} s after quire backup run started\n`);
  console.log("replication lag: from a post's commit to its WAL segment in the replica (sync-interval 1s, Litestream's default)\n");
  printTable(
    ['samples', 'p50 ms', 'p90 ms', 'max ms', 'not seen in 30 s'],
    [
      [
        String(r.lags.length),
        fmt(percentile(r.lags, 50), 0),
        fmt(percentile(r.lags, 90), 0),
        fmt(Math.max(...r.lags), 0),
        String(r.unseen),
      ],
    ],
  );
  console.log(
    '\nhand-off: `quire blogs rename` of an idle blog (wall time of the command; 1.2 s of it is the offline grace every CLI move waits)\n',
  );
  printTable(
    ['', 'ms', 'ok'],
    [
      ['without quire backup run', fmt(r.renameWithout.ms, 0), String(r.renameWithout.ok)],
      [`with it (${BLOGS} blogs replicated)`, fmt(r.renameWith.ms, 0), String(r.renameWith.ok)],
    ],
  );
  console.log(`\nrestore: quire backup restore of control.db and ${BLOGS} blogs into an empty directory\n`);
  printTable(
    ['--concurrency', 'total s', 'per blog p50 ms', 'p90 ms', 'max ms', 'MB restored', 'failed', 'exit'],
    r.restores.map((x) => [
      String(x.concurrency),
      fmt(x.wallMs / 1000, 1),
      fmt(percentile(x.blogMs, 50), 0),
      fmt(percentile(x.blogMs, 90), 0),
      fmt(Math.max(...x.blogMs), 0),
      fmt(x.bytes / 1e6, 1),
      String(x.failed),
      String(x.exitCode),
    ]),
  );
  if (r.notes.length > 0) console.log('\nnotes:\n' + r.notes.map((note) => `  - ${note}`).join('\n'));
}

await runBench('bench:restore', { deadlineMs: 60 * 60_000, errorStack: true }, main);
