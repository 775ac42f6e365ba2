import fs from 'node:fs';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { forgetProcessWide, processWide } from '@/lib/process/shared';
import { config } from '@/lib/config';
import { openDatabase, statementCache, type Sqlite, type StatementCache } from './connection';
import { migrate, migrationSet } from './migrate';
import { controlDbPath } from './paths';
import * as schema from './schema/control';

export type ControlDb = {
  sqlite: Sqlite;
  orm: BetterSQLite3Database<typeof schema>;
  statement: StatementCache;
};

const KEY = 'control-db';

/** The platform's control database, opened (and migrated) once per process. */
export function controlDb(): ControlDb {
  return processWide(KEY, () => {
    fs.mkdirSync(config().dataDir, { recursive: true });
    const sqlite = openDatabase(controlDbPath(), { mustExist: false, cacheKiB: 8192 });
    migrate(sqlite, migrationSet('control'));
    return { sqlite, orm: drizzle({ client: sqlite, schema }), statement: statementCache() };
  });
}

export function closeControlDb(): void {
  const db = processWide<ControlDb | undefined>(KEY, () => undefined);
  db?.sqlite.close();
  forgetProcessWide(KEY);
}
