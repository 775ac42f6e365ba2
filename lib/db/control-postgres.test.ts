import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { eq, sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { controlSqlFromAnotherProcess } from '@/lib/testing/control';
import { postgresForTestFile } from '@/lib/testing/postgres';
import { migrate, migrationSet } from './migrate';
import { numberPlaceholders, unqualifyConflictTarget } from './control-postgres';
import { blogs, users } from './schema/control';

/**
 * The PostgreSQL control plane itself (the rest of the suite runs against it with `npm run
 * test:postgres`): its schema is control.db's, its transactions hold, its registry follows other
 * nodes' writes and survives the server restarting. A server of its own, unless the suite's.
 */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-control-pg-'));
process.env.QUIRE_DATA_DIR = dataDir;
const { url, server } = await postgresForTestFile('quire_control');
process.env.QUIRE_CONTROL_DATABASE_URL = url;

const { closeControlDb, controlDb } = await import('./control');
const { registeredBlog, registryLoaded } = await import('@/lib/registry/registry');
const { bumpGeneration, bumpsWritten, knownGeneration } = await import('@/lib/pagecache/generation');

afterAll(async () => {
  await closeControlDb();
  await server?.destroy();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const RECONNECTED_WITHIN_MS = 45_000;

/** Another node: its own connection to the same database. */
const fromAnotherNode = controlSqlFromAnotherProcess;

describe('the control plane on PostgreSQL', () => {
  it("has every table and column control.db has (and a cluster's own tables)", async () => {
    await controlDb().orm.select().from(users).all(); // migrates
    const sqlite = new Database(':memory:');
    migrate(sqlite, migrationSet('control'));
    const inSqlite = (
      sqlite
        .prepare(
          `select m.name || '.' || c.name from sqlite_master m, pragma_table_info(m.name) c
           where m.type = 'table' and m.name not like 'sqlite_%' order by 1`,
        )
        .pluck()
        .all() as string[]
    ).sort();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ name: string }>(
      `select table_name || '.' || column_name as name from information_schema.columns
       where table_schema = 'public' and table_name not in ('quire_schema', 'nodes', 'placement')`,
    );
    await client.end();
    expect(rows.map((row) => row.name).sort()).toEqual(inSqlite);
  });

  it('numbers placeholders outside quoted strings and names', () => {
    expect(numberPlaceholders(`select "a?" from t where x = ? and y = '?' and z in (?, ?)`)).toBe(
      `select "a?" from t where x = $1 and y = '?' and z in ($2, $3)`,
    );
  });

  it("names an upsert's conflict columns without their table", () => {
    expect(unqualifyConflictTarget(`insert into "t" ("a") values (?) on conflict ("t"."a", "t"."b") do update set "c" = ?`)).toBe(
      `insert into "t" ("a") values (?) on conflict ("a", "b") do update set "c" = ?`,
    );
  });

  it('reads back what drizzle writes: ids, times, booleans, buffers', async () => {
    const at = new Date(1_700_000_000_123);
    const user = await controlDb()
      .orm.insert(users)
      .values({ email: 'pg@example.com', passwordHash: 'h', createdAt: at, commentMail: false })
      .returning()
      .get();
    expect(user).toMatchObject({ email: 'pg@example.com', createdAt: at, commentMail: false, disabledAt: null });
    expect(typeof user.id).toBe('number');
    const counted = await controlDb()
      .orm.select({ n: sql<number>`count(*)` })
      .from(users)
      .get();
    expect(counted?.n).toBe(1);
    const again = await controlDb()
      .orm.insert(users)
      .values({ email: 'pg@example.com', passwordHash: 'h2', createdAt: at })
      .onConflictDoUpdate({ target: users.email, set: { passwordHash: 'h2' } })
      .returning()
      .get();
    expect(again).toMatchObject({ id: user.id, passwordHash: 'h2' });
  });

  it('runs write transactions one at a time, and rolls back one that throws', async () => {
    const db = controlDb();
    await db.orm.insert(blogs).values({ slug: 'counter', title: '0', createdAt: new Date() }).run();
    // Read-then-write in each: without the lock, concurrent ones would read the same value.
    const increment = () =>
      db.transaction(async (tx) => {
        const row = await tx.select({ title: blogs.title }).from(blogs).where(eq(blogs.slug, 'counter')).get();
        await tx
          .update(blogs)
          .set({ title: String(Number(row!.title) + 1) })
          .where(eq(blogs.slug, 'counter'))
          .run();
      });
    await Promise.all(Array.from({ length: 20 }, increment));
    await expect(
      db.transaction(async (tx) => {
        await tx.update(blogs).set({ title: 'lost' }).where(eq(blogs.slug, 'counter')).run();
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect((await db.orm.select().from(blogs).where(eq(blogs.slug, 'counter')).get())?.title).toBe('20');
  });

  // The listener retries 1 s, 2 s, 4 s…: on a busy machine the server's restart can take a while.
  it('keeps the registry current from other nodes, and across a server restart', { timeout: 120_000 }, async () => {
    await registryLoaded();
    expect(registeredBlog('counter')?.status).toBe('active');
    await fromAnotherNode(`insert into blogs (slug, title, created_at) values ('elsewhere', 'E', 1)`);
    await expect.poll(() => registeredBlog('elsewhere')?.status).toBe('active');
    await fromAnotherNode(`update blogs set generation = generation + 1 where slug = 'elsewhere'`);
    await expect.poll(() => registeredBlog('elsewhere')?.generation).toBe(1);

    // This process's own writes are in the registry when they return.
    await controlDb().orm.update(blogs).set({ status: 'maintenance' }).where(eq(blogs.slug, 'counter')).run();
    expect(registeredBlog('counter')?.status).toBe('maintenance');

    if (!server) return; // the suite's server is not ours to restart
    await server.stop();
    // Lookups keep answering from memory while the server is away.
    expect(registeredBlog('elsewhere')?.status).toBe('active');
    // A page-cache bump it cannot take is owed: the keys carry a mark until it is written.
    const before = knownGeneration('elsewhere');
    bumpGeneration('elsewhere');
    expect(knownGeneration('elsewhere')).toBe('2'); // counted here at once
    await bumpsWritten();
    // Not written: the keys carry a mark too (another node's next bump may write 2 for its own change).
    expect(knownGeneration('elsewhere')).toMatch(/^2\.[0-9a-f]{12}$/);
    expect(knownGeneration('elsewhere')).not.toBe(before);
    await server.start();
    await expect.poll(() => knownGeneration('elsewhere'), { timeout: RECONNECTED_WITHIN_MS }).toBe('2');
    // Missed while it was away (written straight into the files' new life): read after reconnecting.
    await fromAnotherNode(`update blogs set status = 'deleted' where slug = 'elsewhere'`);
    await expect.poll(() => registeredBlog('elsewhere')?.status, { timeout: RECONNECTED_WITHIN_MS }).toBe('deleted');
    // Queries work again through the pool.
    expect((await controlDb().orm.select().from(blogs).all()).length).toBe(2);
  });
});
