import Database from 'better-sqlite3';
import pg from 'pg';
import { config } from '@/lib/config';
import { controlDbPath } from '@/lib/db/paths';
import { nextTurn } from './turn';

/**
 * SQL run on the control plane by another process (the CLI, another node), on whichever backend
 * this test runs: control.db through a connection of its own (seen from the next turn of the
 * event loop), or PostgreSQL through a client of its own (seen once its NOTIFY arrives: assert
 * with `expect.poll`). The SQL must be valid on both.
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
