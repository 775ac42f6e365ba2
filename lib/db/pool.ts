import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { LRUCache } from 'lru-cache';
import { config } from '@/lib/config';
import { forgetProcessWide, processWide } from '@/lib/process/shared';
import { openDatabase, statementCache, type Sqlite, type StatementCache } from './connection';
import { InputError } from '@/lib/input';
import { BackupHoldsFileError, takeFileFromBackup } from './backup-handoff';
import { MigrationError, migrate, migrationSet, schemaVersion } from './migrate';
import { assertSpaceForBigWrites } from '@/lib/disk/space';
import { backupsDir, removeQuietly, tenantDbPath, tenantsDir } from './paths';
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
    // Never migrated without its snapshot: below the free-space margin the blog stays closed
    // (its readers get a 503) and is tried again at its next open (docs/architecture.md, "A full disk").
    assertSpaceForBigWrites();
    const dir = backupsDir(slug);
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `pre-migration-v${from}-${new Date().toISOString().replace(/[:.]/g, '-')}.db`);
    try {
      sqlite.prepare('VACUUM INTO ?').run(file);
    } catch (error) {
      removeQuietly(file);
      throw error;
    }
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

export class BlogBusyError extends Error {
  constructor(
    readonly slug: string,
    holder = 'a reader or writer holds it',
  ) {
    super(`Blog "${slug}" is in use (${holder}); try again in a moment.`);
    this.name = 'BlogBusyError';
  }
}

/** What one request (or other `borrowing` call) has taken from the pool, until it ends. */
type Loan = { handles: Set<TenantHandle>; open: boolean };

/**
 * How long a handle whose file is about to move (`close`) or was replaced behind our back may
 * wait for its borrowers. The CLI's `withBlogOffline` waits for the server's sweep plus this.
 */
export const MOVING_FILE_GRACE_MS = 500;
/** A retired handle is closed a minute after at the latest: a guard against a loan never repaid. */
const RETIRED_MAX_MS = 60_000;

/**
 * Open tenant handles, least recently used first out. Evicting — by count or after idling —
 * lets go of the handle; the next use reopens it (docs/architecture.md, "Data": opening costs
 * well under a millisecond).
 *
 * A handle is never closed while in use. Code keeps a handle across `await`s (a page renders,
 * a route handler writes), and meanwhile other blogs may push it out of the LRU: an evicted
 * handle still borrowed is *retired* — out of the LRU, still open — and closed once nothing
 * borrows it. Who borrows is known without changing any caller: the front runs each request
 * inside `borrowing(…, res)` (an AsyncLocalStorage loan, so every `get` made on that request's
 * behalf, in Next too, is recorded) until its response has closed. Outside any loan (CLI,
 * timers), a handle counts as in use until the end of the current turn of the event loop, so
 * synchronous use is safe; asynchronous work outside a request wraps itself in `borrowing`.
 * Reference counting by loans rather than by each `get` keeps the API a plain `openTenant()`.
 */
export class TenantPool {
  private readonly handles: LRUCache<string, TenantHandle>;
  private readonly sweeper: NodeJS.Timeout;
  /** The pool is process-wide (`tenantPool()`), so its loans are seen by Next's copy of lib/ too. */
  private readonly loans = new AsyncLocalStorage<Loan>();
  /** How many open loans hold each handle (absent: none). */
  private readonly borrowers = new Map<TenantHandle, number>();
  /** Handles got outside any loan during this turn of the event loop. */
  private readonly usedThisTurn = new Set<TenantHandle>();
  private turnEnd: NodeJS.Immediate | undefined;
  /** Out of the LRU but still in use: closed when free, or at their deadline. */
  private readonly retired = new Map<TenantHandle, { deadline: number; timer: NodeJS.Timeout }>();
  private closing = false;
  /** Blogs whose handles refuse writes (`setReadOnly`). */
  private readonly readOnly = new Set<string>();

  constructor(maxOpen: number, idleMs: number) {
    this.handles = new LRUCache<string, TenantHandle>({
      max: maxOpen,
      ttl: idleMs,
      updateAgeOnGet: true,
      // Deleted rather than evicted: its file is about to move (`close`), or was replaced.
      dispose: (handle, _slug, reason) => this.retire(handle, reason === 'delete' ? MOVING_FILE_GRACE_MS : RETIRED_MAX_MS),
    });
    this.sweeper = setInterval(() => this.handles.purgeStale(), Math.min(idleMs, 60_000));
    this.sweeper.unref();
  }

  /** The open handle of a blog's file. Throws `BlogFileMissingError`; never creates a file. */
  get(slug: string): TenantHandle {
    let handle = this.handles.get(slug);
    // The CLI may have moved this blog's file away (delete, rename) or swapped it (restore):
    // a handle on the old inode is let go of rather than used. Checked at most every
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
      if (this.readOnly.has(slug)) handle.sqlite.pragma('query_only = ON');
      this.handles.set(slug, handle);
    }
    this.lend(handle);
    return handle;
  }

  /**
   * Makes every handle on a blog's file refuse writes (`PRAGMA query_only`), those open and those
   * opened later, until called again with false: a write already past its checks when a move
   * begins fails instead of landing after the copy was taken (lib/cluster/handoff.ts).
   */
  setReadOnly(slug: string, readOnly: boolean): void {
    if (readOnly === this.readOnly.has(slug)) return;
    if (readOnly) this.readOnly.add(slug);
    else this.readOnly.delete(slug);
    const current = this.handles.peek(slug);
    for (const handle of [...this.retired.keys(), ...(current ? [current] : [])]) {
      if (handle.slug === slug && handle.sqlite.open) handle.sqlite.pragma(`query_only = ${readOnly ? 'ON' : 'OFF'}`);
    }
  }

  /**
   * Runs `work` as one borrower: the handles it gets (and whatever it starts gets) stay open
   * until `work` has settled and, if given, `until` (a response) has emitted 'close'.
   */
  async borrowing<T>(work: () => Promise<T> | T, until?: EventEmitter): Promise<T> {
    const loan: Loan = { handles: new Set(), open: true };
    let pending = until ? 2 : 1;
    const settle = () => {
      if (--pending === 0) this.repay(loan);
    };
    until?.once('close', settle);
    try {
      return await this.loans.run(loan, work);
    } finally {
      settle();
    }
  }

  /**
   * Lets go of a blog's handles as soon as no request uses them, within MOVING_FILE_GRACE_MS
   * (the blog went offline: its file is about to be moved by another process).
   */
  close(slug: string): void {
    this.handles.delete(slug);
    for (const handle of [...this.retired.keys()]) if (handle.slug === slug) this.retire(handle, MOVING_FILE_GRACE_MS);
  }

  /**
   * Closes every handle on a blog's file now, before the file is moved in this process. Refused
   * with `BlogBusyError` while another request borrows one; the caller's own loan may hold it
   * (and must not use it afterwards).
   */
  release(slug: string): void {
    const current = this.handles.peek(slug);
    const open = [...this.retired.keys(), ...(current ? [current] : [])].filter((handle) => handle.slug === slug);
    const loan = this.loans.getStore();
    const mine = (handle: TenantHandle) => (loan?.open && loan.handles.has(handle) ? 1 : 0);
    if (open.some((handle) => (this.borrowers.get(handle) ?? 0) > mine(handle))) throw new BlogBusyError(slug);
    this.handles.delete(slug);
    for (const handle of open) this.shut(handle);
  }

  /** Handles open: in the LRU, and retired ones waiting for their borrowers. */
  get openCount(): number {
    return this.handles.size + this.retired.size;
  }

  openSlugs(): string[] {
    return [...new Set([...this.handles.keys(), ...[...this.retired.keys()].map((handle) => handle.slug)])];
  }

  /** Closes every handle now, borrowed or not: for shutdown, once requests have stopped. */
  closeAll(): void {
    clearInterval(this.sweeper);
    if (this.turnEnd) clearImmediate(this.turnEnd);
    this.turnEnd = undefined;
    this.closing = true;
    try {
      this.handles.clear();
      for (const handle of [...this.retired.keys()]) this.shut(handle);
    } finally {
      this.closing = false;
    }
  }

  private lend(handle: TenantHandle): void {
    const loan = this.loans.getStore();
    if (loan?.open) {
      if (loan.handles.has(handle)) return;
      loan.handles.add(handle);
      this.borrowers.set(handle, (this.borrowers.get(handle) ?? 0) + 1);
      return;
    }
    this.usedThisTurn.add(handle);
    this.turnEnd ??= setImmediate(() => {
      this.turnEnd = undefined;
      const used = [...this.usedThisTurn];
      this.usedThisTurn.clear();
      for (const handle of used) this.closeIfFree(handle);
    });
  }

  private repay(loan: Loan): void {
    loan.open = false;
    for (const handle of loan.handles) {
      const count = this.borrowers.get(handle);
      if (count === undefined) continue; // closed already (`release`, a deadline, `closeAll`)
      if (count > 1) this.borrowers.set(handle, count - 1);
      else this.borrowers.delete(handle);
      this.closeIfFree(handle);
    }
    loan.handles.clear();
  }

  private inUse(handle: TenantHandle): boolean {
    return this.borrowers.has(handle) || this.usedThisTurn.has(handle);
  }

  /** Out of the LRU: closed now if unused, else when its borrowers are done or `graceMs` has passed. */
  private retire(handle: TenantHandle, graceMs: number): void {
    if (this.closing || !this.inUse(handle)) return this.shut(handle);
    const deadline = Date.now() + graceMs;
    const current = this.retired.get(handle);
    if (current && current.deadline <= deadline) return;
    if (current) clearTimeout(current.timer);
    const timer = setTimeout(() => this.shut(handle), graceMs);
    timer.unref();
    this.retired.set(handle, { deadline, timer });
  }

  private closeIfFree(handle: TenantHandle): void {
    if (this.retired.has(handle) && !this.inUse(handle)) this.shut(handle);
  }

  private shut(handle: TenantHandle): void {
    const retired = this.retired.get(handle);
    if (retired) clearTimeout(retired.timer);
    this.retired.delete(handle);
    this.borrowers.delete(handle);
    this.usedThisTurn.delete(handle);
    if (handle.sqlite.open) handle.sqlite.close();
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

/**
 * Moves or replaces a blog's file (`move`, synchronous), made whole first. A live
 * `quire backup run` is asked to take Litestream off the file (lib/db/backup-handoff.ts); then
 * our handles are closed and a plain connection (no migration) checkpoints the WAL into the file
 * and truncates it, and `move` runs in the same turn of the event loop, so no request reopens
 * the file in between. If another request still uses the blog, or another connection reads or
 * writes it, nothing is moved: one sentence (`InputError`). The -wal and -shm files are
 * SQLite's to manage and are never deleted by hand.
 */
export async function moveBlogFile(slug: string, move: () => void): Promise<void> {
  let giveBack: () => void;
  try {
    giveBack = await takeFileFromBackup(path.relative(config().dataDir, tenantDbPath(slug)));
  } catch (error) {
    if (error instanceof BackupHoldsFileError) throw new InputError(error.message);
    throw error;
  }
  try {
    tenantPool().release(slug);
    checkpointWhole(slug);
    move();
  } catch (error) {
    if (error instanceof BlogBusyError) throw new InputError(error.message);
    throw error;
  } finally {
    giveBack();
  }
}

function checkpointWhole(slug: string): void {
  const db = openDatabase(tenantDbPath(slug), { mustExist: true, cacheKiB: 256 });
  try {
    const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    // A Litestream started by hand (not by `quire backup run`) keeps such a read open.
    if (result?.busy)
      throw new BlogBusyError(slug, 'another process reads it: a long request, or a Litestream not run by quire backup run');
  } finally {
    db.close();
  }
}
