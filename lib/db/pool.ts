import fs from 'node:fs';
import path from 'node:path';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { LRUCache } from 'lru-cache';
import { config } from '@/lib/config';
import { forgetProcessWide, processWide } from '@/lib/process/shared';
import { openDatabase, statementCache, type Sqlite, type StatementCache } from './connection';
import { MigrationError, migrate, migrationSet, schemaVersion } from './migrate';
import { backupsDir, tenantDbPath, tenantsDir } from './paths';
import * as schema from './schema/tenant';

type TenantOrm = BetterSQLite3Database<typeof schema>;

export type TenantHandle = {
  slug: string;
  /** Distinct for every open of the file, so observers can tell a reopened handle. */
  openId: number;
  /** The file's inode when opened: another process may rename or replace the file. */
  inode: number;
  /** When the inode was last compared with the file's (ms). */
  checkedAt: number;
  sqlite: Sqlite;
  orm: TenantOrm;
  /**
   * Hot-path statements are prepared once per handle (docs/architecture.md, "Data": 7 µs vs
   * 84 µs a query).
   */
  statement: StatementCache;
};

export class BlogFileMissingError extends Error {
  constructor(readonly slug: string) {
    super(`No file for blog "${slug}"`);
    this.name = 'BlogFileMissingError';
  }
}

const TENANT_CACHE_KIB = 1024;
const INODE_CHECK_MS = 250;
let openCount = 0;

/**
 * A blog file behind the current schema is snapshotted, then migrated, as it is opened. A
 * failed migration leaves the file as it was and throws `MigrationError`; the snapshot stays.
 */
/** Files (by inode) whose migration failed: not retried, nor snapshotted again, until replaced. */
const failedMigrations = new Map<number, MigrationError>();

function migrateOnOpen(slug: string, sqlite: Sqlite, snapshot: boolean, inode: number): void {
  const set = migrationSet('tenant');
  const from = schemaVersion(sqlite);
  if (from >= set.migrations.length) return;
  const failed = failedMigrations.get(inode);
  if (failed) throw failed;
  if (snapshot) {
    const dir = backupsDir(slug);
    fs.mkdirSync(dir, { recursive: true });
    sqlite.prepare('VACUUM INTO ?').run(path.join(dir, `pre-migration-v${from}-${new Date().toISOString().replace(/[:.]/g, '-')}.db`));
  }
  try {
    migrate(sqlite, set);
  } catch (error) {
    if (error instanceof MigrationError) failedMigrations.set(inode, error);
    throw error;
  }
}

function openHandle(slug: string, file = tenantDbPath(slug), snapshotBeforeMigrating = true): TenantHandle {
  let sqlite: Sqlite;
  try {
    sqlite = openDatabase(file, { mustExist: true, cacheKiB: TENANT_CACHE_KIB });
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_CANTOPEN' && !fs.existsSync(file)) {
      throw new BlogFileMissingError(slug);
    }
    throw error;
  }
  const inode = fs.statSync(file).ino;
  try {
    migrateOnOpen(slug, sqlite, snapshotBeforeMigrating, inode);
  } catch (error) {
    sqlite.close();
    throw error;
  }
  return {
    slug,
    openId: ++openCount,
    inode,
    checkedAt: Date.now(),
    sqlite,
    orm: drizzle({ client: sqlite, schema }),
    statement: statementCache(),
  };
}

/**
 * Open tenant handles, least recently used first out. Evicting — by count or after idling —
 * closes the handle; the next use reopens it (docs/architecture.md, "Data": opening costs well
 * under a millisecond).
 */
export class TenantPool {
  private readonly handles: LRUCache<string, TenantHandle>;
  private readonly sweeper: NodeJS.Timeout;

  constructor(maxOpen: number, idleMs: number) {
    this.handles = new LRUCache<string, TenantHandle>({
      max: maxOpen,
      ttl: idleMs,
      updateAgeOnGet: true,
      dispose: (handle) => handle.sqlite.close(),
    });
    this.sweeper = setInterval(() => this.handles.purgeStale(), Math.min(idleMs, 60_000));
    this.sweeper.unref();
  }

  /** The open handle of a blog's file. Throws `BlogFileMissingError`; never creates a file. */
  get(slug: string): TenantHandle {
    let handle = this.handles.get(slug);
    // The CLI may have moved this blog's file away (delete, rename) or swapped it (restore):
    // a handle on the old inode is closed rather than used. Checked at most every
    // INODE_CHECK_MS, so the hot path (cached pages, beacons) rarely pays the stat.
    const now = Date.now();
    if (handle && now - handle.checkedAt >= INODE_CHECK_MS) {
      handle.checkedAt = now;
      if (fs.statSync(tenantDbPath(slug), { throwIfNoEntry: false })?.ino !== handle.inode) {
        this.handles.delete(slug);
        handle = undefined;
      }
    }
    if (!handle) {
      handle = openHandle(slug);
      this.handles.set(slug, handle);
    }
    return handle;
  }

  /** Closes a blog's handle now (before its file is replaced or removed). */
  close(slug: string): void {
    this.handles.delete(slug);
  }

  get openCount(): number {
    return this.handles.size;
  }

  openSlugs(): string[] {
    return [...this.handles.keys()];
  }

  closeAll(): void {
    clearInterval(this.sweeper);
    this.handles.clear();
  }
}

const KEY = 'tenant-pool';

export function tenantPool(): TenantPool {
  return processWide(KEY, () => new TenantPool(config().maxOpenTenants, config().tenantIdleMs));
}

export function openTenant(slug: string): TenantHandle {
  return tenantPool().get(slug);
}

export function closeTenantPool(): void {
  processWide<TenantPool | undefined>(KEY, () => undefined)?.closeAll();
  forgetProcessWide(KEY);
}

/**
 * A migrated handle on a blog file outside the pool (an import being built, a snapshot being
 * restored). The caller closes it.
 */
export function openDetachedTenant(file: string, label: string): TenantHandle {
  return openHandle(label, file, false);
}

/** Creates and migrates a new blog file. Refuses to overwrite one that exists. */
export function createTenantFile(slug: string, file = tenantDbPath(slug)): void {
  fs.mkdirSync(tenantsDir(), { recursive: true });
  if (fs.existsSync(file)) throw new Error(`A file for blog "${slug}" already exists`);
  const sqlite = openDatabase(file, { mustExist: false, cacheKiB: TENANT_CACHE_KIB });
  try {
    migrate(sqlite, migrationSet('tenant'));
  } finally {
    sqlite.close();
  }
}

export class BlogBusyError extends Error {
  constructor(readonly slug: string) {
    super(`Blog "${slug}" is in use (a reader or writer holds it); try again in a moment.`);
    this.name = 'BlogBusyError';
  }
}

/**
 * Makes a blog's file whole before it is moved or replaced, and lets go of it: our handle is
 * closed, then a plain connection (no migration) checkpoints the WAL into the file and
 * truncates it. If another connection is mid-transaction, nothing is moved: `BlogBusyError`.
 * The -wal and -shm files are SQLite's to manage and are never deleted by hand.
 */
export function releaseBlogFile(slug: string): void {
  tenantPool().close(slug);
  const db = openDatabase(tenantDbPath(slug), { mustExist: true, cacheKiB: 256 });
  try {
    const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    if (result?.busy) throw new BlogBusyError(slug);
  } finally {
    db.close();
  }
}
