import fs from 'node:fs';
import path from 'node:path';
import { openDatabase, type Sqlite } from '@/lib/db/connection';
import { diskSpace } from '@/lib/disk/space';
import type { CachedEntry } from './cache';

/**
 * The page cache's second tier: every rendered page (its gzip and brotli forms) and every
 * moved-address redirect, kept on disk so that a page is rendered once per change of its blog,
 * not once per eviction from memory (docs/architecture.md, "Page cache").
 *
 * One SQLite file for all blogs, `data/cache/pages-<build>.db`: one handle however many blogs,
 * reads of a few tens of KB by primary key from the OS page cache, and nothing beside the blog
 * files (the export is the blog file alone). A new build starts a new file (its pages may render
 * differently) and the old ones are deleted. Bounded in bytes: past the bound, the pages stored
 * longest ago go first. A page of an older generation is deleted when it is asked for; one never
 * asked for again waits for the bound.
 */
export type PageLocation = { slug: string; generation: string; url: string };

const TRIM_BATCH = 200;

export class PageStore {
  private readonly db: Sqlite;
  private readonly select;
  private readonly upsert;
  private readonly remove;
  private readonly trim;
  private bytes: number;

  constructor(
    readonly file: string,
    private readonly maxBytes: number,
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = openOrStartOver(file);
    this.db.exec(`create table if not exists pages (
      slug text not null,
      url text not null,
      generation text not null,
      content_type text not null,
      etag text not null,
      gzip blob,
      brotli blob,
      location text,
      bytes integer not null,
      primary key (slug, url)
    )`);
    this.select = this.db.prepare(
      'select generation, content_type as contentType, etag, gzip, brotli, location from pages where slug = ? and url = ?',
    );
    this.upsert = this.db.prepare(
      `insert or replace into pages (slug, url, generation, content_type, etag, gzip, brotli, location, bytes)
       values (@slug, @url, @generation, @contentType, @etag, @gzip, @brotli, @location, @bytes)`,
    );
    this.remove = this.db.prepare('delete from pages where slug = ? and url = ? returning bytes').pluck();
    // The rowid grows with every store (a replace is a delete and an insert): oldest stored first.
    this.trim = this.db
      .prepare(`delete from pages where rowid in (select rowid from pages order by rowid limit ${TRIM_BATCH}) returning bytes`)
      .pluck();
    this.bytes = (this.db.prepare('select coalesce(sum(bytes), 0) from pages').pluck().get() as number) ?? 0;
  }

  get(at: PageLocation): CachedEntry | undefined {
    const row = this.select.get(at.slug, at.url) as
      | { generation: string; contentType: string; etag: string; gzip: Buffer | null; brotli: Buffer | null; location: string | null }
      | undefined;
    if (!row) return undefined;
    if (row.generation !== at.generation) {
      this.bytes -= (this.remove.get(at.slug, at.url) as number | undefined) ?? 0;
      return undefined;
    }
    if (row.location !== null) return { kind: 'redirect', location: row.location };
    return { kind: 'page', gzip: row.gzip!, brotli: row.brotli!, etag: row.etag, contentType: row.contentType };
  }

  put(at: PageLocation, entry: CachedEntry): void {
    const page = entry.kind === 'page' ? entry : undefined;
    const bytes =
      (page ? page.gzip.length + page.brotli.length : entry.kind === 'redirect' ? entry.location.length : 0) + at.url.length + 100;
    if (bytes > this.maxBytes / 4) return;
    // Only a cache: below the free-space margin it stops growing, and the room goes to authors.
    if (diskSpace().low) return;
    const previous = (this.remove.get(at.slug, at.url) as number | undefined) ?? 0;
    this.upsert.run({
      ...at,
      contentType: page?.contentType ?? '',
      etag: page?.etag ?? '',
      gzip: page?.gzip ?? null,
      brotli: page?.brotli ?? null,
      location: entry.kind === 'redirect' ? entry.location : null,
      bytes,
    });
    this.bytes += bytes - previous;
    while (this.bytes > this.maxBytes) {
      const freed = this.trim.all() as number[];
      if (freed.length === 0) break;
      this.bytes -= freed.reduce((sum, n) => sum + n, 0);
    }
  }

  stats(): { entries: number; bytes: number } {
    return { entries: this.db.prepare('select count(*) from pages').pluck().get() as number, bytes: this.bytes };
  }

  close(): void {
    this.db.close();
  }
}

/**
 * The store for this build, deleting the files of other builds. A file that cannot be opened
 * (damaged by a crash mid-write) is started over: it is only a cache.
 */
export function openPageStore(dir: string, build: string, maxBytes: number): PageStore {
  const name = `pages-${build.replace(/[^\w-]/g, '_')}.db`;
  fs.mkdirSync(dir, { recursive: true });
  for (const other of fs.readdirSync(dir)) {
    if (other.startsWith('pages-') && !other.startsWith(name)) fs.rmSync(path.join(dir, other), { force: true });
  }
  return new PageStore(path.join(dir, name), maxBytes);
}

function openOrStartOver(file: string): Sqlite {
  try {
    const db = openDatabase(file, { mustExist: false, cacheKiB: 2048 });
    db.pragma('schema_version'); // reads the header: a damaged file fails here
    return db;
  } catch {
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
    return openDatabase(file, { mustExist: false, cacheKiB: 2048 });
  }
}
