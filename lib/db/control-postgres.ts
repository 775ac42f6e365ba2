import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { drizzle } from 'drizzle-orm/sqlite-proxy';
import { appRoot } from '@/lib/config';
import type { ControlDb, ControlOrm, DriverResult, TransactionOptions } from './control';

/**
 * The control plane on PostgreSQL (docs/architecture.md, "The control plane"). drizzle's SQLite
 * dialect builds the queries (one set of queries for both backends); what differs is carried
 * here: `?` placeholders become `$n`, upserts name their conflict columns bare, 64-bit integers come back as numbers, and the schema is
 * `migrations/control-postgres` (ids SQLite fills from NULL are filled by a trigger there).
 */

const BIGINT = 20;
const NUMERIC = 1700;
/** int8 and numeric as numbers, as SQLite hands them back (ids, times in ms and counts fit a double). */
export const pgNumberTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === BIGINT || oid === NUMERIC) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

const WRITE = /^(?:insert into|update|delete from) "?(\w+)"?/i;
/** What `bumpGeneration` runs: the registry updates itself from its answer, no reread needed. */
const GENERATION_BUMP = /^update "?blogs"? set "?generation"? = "?generation"? \+ 1 /i;

/** Write transactions take this lock: one at a time, as on SQLite (see ControlDb.transaction). */
const WRITE_LOCK = 7_146_001;
const MIGRATION_LOCK = 7_146_002;
const ROUTES_LOCK = 7_146_003;

export function openPostgresControl(url: string, schema: Record<string, unknown>): ControlDb {
  const pool = new pg.Pool({
    connectionString: url,
    types: pgNumberTypes,
    max: 10,
    idleTimeoutMillis: 10_000,
    connectionTimeoutMillis: 5_000,
  });
  // An idle client losing its server (PostgreSQL restarted) is dropped by the pool; without a
  // listener the error would end the process.
  pool.on('error', (error) => console.error(`[quire] control database connection lost: ${error.message}`));

  const listeners: ControlListener[] = [];
  const followers: { tables: Set<string>; reread: () => Promise<void> }[] = [];
  /** The followers whose tables a statement writes to. */
  const touched = (text: string) => {
    const table = WRITE.exec(text)?.[1];
    return table && !GENERATION_BUMP.test(text) ? followers.filter((f) => f.tables.has(table)) : [];
  };
  const tell = async (due: Set<(typeof followers)[number]>) => {
    for (const follower of due) await follower.reread();
  };

  let ready: Promise<void> | undefined;
  const migrated = () => (ready ??= migratePostgres(pool).catch((error: unknown) => ((ready = undefined), Promise.reject(error))));

  const orm: ControlOrm = drizzle(
    async (text, params, method) => {
      await migrated();
      const result = await execute(pool, text, params, method);
      await tell(new Set(touched(text)));
      return result;
    },
    { schema },
  ) as ControlOrm;

  return {
    backend: 'postgres',
    orm,
    sqlite: undefined,
    async transaction<T>(work: (tx: ControlOrm) => Promise<T>, options?: TransactionOptions): Promise<T> {
      await migrated();
      const client = await pool.connect();
      const due = new Set<(typeof followers)[number]>();
      let result: T;
      try {
        await client.query('begin');
        await client.query('select pg_advisory_xact_lock($1)', [options?.lock === 'routes' ? ROUTES_LOCK : WRITE_LOCK]);
        const tx = drizzle(
          async (text, params, method) => {
            touched(text).forEach((follower) => due.add(follower));
            return execute(client, text, params, method);
          },
          { schema },
        ) as ControlOrm;
        result = await work(tx);
        await client.query('commit');
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
      // After the client is back in the pool: the rereads need clients of their own.
      await tell(due);
      return result;
    },
    listen(channel, onMessage, onConnected) {
      listeners.push(listenControl(url, channel, onMessage, onConnected));
    },
    followOwnWrites(tables, reread) {
      followers.push({ tables: new Set(tables), reread });
    },
    async close() {
      await Promise.all(listeners.map((listener) => listener.close()));
      await pool.end();
    },
  };
}

async function execute(
  client: pg.Pool | pg.PoolClient,
  text: string,
  params: unknown[],
  method: 'run' | 'all' | 'values' | 'get',
): Promise<DriverResult> {
  const query = numberPlaceholders(unqualifyConflictTarget(text));
  if (method === 'run') {
    const result = await client.query({ text: query, values: params });
    return { rows: [], changes: result.rowCount ?? 0 };
  }
  const result = await client.query({ text: query, values: params, rowMode: 'array' });
  return { rows: method === 'get' ? (result.rows[0] as any[]) : result.rows }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * drizzle's SQLite dialect names an upsert's conflict columns with their table
 * (`on conflict ("t"."a")`), which PostgreSQL refuses: it takes the bare names.
 */
export function unqualifyConflictTarget(text: string): string {
  return text.replace(/ on conflict \(([^)]*)\)/g, (_, columns: string) => ` on conflict (${columns.replace(/"[^"]+"\./g, '')})`);
}

/** `?` → `$1, $2, …`, outside quoted strings and names (drizzle quotes names with `"`). */
export function numberPlaceholders(text: string): string {
  let out = '';
  let n = 0;
  let quote: string | undefined;
  for (const char of text) {
    if (quote) {
      if (char === quote) quote = undefined;
      out += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      out += char;
    } else out += char === '?' ? `$${++n}` : char;
  }
  return out;
}

const migrationsFolder = () => path.join(appRoot(), 'lib', 'db', 'migrations', 'control-postgres');

/** Applies the files of `migrations/control-postgres` not yet applied, each in its own transaction. */
async function migratePostgres(pool: pg.Pool): Promise<void> {
  const files = fs
    .readdirSync(migrationsFolder())
    .filter((name) => name.endsWith('.sql'))
    .sort();
  const client = await pool.connect();
  try {
    // Every node starts the same way: one migrates, the others wait and find nothing to do.
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query('create table if not exists quire_schema (version integer not null)');
    const { rows } = await client.query<{ version: number }>('select version from quire_schema');
    let version = rows[0]?.version ?? 0;
    if (version > files.length) {
      throw new Error(`The control database has schema version ${version}, newer than this Quire knows (${files.length}).`);
    }
    for (; version < files.length; version++) {
      const sql = fs.readFileSync(path.join(migrationsFolder(), files[version]!), 'utf8');
      await client.query('begin');
      try {
        await client.query(sql);
        await client.query('delete from quire_schema');
        await client.query('insert into quire_schema (version) values ($1)', [version + 1]);
        await client.query('commit');
      } catch (error) {
        await client.query('rollback');
        throw new Error(`control migration ${files[version]} failed: ${(error as Error).message}`);
      }
    }
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
}

type ControlListener = { close(): Promise<void> };

/** ControlDb.listen: reconnecting 1 s doubling to 30 s. */
function listenControl(url: string, channel: string, onMessage: (payload: string) => void, onConnected: () => void): ControlListener {
  let client: pg.Client | undefined;
  let closed = false;
  let delay = 1000;
  let timer: NodeJS.Timeout | undefined;
  const connect = async () => {
    if (closed) return;
    const next = new pg.Client({ connectionString: url, types: pgNumberTypes, connectionTimeoutMillis: 5_000 });
    next.on('notification', (message) => onMessage(message.payload ?? ''));
    next.on('error', () => retry(next));
    next.on('end', () => retry(next));
    try {
      await next.connect();
      await next.query(`listen ${pg.escapeIdentifier(channel)}`);
      client = next;
      delay = 1000;
      onConnected();
    } catch {
      retry(next);
    }
  };
  const retry = (failed: pg.Client) => {
    if (closed || timer || (client && client !== failed)) return;
    client = undefined;
    failed.end().catch(() => undefined);
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, delay);
    timer.unref();
    delay = Math.min(delay * 2, 30_000);
  };
  void connect();
  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await client?.end().catch(() => undefined);
    },
  };
}
