import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MEDIA_ALT_MAX } from '@/lib/input/lengths';
import { openDatabase, type Sqlite } from './connection';
import { migrate, migrationSet, schemaVersion } from './migrate';

/**
 * Upgrades of real-looking blog files: from every earlier schema version to the newest, with
 * rows at the edges of what the file (and the app's limits) allow. A version is PRAGMA
 * user_version, the number of migrations a file has: schema 5 is a file made by 0000…0004.
 */

const tenant = migrationSet('tenant');
const NEWEST = tenant.migrations.length;

/** The schema version at which each table appears, from reading lib/db/migrations/tenant. */
const TABLE_SINCE: Record<string, number> = {
  settings: 1, // 0000_initial_posts_settings
  posts: 1,
  pages: 2, // 0001_pages
  daily_views: 3, // 0002_reading_stats
  daily_visitors: 3,
  daily_referrers: 3,
  tags: 4, // 0003_tags_media_about
  post_tags: 4,
  media: 4,
  comments: 5, // 0004_comments
  media_variants: 7, // 0006_media_variants
  post_revisions: 8, // 0007_writing_without_fear
  redirects: 8,
  subscribers: 11, // 0010_subscribers
};

/** Columns added to a table after it was made: the version they appear in and the value old rows get. */
const COLUMN_SINCE: Record<string, Record<string, [since: number, value: null | string | number]>> = {
  posts: {
    body_text: [5, ''], // 0004
    cover_media_id: [7, null], // 0006
    auto_excerpt: [8, ''], // 0007, then filled from excerpt (EXCERPT_SINCE)
    deleted_at: [8, null],
    status_before_trash: [8, null],
    reading_minutes: [10, 1], // 0009_reading_time_focusable_code, then counted from markdown (READING_SINCE)
  },
  pages: { deleted_at: [8, null], status_before_trash: [8, null] }, // 0007
  media: { width: [7, null], height: [7, null], sha256: [7, null], alt: [9, ''] }, // 0006; alt 0008_media_descriptions
};

/** 0005_posts_search: the full-text index, and body_text filled from markdown where it was empty. */
const SEARCH_SINCE = 6;

/** 0007_writing_without_fear: auto_excerpt starts as the excerpt a post already had. */
const EXCERPT_SINCE = 8;

/**
 * 0009_reading_time_focusable_code: older posts' reading time is counted in SQL, from the spaces
 * between words; stored code blocks (posts, pages, comments) take the keyboard's focus.
 */
const READING_SINCE = 10;
function readingMinutesCountedInSql(markdown: string): number {
  let text = markdown.replace(/[\r\n\t]/g, ' ');
  for (let pass = 0; pass < 4; pass++) text = text.replaceAll('  ', ' ');
  text = text.replace(/^ +| +$/g, '');
  const words = text === '' ? 0 : text.split(' ').length;
  return Math.max(1, Math.round(words / 230));
}

// Text that is hard on storage and on the tokenizer: astral-plane emoji (surrogate pairs, a ZWJ
// sequence with a skin tone), combining marks, right-to-left scripts, CJK.
const EMOJI = '🦄👩🏽‍💻𝄞';
const COMBINING = 'Cafe\u0301 Zoe\u0308 Z\u0324\u0354\u0367\u0311a\u0308\u0356\u032d';
const RTL = 'עברית عربي';
const MIXED = `${RTL} ${COMBINING} ${EMOJI} 漢字 `;

/** `text` repeated to exactly `length` UTF-16 code units (what the forms' limits count), never splitting a code point. */
function fill(text: string, length: number): string {
  const chars = Array.from(text);
  let out = '';
  for (let i = 0; out.length + chars[i % chars.length]!.length <= length; i++) out += chars[i % chars.length];
  return out.padEnd(length, '.');
}

type Row = Record<string, string | number | Buffer | null>;
const AT = 1_790_000_000_000;

// One helper per kind of row: the row as the newest schema has it, with every column given.
function post(id: number, fields: Partial<Row>): Row {
  return {
    id,
    slug: `post-${id}`,
    title: '',
    markdown: '',
    html: '',
    excerpt: '',
    status: 'draft',
    published_at: null,
    created_at: AT,
    updated_at: AT,
    views: 0,
    body_text: '',
    cover_media_id: null,
    auto_excerpt: '',
    deleted_at: null,
    status_before_trash: null,
    reading_minutes: 1,
    ...fields,
  };
}
function page(id: number, fields: Partial<Row>): Row {
  return {
    id,
    slug: `page-${id}`,
    title: '',
    markdown: '',
    html: '',
    status: 'draft',
    nav_order: 0,
    created_at: AT,
    updated_at: AT,
    deleted_at: null,
    status_before_trash: null,
    ...fields,
  };
}
function tag(id: number, slug: string, name: string): Row {
  return { id, slug, name };
}
function image(id: number, filename: string, mime: string, bytes: Buffer, fields: Partial<Row> = {}): Row {
  return { id, filename, mime, size: bytes.length, bytes, created_at: AT, width: null, height: null, sha256: null, alt: '', ...fields };
}
function comment(id: number, postId: number, fields: Partial<Row>): Row {
  return { id, post_id: postId, author_name: '', author_url: null, body: '', html: '', status: 'pending', created_at: AT, ...fields };
}
function revision(id: number, postId: number, fields: Partial<Row>): Row {
  return { id, post_id: postId, kind: 'saved', title: '', markdown: '', excerpt: '', tags: '[]', created_at: AT, ...fields };
}

const LONGEST = 1;
const RTL_POST = 3;
const LEGACY = 4;
const TRASHED = 5;

/** The rows put in every file, by table, in an order that satisfies the foreign keys. */
const FIXTURES: Record<string, Row[]> = {
  settings: [
    { key: 'title', value: fill(MIXED, 200) },
    { key: 'description', value: '' },
    { key: 'author_name', value: RTL },
  ],
  posts: [
    post(LONGEST, {
      slug: 'longest',
      title: fill(MIXED, 200),
      markdown: fill(MIXED, 200_000),
      html: `<p>${fill(MIXED, 1000)}</p>`,
      excerpt: fill(MIXED, 500),
      status: 'published',
      published_at: AT,
      views: Number.MAX_SAFE_INTEGER,
      body_text: fill(MIXED, 200_000),
    }),
    post(2, {}), // every text empty, published_at null
    post(RTL_POST, {
      title: 'שלום — מאמר',
      markdown: '# مرحبا بالعالم\n\nCre\u0300me brûlée ✓ עברית',
      html: '<h1>مرحبا بالعالم</h1><pre><code>x</code></pre><p>a <code>pre</code></p><pre><code>y</code></pre>',
      status: 'scheduled',
      published_at: AT + 1,
      body_text: 'مرحبا بالعالم Cre\u0300me brûlée ✓ עברית',
    }),
    // Markdown but no body_text: a post written before body_text existed (or before 0005).
    post(LEGACY, { title: 'Ünïcödé', markdown: 'A legacy post 🦄', status: 'published', published_at: AT }),
    // In the trash: a draft until restored, remembering that it was published (schema 8 on).
    post(TRASHED, {
      title: 'Binned',
      markdown: 'Thrown away',
      body_text: 'Thrown away',
      excerpt: fill(MIXED, 500),
      auto_excerpt: fill(MIXED, 500),
      status: 'draft',
      published_at: AT,
      deleted_at: AT + 2,
      status_before_trash: 'published',
    }),
  ],
  pages: [
    page(1, {
      title: fill(MIXED, 200),
      markdown: fill(MIXED, 200_000),
      html: '<pre><code>x</code></pre>',
      status: 'published',
      nav_order: -1,
    }),
    page(2, {}),
    page(3, { title: 'Gone', markdown: 'x', status: 'draft', deleted_at: Number.MAX_SAFE_INTEGER, status_before_trash: 'published' }),
  ],
  daily_views: [
    { day: '2026-01-01', post_id: 0, views: Number.MAX_SAFE_INTEGER, uniques: 0 },
    { day: '2026-01-01', post_id: LONGEST, views: 1, uniques: 1 },
  ],
  daily_visitors: [{ day: '2026-01-01', uniques: 0 }],
  daily_referrers: [
    { day: '2026-01-01', host: 'bücher.example', views: 2 },
    { day: '2026-01-01', host: '', views: 1 },
  ],
  tags: [tag(1, 'x'.repeat(40), fill(MIXED, 40)), tag(2, '', '')],
  post_tags: [
    { post_id: LONGEST, tag_id: 1 },
    { post_id: 2, tag_id: 2 },
    { post_id: RTL_POST, tag_id: 1 },
  ],
  media: [
    // A description at the limit (schema 9 on); the other has none.
    image(1, 'photo.png', 'image/png', Buffer.from([0x89, 0x50, 0x4e, 0x47]), { alt: fill(MIXED, MEDIA_ALT_MAX) }),
    image(2, 'empty.gif', 'image/gif', Buffer.alloc(0)),
  ],
  comments: [
    comment(1, LONGEST, { author_name: fill(MIXED, 80), body: fill(MIXED, 5_000), html: '<pre><code>x</code></pre>', status: 'approved' }),
    comment(2, RTL_POST, { author_url: `https://bücher.example/${EMOJI}?q=${RTL}` }), // empty name and body
    comment(3, 2, { author_name: 'spam', author_url: '', body: 'x', status: 'spam' }),
  ],
  post_revisions: [
    revision(1, LONGEST, {
      title: fill(MIXED, 200),
      markdown: fill(MIXED, 200_000),
      excerpt: fill(MIXED, 500),
      tags: JSON.stringify([fill(MIXED, 40), '']),
    }),
    revision(2, RTL_POST, { kind: 'pending', created_at: AT + 1 }), // every text empty
    revision(3, TRASHED, { title: 'Binned', markdown: 'Before it was thrown away' }),
  ],
  redirects: [
    { path: '/posts/old-address', target: '/posts/longest', created_at: AT },
    { path: '/?p=123', target: `/posts/post-${TRASHED}`, created_at: AT }, // an imported site's address, query and all
    { path: `/${fill(`%F0%9F%A6%84${MIXED}`, 1999)}`, target: `/${fill(MIXED, 1999)}`, created_at: AT }, // at the 2,000-character limit
  ],
  subscribers: [
    {
      id: 1,
      email: 'reader@example.org',
      name: fill(MIXED, 100),
      state: 'active',
      token: 'a'.repeat(32),
      source: 'form',
      created_at: AT,
      confirmed_at: AT,
      ended_at: null,
      ended_reason: null,
    },
    {
      id: 2,
      email: 'left@example.org',
      name: null,
      state: 'unsubscribed',
      token: 'b'.repeat(32),
      source: 'import',
      created_at: AT,
      confirmed_at: null,
      ended_at: AT,
      ended_reason: 'unsubscribed',
    },
  ],
};

/** `row` without the columns a file at `version` does not have yet. */
function columnsAt(table: string, row: Row, version: number): Row {
  const added = COLUMN_SINCE[table] ?? {};
  return Object.fromEntries(Object.entries(row).filter(([column]) => (added[column]?.[0] ?? 0) <= version));
}

/** `row` as it should read after upgrading from `start`: new columns at their defaults, 0005's backfill. */
function upgraded(table: string, row: Row, start: number): Row {
  const out = { ...row };
  for (const [column, [since, value]] of Object.entries(COLUMN_SINCE[table] ?? {})) if (start < since) out[column] = value;
  if (table === 'posts' && start < SEARCH_SINCE && out.body_text === '') out.body_text = out.markdown!;
  if (table === 'posts' && start < EXCERPT_SINCE) out.auto_excerpt = out.excerpt!;
  if (table === 'posts' && start < READING_SINCE) out.reading_minutes = readingMinutesCountedInSql(String(out.markdown));
  if (['posts', 'pages', 'comments'].includes(table) && start < READING_SINCE)
    out.html = String(out.html).replaceAll('<pre>', '<pre tabindex="0">');
  return out;
}

function tablesAt(version: number): string[] {
  return Object.keys(FIXTURES).filter((table) => TABLE_SINCE[table]! <= version);
}

function insertFixtures(db: Sqlite, version: number): void {
  for (const table of tablesAt(version)) {
    for (const row of FIXTURES[table]!) {
      const values = columnsAt(table, row, version);
      const columns = Object.keys(values);
      db.prepare(`insert into ${table} (${columns.join(', ')}) values (${columns.map((c) => `@${c}`).join(', ')})`).run(values);
    }
  }
}

const dirs: string[] = [];
function tempDb(): Sqlite {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-upgrade-'));
  dirs.push(dir);
  return openDatabase(path.join(dir, 'blog.db'), { mustExist: false, cacheKiB: 2048 });
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A file at schema `start` holding the fixtures, then brought to the newest schema. */
function upgradedFile(start: number): Sqlite {
  const db = tempDb();
  migrate(db, tenant, start);
  expect(schemaVersion(db)).toBe(start);
  insertFixtures(db, start);
  migrate(db, tenant);
  return db;
}

function schemaOf(db: Sqlite): unknown[] {
  return db.prepare('select type, name, tbl_name, sql from sqlite_schema order by name').all();
}

/** Rowids of the posts whose indexed title or body_text holds `word` (quoted: no query syntax). */
function search(db: Sqlite, word: string): number[] {
  return db.prepare('select rowid from posts_fts where posts_fts match ? order by rowid').pluck().all(`"${word}"`) as number[];
}

function expectWhole(db: Sqlite): void {
  expect(db.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
  expect(db.pragma('foreign_key_check')).toEqual([]);
  // FTS5's own check; rank 1 also compares the index with the posts it was made from.
  expect(() => db.exec("INSERT INTO posts_fts(posts_fts, rank) VALUES('integrity-check', 1)")).not.toThrow();
}

const STARTS = Array.from({ length: NEWEST - 1 }, (_, i) => i + 1);

describe.each(STARTS)('a blog file at schema %i, upgraded to the newest', (start) => {
  it('passes SQLite’s and FTS5’s integrity checks and has exactly the schema of a new file', () => {
    const db = upgradedFile(start);
    expect(schemaVersion(db)).toBe(NEWEST);
    expectWhole(db);
    const fresh = tempDb();
    migrate(fresh, tenant);
    expect(schemaOf(db)).toEqual(schemaOf(fresh));
    fresh.close();
    db.close();
  });

  it('keeps every row with its values', () => {
    const db = upgradedFile(start);
    for (const table of tablesAt(start)) {
      const rows = db.prepare(`select * from ${table} order by rowid`).all() as Row[];
      const expected = FIXTURES[table]!.map((row) => upgraded(table, row, start));
      expect(rows.length, table).toBe(expected.length);
      // Row by row, so a failure names the row rather than diffing 200,000 characters.
      rows.forEach((row, i) => expect(row, `${table} row ${i + 1}`).toEqual(expected[i]));
    }
    expect((FIXTURES.posts![0]!.title as string).length).toBe(200); // the limits really were reached
    db.close();
  });

  it('finds posts by non-ASCII words of their titles and bodies', () => {
    const db = upgradedFile(start);
    expect(search(db, 'שלום')).toEqual([RTL_POST]); // Hebrew, in a title
    expect(search(db, 'مرحبا')).toEqual([RTL_POST]); // Arabic, in a body
    expect(search(db, 'creme')).toEqual([RTL_POST]); // "Cre" + U+0300 COMBINING GRAVE + "me"
    expect(search(db, 'zoe')).toEqual([LONGEST]); // combining diaeresis, in a 200-character title
    expect(search(db, '漢字')).toEqual([LONGEST]);
    // A post without body_text before 0005 is found by its Markdown; one written after it is not.
    expect(search(db, 'legacy')).toEqual(start < SEARCH_SINCE ? [LEGACY] : []);
    db.close();
  });

  it('keeps the search index in step with edits and deletes after the upgrade', () => {
    const db = upgradedFile(start);
    db.prepare("update posts set title = 'Título nuevo', body_text = '' where id = ?").run(RTL_POST);
    db.prepare('update posts set views = views + 1').run(); // not an indexed column: the index is left alone
    db.prepare("update posts set body_text = 'עולם 🦄' where id = ?").run(LEGACY);
    db.prepare('delete from posts where id = 2').run(); // every indexed text empty
    db.prepare("insert into posts (slug, title, created_at, updated_at) values ('new', '', 0, 0)").run();
    expectWhole(db);
    expect(search(db, 'שלום')).toEqual([]);
    expect(search(db, 'titulo')).toEqual([RTL_POST]);
    expect(search(db, 'עולם')).toEqual([LEGACY]);
    db.prepare('delete from posts').run();
    expectWhole(db);
    expect(search(db, 'zoe')).toEqual([]);
    db.close();
  });
});

it('the tables above know the newest schema version (add a new version’s tables, columns and rows there)', () => {
  const columns = Object.values(COLUMN_SINCE).flatMap((added) => Object.values(added).map(([since]) => since));
  expect(Math.max(...Object.values(TABLE_SINCE), ...columns, SEARCH_SINCE, EXCERPT_SINCE, READING_SINCE)).toBe(NEWEST);
});

// The newest version's rows are upgraded only once a later version exists; until then, they must at least fit.
it('the rows above fit a file at the newest schema as they are', () => {
  const db = tempDb();
  migrate(db, tenant);
  insertFixtures(db, NEWEST);
  expectWhole(db);
  for (const table of tablesAt(NEWEST)) expect(db.prepare(`select * from ${table} order by rowid`).all(), table).toEqual(FIXTURES[table]);
  db.close();
});
