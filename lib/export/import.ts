import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import yauzl from 'yauzl';
import { createOwnedBlog } from '@/lib/accounts/accounts';
import { COMMENT_MODES, readSettings, writeSettings } from '@/lib/blogs/blogs';
import { COMMENT_STATUSES, commentWebsiteSchema, importComments } from '@/lib/comments/comments';
import { config } from '@/lib/config';
import { openDatabase, type Sqlite } from '@/lib/db/connection';
import { migrate, migrationSet } from '@/lib/db/migrate';
import { tenantDbPath } from '@/lib/db/paths';
import { createTenantFile, openDetachedTenant, type TenantHandle } from '@/lib/db/pool';
import type { Blog, User } from '@/lib/db/schema/control';
import { HttpError } from '@/lib/http/errors';
import { InputError } from '@/lib/input';
import { processImage, sha256, sniffImage } from '@/lib/media/image';
import { cleanLegacyImage, mediaExists, mediaImages, safeFilename, storeImage } from '@/lib/media/media';
import { savePage } from '@/lib/pages/pages';
import { savePost } from '@/lib/posts/posts';
import { POST_SLUG_PATTERN } from '@/lib/posts/slug';
import { excerptFromHtml, htmlToText, renderComment, renderMarkdown } from '@/lib/markdown/render';
import { removeQuietly, scratchFile } from './paths';
import { runSqliteJob } from './worker';

const INSPECT_TIMEOUT_MS = 5 * 60 * 1000;
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
const ZIP_HEADER = Buffer.from('PK\x03\x04', 'latin1');

/**
 * Stores an upload in a scratch file, refusing it past `QUIRE_IMPORT_MAX_MB` without keeping
 * more than one chunk in memory.
 */
export async function receiveUpload(body: ReadableStream<Uint8Array> | null, declaredLength: number): Promise<string> {
  const limit = config().importMaxBytes;
  const tooBig = () => new HttpError(413, `This file is larger than the ${Math.round(limit / 1024 / 1024)} MB import limit.`);
  if (declaredLength > limit) throw tooBig();
  const file = scratchFile('upload', '.bin');
  const out = fs.createWriteStream(file);
  let size = 0;
  try {
    if (body) {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.length;
        if (size > limit) throw tooBig();
        if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', () => resolve(undefined)));
      }
    }
    await new Promise<void>((resolve, reject) => {
      out.once('error', reject);
      out.end(() => resolve());
    });
    return file;
  } catch (error) {
    out.destroy();
    removeQuietly(file);
    throw error;
  }
}

/**
 * Turns an upload — a blog file, or a Markdown zip in our export format, told apart by their
 * first bytes — into a fresh blog file at the current schema, or refuses it with one sentence.
 * Only scratch files are touched; no live blog is.
 */
export async function prepareBlogFile(upload: string): Promise<string> {
  const fresh = scratchFile('import', '.db');
  try {
    if (readHeader(upload).subarray(0, 4).equals(ZIP_HEADER)) await prepareFromZip(upload, fresh);
    else await prepareFromDatabase(upload, fresh);
    return fresh;
  } catch (error) {
    removeQuietly(fresh);
    throw error;
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

async function prepareFromDatabase(upload: string, fresh: string): Promise<void> {
  if (!readHeader(upload).equals(SQLITE_HEADER)) throw new InputError('This file is not a SQLite database.');

  const schema = currentSchemaObjects();
  const copied = scratchFile('import-copy', '.db');
  try {
    // Checked and copied in a worker: the upload is only ever opened read-only there.
    await runSqliteJob(
      {
        op: 'inspect',
        file: upload,
        dest: copied,
        allowedTables: schema.tables,
        allowedIndexes: schema.indexes,
        exactObjects: schema.exact,
        requiredTables: ['posts', 'settings'],
        maxVersion: migrationSet('tenant').migrations.length,
      },
      INSPECT_TIMEOUT_MS,
    );
    const db = openDatabase(copied, { mustExist: true, cacheKiB: 2048 });
    try {
      migrate(db, migrationSet('tenant'));
    } catch (error) {
      throw new InputError(`This file could not be brought up to date: ${(error as Error).message}`);
    } finally {
      db.close();
    }
    await rebuildFromCopy(copied, fresh, schema.copied);
  } finally {
    removeQuietly(copied);
  }
}

/**
 * The imported blog is a new file made by Quire's own migrations, into which only known
 * columns of known tables are copied; then every post, page and comment is rendered and
 * sanitized again from its Markdown, addresses are checked, images re-recognised. Nothing of
 * the upload's schema, and none of its stored HTML, survives.
 */
async function rebuildFromCopy(copied: string, fresh: string, tables: string[]): Promise<void> {
  createTenantFile('import', fresh);
  const db = openDatabase(fresh, { mustExist: true, cacheKiB: 2048 });
  try {
    copyKnownRows(db, copied, tables);
    // Images stored before uploads were cleaned get cleaned now (asynchronously, with sharp),
    // before the posts are rendered, so that those know their sizes and smaller copies.
    for (const id of db.prepare('select id from media where sha256 is null').pluck().all() as number[]) {
      await cleanLegacyImage(() => db, id);
    }
    db.transaction(() => renderAgain(db))();
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`This file was damaged: ${(error as Error).message}.`);
  } finally {
    db.close();
  }
}

/** Checked before the copy, whose CHECK constraint would only say "damaged". */
function refuseUnknownCommentStatus(db: ReturnType<typeof openDatabase>): void {
  const known = COMMENT_STATUSES.map((status) => `'${status}'`).join(', ');
  if (db.prepare(`select 1 from upload.comments where status is null or status not in (${known}) limit 1`).get()) {
    throw new InputError(`This file has a comment whose status is not one of ${COMMENT_STATUSES.join(', ')}.`);
  }
}

function copyKnownRows(db: Sqlite, copied: string, tables: string[]): void {
  db.prepare('ATTACH DATABASE ? AS upload').run(copied);
  // Tables are copied in no particular order; references are checked once, at the end.
  db.pragma('foreign_keys = OFF');
  db.transaction(() => {
    // Rows go in through our own triggers, so the search index is rebuilt from them.
    for (const table of tables) {
      const ours = new Set((db.prepare('select name from pragma_table_info(?)').pluck().all(table) as string[]));
      const theirs = db.prepare("select name from pragma_table_info(?, 'upload')").pluck().all(table) as string[];
      const columns = theirs.filter((c) => ours.has(c)).map((c) => `"${c}"`).join(', ');
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
  const readCopy = db.prepare('select v.bytes, m.width as full from media_variants v left join media m on m.id = v.media_id where v.media_id = ? and v.width is ?');
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

/** Posts and pages rendered and sanitized again from their Markdown; addresses checked. */
function renderAgain(db: Sqlite): void {
  const images = { images: mediaImages(db) };
  for (const row of db.prepare('select id, slug, markdown, excerpt from posts').all() as { id: number; slug: string; markdown: string; excerpt: string }[]) {
    if (!POST_SLUG_PATTERN.test(row.slug)) throw new InputError(`This file has a post with an invalid address ("${row.slug.slice(0, 60)}").`);
    const html = renderMarkdown(row.markdown, images);
    db.prepare('update posts set html = ?, body_text = ?, excerpt = ? where id = ?').run(html, htmlToText(html), row.excerpt.slice(0, 500) || excerptFromHtml(html), row.id);
  }
  for (const row of db.prepare('select id, slug, markdown from pages').all() as { id: number; slug: string; markdown: string }[]) {
    if (!POST_SLUG_PATTERN.test(row.slug)) throw new InputError(`This file has a page with an invalid address ("${row.slug.slice(0, 60)}").`);
    db.prepare('update pages set html = ? where id = ?').run(renderMarkdown(row.markdown, images), row.id);
  }
  for (const row of db.prepare('select id, author_url, body from comments').all() as { id: number; author_url: string | null; body: string }[]) {
    const website = commentWebsiteSchema.safeParse(row.author_url ?? '');
    if (!website.success) throw new InputError('This file has a comment whose website is not an http or https address.');
    db.prepare('update comments set html = ?, author_url = ? where id = ?').run(renderComment(String(row.body)), website.data, row.id);
  }
}

type SchemaObjects = {
  /** Every table a Quire blog file may have, virtual and shadow tables included. */
  tables: string[];
  indexes: string[];
  /** Triggers and virtual tables: allowed only with exactly our SQL (name → sql). */
  exact: Record<string, string>;
  /** The tables whose rows an import copies: ordinary tables, not the search index's. */
  copied: string[];
};

let schemaObjects: SchemaObjects | undefined;

/** The schema objects a Quire blog file may have: those of a new one at the current schema. */
function currentSchemaObjects(): SchemaObjects {
  if (!schemaObjects) {
    const db = openDatabase(':memory:', { mustExist: false, cacheKiB: 256 });
    migrate(db, migrationSet('tenant'));
    const rows = db.prepare("select type, name, sql from sqlite_schema where name not like 'sqlite_%'").all() as { type: string; name: string; sql: string | null }[];
    db.close();
    const virtual = rows.filter((r) => r.type === 'table' && /^CREATE VIRTUAL TABLE/i.test(r.sql ?? '')).map((r) => r.name);
    const exact = rows.filter((r) => r.type === 'trigger' || virtual.includes(r.name));
    schemaObjects = {
      tables: rows.filter((r) => r.type === 'table').map((r) => r.name),
      indexes: rows.filter((r) => r.type === 'index').map((r) => r.name),
      exact: Object.fromEntries(exact.map((r) => [r.name, r.sql ?? ''])),
      copied: rows
        .filter((r) => r.type === 'table' && r.name !== 'quire_about' && !virtual.some((v) => r.name === v || r.name.startsWith(`${v}_`)))
        .map((r) => r.name),
    };
  }
  return schemaObjects;
}

// ── Markdown zip (our own export format) ─────────────────────────────────────────────────

const ZIP_MAX_ENTRIES = 20_000;
const TEXT_ENTRY_MAX = 2 * 1024 * 1024;

async function prepareFromZip(upload: string, fresh: string): Promise<void> {
  const files = await readZip(upload);
  createTenantFile('import', fresh);
  const handle = openDetachedTenant(fresh, 'import');
  try {
    // Images first, through the same checks and cleaning as uploads (sharp, asynchronous,
    // one at a time), so that the posts saved next get their sizes and smaller copies.
    for (const [name, bytes] of files) {
      const image = /^media\/([1-9]\d{0,14})-(.+)$/.exec(name);
      if (image) await importImage(handle, name, Number(image[1]), image[2]!, bytes);
    }
    handle.sqlite.transaction(() => fillFromFiles(handle, files))();
  } finally {
    handle.sqlite.close();
  }
}

async function importImage(handle: TenantHandle, name: string, id: number, filename: string, bytes: Buffer): Promise<void> {
  try {
    if (mediaExists(handle, id)) throw new InputError('Another image in this zip has the same number.');
    // The name as exported: posts refer to the image by it.
    storeImage(handle, safeFilename(filename), await processImage(bytes, config().mediaMaxBytes), id);
  } catch (error) {
    throw blameFile(name, error);
  }
}

type ZipFiles = Map<string, Buffer>;

function readZip(file: string): Promise<ZipFiles> {
  const limit = config().importMaxBytes;
  return new Promise((resolve, reject) => {
    const fail = (message: string) => reject(new InputError(message));
    yauzl.open(file, { lazyEntries: true, validateEntrySizes: true, strictFileNames: true, decodeStrings: true }, (openError, zip) => {
      if (openError || !zip) return fail('This file is not a zip file.');
      const files: ZipFiles = new Map();
      let total = 0;
      let count = 0;
      const stop = (message: string) => {
        zip.close();
        fail(message);
      };
      zip.on('error', (error: Error) => {
        if (/invalid relative path|absolute path|invalid characters/i.test(error.message)) stop(`This zip file has an unsafe file name (${error.message}); nothing was imported.`);
        else stop(`This zip file is damaged: ${error.message}.`);
      });
      zip.on('entry', (entry: yauzl.Entry) => {
        if (++count > ZIP_MAX_ENTRIES) return stop(`This zip file has more than ${ZIP_MAX_ENTRIES.toLocaleString('en')} files.`);
        if (entry.fileName.endsWith('/')) return zip.readEntry();
        total += entry.uncompressedSize;
        if (total > limit) return stop(`This zip file expands to more than ${Math.round(limit / 1024 / 1024)} MB; nothing was imported.`);
        const isText = entry.fileName.endsWith('.md') || entry.fileName.endsWith('.yaml');
        if (isText && entry.uncompressedSize > TEXT_ENTRY_MAX) return stop(`${entry.fileName} is too large for a post.`);
        if (!isText && !entry.fileName.startsWith('media/')) return zip.readEntry(); // not ours: skipped
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return stop(`This zip file is damaged: ${streamError?.message ?? 'unreadable entry'}.`);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          // yauzl checks the inflated size against the declared one: a zip bomb fails here.
          stream.on('error', (error: Error) => stop(`This zip file is damaged or lies about its sizes (${error.message}); nothing was imported.`));
          stream.on('end', () => {
            files.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(files));
      zip.readEntry();
    });
  });
}

function fillFromFiles(handle: TenantHandle, files: ZipFiles): void {
  const settingsFile = files.get('quire.yaml');
  if (settingsFile) {
    const s = frontMatterObject(parseYamlSafely(settingsFile.toString('utf8'), 'quire.yaml'));
    const comments = COMMENT_MODES.find((mode) => mode === s.comments);
    writeSettings(handle, {
      ...(typeof s.title === 'string' ? { title: s.title.slice(0, 120) } : {}),
      ...(typeof s.description === 'string' ? { description: s.description.slice(0, 500) } : {}),
      ...(typeof s.author_name === 'string' ? { authorName: s.author_name.slice(0, 100) } : {}),
      ...(Number.isInteger(s.posts_per_page) ? { postsPerPage: Math.min(50, Math.max(1, Number(s.posts_per_page))) } : {}),
      ...(comments ? { comments } : {}),
    });
  }
  for (const [name, bytes] of files) {
    try {
      if (/^posts\/[^/]+\.md$/.test(name)) importPost(handle, bytes.toString('utf8'), name);
      else if (/^pages\/[^/]+\.md$/.test(name)) importPage(handle, bytes.toString('utf8'), name);
    } catch (error) {
      throw blameFile(name, error);
    }
  }
  // After the posts they belong to.
  for (const [name, bytes] of files) {
    const postSlug = /^comments\/([^/]+)\.yaml$/.exec(name)?.[1];
    if (!postSlug) continue;
    try {
      importComments(handle, postSlug, parseYamlSafely(bytes.toString('utf8'), name));
    } catch (error) {
      throw blameFile(name, error);
    }
  }
}

function importPost(handle: TenantHandle, text: string, name: string): void {
  const { meta, body } = splitFrontMatter(text, name);
  const status = meta.status === 'draft' ? 'draft' : meta.status === 'scheduled' ? 'scheduled' : 'published';
  const date = typeof meta.date === 'string' || meta.date instanceof Date ? new Date(meta.date) : undefined;
  const future = date && date.getTime() > Date.now();
  const cover = typeof meta.cover === 'string' ? /^\/media\/([1-9]\d{0,14})\//.exec(meta.cover) : null;
  if (meta.cover != null && !(cover && mediaExists(handle, Number(cover[1])))) {
    throw new InputError(`Its cover (${String(meta.cover).slice(0, 80)}) is not one of the zip's images.`);
  }
  savePost(handle, undefined, {
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

function importPage(handle: TenantHandle, text: string, name: string): void {
  const { meta, body } = splitFrontMatter(text, name);
  savePage(handle, undefined, {
    title: meta.title,
    slug: meta.slug,
    markdown: body,
    navOrder: meta.nav_order ?? 0,
    action: meta.status === 'published' ? 'publish' : 'save',
  });
}

function splitFrontMatter(text: string, name: string): { meta: Record<string, unknown>; body: string } {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text);
  if (!match) throw new InputError(`${name} has no front matter (the --- block with its title).`);
  return { meta: frontMatterObject(parseYamlSafely(match[1]!, name)), body: match[2]!.replace(/^\r?\n/, '') };
}

function parseYamlSafely(text: string, name: string): unknown {
  try {
    // Plain data only: no custom tags, a bound on aliases (the "billion laughs").
    return parseYaml(text, { maxAliasCount: 50, customTags: [] });
  } catch (error) {
    throw new InputError(`${name} has front matter that is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
}

function frontMatterObject(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** A refusal about one file of a zip, named in the sentence; other errors pass unchanged. */
function blameFile(name: string, error: unknown): unknown {
  return error instanceof InputError || error instanceof HttpError ? new InputError(`${name}: ${error.message}`) : error;
}

// ── Bringing the prepared file in ────────────────────────────────────────────────────────

/** A new blog, owned by `user`, made from a prepared file. */
export function adoptAsNewBlog(user: User, fresh: string, input: { slug: string; title?: string }): Blog {
  const imported = openDetachedTenant(fresh, 'import');
  const settings = readSettings(imported);
  imported.sqlite.close();
  const title = input.title?.trim() || settings.title;
  return createOwnedBlog(user, { slug: input.slug, title, description: settings.description }, (slug) =>
    fs.renameSync(fresh, tenantDbPath(slug)),
  );
}

/** Every import route's shape: receive, prepare, hand over; scratch files never outlive it. */
export async function withPreparedUpload<T>(request: Request, adopt: (fresh: string) => Promise<T> | T): Promise<T> {
  const upload = await receiveUpload(request.body, Number(request.headers.get('content-length') ?? 0));
  try {
    const fresh = await prepareBlogFile(upload);
    try {
      return await adopt(fresh);
    } finally {
      removeQuietly(fresh);
    }
  } finally {
    removeQuietly(upload);
  }
}
