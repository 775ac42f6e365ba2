import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

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
    excerpt: text('excerpt').notNull().default(''),
    status: text('status', { enum: ['draft', 'published', 'scheduled'] }).notNull().default('draft'),
    publishedAt: integer('published_at', { mode: 'timestamp_ms' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
    views: integer('views').notNull().default(0),
  },
  (t) => [
    check('posts_status_check', sql`${t.status} in ('draft', 'published', 'scheduled')`),
    // Keyset pagination of the public list, newest first (DESIGN: never deep OFFSET).
    index('posts_public_order').on(t.publishedAt, t.id).where(sql`status <> 'draft'`),
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
    status: text('status', { enum: ['draft', 'published'] }).notNull().default('draft'),
    navOrder: integer('nav_order').notNull().default(0),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [check('pages_status_check', sql`${t.status} in ('draft', 'published')`)],
);

/** Blog-level settings (title, description, …) as key/value rows. */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

export type Post = typeof posts.$inferSelect;
export type Page = typeof pages.$inferSelect;
export type NewPost = typeof posts.$inferInsert;
