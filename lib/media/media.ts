import { desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { absoluteBlogUrl, blogBaseUrl } from '@/lib/blogs/address';
import { config } from '@/lib/config';
import type { Sqlite } from '@/lib/db/connection';
import { openTenant, type TenantHandle } from '@/lib/db/pool';
import { media, mediaVariants } from '@/lib/db/schema/tenant';
import { conflict, notFoundError } from '@/lib/http/errors';
import { InputError, parseInput } from '@/lib/input';
import type { ImageTable } from '@/lib/markdown/off-thread';
import { bumpGeneration } from '@/lib/pagecache/generation';
import { mediaAltSchema } from './alt';
import { processImage, sha256, type ImageMime, type ProcessedImage } from './image';

/**
 * Images kept inside the blog's file: stored, listed, looked up for rendering, deleted. Posts
 * refer to an image as `/media/<id>/<name>`, its smaller copies as `/media/<id>/w<width>/<name>`.
 */

/** A name safe in a URL and a zip: letters, digits, dot, dash, underscore. */
export function safeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .normalize('NFKD')
    .replace(/[^\w.-]+/g, '-')
    .replace(/^[.-]+/, '')
    .slice(-100);
  return cleaned || 'image';
}

/** What a stored name looks like: safeFilename's alphabet. */
export const MEDIA_NAME = /^[\w.-]{1,200}$/;

const EXTENSIONS: Record<ImageMime, string[]> = {
  'image/png': ['png'],
  'image/jpeg': ['jpg', 'jpeg', 'jpe'],
  'image/gif': ['gif'],
  'image/webp': ['webp'],
};

/** The uploaded name made safe, its extension corrected to what the content really is. */
export function uploadFilename(name: string, mime: ImageMime): string {
  const safe = safeFilename(name);
  const extension = /\.([^.]+)$/.exec(safe)?.[1]?.toLowerCase();
  if (extension && EXTENSIONS[mime].includes(extension)) return safe;
  return `${safe.replace(/\.[^.]*$/, '') || 'image'}.${EXTENSIONS[mime][0]}`;
}

export function mediaPath(id: number, filename: string): string {
  return `/media/${id}/${encodeURIComponent(filename)}`;
}

function variantPath(id: number, width: number, filename: string): string {
  return `/media/${id}/w${width}/${encodeURIComponent(filename)}`;
}

/**
 * The blog's image column (app/sites/[site]/theme.css: --measure 42rem less 1.25rem padding
 * each side), so a browser picks the smallest copy that fills it sharply.
 */
const COLUMN_SIZES = '(max-width: 42rem) calc(100vw - 2.5rem), 39.5rem';

/** `srcset` over the smaller copies and the image itself; none when there are no copies. */
function srcsetOf(base: string, id: number, filename: string, width: number | null, copies: number[]): string | undefined {
  if (!width || copies.length === 0) return undefined;
  return [...copies.map((w) => `${base}${variantPath(id, w, filename)} ${w}w`), `${base}${mediaPath(id, filename)} ${width}w`].join(', ');
}

const copyWidths = (list: string | null): number[] =>
  list
    ? list
        .split(',')
        .map(Number)
        .sort((a, b) => a - b)
    : [];

// ── Storing ──────────────────────────────────────────────────────────────────────────────

export type MediaItem = {
  id: number;
  filename: string;
  mime: string;
  size: number;
  width: number | null;
  height: number | null;
  createdAt: Date;
  /** The author's description (alt text); empty until they give one. */
  alt: string;
  /** As written in Markdown, on the blog's own host: `/media/<id>/<name>`. */
  path: string;
  /** The same, absolute: for copying, and for the dashboard, which is on another host. */
  url: string;
  /** The smallest copy (or the image itself), absolute: thumbnails in the dashboard. */
  thumbnailUrl: string;
};

/** What the upload route saves: named when the disk has no room for it (lib/http `errorReply`). */
export const SAVING_AN_IMAGE = { saving: 'your image' };

/** An upload from the editor or the media library: checked, cleaned, stored. */
export async function saveUpload(slug: string, filename: string, bytes: Buffer): Promise<MediaItem> {
  const image = await processImage(bytes, config().mediaMaxBytes);
  // The pool may have closed or swapped the blog's handle while the image was processed.
  const handle = openTenant(slug);
  return mediaItem(handle, storeImage(handle, uploadFilename(filename, image.mime), image))!;
}

/** Stores a processed image and its copies in one transaction; `id` keeps an imported one's. */
export function storeImage(handle: TenantHandle, filename: string, image: ProcessedImage, id?: number): number {
  return handle.sqlite.transaction(() => {
    const row = handle.orm
      .insert(media)
      .values({
        ...(id === undefined ? {} : { id }),
        filename,
        mime: image.mime,
        size: image.bytes.length,
        bytes: image.bytes,
        width: image.width,
        height: image.height,
        sha256: image.sha256,
        createdAt: new Date(),
      })
      .returning({ id: media.id })
      .get();
    for (const variant of image.variants) {
      handle.orm
        .insert(mediaVariants)
        .values({ mediaId: row.id, width: variant.width, mime: variant.mime, bytes: variant.bytes, size: variant.bytes.length })
        .run();
    }
    return row.id;
  })();
}

/**
 * Images stored before uploads were processed (sha256 null) may still carry EXIF and GPS:
 * each is cleaned like a new upload, once. One that cannot be decoded stays as it was (it was
 * accepted then) and only gets its sha256, so it is not tried again. `open` is called again
 * after the wait, for a handle that is still the blog's.
 */
export async function cleanLegacyImage(open: () => Sqlite, id: number): Promise<void> {
  const row = open().prepare('select bytes from media where id = ? and sha256 is null').get(id) as { bytes: Buffer } | undefined;
  if (!row) return;
  let image: ProcessedImage | undefined;
  try {
    image = await processImage(row.bytes, config().mediaMaxBytes);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
  }
  const db = open();
  db.transaction(() => {
    if (!db.prepare('select 1 from media where id = ? and sha256 is null').get(id)) return; // cleaned meanwhile
    if (!image) {
      db.prepare('update media set sha256 = ? where id = ?').run(sha256(row.bytes), id);
      return;
    }
    db.prepare('update media set bytes = ?, mime = ?, size = ?, width = ?, height = ?, sha256 = ? where id = ?').run(
      image.bytes,
      image.mime,
      image.bytes.length,
      image.width,
      image.height,
      image.sha256,
      id,
    );
    const insert = db.prepare('insert or replace into media_variants (media_id, width, mime, bytes, size) values (?, ?, ?, ?, ?)');
    for (const v of image.variants) insert.run(id, v.width, v.mime, v.bytes, v.bytes.length);
  })();
}

// ── Reading ──────────────────────────────────────────────────────────────────────────────

const itemColumns = {
  id: media.id,
  filename: media.filename,
  mime: media.mime,
  size: media.size,
  width: media.width,
  height: media.height,
  createdAt: media.createdAt,
  alt: media.alt,
  // Never the BLOBs: a list reads only these few columns.
  copies: sql<string | null>`(select group_concat(width) from ${mediaVariants} where ${mediaVariants.mediaId} = ${media.id})`,
};

const selectItems = (handle: TenantHandle) => handle.orm.select(itemColumns).from(media);
type ItemRow = ReturnType<ReturnType<typeof selectItems>['all']>[number];

/** `base`: the blog's address (blogBaseUrl), looked up once per list. */
function toItem(base: string, row: ItemRow): MediaItem {
  const smallest = copyWidths(row.copies)[0];
  const path = mediaPath(row.id, row.filename);
  return {
    id: row.id,
    filename: row.filename,
    mime: row.mime,
    size: row.size,
    width: row.width,
    height: row.height,
    createdAt: row.createdAt,
    alt: row.alt,
    path,
    url: base + path,
    thumbnailUrl: base + (smallest ? variantPath(row.id, smallest, row.filename) : path),
  };
}

export function mediaItem(handle: TenantHandle, id: number): MediaItem | undefined {
  const row = selectItems(handle).where(eq(media.id, id)).get();
  return row && toItem(blogBaseUrl(handle.slug), row);
}

export function mediaExists(handle: TenantHandle, id: number): boolean {
  return handle.orm.select({ id: media.id }).from(media).where(eq(media.id, id)).get() !== undefined;
}

const describeSchema = z.object({ alt: mediaAltSchema });

/**
 * Sets an image's description (from the editor's prompt or the media library); empty removes
 * it. The Markdown of posts keeps its own alt text (the editor rewrites what it just inserted),
 * so only covers show the change: the pages showing a live post's cover are made again.
 */
export function describeMedia(handle: TenantHandle, id: number, input: unknown): MediaItem {
  const { alt } = parseInput(describeSchema, input);
  const { changes } = handle.orm.update(media).set({ alt }).where(eq(media.id, id)).run();
  if (changes === 0) throw notFoundError('This image no longer exists.');
  if (handle.sqlite.prepare("select 1 from posts where cover_media_id = ? and status <> 'draft' limit 1").get(id))
    bumpGeneration(handle.slug);
  return mediaItem(handle, id)!;
}

/** Where an image is used: in the Markdown of a post or page, or as a post's cover. */
export type MediaUse = { kind: 'post' | 'page' | 'cover'; id: number; title: string };

export type LibraryItem = MediaItem & { uses: MediaUse[] };

/** Every image, newest first, with where each is used (for the media library). */
export function listMedia(handle: TenantHandle): LibraryItem[] {
  const uses = mediaUses(handle);
  const base = blogBaseUrl(handle.slug);
  return selectItems(handle)
    .orderBy(desc(media.id))
    .all()
    .map((row) => ({ ...toItem(base, row), uses: uses.get(row.id) ?? [] }));
}

/**
 * Which posts and pages use which images: their Markdown names `/media/<id>/` (a relative or
 * absolute address), or a post has it as its cover. Drafts count. With `only`, SQLite narrows
 * the rows first; the same scan below decides either way.
 */
function mediaUses(handle: TenantHandle, only?: number): Map<number, MediaUse[]> {
  const uses = new Map<number, MediaUse[]>();
  const add = (mediaId: number, use: MediaUse) => {
    if (only !== undefined && mediaId !== only) return;
    const list = uses.get(mediaId) ?? [];
    if (!list.some((u) => u.kind === use.kind && u.id === use.id)) list.push(use);
    uses.set(mediaId, list);
  };
  const mentions = (markdown: string) => [...markdown.matchAll(/\/media\/(\d{1,15})\//g)].map((m) => Number(m[1]));
  const filter = { like: only === undefined ? null : `%/media/${only}/%`, id: only ?? null };
  const posts = handle.sqlite
    .prepare('select id, title, markdown, cover_media_id from posts where @like is null or markdown like @like or cover_media_id = @id')
    .iterate(filter) as Iterable<{ id: number; title: string; markdown: string; cover_media_id: number | null }>;
  for (const post of posts) {
    for (const id of mentions(post.markdown)) add(id, { kind: 'post', id: post.id, title: post.title });
    if (post.cover_media_id !== null) add(post.cover_media_id, { kind: 'cover', id: post.id, title: post.title });
  }
  const pages = handle.sqlite
    .prepare('select id, title, markdown from pages where @like is null or markdown like @like')
    .iterate({ like: filter.like }) as Iterable<{ id: number; title: string; markdown: string }>;
  for (const page of pages) {
    for (const id of mentions(page.markdown)) add(id, { kind: 'page', id: page.id, title: page.title });
  }
  return uses;
}

/** Deletes an image nobody uses (its copies go with it); says where it is used otherwise. */
export function deleteMedia(handle: TenantHandle, id: number): void {
  if (!mediaExists(handle, id)) throw notFoundError('This image no longer exists.');
  const uses = mediaUses(handle, id).get(id) ?? [];
  if (uses.length > 0) {
    const named = uses.slice(0, 3).map((u) => (u.kind === 'cover' ? `the cover of "${u.title}"` : `the ${u.kind} "${u.title}"`));
    const more = uses.length > 3 ? ` and ${uses.length - 3} more` : '';
    throw conflict(`This image is still used by ${named.join(', ')}${more}. Remove it there first.`);
  }
  handle.orm.delete(media).where(eq(media.id, id)).run();
}

// ── Rendering ────────────────────────────────────────────────────────────────────────────

const MEDIA_REFERENCE = /\/media\/(\d{1,15})\//g;

/**
 * What the Markdown renderer learns about this blog's own images that `markdown` mentions:
 * their size and smaller copies, for `srcset`. Plain data, so it travels to the worker that
 * renders (lib/workers); one query however many images the text names. `base` is put before
 * every address (the blog's URL, for the dashboard's preview on another host); stored posts
 * keep plain paths.
 */
export function mediaImageTable(db: Sqlite, markdown: string, base = ''): ImageTable {
  const ids = [...new Set(Array.from(markdown.matchAll(MEDIA_REFERENCE), (m) => Number(m[1])))];
  if (ids.length === 0) return {};
  const rows = db
    .prepare(
      `select id, filename, width, height, (select group_concat(width) from media_variants v where v.media_id = m.id) as copies
       from media m where id in (select value from json_each(?))`,
    )
    .all(JSON.stringify(ids)) as { id: number; filename: string; width: number | null; height: number | null; copies: string | null }[];
  const table: ImageTable = {};
  for (const row of rows) {
    const srcset = srcsetOf(base, row.id, row.filename, row.width, copyWidths(row.copies));
    table[mediaPath(row.id, row.filename)] = {
      src: base + mediaPath(row.id, row.filename),
      ...(srcset ? { srcset, sizes: COLUMN_SIZES } : {}),
      ...(row.width && row.height ? { width: row.width, height: row.height } : {}),
    };
  }
  return table;
}

/** A post's cover, as the blog shows it and as link previews (OpenGraph) need it. */
export type CoverImage = {
  src: string;
  srcset?: string;
  sizes: string;
  width: number | null;
  height: number | null;
  /** The image's description; empty when it has none (the cover is then shown as decoration). */
  alt: string;
  /** Absolute, for OpenGraph. */
  url: string;
};

/** The columns a post read selects (joining media on cover_media_id) to show its cover. */
export const coverColumns = {
  coverId: media.id,
  coverName: media.filename,
  coverWidth: media.width,
  coverHeight: media.height,
  coverAlt: media.alt,
  coverCopies: sql<string | null>`(select group_concat(width) from ${mediaVariants} where ${mediaVariants.mediaId} = ${media.id})`,
};

type CoverRow = {
  coverId: number | null;
  coverName: string | null;
  coverWidth: number | null;
  coverHeight: number | null;
  coverAlt: string | null;
  coverCopies: string | null;
};

/** A row read with coverColumns, those columns made into its `cover`. */
export function withCover<R extends CoverRow>(slug: string, row: R): Omit<R, keyof CoverRow> & { cover: CoverImage | null } {
  const { coverId, coverName, coverWidth, coverHeight, coverAlt, coverCopies, ...rest } = row;
  if (coverId === null || coverName === null) return { ...rest, cover: null };
  const path = mediaPath(coverId, coverName);
  const srcset = srcsetOf('', coverId, coverName, coverWidth, copyWidths(coverCopies));
  return {
    ...rest,
    cover: {
      src: path,
      ...(srcset ? { srcset } : {}),
      sizes: COLUMN_SIZES,
      width: coverWidth,
      height: coverHeight,
      alt: coverAlt ?? '',
      url: absoluteBlogUrl(slug, path),
    },
  };
}
