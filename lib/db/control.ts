import fs from 'node:fs';
import type { Statement } from 'better-sqlite3';
import { drizzle, type SqliteRemoteDatabase, type SqliteRemoteResult } from 'drizzle-orm/sqlite-proxy';
import { forgetProcessWide, peekProcessWide, processWide } from '@/lib/process/shared';
import { config } from '@/lib/config';
import { openDatabase, type Sqlite } from './connection';
import { openPostgresControl } from './control-postgres';
import { migrate, migrationSet } from './migrate';
import { controlDbPath } from './paths';
import * as schema from './schema/control';

/**
 * The platform's control plane: `data/control.db` (SQLite, the default), or PostgreSQL when
 * QUIRE_CONTROL_DATABASE_URL is set, so that several nodes share it (docs/architecture.md, "The
 * control plane"). One schema (`schema/control.ts`) and one set of queries serve both: drizzle's
 * SQLite dialect builds them, and each backend runs the SQL it gets: better-sqlite3 here,
 * `pg` there (`control-postgres.ts`). Every query is therefore async, even on SQLite.
 */
export type ControlOrm = SqliteRemoteDatabase<typeof schema>;

export type ControlDb = {
  backend: 'sqlite' | 'postgres';
  orm: ControlOrm;
  /**
   * Runs `work` in one transaction; the control plane's write transactions run one at a time
   * (SQLite's single writer; an advisory lock on PostgreSQL), so a check inside holds until the
   * commit. Await nothing but `tx` inside: on SQLite, other queries wait for the commit.
   */
  transaction<T>(work: (tx: ControlOrm) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * PostgreSQL only: `reread` runs after this process writes to one of `tables` (a page-cache
   * generation bump excepted), before the write's promise resolves (after the commit, in a
   * transaction). The registry uses it to see its own writes at once.
   */
  followOwnWrites?(tables: string[], reread: () => Promise<void>): void;
  /**
   * PostgreSQL only: follows a NOTIFY channel on a connection of its own, reconnecting when the
   * server goes away; `onConnected` runs after each (re)connection, before any message, so the
   * caller can reread what it may have missed. Stops when the control plane closes.
   */
  listen?(channel: string, onMessage: (payload: string) => void, onConnected: () => void): void;
  /** SQLite only: the connection itself (the registry's `data_version`, backups). */
  sqlite: Sqlite | undefined;
  close(): Promise<void>;
};

export type TransactionOptions = {
  /**
   * PostgreSQL: `routes` serializes this transaction with the others that publish HAProxy's routes
   * (lib/cluster) instead of with the control plane's writes, so the network calls it makes
   * inside hold no one else up. SQLite has one lock.
   */
  lock?: 'write' | 'routes';
};

/** What a write reports: rows it changed. */
type ControlWriteResult = SqliteRemoteResult & { changes?: number };

/** What a backend hands drizzle: for `get` the one row (or undefined) as `rows`, else all rows, each as an array. */
export type DriverResult = { rows: any[]; changes?: number }; // eslint-disable-line @typescript-eslint/no-explicit-any

export function changedRows(result: SqliteRemoteResult): number {
  return (result as ControlWriteResult).changes ?? 0;
}

const KEY = 'control-db';

/** The control plane, opened once per process (PostgreSQL: migrated before its first query). */
export function controlDb(): ControlDb {
  return processWide(KEY, () => {
    const url = config().controlDatabaseUrl;
    return url ? openPostgresControl(url, schema) : openSqliteControl();
  });
}

export async function closeControlDb(): Promise<void> {
  const db = peekProcessWide<ControlDb>(KEY);
  forgetProcessWide(KEY);
  await db?.close();
}

type Method = 'run' | 'all' | 'values' | 'get';

/** Prepared statements by SQL text; a query built with a variable-length list makes new texts. */
const STATEMENTS_KEPT = 500;

function openSqliteControl(): ControlDb {
  fs.mkdirSync(config().dataDir, { recursive: true });
  const sqlite = openDatabase(controlDbPath(), { mustExist: false, cacheKiB: 8192 });
  migrate(sqlite, migrationSet('control'));
  const statements = new Map<string, Statement<unknown[]>>();
  const execute = (text: string, params: unknown[], method: Method): DriverResult => {
    let statement = statements.get(text);
    if (!statement) {
      if (statements.size >= STATEMENTS_KEPT) statements.clear();
      statement = sqlite.prepare(text);
      statements.set(text, statement);
    }
    if (!statement.reader) {
      const result = statement.run(...params);
      return { rows: [], changes: result.changes };
    }
    statement.raw(true);
    if (method === 'run') return { rows: [], changes: statement.all(...params).length };
    return { rows: (method === 'get' ? statement.get(...params) : statement.all(...params)) as unknown[] };
  };

  // One connection: while a transaction is open, queries from outside it wait for its end.
  let open: Promise<void> | undefined;
  const orm = drizzle(
    async (text, params, method) => {
      while (open) await open;
      return execute(text, params, method);
    },
    { schema },
  );
  const tx = drizzle(async (text, params, method) => execute(text, params, method), { schema });

  return {
    backend: 'sqlite',
    orm,
    sqlite,
    async transaction<T>(work: (tx: ControlOrm) => Promise<T>): Promise<T> {
      while (open) await open;
      let release!: () => void;
      open = new Promise((resolve) => (release = resolve));
      try {
        sqlite.prepare('begin immediate').run();
        try {
          const result = await work(tx);
          sqlite.prepare('commit').run();
          return result;
        } catch (error) {
          if (sqlite.inTransaction) sqlite.prepare('rollback').run();
          throw error;
        }
      } finally {
        open = undefined;
        release();
      }
    },
    async close() {
      sqlite.close();
    },
  };
}
