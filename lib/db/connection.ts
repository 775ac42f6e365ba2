import Database from 'better-sqlite3';

export type Sqlite = Database.Database;

export type OpenOptions = {
  /** Refuse to create the file: reads must never create a blog. */
  mustExist: boolean;
  /** `cache_size` in KiB. Tenants get a small one because hundreds are open at once. */
  cacheKiB: number;
};

/**
 * Opens a SQLite file with the pragmas every Quire connection uses (docs/architecture.md, "Data").
 * Setting WAL reads the header, so a file that is not a database fails here, at open.
 */
export function openDatabase(file: string, options: OpenOptions): Sqlite {
  const db = new Database(file, { fileMustExist: options.mustExist });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // Functions in a file's schema (triggers, views, defaults) run only if innocuous: a blog
    // file may have come from anywhere.
    db.pragma('trusted_schema = OFF');
    db.pragma(`cache_size = -${Math.max(64, Math.floor(options.cacheKiB))}`);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** A per-handle memo of prepared statements: prepare the hot-path queries once per handle. */
export type StatementCache = <T>(key: string, prepare: () => T) => T;

export function statementCache(): StatementCache {
  const statements = new Map<string, unknown>();
  return <T>(key: string, prepare: () => T): T => {
    if (!statements.has(key)) statements.set(key, prepare());
    return statements.get(key) as T;
  };
}
