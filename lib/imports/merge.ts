import Database from 'better-sqlite3';
import { openDatabase } from '@/lib/db/connection';
import { InputError } from '@/lib/input';

/**
 * Importing into a blog that already has posts: the import is first written whole into a
 * scratch blog file (apply.ts) — the long part: reading, fetching images, rendering — and then
 * copied into the live file in one transaction, here, on the import's worker thread. The
 * imported rows were numbered above the blog's own (`IMPORTED_ID_GAP`), so they are copied as
 * they are; tags are matched by address. Addresses taken in the meantime refuse the merge
 * (nothing is written); the blog's writers wait for the transaction (`busy_timeout`).
 */

export type TakenAddresses = {
  posts: Set<string>;
  pages: Set<string>;
  tags: Set<string>;
  redirects: Set<string>;
  /** The highest id of each table with AUTOINCREMENT ids. */
  maxIds: Record<string, number>;
};

const NUMBERED_TABLES = ['posts', 'pages', 'media', 'comments', 'post_revisions'] as const;

/** What the live blog already uses, read once at the start (read-only, a WAL snapshot). */
export function readTakenAddresses(file: string): TakenAddresses {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const column = (sql: string) => new Set(db.prepare(sql).pluck().all() as string[]);
    const maxIds: Record<string, number> = {};
    // Above every id the blog has used, deleted rows' too (AUTOINCREMENT's own record): an image's
    // id names its bytes for good (its address is cached as immutable).
    const used = db.prepare('select seq from sqlite_sequence where name = ?').pluck();
    for (const table of NUMBERED_TABLES) {
      const max = db.prepare(`select coalesce(max(id), 0) from ${table}`).pluck().get() as number;
      maxIds[table] = Math.max(max, (used.get(table) as number | undefined) ?? 0);
    }
    return {
      posts: column('select slug from posts'),
      pages: column('select slug from pages'),
      tags: column('select slug from tags'),
      redirects: column('select path from redirects'),
      maxIds,
    };
  } finally {
    db.close();
  }
}

/** Copies every row of the staged import into the live blog file, all or nothing. */
export function mergeIntoBlog(staging: string, into: string): void {
  const db = openDatabase(into, { mustExist: true, cacheKiB: 2048 });
  try {
    db.prepare('ATTACH DATABASE ? AS staged').run(staging);
    const columns = (table: string) =>
      (db.prepare('select name from pragma_table_info(?)').pluck().all(table) as string[]).map((c) => `"${c}"`).join(', ');
    const copy = (table: string) => db.exec(`INSERT INTO main.${table} (${columns(table)}) SELECT ${columns(table)} FROM staged.${table}`);
    db.transaction(() => {
      const clash = db
        .prepare(
          `select 'post' as kind, slug from staged.posts where slug in (select slug from main.posts)
           union all select 'page', slug from staged.pages where slug in (select slug from main.pages) limit 1`,
        )
        .get() as { kind: string; slug: string } | undefined;
      if (clash)
        throw new InputError(
          `A ${clash.kind} at the address “${clash.slug}” was made while the import ran; nothing was imported. Try again.`,
        );
      const idClash = NUMBERED_TABLES.find((t) =>
        db.prepare(`select 1 from staged.${t} where id in (select id from main.${t}) limit 1`).get(),
      );
      if (idClash) throw new InputError('This blog changed too much while the import ran; nothing was imported. Try again.');
      copy('media');
      copy('media_variants');
      db.exec('INSERT INTO main.tags (slug, name) SELECT slug, name FROM staged.tags WHERE slug NOT IN (SELECT slug FROM main.tags)');
      copy('posts');
      db.exec(`INSERT INTO main.post_tags (post_id, tag_id)
               SELECT pt.post_id, t.id FROM staged.post_tags pt JOIN staged.tags st ON st.id = pt.tag_id JOIN main.tags t ON t.slug = st.slug`);
      copy('pages');
      copy('comments');
      copy('post_revisions');
      // Existing redirects win; none may shadow an address that is live now.
      db.exec(`INSERT OR IGNORE INTO main.redirects (path, target, created_at)
               SELECT path, target, created_at FROM staged.redirects
               WHERE path NOT IN (SELECT '/posts/' || slug FROM main.posts) AND path NOT IN (SELECT '/' || slug FROM main.pages)
                 AND path NOT IN (SELECT '/tag/' || slug FROM main.tags)`);
    }).immediate();
    db.exec('DETACH DATABASE staged');
  } finally {
    db.close();
  }
}
