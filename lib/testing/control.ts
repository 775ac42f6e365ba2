import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { config } from '@/lib/config';
import { numberPlaceholders, pgNumberTypes } from '@/lib/db/control-postgres';
import { controlDbPath } from '@/lib/db/paths';
import { createTestDatabase } from './postgres';
import { nextTurn } from './turn';

/**
 * The control plane as a test reaches it from outside, on whichever backend the suite runs
 * (`npm test`: control.db; `npm run test:postgres`: a database per test file, see
 * lib/testing/postgres-setup.ts). The SQL must be valid on both.
 */

const databases = new Map<string, string>();

/**
 * The PostgreSQL database of a data directory in the PostgreSQL suite (undefined: control.db):
 * the file's own for its own data directory (or the first it uses), a new empty one for any other
 * (a test starting a second, separate install).
 */
export async function controlDatabaseFor(dataDir: string): Promise<string | undefined> {
  const admin = process.env.QUIRE_TEST_POSTGRES_URL;
  const own = process.env.QUIRE_CONTROL_DATABASE_URL;
  if (!admin || !own) return own;
  const key = path.resolve(dataDir);
  let url = databases.get(key);
  if (!url) {
    const envDir = process.env.QUIRE_DATA_DIR;
    const isOwn = envDir ? path.resolve(envDir) === key : databases.size === 0;
    url = isOwn ? own : await createTestDatabase(admin, `quire_test_${randomBytes(6).toString('hex')}`);
    databases.set(key, url);
  }
  return url;
}

/** `controlDatabaseFor` for a data directory already in use (else the file's own). */
export function controlDatabaseOf(dataDir: string): string | undefined {
  return databases.get(path.resolve(dataDir)) ?? process.env.QUIRE_CONTROL_DATABASE_URL;
}

/** Rows (as objects) of a query on a data directory's control plane, from another connection. */
export async function controlQuery<T = Record<string, unknown>>(dataDir: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const url = controlDatabaseOf(dataDir);
  if (url) {
    const client = new pg.Client({ connectionString: url, types: pgNumberTypes });
    await client.connect();
    try {
      return (await client.query(numberPlaceholders(sql), params)).rows as T[];
    } finally {
      await client.end();
    }
  }
  const db = new Database(controlDbPath(dataDir));
  try {
    db.pragma('busy_timeout = 5000');
    const statement = db.prepare(sql);
    return statement.reader ? (statement.all(...params) as T[]) : (statement.run(...params), []);
  } finally {
    db.close();
  }
}

/**
 * SQL run on this process's control plane by another process (the CLI, another node): seen from
 * the next turn of the event loop on control.db, once its NOTIFY arrives on PostgreSQL (assert
 * with `expect.poll`).
 */
export async function controlSqlFromAnotherProcess(sql: string): Promise<void> {
  const url = config().controlDatabaseUrl;
  if (url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
    return;
  }
  const other = new Database(controlDbPath());
  try {
    other.exec(sql);
  } finally {
    other.close();
  }
  await nextTurn();
}
