import { sql } from 'drizzle-orm';
import { blob, check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * The platform's own file: blogs, people, sessions, who may write where. Nothing here is ever
 * copied into a blog's file, so an exported blog holds no platform secret.
 */
export const blogs = sqliteTable(
  'blogs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    slug: text('slug').notNull().unique(),
    title: text('title').notNull(),
    /** active; maintenance (its file needs an operator, readers get 503); deleted (in the trash). */
    status: text('status', { enum: ['active', 'maintenance', 'deleted'] })
      .notNull()
      .default('active'),
    /** Why the blog is in maintenance, in words for its authors and the operator. */
    statusReason: text('status_reason'),
    /** The tenant file's schema version as last seen (its `PRAGMA user_version`). */
    schemaVersion: integer('schema_version').notNull().default(0),
    /**
     * Moves on every change readers could see: part of every page-cache key, so one bump retires
     * the blog's cached pages, in memory and on disk, in every process (lib/pagecache/generation.ts).
     */
    generation: integer('generation').notNull().default(0),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    deletedAt: integer('deleted_at', { mode: 'timestamp_ms' }),
  },
  (t) => [check('blogs_status_check', sql`${t.status} in ('active', 'maintenance', 'deleted')`)],
);

/** Old addresses of renamed blogs: their subdomains redirect (301) to the blog's new one. */
export const blogRedirects = sqliteTable('blog_redirects', {
  oldSlug: text('old_slug').primaryKey(),
  blogId: integer('blog_id')
    .notNull()
    .references(() => blogs.id, { onDelete: 'cascade' }),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
});

/**
 * Custom domains. A blog claims a domain with a `token`; the claim is verified once a DNS TXT
 * record `_quire-challenge.<domain>` holds that token, and only then is the blog served on it.
 * Several blogs may claim one name side by side (each with its own token) until one of them
 * proves ownership: a name is verified for at most one blog (the partial unique index), and
 * the other claims are removed then. `isPrimary`: the address its other hosts redirect to.
 */
export const blogDomains = sqliteTable(
  'blog_domains',
  {
    domain: text('domain').notNull(),
    blogId: integer('blog_id')
      .notNull()
      .references(() => blogs.id, { onDelete: 'cascade' }),
    token: text('token').notNull(),
    verifiedAt: integer('verified_at', { mode: 'timestamp_ms' }),
    isPrimary: integer('is_primary', { mode: 'boolean' }).notNull().default(false),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    // (domain, blog_id): one claim per blog and name, and the index for "who claims this name".
    primaryKey({ columns: [t.domain, t.blogId] }),
    index('blog_domains_blog').on(t.blogId),
    uniqueIndex('blog_domains_verified_domain')
      .on(t.domain)
      .where(sql`verified_at is not null`),
  ],
);

/** One `quire migrate --all` toward one schema version; a killed run is resumed, not restarted. */
export const migrationRuns = sqliteTable('migration_runs', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  targetVersion: integer('target_version').notNull(),
  startedAt: integer('started_at', { mode: 'timestamp_ms' }).notNull(),
  finishedAt: integer('finished_at', { mode: 'timestamp_ms' }),
});

/** What a run did to each blog; a blog with a row here is not touched again by that run. */
export const migrationLedger = sqliteTable(
  'migration_ledger',
  {
    runId: integer('run_id')
      .notNull()
      .references(() => migrationRuns.id, { onDelete: 'cascade' }),
    slug: text('slug').notNull(),
    fromVersion: integer('from_version').notNull(),
    toVersion: integer('to_version').notNull(),
    status: text('status', { enum: ['migrated', 'current', 'failed'] }).notNull(),
    error: text('error'),
    snapshot: text('snapshot'),
    finishedAt: integer('finished_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.slug] })],
);

export const users = sqliteTable('users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** Stored lower-cased; the unique index is what makes sign-up race-free. */
  email: text('email').notNull().unique(),
  /** argon2id, PHC string format. */
  passwordHash: text('password_hash').notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  disabledAt: integer('disabled_at', { mode: 'timestamp_ms' }),
  /** When the person proved the address is theirs (a link sent to it); null: not yet. */
  emailVerifiedAt: integer('email_verified_at', { mode: 'timestamp_ms' }),
  /** Mail me about comments awaiting moderation on my blogs (one at a time, or a digest when busy). */
  commentMail: integer('comment_mail', { mode: 'boolean' }).notNull().default(true),
});

/** Lucia's session design: the token is `<id>.<secret>`; only SHA-256(secret) is stored. */
export const sessions = sqliteTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    secretHash: blob('secret_hash', { mode: 'buffer' }).notNull(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('sessions_user').on(t.userId)],
);

export const memberships = sqliteTable(
  'memberships',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    blogId: integer('blog_id')
      .notNull()
      .references(() => blogs.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['owner', 'editor'] }).notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.blogId] }),
    index('memberships_blog').on(t.blogId),
    check('memberships_role_check', sql`${t.role} in ('owner', 'editor')`),
  ],
);

/** One-time invitation links; like sessions, only a hash of the secret is kept. */
export const invites = sqliteTable(
  'invites',
  {
    id: text('id').primaryKey(),
    secretHash: blob('secret_hash', { mode: 'buffer' }).notNull(),
    blogId: integer('blog_id')
      .notNull()
      .references(() => blogs.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['owner', 'editor'] }).notNull(),
    createdBy: integer('created_by')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    usedAt: integer('used_at', { mode: 'timestamp_ms' }),
    usedBy: integer('used_by').references(() => users.id, { onDelete: 'set null' }),
  },
  (t) => [index('invites_blog').on(t.blogId), check('invites_role_check', sql`${t.role} in ('owner', 'editor')`)],
);

/**
 * Links sent by mail to an account: a password reset, an address to verify, a new address to
 * confirm. Like sessions, `<id>.<secret>` with only SHA-256(secret) kept; each works once.
 */
export const accountTokens = sqliteTable(
  'account_tokens',
  {
    id: text('id').primaryKey(),
    secretHash: blob('secret_hash', { mode: 'buffer' }).notNull(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: text('purpose', { enum: ['reset-password', 'verify-email', 'change-email'] }).notNull(),
    /** The address the link went to: the account's, or the new one being confirmed. */
    email: text('email').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    usedAt: integer('used_at', { mode: 'timestamp_ms' }),
  },
  (t) => [
    index('account_tokens_user').on(t.userId),
    check('account_tokens_purpose_check', sql`${t.purpose} in ('reset-password', 'verify-email', 'change-email')`),
  ],
);

/**
 * One message's content, shared by all its recipients (a newsletter is one row here and one
 * outbox row per reader). `{{unsubscribe}}` in the bodies is replaced per recipient when sent.
 */
export const mailMessages = sqliteTable(
  'mail_messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', { enum: ['account', 'invite', 'comments', 'subscribe', 'newsletter'] }).notNull(),
    blogId: integer('blog_id').references(() => blogs.id, { onDelete: 'cascade' }),
    /** The post a newsletter carries (its id in the blog's file). */
    postId: integer('post_id'),
    /** Shown before the platform's address in From (a blog's title); never an address. */
    fromName: text('from_name'),
    replyTo: text('reply_to'),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    html: text('html'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    index('mail_messages_post').on(t.blogId, t.postId),
    check('mail_messages_kind_check', sql`${t.kind} in ('account', 'invite', 'comments', 'subscribe', 'newsletter')`),
  ],
);

/**
 * The outbox: one row per recipient of a message, kept until it is sent or given up on, so a
 * restart or a down SMTP server loses nothing (docs/architecture.md, "Mail").
 */
export const mailOutbox = sqliteTable(
  'mail_outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    messageId: integer('message_id')
      .notNull()
      .references(() => mailMessages.id, { onDelete: 'cascade' }),
    toAddress: text('to_address').notNull(),
    /** A newsletter's reader: their one-click unsubscribe URL, and their row in the blog's file. */
    unsubscribeUrl: text('unsubscribe_url'),
    subscriberId: integer('subscriber_id'),
    state: text('state', { enum: ['queued', 'sent', 'failed'] })
      .notNull()
      .default('queued'),
    attempts: integer('attempts').notNull().default(0),
    /** Not sent before this time: the next retry, or the day a blog's daily limit allows it. */
    notBefore: integer('not_before', { mode: 'timestamp_ms' }).notNull(),
    lastError: text('last_error'),
    sentAt: integer('sent_at', { mode: 'timestamp_ms' }),
  },
  (t) => [
    index('mail_outbox_due').on(t.state, t.notBefore),
    index('mail_outbox_message').on(t.messageId, t.state),
    check('mail_outbox_state_check', sql`${t.state} in ('queued', 'sent', 'failed')`),
  ],
);

/**
 * Comment mail per person and blog: when the last one went, and how many comments arrived since
 * (sent together as a digest once the quiet interval is over: lib/mail is not told twice a minute).
 */
export const commentNotices = sqliteTable(
  'comment_notices',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    blogId: integer('blog_id')
      .notNull()
      .references(() => blogs.id, { onDelete: 'cascade' }),
    lastSentAt: integer('last_sent_at', { mode: 'timestamp_ms' }),
    pending: integer('pending').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.userId, t.blogId] })],
);

export type Blog = typeof blogs.$inferSelect;
export type BlogDomain = typeof blogDomains.$inferSelect;
export type User = typeof users.$inferSelect;
export type Session = typeof sessions.$inferSelect;
export type Role = (typeof memberships.$inferSelect)['role'];
