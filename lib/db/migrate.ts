import path from 'node:path';
import { readMigrationFiles, type MigrationMeta } from 'drizzle-orm/migrator';
import { appRoot } from '@/lib/config';
import type { Sqlite } from './connection';

/**
 * Applies drizzle-kit's SQL migrations to one SQLite file.
 *
 * drizzle's own migrator runs every pending file inside one transaction, where
 * `PRAGMA foreign_keys=OFF` is silently ignored, so a table rebuild can fire ON DELETE CASCADE
 * and drop rows (docs/architecture.md, "Schema changes across many files"). Here foreign keys
 * are switched off on the connection before any transaction, each migration commits alone with
 * `foreign_key_check` run before its commit, and `PRAGMA user_version` records how many
 * migrations the file has — so checking whether a file is current costs one pragma.
 */

export type MigrationSet = { name: string; migrations: MigrationMeta[] };

const sets = new Map<string, MigrationSet>();

/**
 * Reads (once per process) the migrations drizzle-kit generated for `control` or `tenant`.
 * `QUIRE_TENANT_MIGRATIONS_DIR` points the tenant set elsewhere: for rehearsing a new
 * migration against real blogs, and for the tests of `quire migrate`.
 */
export function migrationSet(name: 'control' | 'tenant'): MigrationSet {
  let set = sets.get(name);
  if (!set) {
    const override = name === 'tenant' ? process.env.QUIRE_TENANT_MIGRATIONS_DIR : undefined;
    const folder = override ? path.resolve(override) : path.join(appRoot(), 'lib', 'db', 'migrations', name);
    set = { name, migrations: readMigrationFiles({ migrationsFolder: folder }) };
    sets.set(name, set);
  }
  return set;
}

export class MigrationError extends Error {
  constructor(
    message: string,
    readonly fromVersion: number,
    readonly failedVersion: number,
  ) {
    super(message);
    this.name = 'MigrationError';
  }
}

export function schemaVersion(db: Sqlite): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Brings `db` to `target` (by default the newest schema), one migration per transaction. */
export function migrate(db: Sqlite, set: MigrationSet, target = set.migrations.length): { from: number; to: number } {
  const from = schemaVersion(db);
  if (from > target) {
    throw new MigrationError(`This file has schema version ${from}, newer than this Quire knows (${set.migrations.length}).`, from, from);
  }
  if (from === target) return { from, to: from };

  db.pragma('foreign_keys = OFF');
  try {
    for (;;) {
      let applied: number | null = null;
      try {
        db.transaction(() => {
          // Read again under the write lock: another process (the server, `quire migrate`) may
          // have migrated this file while we waited for it.
          const version = schemaVersion(db);
          if (version >= target) return;
          applied = version + 1;
          for (const statement of set.migrations[version]!.sql) {
            if (statement.trim()) db.exec(statement);
          }
          const violations = db.pragma('foreign_key_check') as unknown[];
          if (violations.length > 0) {
            throw new Error(`${violations.length} foreign key violation(s)`);
          }
          db.pragma(`user_version = ${version + 1}`);
        }).immediate();
      } catch (error) {
        // A busy file is not a broken migration: the caller may simply try again later.
        if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY')) throw error;
        const reason = error instanceof Error ? error.message : String(error);
        throw new MigrationError(`${set.name} migration ${applied ?? '?'} of ${target} failed: ${reason}`, from, applied ?? from);
      }
      if (applied === null) break;
    }
  } finally {
    db.pragma('foreign_keys = ON');
  }
  return { from, to: target };
}
