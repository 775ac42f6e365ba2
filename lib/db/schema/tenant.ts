import { sql } from 'drizzle-orm';
import { blob, check, index, integer, primaryKey, sqliteTable, text, uniqueIndex, type AnySQLiteColumn } from 'drizzle-orm/sqlite-core';

/** One blog's file. Times are Unix milliseconds so any SQLite client can read them. */
export const posts = sqliteTable(
  'posts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    slug: text('slug').notNull().unique(),
    title: text('title').notNull(),
    markdown: text('markdown').notNull().default(''),
    /** Sanitized HTML, rendered once when the post is saved. */
    html: text('html').notNull().default(''),
    /** The author's own excerpt; empty when they wrote none. */
    excerpt: text('excerpt').notNull().default(''),
    /** The excerpt derived from the current text at each save, shown when the author wrote none. */
    autoExcerpt: text('auto_excerpt').notNull().default(''),
    status: text('status', { enum: ['draft', 'published', 'scheduled'] })
      .notNull()
      .default('draft'),
    publishedAt: integer('published_at', { mode: 'timestamp_ms' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
    views: integer('views').notNull().default(0),
    /** The body as plain text (from the sanitized HTML), for the full-text index posts_fts. */
    bodyText: text('body_text').notNull().default(''),
    /** Minutes to read the current text, counted at each save (lists and pages never read the body for it). */
    readingMinutes: integer('reading_minutes').notNull().default(1),
    /** The image shown with the post on the home page and in link previews (OpenGraph). */
    coverMediaId: integer('cover_media_id').references((): AnySQLiteColumn => media.id, { onDelete: 'set null' }),
    /** In the trash since then (a trashed post is a draft); restorable for the trash days. */
    deletedAt: integer('deleted_at', { mode: 'timestamp_ms' }),
    /** What a trashed post was, so that restoring it puts it back as it was. */
    statusBeforeTrash: text('status_before_trash'),
  },
  (t) => [
    check('posts_status_check', sql`${t.status} in ('draft', 'published', 'scheduled')`),
    // Keyset pagination of the public list, newest first (docs/architecture.md, "Data": never
    // deep OFFSET).
    index('posts_public_order')
      .on(t.publishedAt, t.id)
      .where(sql`status <> 'draft'`),
  ],
);

/** Static pages ("About", "Now"): shown in the blog's navigation, in `navOrder`. */
export const pages = sqliteTable(
  'pages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    slug: text('slug').notNull().unique(),
    title: text('title').notNull(),
    markdown: text('markdown').notNull().default(''),
    html: text('html').notNull().default(''),
    status: text('status', { enum: ['draft', 'published'] })
      .notNull()
      .default('draft'),
    navOrder: integer('nav_order').notNull().default(0),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
    /** In the trash since then (a trashed page is a draft); restorable for the trash days. */
    deletedAt: integer('deleted_at', { mode: 'timestamp_ms' }),
    statusBeforeTrash: text('status_before_trash'),
  },
  (t) => [check('pages_status_check', sql`${t.status} in ('draft', 'published')`)],
);

/**
 * Reading statistics, one narrow row per day and post (docs/architecture.md, "Pageviews":
 * counters on the wide posts row are slow). `post_id` 0 is the blog's home page. `uniques`
 * counts distinct readers of that page that day as seen by one server process; no address or
 * hash is ever stored.
 */
export const dailyViews = sqliteTable(
  'daily_views',
  {
    day: text('day').notNull(), // YYYY-MM-DD, UTC
    postId: integer('post_id').notNull(),
    views: integer('views').notNull().default(0),
    uniques: integer('uniques').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.day, t.postId] }), index('daily_views_post').on(t.postId, t.day)],
);

/** Distinct readers of the whole blog per day (not the sum of each page's). */
export const dailyVisitors = sqliteTable('daily_visitors', {
  day: text('day').primaryKey(),
  uniques: integer('uniques').notNull().default(0),
});

/** Views arriving from another site, by that site's host, per day. */
export const dailyReferrers = sqliteTable(
  'daily_referrers',
  {
    day: text('day').notNull(),
    host: text('host').notNull(),
    views: integer('views').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.day, t.host] })],
);

/** Tags, and which posts carry them. */
export const tags = sqliteTable('tags', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
});

export const postTags = sqliteTable(
  'post_tags',
  {
    postId: integer('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    tagId: integer('tag_id')
      .notNull()
      .references(() => tags.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.postId, t.tagId] }), index('post_tags_tag').on(t.tagId)],
);

/**
 * Readers' comments. `body` is what the reader typed; `html` its sanitized rendering (a small,
 * safe Markdown subset). Only `approved` comments are public. No address is stored.
 */
export const comments = sqliteTable(
  'comments',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    postId: integer('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    authorName: text('author_name').notNull(),
    authorUrl: text('author_url'),
    body: text('body').notNull(),
    html: text('html').notNull(),
    status: text('status', { enum: ['pending', 'approved', 'spam'] })
      .notNull()
      .default('pending'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    check('comments_status_check', sql`${t.status} in ('pending', 'approved', 'spam')`),
    index('comments_post').on(t.postId, t.status, t.createdAt),
    index('comments_queue').on(t.status, t.createdAt),
  ],
);

/**
 * Uploaded images, kept inside the file (as BLOBs) so that the file is the whole blog. `bytes`
 * is the image as served: decoded, turned upright and re-encoded without its metadata (EXIF,
 * GPS, XMP). `sha256` (hex, of `bytes`) is null only for images stored before that processing
 * existed; they are cleaned the first time they are served or imported.
 */
export const media = sqliteTable('media', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  filename: text('filename').notNull(),
  mime: text('mime').notNull(),
  size: integer('size').notNull(),
  bytes: blob('bytes', { mode: 'buffer' }).notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  width: integer('width'),
  height: integer('height'),
  sha256: text('sha256'),
  /** The author's description of the image (its alt text where Markdown does not give one); empty: none yet. */
  alt: text('alt').notNull().default(''),
});

/**
 * Smaller copies of an image for responsive `srcset`, one row per width. A narrow table of its
 * own, so listing media never reads these BLOBs.
 */
export const mediaVariants = sqliteTable(
  'media_variants',
  {
    mediaId: integer('media_id')
      .notNull()
      .references(() => media.id, { onDelete: 'cascade' }),
    width: integer('width').notNull(),
    mime: text('mime').notNull(),
    bytes: blob('bytes', { mode: 'buffer' }).notNull(),
    size: integer('size').notNull(),
  },
  (t) => [primaryKey({ columns: [t.mediaId, t.width] })],
);

/** A few rows that explain this file to whoever opens it in any SQLite client. */
export const quireAbout = sqliteTable('quire_about', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/**
 * Earlier versions of a post: one row each time it is saved ('saved', bounded and pruned), and
 * at most one 'pending' row per post — edits of a published post kept aside until the author
 * publishes them, so readers see the live version until then.
 */
export const postRevisions = sqliteTable(
  'post_revisions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    postId: integer('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['saved', 'pending'] }).notNull(),
    title: text('title').notNull(),
    markdown: text('markdown').notNull(),
    excerpt: text('excerpt').notNull().default(''),
    /** Tag names as a JSON array. */
    tags: text('tags').notNull().default('[]'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    check('post_revisions_kind_check', sql`${t.kind} in ('saved', 'pending')`),
    index('post_revisions_post').on(t.postId, t.createdAt),
    uniqueIndex('post_revisions_one_pending')
      .on(t.postId)
      .where(sql`kind = 'pending'`),
  ],
);

/**
 * Addresses that moved: a renamed post or page, an imported site's old URLs. The blog answers
 * `path` (its own address, path and query as readers ask it) with a 301 to `target`.
 */
export const redirects = sqliteTable('redirects', {
  path: text('path').primaryKey(),
  target: text('target').notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
});

/** Blog-level settings (title, description, …) as key/value rows. */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/**
 * Readers who asked for new posts by mail. In the blog's own file, so the list travels with the
 * export: the author owns it. `token` is the reader's secret in their confirm and unsubscribe
 * links. Double opt-in: `pending` until the reader follows the link mailed to them.
 */
export const subscribers = sqliteTable(
  'subscribers',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** Lower-cased. */
    email: text('email').notNull().unique(),
    name: text('name'),
    state: text('state', { enum: ['pending', 'active', 'unsubscribed', 'bounced'] }).notNull(),
    token: text('token').notNull().unique(),
    /** form, import (a CSV) or dashboard. */
    source: text('source').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    confirmedAt: integer('confirmed_at', { mode: 'timestamp_ms' }),
    /** When the reader left, or their server refused mail for good (and why). */
    endedAt: integer('ended_at', { mode: 'timestamp_ms' }),
    endedReason: text('ended_reason'),
  },
  (t) => [
    index('subscribers_state').on(t.state),
    check('subscribers_state_check', sql`${t.state} in ('pending', 'active', 'unsubscribed', 'bounced')`),
  ],
);

export type Post = typeof posts.$inferSelect;
export type Page = typeof pages.$inferSelect;
export type Comment = typeof comments.$inferSelect;
export type NewPost = typeof posts.$inferInsert;
export type Media = typeof media.$inferSelect;
