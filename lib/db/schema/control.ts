import { sql } from 'drizzle-orm';
import { check, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** The platform's own file: which blogs exist. Later: users, sessions, memberships. */
export const blogs = sqliteTable(
  'blogs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    slug: text('slug').notNull().unique(),
    title: text('title').notNull(),
    status: text('status', { enum: ['active', 'maintenance'] }).notNull().default('active'),
    /** The tenant file's schema version as last seen (its `PRAGMA user_version`). */
    schemaVersion: integer('schema_version').notNull().default(0),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [check('blogs_status_check', sql`${t.status} in ('active', 'maintenance')`)],
);

export type Blog = typeof blogs.$inferSelect;
