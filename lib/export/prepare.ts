import fs from 'node:fs';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { blogSettingsSchema, COMMENT_MODES, writeSettings } from '@/lib/blogs/blogs';
import { COMMENT_STATUSES, commentWebsiteSchema, importComments } from '@/lib/comments/comments';
import { COMMENT_BODY_MAX, COMMENT_NAME_MAX } from '@/lib/comments/fields';
import { config } from '@/lib/config';
import { LITESTREAM_TABLES } from '@/lib/db/backup-handoff';
import { openDatabase, type Sqlite } from '@/lib/db/connection';
import { migrate, migrationSet } from '@/lib/db/migrate';
import { createTenantFile, openDetachedTenant, type TenantHandle } from '@/lib/db/pool';
import { HttpError, isOutOfDiskSpace } from '@/lib/http/errors';
import { InputError, parseInput } from '@/lib/input';
import { frontMatterObject, parseYamlSafely, splitFrontMatter } from '@/lib/markdown/front-matter';
import { excerptFromHtml, htmlToText, renderComment, renderMarkdown } from '@/lib/markdown/render';
import { readingMinutes } from '@/lib/markdown/text';
import { mediaAltSchema } from '@/lib/media/alt';
import { MEDIA_ALT_MAX } from '@/lib/input/lengths';
import { processImage, sha256, sniffImage } from '@/lib/media/image';
import { cleanLegacyImage, mediaExists, mediaImageTable, safeFilename, storeImage } from '@/lib/media/media';
import { lookupIn } from '@/lib/markdown/off-thread';
import { savePage } from '@/lib/pages/pages';
import { savePost } from '@/lib/posts/posts';
import { redirectPathProblem } from '@/lib/posts/redirects';
import { POST_SLUG_PATTERN } from '@/lib/posts/slug';
import { removeQuietly } from '@/lib/db/paths';
import { checkDeadline } from '@/lib/workers/deadline';
import { POST_EXCERPT_MAX, POST_MARKDOWN_MAX, POST_TITLE_MAX, TAGS_MAX, TAG_MAX } from '@/lib/input/lengths';
import { openArchive } from '@/lib/uploads/archive';
import { MEDIA_DESCRIPTIONS_FILE } from './markdown';

/**
 * The import pipeline, run in a worker thread of the bulk lane (lib/workers; the serving thread
 * only receives the upload and adopts the result). An upload is hostile: it is never executed,
 * only read — a blog file's schema must be exactly one Quire's own migrations made, a zip is
 * inflated one bounded entry at a time — and every value is checked by the limits the forms use.
 */

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
const ZIP_HEADER = Buffer.from('PK\x03\x04', 'latin1');

/**
 * Turns an upload — a blog file, or a Markdown zip in our export format, told apart by their
 * first bytes — into a fresh blog file at the current schema, or refuses it with one sentence.
 * Only scratch files are touched; no live blog is.
 */
export type PrepareFiles = {
  upload: string;
  /** Where the prepared blog file is made: a scratch path that does not exist yet. */
  fresh: string;
  /** A scratch path for the checked copy of an uploaded blog file. */
  copy: string;
};

export async function prepareBlogFile({ upload, fresh, copy }: PrepareFiles, deadlineAt = Number.POSITIVE_INFINITY): Promise<void> {
  try {
    if (readHeader(upload).subarray(0, 4).equals(ZIP_HEADER)) await prepareFromZip(upload, fresh, deadlineAt);
    else await prepareFromDatabase(upload, fresh, copy, deadlineAt);
  } catch (error) {
    removeQuietly(fresh);
    throw error;
  } finally {
    removeQuietly(copy);
  }
}

function readHeader(file: string): Buffer {
  const header = Buffer.alloc(16);
  const fd = fs.openSync(file, 'r');
  try {
    return header.subarray(0, fs.readSync(fd, header, 0, 16, 0));
  } finally {
    fs.closeSync(fd);
  }
}

// ── A blog file (.db) ────────────────────────────────────────────────────────────────────

async function prepareFromDatabase(upload: string, fresh: string, copied: string, deadlineAt: number): Promise<void> {
  if (!readHeader(upload).equals(SQLITE_HEADER)) throw new InputError('This file is not a SQLite database.');
  {
    copyCheckedUpload(upload, copied);
    checkDeadline(deadlineAt);
    // The copy's schema is exactly ours (checked above): only our own migration SQL runs here.
    const db = openDatabase(copied, { mustExist: true, cacheKiB: 2048 });
    try {
      migrate(db, migrationSet('tenant'));
    } catch (error) {
      // No room is the server's problem, not the file's (docs/architecture.md, "A full disk").
      if (isOutOfDiskSpace(error)) throw error;
      throw new InputError(`This file could not be brought up to date: ${(error as Error).message}`);
    } finally {
      db.close();
    }
    checkDeadline(deadlineAt);
    await rebuildFromCopy(copied, fresh, deadlineAt);
  }
}

/** SQLite's own bookkeeping tables, which any file may have and an import never copies. */
const SQLITE_STAT_TABLES = /^sqlite_stat[1-4]$/;

/** Bookkeeping an import ignores: SQLite's statistics, and Litestream's tables exactly as it makes them. */
function isBookkeeping(row: SchemaRow): boolean {
  return (
    SQLITE_STAT_TABLES.test(row.name) ||
    (row.type === 'table' && Object.hasOwn(LITESTREAM_TABLES, row.name) && LITESTREAM_TABLES[row.name] === row.sql)
  );
}

type SchemaRow = { type: string; name: string; tbl_name: string; sql: string | null };

const schemas = new Map<number, Map<string, string>>();

/** The schema objects of a blog file made by Quire's migrations up to `version`, by name. */
function schemaAt(version: number): Map<string, string> {
  let schema = schemas.get(version);
  if (!schema) {
    const db = openDatabase(':memory:', { mustExist: false, cacheKiB: 256 });
    try {
      migrate(db, migrationSet('tenant'), version);
      schema = schemaMap(db.prepare('select type, name, tbl_name, sql from sqlite_schema').all() as SchemaRow[]);
    } finally {
      db.close();
    }
    schemas.set(version, schema);
  }
  return schema;
}

function schemaMap(rows: SchemaRow[]): Map<string, string> {
  return new Map(rows.filter((r) => !isBookkeeping(r)).map((r) => [r.name, `${r.type}\n${r.tbl_name}\n${r.sql ?? ''}`]));
}

/**
 * Opens the upload read-only with SQLite's defensive settings ("Defense Against the Dark
 * Arts"), checks its pages, and compares its schema with the one Quire's migrations make at
 * the same version: every table, index, trigger and virtual table must be exactly ours, so no
 * CHECK, DEFAULT, trigger or index expression of the upload's own ever runs. Then copies it
 * with VACUUM INTO: only that copy is used.
 */
function copyCheckedUpload(upload: string, dest: string): void {
  let db: Sqlite | undefined;
  try {
    // Read-only and not through openDatabase: nothing (not even WAL mode) is written to the upload.
    db = new Database(upload, { readonly: true, fileMustExist: true });
    db.pragma('trusted_schema = OFF');
    db.pragma('cell_size_check = ON');
    db.pragma('mmap_size = 0');
    const problems = (db.pragma('quick_check(5)') as { quick_check: string }[]).map((row) => row.quick_check);
    if (problems.length !== 1 || problems[0] !== 'ok') throw new InputError(`This file was damaged: ${problems.join('; ')}.`);
  } catch (error) {
    db?.close();
    if (error instanceof InputError) throw error;
    if ((error as { code?: string }).code === 'SQLITE_NOTADB') throw new InputError('This file is not a SQLite database.');
    throw new InputError(`This file was damaged: ${(error as Error).message}.`);
  }
  try {
    const newest = migrationSet('tenant').migrations.length;
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version < 1) {
      // Not ours at all: name a table Quire does not have, if there is one.
      const ours = schemaAt(newest);
      const table = (db.prepare("select name from sqlite_schema where type = 'table'").pluck().all() as string[]).find(
        (name) => !ours.has(name),
      );
      throw new InputError(
        table ? `This database is not a Quire blog (it has a table "${table.slice(0, 60)}").` : 'This database is not a Quire blog.',
      );
    }
    if (version > newest)
      throw new InputError(`This blog comes from a newer Quire (schema ${version}); this server reads up to schema ${newest}.`);
    const theirs = schemaMap(db.prepare('select type, name, tbl_name, sql from sqlite_schema').all() as SchemaRow[]);
    const ours = schemaAt(version);
    const foreign = [...theirs.keys()].find((name) => ours.get(name) !== theirs.get(name));
    if (foreign) throw new InputError(describeForeign(foreign, theirs.get(foreign)!, ours.has(foreign)));
    const missing = [...ours.keys()].find((name) => !theirs.has(name));
    if (missing) throw new InputError(`This database is not a whole Quire blog (it has no "${missing}"); it was not imported.`);
    db.prepare('VACUUM INTO ?').run(dest);
  } finally {
    db.close();
  }
}

/** The sentence for a schema object that Quire's migrations did not make (or made otherwise). */
function describeForeign(name: string, entry: string, altered: boolean): string {
  const [type, , sql] = entry.split('\n');
  const kind = type === 'table' && /^CREATE VIRTUAL TABLE/i.test(sql ?? '') ? 'virtual table' : type!;
  const shown = name.slice(0, 60);
  if (kind === 'table' && !altered) return `This database is not a Quire blog (it has a table "${shown}").`;
  return `This database has a ${kind} ("${shown}") that a Quire blog does not have${altered ? ' in this form' : ''}; it was not imported.`;
}

/** Ordinary tables whose rows an import copies: all of a blog's but the search index's and quire_about. */
function copiedTables(db: Sqlite): string[] {
  const rows = db.prepare("select name, sql from sqlite_schema where type = 'table' and name not like 'sqlite%'").all() as {
    name: string;
    sql: string;
  }[];
  const virtual = rows.filter((r) => /^CREATE VIRTUAL TABLE/i.test(r.sql)).map((r) => r.name);
  return rows.map((r) => r.name).filter((name) => name !== 'quire_about' && !virtual.some((v) => name === v || name.startsWith(`${v}_`)));
}

/**
 * The imported blog is a new file made by Quire's own migrations, into which only known
 * columns of known tables are copied; then every value is checked by the forms' limits, every
 * post, page and comment is rendered and sanitized again from its Markdown, images are
 * re-recognised. None of the upload's stored HTML survives.
 */
async function rebuildFromCopy(copied: string, fresh: string, deadlineAt: number): Promise<void> {
  createTenantFile('import', fresh);
  const db = openDatabase(fresh, { mustExist: true, cacheKiB: 2048 });
  try {
    copyKnownRows(db, copied, copiedTables(db));
    checkValues(db);
    // Images stored before uploads were cleaned get cleaned now (asynchronously, with sharp),
    // before the posts are rendered, so that those know their sizes and smaller copies.
    for (const id of db.prepare('select id from media where sha256 is null').pluck().all() as number[]) {
      checkDeadline(deadlineAt);
      await cleanLegacyImage(() => db, id);
    }
    db.transaction(() => renderAgain(db, deadlineAt))();
  } catch (error) {
    if (error instanceof InputError || isOutOfDiskSpace(error)) throw error;
    throw new InputError(`This file was damaged: ${(error as Error).message}.`);
  } finally {
    db.close();
  }
}

function copyKnownRows(db: Sqlite, copied: string, tables: string[]): void {
  db.prepare('ATTACH DATABASE ? AS upload').run(copied);
  // Tables are copied in no particular order; references are checked once, at the end.
  db.pragma('foreign_keys = OFF');
  db.transaction(() => {
    // Rows go in through our own triggers, so the search index is rebuilt from them.
    for (const table of tables) {
      const ours = new Set(db.prepare('select name from pragma_table_info(?)').pluck().all(table) as string[]);
      const theirs = db.prepare("select name from pragma_table_info(?, 'upload')").pluck().all(table) as string[];
      const columns = theirs
        .filter((c) => ours.has(c))
        .map((c) => `"${c}"`)
        .join(', ');
      if (!columns) continue;
      if (table === 'comments' && theirs.includes('status')) refuseUnknownCommentStatus(db);
      db.exec(`DELETE FROM main."${table}"; INSERT INTO main."${table}" (${columns}) SELECT ${columns} FROM upload."${table}"`);
    }
    checkImages(db);
    if ((db.pragma('foreign_key_check') as unknown[]).length > 0) {
      throw new InputError('This file was damaged: some rows refer to rows that do not exist.');
    }
  })();
  db.exec('DETACH DATABASE upload');
  db.pragma('foreign_keys = ON');
}

/** Checked before the copy, whose CHECK constraint would only say "damaged". */
function refuseUnknownCommentStatus(db: Sqlite): void {
  const known = COMMENT_STATUSES.map((status) => `'${status}'`).join(', ');
  if (db.prepare(`select 1 from upload.comments where status is null or status not in (${known}) limit 1`).get()) {
    throw new InputError(`This file has a comment whose status is not one of ${COMMENT_STATUSES.join(', ')}.`);
  }
}

/**
 * Every value a reader or the front will see is held to the limits the forms hold people to
 * (one definition each, imported): a file cannot carry a 20 MB title into `control.db` or a page.
 */
function checkValues(db: Sqlite): void {
  const handle = { slug: 'import', sqlite: db, orm: undefined } as unknown as TenantHandle;
  const settings = blogSettingsSchema.safeParse(readSettingsRaw(db, handle));
  if (!settings.success) throw new InputError(`This file's blog settings are not valid: ${settings.error.issues[0]!.message}`);
  const tooLong = (what: string, max: number) =>
    new InputError(`This file has ${what} longer than ${max.toLocaleString('en')} characters.`);
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  for (const row of db.prepare('select slug, title, markdown, excerpt from posts').iterate() as IterableIterator<Record<string, unknown>>) {
    const [title, markdown, excerpt] = [text(row.title), text(row.markdown), text(row.excerpt)];
    if (title === null || markdown === null || excerpt === null) throw new InputError('This file has a post whose text is not text.');
    if (title.length > POST_TITLE_MAX) throw tooLong('a post title', POST_TITLE_MAX);
    if (markdown.length > POST_MARKDOWN_MAX) throw tooLong('a post', POST_MARKDOWN_MAX);
    if (excerpt.length > POST_EXCERPT_MAX) throw tooLong('an excerpt', POST_EXCERPT_MAX);
  }
  // A post's earlier versions come back in the editor's History: held to the same limits.
  for (const row of db.prepare('select title, markdown, excerpt, tags from post_revisions').iterate() as IterableIterator<
    Record<string, unknown>
  >) {
    const [title, markdown, excerpt, tagList] = [text(row.title), text(row.markdown), text(row.excerpt), text(row.tags)];
    if (title === null || markdown === null || excerpt === null || tagList === null)
      throw new InputError('This file has an earlier version of a post whose text is not text.');
    if (title.length > POST_TITLE_MAX) throw tooLong('an earlier version of a post with a title', POST_TITLE_MAX);
    if (markdown.length > POST_MARKDOWN_MAX) throw tooLong('an earlier version of a post', POST_MARKDOWN_MAX);
    if (excerpt.length > POST_EXCERPT_MAX) throw tooLong('an earlier version of a post with an excerpt', POST_EXCERPT_MAX);
    if (!revisionTagsSchema.safeParse(parseJson(tagList)).success)
      throw new InputError(
        `This file has an earlier version of a post whose tags are not a list of at most ${TAGS_MAX} tags of at most ${TAG_MAX} characters.`,
      );
  }
  for (const row of db.prepare('select title, markdown from pages').iterate() as IterableIterator<Record<string, unknown>>) {
    const [title, markdown] = [text(row.title), text(row.markdown)];
    if (title === null || markdown === null) throw new InputError('This file has a page whose text is not text.');
    if (title.length > POST_TITLE_MAX) throw tooLong('a page title', POST_TITLE_MAX);
    if (markdown.length > POST_MARKDOWN_MAX) throw tooLong('a page', POST_MARKDOWN_MAX);
  }
  for (const name of db.prepare('select name from tags').pluck().iterate() as IterableIterator<unknown>) {
    if (typeof name !== 'string' || name.length > TAG_MAX) throw tooLong('a tag', TAG_MAX);
  }
  for (const row of db.prepare('select author_name, body from comments').iterate() as IterableIterator<Record<string, unknown>>) {
    const [name, body] = [text(row.author_name), text(row.body)];
    if (name === null || body === null) throw new InputError('This file has a comment whose text is not text.');
    if (name.length > COMMENT_NAME_MAX) throw tooLong("a commenter's name", COMMENT_NAME_MAX);
    if (body.length > COMMENT_BODY_MAX) throw tooLong('a comment', COMMENT_BODY_MAX);
  }
  // An image's description is shown as alt text on the blog (covers) and in the dashboard.
  for (const alt of db.prepare('select alt from media').pluck().iterate() as IterableIterator<unknown>) {
    if (typeof alt !== 'string') throw new InputError('This file has an image whose description is not text.');
    if (alt.length > MEDIA_ALT_MAX) throw tooLong('an image description', MEDIA_ALT_MAX);
    // Quire writes descriptions as one trimmed line (mediaAltSchema); anything else was not written by it.
    if (mediaAltSchema.safeParse(alt).data !== alt)
      throw new InputError('This file has an image whose description is not one line of text.');
  }
  checkTrash(db);
  // The front answers a redirect's path with its target as the Location: a target elsewhere
  // (`//evil.example`) would make the blog an open redirect.
  for (const row of db.prepare('select path, target from redirects').iterate() as IterableIterator<Record<string, unknown>>) {
    for (const [what, value] of [
      ['address', row.path],
      ['target', row.target],
    ] as const) {
      const problem = redirectPathProblem(value);
      if (problem) throw new InputError(`This file has a redirect whose ${what} ${problem}.`);
    }
  }
}

/** What is in the trash is a draft (so readers cannot see it) with a time, and comes back as something a post or page can be. */
function checkTrash(db: Sqlite): void {
  for (const [table, kind, statuses] of [
    ['posts', 'post', ['draft', 'published', 'scheduled']],
    ['pages', 'page', ['draft', 'published']],
  ] as const) {
    const rows = db.prepare(
      `select status, deleted_at, status_before_trash from ${table} where deleted_at is not null or status_before_trash is not null`,
    );
    for (const row of rows.iterate() as IterableIterator<Record<string, unknown>>) {
      if (!Number.isSafeInteger(row.deleted_at) || row.status !== 'draft')
        throw new InputError(`This file has a ${kind} half in the trash (without a time, or not a draft).`);
      if (row.status_before_trash !== null && !(statuses as readonly unknown[]).includes(row.status_before_trash)) {
        throw new InputError(`This file has a ${kind} in the trash whose former status is not one of ${statuses.join(', ')}.`);
      }
    }
  }
}

const revisionTagsSchema = z.array(z.string().max(TAG_MAX)).max(TAGS_MAX);

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}

/** Settings as stored, for checking: readSettings fills in defaults, which would hide a bad value. */
function readSettingsRaw(db: Sqlite, handle: TenantHandle): Record<string, unknown> {
  const values = new Map(
    (db.prepare('select key, value from settings').all() as { key: string; value: unknown }[]).map((r) => [r.key, r.value]),
  );
  const stored = (key: string, fallback: unknown) => (values.has(key) ? values.get(key) : fallback);
  return {
    title: stored('title', handle.slug),
    description: stored('description', ''),
    authorName: stored('author_name', ''),
    postsPerPage: stored('posts_per_page', 10),
    timeZone: stored('time_zone', undefined),
  };
}

/**
 * Every image and smaller copy must be a PNG, JPEG, GIF or WebP by its bytes, which also
 * decide its type, size and hash; sizes must be plausible. One row at a time: memory stays flat.
 */
function checkImages(db: Sqlite): void {
  const plausible = (n: unknown) => n === null || (Number.isInteger(n) && (n as number) > 0 && (n as number) <= 1_000_000);
  const readImage = db.prepare('select filename, bytes, width, height, sha256 from media where id = ?');
  const updateImage = db.prepare('update media set filename = ?, mime = ?, size = ?, sha256 = ? where id = ?');
  for (const id of db.prepare('select id from media').pluck().all() as number[]) {
    const row = readImage.get(id) as { filename: unknown; bytes: unknown; width: unknown; height: unknown; sha256: unknown };
    const mime = Buffer.isBuffer(row.bytes) ? sniffImage(row.bytes) : null;
    if (!mime) throw new InputError('This file has an image that is not a PNG, JPEG, GIF or WebP.');
    if (!plausible(row.width) || !plausible(row.height)) throw new InputError('This file has an image with an impossible width or height.');
    const bytes = row.bytes as Buffer;
    // A null sha256 marks an image from before uploads were cleaned: it is cleaned next.
    updateImage.run(safeFilename(String(row.filename)), mime, bytes.length, row.sha256 === null ? null : sha256(bytes), id);
  }
  const readCopy = db.prepare(
    'select v.bytes, m.width as full from media_variants v left join media m on m.id = v.media_id where v.media_id = ? and v.width is ?',
  );
  const updateCopy = db.prepare('update media_variants set mime = ?, size = ? where media_id = ? and width = ?');
  for (const copy of db.prepare('select media_id, width from media_variants').all() as { media_id: number; width: unknown }[]) {
    const row = readCopy.get(copy.media_id, copy.width) as { bytes: unknown; full: number | null };
    const mime = Buffer.isBuffer(row.bytes) ? sniffImage(row.bytes) : null;
    const width = copy.width as number;
    if (!mime || !Number.isInteger(width) || width < 1 || (row.full !== null && width >= row.full)) {
      throw new InputError('This file has a smaller copy of an image that is not a valid image.');
    }
    updateCopy.run(mime, (row.bytes as Buffer).length, copy.media_id, width);
  }
}

/**
 * Posts and pages rendered and sanitized again from their Markdown (here, on this worker
 * thread: the render is the linear one of lib/markdown); addresses checked.
 */
function renderAgain(db: Sqlite, deadlineAt: number): void {
  // `excerpt` is the author's own and stays as it is; the automatic one is made again.
  const updatePost = db.prepare('update posts set html = ?, body_text = ?, auto_excerpt = ?, reading_minutes = ? where id = ?');
  for (const row of db.prepare('select id, slug, markdown from posts').all() as { id: number; slug: string; markdown: string }[]) {
    checkDeadline(deadlineAt);
    if (!POST_SLUG_PATTERN.test(row.slug))
      throw new InputError(`This file has a post with an invalid address ("${row.slug.slice(0, 60)}").`);
    const html = renderMarkdown(row.markdown, { images: lookupIn(mediaImageTable(db, row.markdown)) });
    updatePost.run(html, htmlToText(html), excerptFromHtml(html), readingMinutes(row.markdown), row.id);
  }
  const updatePage = db.prepare('update pages set html = ? where id = ?');
  for (const row of db.prepare('select id, slug, markdown from pages').all() as { id: number; slug: string; markdown: string }[]) {
    checkDeadline(deadlineAt);
    if (!POST_SLUG_PATTERN.test(row.slug))
      throw new InputError(`This file has a page with an invalid address ("${row.slug.slice(0, 60)}").`);
    updatePage.run(renderMarkdown(row.markdown, { images: lookupIn(mediaImageTable(db, row.markdown)) }), row.id);
  }
  const updateComment = db.prepare('update comments set html = ?, author_url = ? where id = ?');
  for (const row of db.prepare('select id, author_url, body from comments').all() as {
    id: number;
    author_url: string | null;
    body: string;
  }[]) {
    checkDeadline(deadlineAt);
    const website = commentWebsiteSchema.safeParse(row.author_url ?? '');
    if (!website.success) throw new InputError('This file has a comment whose website is not an http or https address.');
    updateComment.run(renderComment(String(row.body)), website.data, row.id);
  }
}

// ── Markdown zip (our own export format) ─────────────────────────────────────────────────

/** A post's or comment file's text: the Markdown limit in UTF-8 at worst, plus its front matter. */
const TEXT_ENTRY_MAX = POST_MARKDOWN_MAX * 4 + 64 * 1024;

type ZipEntryKind = 'settings' | 'media' | 'descriptions' | 'post' | 'page' | 'comments';

function entryKind(name: string): ZipEntryKind | undefined {
  if (name === 'quire.yaml') return 'settings';
  if (name === MEDIA_DESCRIPTIONS_FILE) return 'descriptions';
  if (/^media\/[^/]+$/.test(name)) return 'media';
  if (/^posts\/[^/]+\.md$/.test(name)) return 'post';
  if (/^pages\/[^/]+\.md$/.test(name)) return 'page';
  if (/^comments\/[^/]+\.yaml$/.test(name)) return 'comments';
  return undefined; // not ours: skipped without inflating
}

/**
 * Reads the zip (lib/imports/archive.ts: each entry's declared and inflated size bounded, all of
 * them to the import limit) in three passes — settings and images, then posts, pages and the
 * images' descriptions, then comments — holding one entry in memory at a time. Posts are saved,
 * and images described, after the images are stored.
 */
async function prepareFromZip(upload: string, fresh: string, deadlineAt: number): Promise<void> {
  const archive = await openArchive(upload, config().importMaxBytes);
  createTenantFile('import', fresh);
  const handle = openDetachedTenant(fresh, 'import');
  const limitOf = (kind: ZipEntryKind) => (kind === 'media' ? config().mediaMaxBytes : TEXT_ENTRY_MAX);
  const pass = async (kinds: ZipEntryKind[], onEntry: (name: string, kind: ZipEntryKind, bytes: Buffer) => Promise<void> | void) => {
    for (const { name } of archive.files) {
      const kind = entryKind(name);
      if (!kind || !kinds.includes(kind)) continue;
      checkDeadline(deadlineAt);
      const bytes = (await archive.read(name, limitOf(kind)))!;
      try {
        await onEntry(name, kind, bytes);
      } catch (error) {
        throw blameFile(name, error);
      }
    }
  };
  try {
    // A scratch file until adopted: one transaction, so a refusal anywhere leaves nothing.
    handle.sqlite.exec('BEGIN');
    await pass(['settings', 'media'], async (name, kind, bytes) => {
      if (kind === 'settings') importSettings(handle, bytes);
      else await importImage(handle, name, bytes);
    });
    await pass(['post', 'page', 'descriptions'], async (name, kind, bytes) => {
      if (kind === 'post') await importPost(handle, bytes.toString('utf8'), name);
      else if (kind === 'page') await importPage(handle, bytes.toString('utf8'), name);
      else importDescriptions(handle, bytes);
    });
    await pass(['comments'], (name, _kind, bytes) => {
      importComments(handle, /^comments\/([^/]+)\.yaml$/.exec(name)![1]!, parseYamlSafely(bytes.toString('utf8'), name));
    });
    handle.sqlite.exec('COMMIT');
  } finally {
    if (handle.sqlite.inTransaction) handle.sqlite.exec('ROLLBACK');
    handle.sqlite.close();
    archive.close();
  }
}

function importSettings(handle: TenantHandle, bytes: Buffer): void {
  const s = frontMatterObject(parseYamlSafely(bytes.toString('utf8'), 'quire.yaml'));
  const comments = COMMENT_MODES.find((mode) => mode === s.comments);
  const checked = blogSettingsSchema.partial().safeParse({
    ...(typeof s.title === 'string' ? { title: s.title } : {}),
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
    ...(typeof s.author_name === 'string' ? { authorName: s.author_name } : {}),
    ...(Number.isInteger(s.posts_per_page) ? { postsPerPage: s.posts_per_page } : {}),
    ...(s.time_zone !== undefined ? { timeZone: s.time_zone } : {}),
  });
  if (!checked.success) throw new InputError(`quire.yaml: ${checked.error.issues[0]!.message}`);
  writeSettings(handle, { ...checked.data, ...(comments ? { comments } : {}) });
}

async function importImage(handle: TenantHandle, name: string, bytes: Buffer): Promise<void> {
  const image = /^media\/([1-9]\d{0,14})-(.+)$/.exec(name);
  if (!image) return; // not an image of ours
  const id = Number(image[1]);
  try {
    if (mediaExists(handle, id)) throw new InputError('Another image in this zip has the same number.');
    // The name as exported: posts refer to the image by it.
    storeImage(handle, safeFilename(image[2]!), await processImage(bytes, config().mediaMaxBytes), id);
  } catch (error) {
    throw blameFile(name, error);
  }
}

/** `media.yaml`: `media/<id>-<name>: description` for images of this zip, held to the form's limit. */
function importDescriptions(handle: TenantHandle, bytes: Buffer): void {
  const describe = handle.sqlite.prepare('update media set alt = ? where id = ?');
  for (const [file, description] of Object.entries(frontMatterObject(parseYamlSafely(bytes.toString('utf8'), MEDIA_DESCRIPTIONS_FILE)))) {
    const image = /^media\/([1-9]\d{0,14})-/.exec(file);
    if (!image || !mediaExists(handle, Number(image[1]))) throw new InputError(`${file.slice(0, 80)} is not one of the zip's images.`);
    describe.run(parseInput(mediaAltSchema, description), Number(image[1]));
  }
}

async function importPost(handle: TenantHandle, text: string, name: string): Promise<void> {
  const { meta, body } = splitFrontMatter(text, name);
  const status = meta.status === 'draft' ? 'draft' : meta.status === 'scheduled' ? 'scheduled' : 'published';
  const date = typeof meta.date === 'string' || meta.date instanceof Date ? new Date(meta.date) : undefined;
  const future = date && date.getTime() > Date.now();
  const cover = typeof meta.cover === 'string' ? /^\/media\/([1-9]\d{0,14})\//.exec(meta.cover) : null;
  if (meta.cover != null && !(cover && mediaExists(handle, Number(cover[1])))) {
    throw new InputError(`Its cover (${String(meta.cover).slice(0, 80)}) is not one of the zip's images.`);
  }
  await savePost(handle, undefined, {
    title: meta.title,
    slug: meta.slug,
    markdown: body,
    excerpt: typeof meta.excerpt === 'string' ? meta.excerpt : undefined,
    tags: Array.isArray(meta.tags) ? meta.tags.map(String) : undefined,
    action: status === 'draft' ? 'save' : status === 'scheduled' && future ? 'schedule' : 'publish',
    publishAt: status === 'draft' ? undefined : date?.toISOString(),
    coverMediaId: cover ? Number(cover[1]) : undefined,
  });
}

async function importPage(handle: TenantHandle, text: string, name: string): Promise<void> {
  const { meta, body } = splitFrontMatter(text, name);
  await savePage(handle, undefined, {
    title: meta.title,
    slug: meta.slug,
    markdown: body,
    navOrder: meta.nav_order ?? 0,
    action: meta.status === 'published' ? 'publish' : 'save',
  });
}

/** A refusal about one file of a zip, named in the sentence; other errors pass unchanged. */
function blameFile(name: string, error: unknown): unknown {
  if (error instanceof InputError && error.message.startsWith(`${name}`)) return error;
  return error instanceof InputError || error instanceof HttpError ? new InputError(`${name}: ${error.message}`) : error;
}
