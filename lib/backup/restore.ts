import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { isLive, readSupervisorState } from '@/lib/db/backup-handoff';
import { controlDbPath, removeQuietly, tenantDbPath, trashedDbPath } from '@/lib/db/paths';
import { InputError } from '@/lib/input';
import {
  blogReplicaUrl,
  clusterReplicaUrl,
  controlReplicaUrl,
  findLitestream,
  litestreamMetaDir,
  openControlReadOnly,
  readBlogs,
  type BlogRow,
} from './litestream';

/**
 * `quire backup restore`: a data directory rebuilt from a Litestream 0.3 replica (the layout of
 * lib/backup/litestream.ts). control.db first; then every blog it lists — live ones into
 * `tenants/`, deleted ones into `trash/` (still restorable there) — each with
 * `litestream restore`, several at once; then `integrity_check` on every file.
 */

export type RestoreOptions = {
  bin: string;
  replica: string;
  /** The data directory to fill. */
  root: string;
  /** Replace the files already there instead of refusing. */
  force: boolean;
  /** Blogs restored at once. */
  concurrency: number;
  onProgress?: (done: number, total: number, slug: string) => void;
};

type RestoredFile = { name: string; file: string; ok: boolean; problem?: string; ms: number };
type RestoredBlog = RestoredFile & { id: number; status: BlogRow['status'] };

export type RestoreSummary = {
  dataDir: string;
  control: RestoredFile;
  blogs: RestoredBlog[];
  failed: number;
  seconds: number;
};

/** A restore that took longer is stopped (a hung network replica). */
const RESTORE_TIMEOUT_MS = 60 * 60 * 1000;

export async function restoreFromReplica(options: RestoreOptions): Promise<RestoreSummary> {
  const started = performance.now();
  checkTarget(options.root, options.force);
  const control = await restoreFile(options, 'control.db', controlReplicaUrl(options.replica), controlDbPath(options.root));
  if (!control.ok) throw new InputError(`control.db could not be restored from ${controlReplicaUrl(options.replica)}: ${control.problem}`);

  const db = openControlReadOnly(options.root)!;
  let blogs: BlogRow[];
  try {
    blogs = readBlogs(db);
  } finally {
    db.close();
  }
  const results: RestoredBlog[] = [];
  let next = 0;
  const worker = async () => {
    while (next < blogs.length) {
      const blog = blogs[next++]!;
      const file = blog.status === 'deleted' ? trashedDbPath(blog.slug, options.root) : tenantDbPath(blog.slug, options.root);
      const restored = await restoreFile(options, blog.slug, blogReplicaUrl(options.replica, blog.id), file);
      results.push({ ...restored, id: blog.id, status: blog.status });
      options.onProgress?.(results.length, blogs.length, blog.slug);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, blogs.length)) }, worker));
  results.sort((a, b) => a.id - b.id);
  return {
    dataDir: options.root,
    control,
    blogs: results,
    failed: results.filter((r) => !r.ok).length,
    seconds: (performance.now() - started) / 1000,
  };
}

/** An empty (or new) directory, or `force`; never one a `quire backup run` replicates. */
function checkTarget(root: string, force: boolean): void {
  if (isLive(readSupervisorState(root))) {
    throw new InputError(`quire backup run is replicating ${root}: stop it, and Quire, before restoring into it.`);
  }
  const entries = fs.existsSync(root) ? fs.readdirSync(root) : [];
  if (entries.length > 0 && !force) {
    const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? ` and ${entries.length - 3} more` : '');
    throw new InputError(
      `${root} is not empty (${shown}); restore into an empty directory, or add --force to replace the files the backup has.`,
    );
  }
}

/** One `litestream restore`, then `integrity_check` on what it wrote. */
async function restoreFile(options: RestoreOptions, name: string, url: string, file: string): Promise<RestoredFile> {
  const started = performance.now();
  const done = (problem?: string): RestoredFile => ({ name, file, ok: !problem, problem, ms: performance.now() - started });
  // A file (and its WAL) already there would be mixed with the restored one; so would
  // Litestream's state beside it, from the install this directory held before.
  removeQuietly(file);
  fs.rmSync(litestreamMetaDir(file), { recursive: true, force: true });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const failure = await litestreamRestore(options.bin, url, file);
  if (failure) return done(failure);
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const messages = (db.pragma('integrity_check(10)') as Record<string, string>[]).map((row) => Object.values(row)[0]);
      return done(messages.length === 1 && messages[0] === 'ok' ? undefined : `integrity_check: ${messages.join('; ')}`);
    } finally {
      db.close();
    }
  } catch (error) {
    return done(`cannot be read: ${(error as Error).message}`);
  }
}

/** `litestream restore -o file url`: why it failed, or undefined. */
function litestreamRestore(bin: string, url: string, file: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(bin, ['restore', '-o', file, url], { timeout: RESTORE_TIMEOUT_MS, encoding: 'utf8' }, (error, _stdout, stderr) => {
      if (!error) return resolve(undefined);
      if (error.killed) return resolve(`it took more than ${RESTORE_TIMEOUT_MS / 60_000} minutes`);
      const last = stderr.trim().split('\n').filter(Boolean).at(-1) ?? error.message;
      const reason = /error="([^"]*)"/.exec(last)?.[1] ?? last;
      resolve(/no matching backups|no generations|no snapshots/i.test(reason) ? `no backup at ${url}` : reason);
    });
  });
}

/**
 * A cluster blog's file, as its replica under `epoch` holds it (lib/backup/litestream.ts), into
 * `outFile`, which must not exist yet (restore into a new file, check it, then move it in place).
 * Throws an Error saying why it could not.
 */
export async function restoreClusterBlog(base: string, blogId: number, epoch: number, outFile: string): Promise<void> {
  const url = clusterReplicaUrl(base, blogId, epoch);
  if (fs.existsSync(outFile)) throw new Error(`Blog ${blogId} was not restored from ${url}: ${outFile} is already there.`);
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  const failure = await litestreamRestore(findLitestream().bin, url, outFile);
  if (failure) {
    // Litestream may leave a partial file behind: nothing half-restored is left to be taken for a blog.
    for (const suffix of ['', '-wal', '-shm', '.tmp']) fs.rmSync(outFile + suffix, { force: true });
    throw new Error(
      failure.startsWith('no backup at')
        ? `Blog ${blogId} has no backup at ${url}.`
        : `Blog ${blogId} could not be restored from ${url}: ${failure.replace(/\.$/, '')}.`,
    );
  }
}
