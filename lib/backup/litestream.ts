import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import Database from 'better-sqlite3';
import { stringify } from 'yaml';
import { z } from 'zod';
import { appRoot, config } from '@/lib/config';
import type { Sqlite } from '@/lib/db/connection';
import { controlDbPath, tenantDbPath, tenantsDir } from '@/lib/db/paths';
import { InputError } from '@/lib/input';

/**
 * What Quire tells Litestream (docs/architecture.md, "Backups"). Under a replica URL:
 *
 *   <url>/control       control.db
 *   <url>/blogs/<id>    each blog, by its id in control.db (not its slug): a renamed blog keeps
 *                       its backup history, a restored one finds it again, and a new blog that
 *                       takes a freed address starts its own (ids are never reused)
 *
 * Litestream 0.3 (the build here) lists each database in its config: `quire backup run` keeps
 * that list in step with the blogs. Litestream 0.5 can watch the tenants folder instead
 * (`--format 0.5`), keyed by file name.
 *
 * In a cluster (docs/scale-out.md) each node runs its own `quire backup run`, for the blogs the
 * control plane places on it, and control.db is not replicated (PostgreSQL has its own backups):
 *
 *   <url>/blogs/<id>/epoch-<epoch>    each blog under the epoch its node holds it at
 *
 * A node that comes back stale still holds an older epoch: it writes under that epoch's folder
 * only, never over the live replica, and a failover restores from the newest epoch's.
 * Litestream 0.5's `dir:` watching names each replica after its file, so it cannot carry a
 * per-blog epoch: with 0.5 a node would still list its blogs one by one (`path` and
 * `replica.url`, as litestreamConfigV05 lists control.db) and be restarted when they change, as
 * `quire backup run` does with 0.3.
 */

const SCHEMES = ['s3', 'gcs', 'abs', 'sftp', 'file'];

function isReplicaUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  const scheme = url.protocol.slice(0, -1);
  if (!SCHEMES.includes(scheme) || url.search || url.hash) return false;
  return scheme === 'file' ? url.host === '' && url.pathname.length > 1 : url.host !== '';
}

export const replicaUrlSchema = z
  .string()
  .trim()
  .transform((value) => value.replace(/\/+$/, ''))
  .refine(
    isReplicaUrl,
    'The replica must be a URL Litestream understands: s3://bucket/path, gcs://, abs://, sftp://, or file:///absolute/path.',
  );

/** A Go duration as Litestream reads it. */
export const durationSchema = z.string().regex(/^\d+(ms|s|m|h)$/, 'A duration is a whole number and a unit: 500ms, 1s, 10m, 24h.');

export const controlReplicaUrl = (base: string) => `${base}/control`;
export const blogReplicaUrl = (base: string, blogId: number) => `${base}/blogs/${blogId}`;
/** A cluster blog's replica under one epoch (see above). */
export const clusterReplicaUrl = (base: string, blogId: number, epoch: number) => `${base}/blogs/${blogId}/epoch-${epoch}`;

/**
 * The single-machine backup (control.db and every blog, one Litestream) needs control.db. With
 * the control plane in PostgreSQL, blogs are replicated per node (a cluster, even of one node:
 * docs/scale-out.md) and the control plane by PostgreSQL's own backups.
 */
export function assertControlFileInstall(): void {
  const cfg = config();
  if (cfg.controlDatabaseUrl && !cfg.cluster?.node) {
    throw new InputError(
      "The control plane is in PostgreSQL (QUIRE_CONTROL_DATABASE_URL): back it up with PostgreSQL's own tools, and replicate blogs per node with QUIRE_NODE_ID and QUIRE_CLUSTER_SECRET set (docs/scale-out.md).",
    );
  }
}

export type BlogRow = { id: number; slug: string; status: 'active' | 'maintenance' | 'deleted' };

/** A slug safe as a file name: guards paths built from a control plane that came from a backup. */
const FILE_SAFE_SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** control.db, read-only and without migrating it; undefined if there is none yet. */
export function openControlReadOnly(root = config().dataDir): Sqlite | undefined {
  if (!fs.existsSync(controlDbPath(root))) return undefined;
  const db = new Database(controlDbPath(root), { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  return db;
}

export function readBlogs(control: Sqlite): BlogRow[] {
  const rows = control.prepare('select id, slug, status from blogs order by id').all() as BlogRow[];
  return rows.filter((row) => FILE_SAFE_SLUG.test(row.slug));
}

export type ReplicatedDb = {
  /** `control.db` or the blog's slug, for people. */
  name: string;
  file: string;
  /** The file relative to the data directory: how the hand-off names it (lib/db/backup-handoff.ts). */
  relative: string;
  replica: string;
};

/** control.db and every blog file in place (not in the trash), but those `excluded` (relative paths). */
export function databasesToReplicate(blogs: BlogRow[], base: string, excluded: ReadonlySet<string> = new Set()): ReplicatedDb[] {
  const root = config().dataDir;
  const entry = (name: string, file: string, replica: string) => ({ name, file, relative: path.relative(root, file), replica });
  const dbs = [entry('control.db', controlDbPath(), controlReplicaUrl(base))];
  for (const blog of blogs) {
    if (blog.status === 'deleted') continue;
    const db = entry(blog.slug, tenantDbPath(blog.slug), blogReplicaUrl(base, blog.id));
    if (!excluded.has(db.relative) && fs.existsSync(db.file)) dbs.push(db);
  }
  return dbs;
}

/** A blog the control plane places on this node, under the epoch it is placed at. */
export type PlacedBlog = { id: number; slug: string; epoch: number };

/** In a cluster: each blog placed here whose file is in place, under its epoch; not control.db. */
export function clusterDatabasesToReplicate(blogs: PlacedBlog[], base: string, excluded: ReadonlySet<string> = new Set()): ReplicatedDb[] {
  const root = config().dataDir;
  const dbs: ReplicatedDb[] = [];
  for (const blog of [...blogs].sort((a, b) => a.id - b.id)) {
    if (!FILE_SAFE_SLUG.test(blog.slug)) continue;
    const file = tenantDbPath(blog.slug);
    const db = {
      name: `${blog.slug} (epoch ${blog.epoch})`,
      file,
      relative: path.relative(root, file),
      replica: clusterReplicaUrl(base, blog.id, blog.epoch),
    };
    if (!excluded.has(db.relative) && fs.existsSync(db.file)) dbs.push(db);
  }
  return dbs;
}

export type ReplicaSettings = {
  /** How often new WAL frames are pushed to the replica (Litestream's default: 1s). */
  syncInterval: string;
  /** A full snapshot this often (Litestream's default: only as retention needs one). */
  snapshotInterval?: string;
  /** How long snapshots and WAL are kept (Litestream's default: 24h). */
  retention?: string;
};

/** A Litestream 0.3 config: one `dbs:` entry per database. */
export function litestreamConfigV03(dbs: ReplicatedDb[], settings: ReplicaSettings, header: string): string {
  const replicaSettings = {
    'sync-interval': settings.syncInterval,
    ...(settings.snapshotInterval ? { 'snapshot-interval': settings.snapshotInterval } : {}),
    ...(settings.retention ? { retention: settings.retention } : {}),
  };
  const document = { dbs: dbs.map((db) => ({ path: db.file, replicas: [{ url: db.replica, ...replicaSettings }] })) };
  return `${header
    .split('\n')
    .map((line) => `# ${line}`.trimEnd())
    .join('\n')}\n${stringify(document)}`;
}

/**
 * A Litestream 0.5+ config: control.db, and the tenants folder watched (`dir`, `watch: true`),
 * so new blogs are replicated without a restart. Retention is off on this side: the bucket's
 * lifecycle rules expire old backups, which costs no work on this server and cannot be undone
 * by it.
 */
export function litestreamConfigV05(base: string): string {
  const document = {
    retention: { enabled: false },
    dbs: [
      { path: controlDbPath(), replica: { url: controlReplicaUrl(base) } },
      { dir: tenantsDir(), pattern: '*.db', recursive: false, watch: true, replica: { url: `${base}/tenants` } },
    ],
  };
  return `# Written by \`quire litestream-config --format 0.5\`, for Litestream 0.5+. Run it beside Quire:\n#   litestream replicate -config litestream.yml\n${stringify(document)}`;
}

/** Where Litestream keeps its own state for a database (0.3): beside it, `.<name>-litestream`. */
export function litestreamMetaDir(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}-litestream`);
}

export type Litestream = { bin: string; version: string };

/**
 * The Litestream 0.3 binary: QUIRE_LITESTREAM_BIN, else the optional npm package's
 * (@flydotio/litestream-linux-x64), else `litestream` on PATH.
 */
export function findLitestream(): Litestream {
  const bin = config().litestreamBin ?? packagedBinary() ?? onPath('litestream');
  if (!bin) {
    throw new InputError(
      'No Litestream found: install Litestream 0.3 (on Linux x64, npm installs it with Quire), or set QUIRE_LITESTREAM_BIN to its path.',
    );
  }
  let version: string;
  try {
    version = execFileSync(bin, ['version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (error) {
    throw new InputError(`Litestream at ${bin} does not run: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!/^v0\.3\.\d+/.test(version)) {
    throw new InputError(
      `quire backup runs Litestream 0.3, and ${bin} is ${version || 'of an unknown version'}. For 0.5, write its config with quire litestream-config --format 0.5 and run it yourself.`,
    );
  }
  return { bin, version };
}

function packagedBinary(): string | undefined {
  try {
    const manifest = createRequire(path.join(appRoot(), 'package.json')).resolve('@flydotio/litestream-linux-x64/package.json');
    const bin = path.join(path.dirname(manifest), 'litestream');
    return fs.existsSync(bin) ? bin : undefined;
  } catch {
    return undefined; // not installed: another platform, or --omit=optional
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
