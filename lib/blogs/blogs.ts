import fs from 'node:fs';
import { and, eq, ne } from 'drizzle-orm';
import { z } from 'zod';
import { assertNodeForNewBlog, placeNewBlog, syncRoutes } from '@/lib/cluster/placement';
import { controlDb, type ControlOrm } from '@/lib/db/control';
import { migrationSet } from '@/lib/db/migrate';
import { tenantDbPath } from '@/lib/db/paths';
import { createTenantFile, openTenant, type TenantHandle } from '@/lib/db/pool';
import { blogRedirects, blogs, type Blog } from '@/lib/db/schema/control';
import { settings } from '@/lib/db/schema/tenant';
import { InputError, parseInput } from '@/lib/input';
import { emailSchema } from '@/lib/input/email';
import { bumpGeneration } from '@/lib/pagecache/generation';
import { blogSlugSchema } from '@/lib/tenancy/slug';
import { canonicalTimeZone, DEFAULT_TIME_ZONE } from '@/lib/time/zone';
import { AUTHOR_NAME_MAX, BLOG_DESCRIPTION_MAX, BLOG_TITLE_MAX } from '@/lib/input/lengths';

const POSTS_PER_PAGE_MAX = 50;

/** Readers' comments: held for moderation, published at once, or not taken at all. */
export const COMMENT_MODES = ['moderated', 'auto', 'off'] as const;
export type CommentMode = (typeof COMMENT_MODES)[number];

const titleSchema = z
  .string()
  .trim()
  .min(1, 'A blog title is required.')
  .max(BLOG_TITLE_MAX, `A blog title is at most ${BLOG_TITLE_MAX} characters.`);
const descriptionSchema = z.string().trim().max(BLOG_DESCRIPTION_MAX, `A description is at most ${BLOG_DESCRIPTION_MAX} characters.`);

/** A time zone chosen in the settings: one of the zones this server knows (lib/time/zone). */
const timeZoneSchema = z.unknown().transform((value, ctx) => {
  const zone = canonicalTimeZone(value);
  if (zone === undefined) ctx.addIssue({ code: 'custom', message: 'Choose a time zone from the list.' });
  return zone ?? DEFAULT_TIME_ZONE;
});

const newBlogSchema = z.object({
  slug: blogSlugSchema,
  title: titleSchema,
  description: descriptionSchema.default(''),
  /** The sign-up form sends the browser's own zone; one this server does not know becomes UTC rather than a refusal. */
  timeZone: z
    .unknown()
    .transform((value) => canonicalTimeZone(value) ?? DEFAULT_TIME_ZONE)
    .optional(),
});

export const blogSettingsSchema = z.object({
  title: titleSchema,
  description: descriptionSchema,
  authorName: z.string().trim().max(AUTHOR_NAME_MAX, `An author name is at most ${AUTHOR_NAME_MAX} characters.`),
  postsPerPage: z.coerce
    .number({ error: 'Posts per page must be a number.' })
    .int('Posts per page must be a whole number.')
    .min(1, 'Show at least one post per page.')
    .max(POSTS_PER_PAGE_MAX, `Show at most ${POSTS_PER_PAGE_MAX} posts per page.`),
  /** Absent: left as it is. */
  comments: z.enum(COMMENT_MODES, { error: 'Choose whether comments are moderated, published at once, or off.' }).optional(),
  /** Absent: left as it is. */
  timeZone: timeZoneSchema.optional(),
  /** Where replies to the blog's newsletters go; empty: nowhere but the platform's address. Absent: left as it is. */
  newsletterReplyTo: z.union([z.string().trim().length(0), emailSchema]).optional(),
});

export type NewBlog = z.input<typeof newBlogSchema>;

/** Validates a new blog and checks its address is free; throws the first problem found. */
export async function checkNewBlog(input: NewBlog): Promise<z.output<typeof newBlogSchema>> {
  const blog = parseInput(newBlogSchema, input);
  if ((await findBlog(blog.slug)) || (await isRedirected(blog.slug))) throw new InputError(`The blog address "${blog.slug}" is taken.`);
  if (fs.existsSync(tenantDbPath(blog.slug))) {
    throw new InputError(`A file for "${blog.slug}" already exists in the data directory; not overwriting it.`);
  }
  return blog;
}

/** For the sign-up form's live check: is this address valid and free? */
export async function slugAvailability(slug: string): Promise<{ available: boolean; message: string }> {
  const checked = blogSlugSchema.safeParse(slug);
  if (!checked.success) return { available: false, message: checked.error.issues[0]!.message };
  if ((await findBlog(checked.data)) || (await isRedirected(checked.data)) || fs.existsSync(tenantDbPath(checked.data))) {
    return { available: false, message: `"${checked.data}" is taken.` };
  }
  return { available: true, message: `"${checked.data}" is available.` };
}

/**
 * Provisions `tenants/<slug>.db` (a new file, or one `provideFile` puts there, such as an
 * import) and records the blog in `control.db`.
 */
export async function createBlog(input: NewBlog, provideFile: (slug: string) => void = createTenantFile): Promise<Blog> {
  assertNodeForNewBlog();
  const blog = await checkNewBlog(input);
  const control = controlDb();
  provideFile(blog.slug);
  try {
    writeSettings(openTenant(blog.slug), { title: blog.title, description: blog.description, timeZone: blog.timeZone });
    const created = await control.transaction(async (tx) => {
      const row = await tx
        .insert(blogs)
        .values({ slug: blog.slug, title: blog.title, schemaVersion: migrationSet('tenant').migrations.length, createdAt: new Date() })
        .returning()
        .get();
      await placeNewBlog(tx, row);
      return row;
    });
    // In a cluster, the proxy learns where the new blog lives before anyone is sent to it (or, if
    // it cannot be reached now, at the nodes' next reconciliation: lib/cluster/node.ts).
    await syncRoutes().catch((error: unknown) => console.error(`[quire] routes not published: ${(error as Error).message}`));
    return created;
  } catch (error) {
    fs.rmSync(tenantDbPath(blog.slug), { force: true });
    throw error;
  }
}

/** The control row of a blog, or undefined. (The front reads lib/registry, in memory, instead.) */
export async function findBlog(slug: string): Promise<Blog | undefined> {
  return controlDb().orm.select().from(blogs).where(eq(blogs.slug, slug)).get();
}

export type BlogSettings = {
  title: string;
  description: string;
  authorName: string;
  postsPerPage: number;
  comments: CommentMode;
  /** IANA name; the dashboard shows times in it (lib/time/zone). */
  timeZone: string;
  /** Reply-To of the blog's newsletters; empty for none (lib/newsletters). */
  newsletterReplyTo: string;
};

const DEFAULT_POSTS_PER_PAGE = 10;

export function readSettings(handle: TenantHandle): BlogSettings {
  const rows = handle.statement('settings.all', () => handle.orm.select().from(settings).prepare()).all();
  const values = new Map(rows.map((row) => [row.key, row.value]));
  const perPage = Number(values.get('posts_per_page'));
  const comments = COMMENT_MODES.find((mode) => mode === values.get('comments'));
  return {
    title: values.get('title') ?? handle.slug,
    description: values.get('description') ?? '',
    authorName: values.get('author_name') ?? '',
    postsPerPage: Number.isInteger(perPage) && perPage > 0 ? perPage : DEFAULT_POSTS_PER_PAGE,
    comments: comments ?? 'moderated',
    timeZone: canonicalTimeZone(values.get('time_zone')) ?? DEFAULT_TIME_ZONE,
    newsletterReplyTo: values.get('newsletter_reply_to') ?? '',
  };
}

export function writeSettings(handle: TenantHandle, values: Partial<BlogSettings>): void {
  const entries: [string, string][] = [];
  if (values.title !== undefined) entries.push(['title', values.title]);
  if (values.description !== undefined) entries.push(['description', values.description]);
  if (values.authorName !== undefined) entries.push(['author_name', values.authorName]);
  if (values.postsPerPage !== undefined) entries.push(['posts_per_page', String(values.postsPerPage)]);
  if (values.comments !== undefined) entries.push(['comments', values.comments]);
  if (values.timeZone !== undefined) entries.push(['time_zone', values.timeZone]);
  if (values.newsletterReplyTo !== undefined) entries.push(['newsletter_reply_to', values.newsletterReplyTo]);
  handle.sqlite.transaction(() => {
    for (const [key, value] of entries) {
      handle.orm.insert(settings).values({ key, value }).onConflictDoUpdate({ target: settings.key, set: { value } }).run();
    }
  })();
  bumpGeneration(handle.slug);
}

/** The settings form: the blog's file holds them; the title is mirrored in control.db for lists. */
export async function updateSettings(blog: Blog, input: unknown): Promise<BlogSettings> {
  const values = parseInput(blogSettingsSchema, input);
  const handle = openTenant(blog.slug);
  writeSettings(handle, values);
  await controlDb().orm.update(blogs).set({ title: values.title }).where(eq(blogs.id, blog.id)).run();
  return readSettings(handle);
}

/** Takes a blog offline for readers (503) with a reason its authors and the operator can read. */
export async function markUnderMaintenance(blog: Blog, reason: string, db: ControlOrm = controlDb().orm): Promise<void> {
  await db
    .update(blogs)
    .set({ status: 'maintenance', statusReason: reason.slice(0, 1000) })
    .where(eq(blogs.id, blog.id))
    .run();
}

/** Back in service (after a successful migration or restore). */
export async function markActive(slug: string, schemaVersion?: number, db: ControlOrm = controlDb().orm): Promise<void> {
  await db
    .update(blogs)
    .set({ status: 'active', statusReason: null, ...(schemaVersion === undefined ? {} : { schemaVersion }) })
    .where(and(eq(blogs.slug, slug), ne(blogs.status, 'deleted')))
    .run();
}

/** An old address of a renamed blog: it keeps redirecting, so nobody else may take it. */
async function isRedirected(slug: string): Promise<boolean> {
  const row = await controlDb()
    .orm.select({ slug: blogRedirects.oldSlug })
    .from(blogRedirects)
    .where(eq(blogRedirects.oldSlug, slug))
    .get();
  return row !== undefined;
}
