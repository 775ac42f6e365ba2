import { and, desc, eq, like, lte, ne, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { TenantHandle } from '@/lib/db/pool';
import { posts, type Post } from '@/lib/db/schema/tenant';
import { InputError, parseInput } from '@/lib/input';
import { excerptFromHtml, readingMinutes, renderMarkdown } from '@/lib/markdown/render';
import { bumpGeneration } from '@/lib/pagecache/generation';
import { postSlugSchema, slugify } from './slug';

/** Limits, documented in the README: generous for writing, bounded for the server. */
export const POST_TITLE_MAX = 200;
export const POST_MARKDOWN_MAX = 200_000;
export const POST_EXCERPT_MAX = 500;

const newPostSchema = z.object({
  title: z
    .string()
    .trim()
    .min(1, 'A post needs a title.')
    .max(POST_TITLE_MAX, `A title is at most ${POST_TITLE_MAX} characters.`),
  slug: postSlugSchema.optional(),
  markdown: z
    .string()
    .max(POST_MARKDOWN_MAX, `A post is at most ${POST_MARKDOWN_MAX.toLocaleString('en')} characters of Markdown.`)
    .refine((text) => text.trim().length > 0, 'A post needs some text.'),
  excerpt: z.string().trim().max(POST_EXCERPT_MAX, `An excerpt is at most ${POST_EXCERPT_MAX} characters.`).optional(),
  status: z.enum(['draft', 'published']).default('published'),
  publishedAt: z.date().optional(),
});

export type NewPostInput = z.input<typeof newPostSchema>;

export function createPost(handle: TenantHandle, input: NewPostInput): Post {
  const post = parseInput(newPostSchema, input);
  const slug = post.slug ?? uniqueSlug(handle, slugify(post.title) || 'post');
  if (post.slug && slugTaken(handle, post.slug)) {
    throw new InputError(`A post with the address "${post.slug}" already exists.`);
  }
  const html = renderMarkdown(post.markdown);
  const now = new Date();
  const created = handle.orm
    .insert(posts)
    .values({
      slug,
      title: post.title,
      markdown: post.markdown,
      html,
      excerpt: post.excerpt || excerptFromHtml(html),
      status: post.status,
      publishedAt: post.status === 'published' ? (post.publishedAt ?? now) : null,
      createdAt: now,
      updatedAt: now,
    })
    .returning()
    .get();
  if (created.status === 'published') bumpGeneration(handle.slug);
  return created;
}

function slugTaken(handle: TenantHandle, slug: string): boolean {
  return handle.orm.select({ id: posts.id }).from(posts).where(eq(posts.slug, slug)).get() !== undefined;
}

/** `hello`, else `hello-2`, `hello-3`, … */
function uniqueSlug(handle: TenantHandle, base: string): string {
  const taken = new Set(
    handle.orm
      .select({ slug: posts.slug })
      .from(posts)
      .where(or(eq(posts.slug, base), like(posts.slug, `${base}-%`)))
      .all()
      .map((row) => row.slug),
  );
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base.slice(0, 95)}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

// ── Reading: what the public blog shows ──────────────────────────────────────────────────────

export type PostSummary = Pick<Post, 'id' | 'slug' | 'title' | 'excerpt'> & { publishedAt: Date };
export type PublicPost = PostSummary & { html: string; readingMinutes: number; updatedAt: Date };

/** Where the next page of the list starts: the last post shown, as `<publishedAtMs>-<id>`. */
export type ListCursor = { publishedAt: number; id: number };

export const listCursorSchema = z
  .string()
  .regex(/^\d{1,15}-\d{1,15}$/)
  .transform((value): ListCursor => {
    const [publishedAt, id] = value.split('-').map(Number) as [number, number];
    return { publishedAt, id };
  });

export function encodeCursor(post: PostSummary): string {
  return `${post.publishedAt.getTime()}-${post.id}`;
}

const summaryColumns = {
  id: posts.id,
  slug: posts.slug,
  title: posts.title,
  excerpt: posts.excerpt,
  publishedAt: posts.publishedAt,
};

/** Public means: not a draft, and its time has come (a scheduled post shows once due). */
const isPublic = (now: ReturnType<typeof sql.placeholder>) =>
  and(ne(posts.status, 'draft'), lte(posts.publishedAt, now));

/** Published posts, newest first, by key (never OFFSET). `next` is set when more follow. */
export function listPublishedPosts(
  handle: TenantHandle,
  options: { limit: number; after?: ListCursor },
): { posts: PostSummary[]; next?: string } {
  const limit = options.limit + 1; // one extra tells whether a next page exists
  const now = Date.now(); // placeholders bind raw values: milliseconds, as stored
  const rows = options.after
    ? handle
        .statement('posts.public.after', () =>
          handle.orm
            .select(summaryColumns)
            .from(posts)
            .where(
              and(
                isPublic(sql.placeholder('now')),
                sql`(${posts.publishedAt}, ${posts.id}) < (${sql.placeholder('t')}, ${sql.placeholder('id')})`,
              ),
            )
            .orderBy(desc(posts.publishedAt), desc(posts.id))
            .limit(sql.placeholder('limit'))
            .prepare(),
        )
        .all({ now, t: options.after.publishedAt, id: options.after.id, limit })
    : handle
        .statement('posts.public.first', () =>
          handle.orm
            .select(summaryColumns)
            .from(posts)
            .where(isPublic(sql.placeholder('now')))
            .orderBy(desc(posts.publishedAt), desc(posts.id))
            .limit(sql.placeholder('limit'))
            .prepare(),
        )
        .all({ now, limit });
  const page = rows.slice(0, options.limit) as PostSummary[];
  const last = page.at(-1);
  return { posts: page, next: rows.length > options.limit && last ? encodeCursor(last) : undefined };
}

export function getPublishedPost(handle: TenantHandle, slug: string): PublicPost | undefined {
  const row = handle
    .statement('posts.public.bySlug', () =>
      handle.orm
        .select({ ...summaryColumns, html: posts.html, markdown: posts.markdown, updatedAt: posts.updatedAt })
        .from(posts)
        .where(and(eq(posts.slug, sql.placeholder('slug')), isPublic(sql.placeholder('now'))))
        .prepare(),
    )
    .get({ slug, now: Date.now() });
  if (!row) return undefined;
  const { markdown, ...post } = row;
  return { ...(post as PublicPost), readingMinutes: readingMinutes(markdown) };
}
