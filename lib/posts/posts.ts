import { desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { TenantHandle } from '@/lib/db/pool';
import { dailyViews, posts, postTags, tags, type Post } from '@/lib/db/schema/tenant';
import { conflict, notFound } from '@/lib/http/errors';
import { InputError, parseInput } from '@/lib/input';
import { renderMarkdownOffThread } from '@/lib/markdown/off-thread';
import { mediaExists, mediaImageTable } from '@/lib/media/media';
import { bumpGeneration } from '@/lib/pagecache/generation';
import { postSlugSchema, slugify, uniqueSlug } from './slug';

/** Limits, documented in the README: generous for writing, bounded for the server. */
export const POST_TITLE_MAX = 200;
export const POST_MARKDOWN_MAX = 200_000;
export const POST_EXCERPT_MAX = 500;
export const TAGS_MAX = 20;
export const TAG_MAX = 40;

export const postActions = ['save', 'publish', 'schedule', 'unpublish'] as const;
export type PostAction = (typeof postActions)[number];

const postFormSchema = z.object({
  title: z
    .string()
    .trim()
    .min(1, 'A post needs a title.')
    .max(POST_TITLE_MAX, `A title is at most ${POST_TITLE_MAX} characters.`),
  /** Empty or absent: derived from the title. */
  slug: z.union([z.literal(''), postSlugSchema]).optional(),
  markdown: z
    .string()
    .max(POST_MARKDOWN_MAX, `A post is at most ${POST_MARKDOWN_MAX.toLocaleString('en')} characters of Markdown.`)
    .refine((text) => text.trim().length > 0, 'A post needs some text.'),
  excerpt: z.string().trim().max(POST_EXCERPT_MAX, `An excerpt is at most ${POST_EXCERPT_MAX} characters.`).optional(),
  action: z.enum(postActions).default('save'),
  /** When to publish: the schedule time, or a back-dated publish (CLI, imports). */
  publishAt: z.coerce.date({ error: 'Choose a valid date and time.' }).optional(),
  /** The `updatedAt` (ms) the editor loaded; a mismatch means someone else saved since. */
  expectedUpdatedAt: z.number().int().optional(),
  /** Tag names, as a list or comma-separated. */
  tags: z
    .union([z.string().max(2000), z.array(z.string().max(TAG_MAX))])
    .optional()
    .transform((value) => parseTags(value))
    .refine((list) => list === undefined || list.length <= TAGS_MAX, `A post has at most ${TAGS_MAX} tags.`)
    .refine((list) => list === undefined || list.every((t) => t.length <= TAG_MAX), `A tag is at most ${TAG_MAX} characters.`),
  /** An image of this blog shown with the post; null removes it, absent leaves it as it is. */
  coverMediaId: z.number({ error: 'Choose a cover image from this blog.' }).int().positive().max(Number.MAX_SAFE_INTEGER).nullable().optional(),
});

function parseTags(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const names = (Array.isArray(value) ? value : value.split(',')).map((t) => t.trim().replace(/\s+/g, ' ')).filter(Boolean);
  return [...new Map(names.map((name) => [slugify(name), name])).entries()].filter(([slug]) => slug).map(([, name]) => name);
}

export type PostForm = z.input<typeof postFormSchema>;

/**
 * Creates (no id) or updates a post from the editor or the CLI. Markdown is rendered and
 * sanitized here, once. Any change that a reader could see bumps the blog's page-cache
 * generation; a change made elsewhere since the editor loaded the post is refused, not lost.
 */
export async function savePost(handle: TenantHandle, id: number | undefined, input: unknown, now = new Date()): Promise<Post> {
  const form = parseInput(postFormSchema, input);
  // Rendered first, off the serving thread; everything below runs without a pause, so the
  // checks still hold when the row is written.
  const rendered = await renderMarkdownOffThread(form.markdown, mediaImageTable(handle.sqlite, form.markdown));
  const existing = id === undefined ? undefined : getPost(handle, id);
  if (id !== undefined && !existing) throw notFound('This post no longer exists.');
  if (existing && form.expectedUpdatedAt !== undefined && form.expectedUpdatedAt !== existing.updatedAt.getTime()) {
    throw conflict(
      'This post was changed elsewhere since you opened it. Your text is still here: copy it, reload the page, and apply your changes again.',
    );
  }

  const slug = form.slug || existing?.slug || uniqueSlug(slugify(form.title) || 'post', (candidate) => slugTaken(handle, candidate));
  if (slug !== existing?.slug && slugTaken(handle, slug)) {
    throw new InputError(`A post with the address "${slug}" already exists.`);
  }
  if (form.coverMediaId != null && !mediaExists(handle, form.coverMediaId)) {
    throw new InputError('The cover image is not in this blog any more; choose another.');
  }
  const { status, publishedAt } = nextState(form.action, existing, form.publishAt, now);
  const values = {
    slug,
    title: form.title,
    markdown: form.markdown,
    html: rendered.html,
    bodyText: rendered.text,
    excerpt: form.excerpt || rendered.excerpt,
    status,
    publishedAt,
    ...(form.coverMediaId === undefined ? {} : { coverMediaId: form.coverMediaId }),
    // Strictly increasing, so two saves in one millisecond still tell apart for conflicts.
    updatedAt: new Date(Math.max(now.getTime(), (existing?.updatedAt.getTime() ?? 0) + 1)),
  };
  const saved = handle.sqlite.transaction(() => {
    const row = existing
      ? handle.orm.update(posts).set(values).where(eq(posts.id, existing.id)).returning().get()
      : handle.orm.insert(posts).values({ ...values, createdAt: now }).returning().get();
    if (form.tags !== undefined) setPostTags(handle, row.id, form.tags);
    return row;
  })();
  if (status !== 'draft' || (existing && existing.status !== 'draft')) bumpGeneration(handle.slug);
  return saved;
}

function nextState(action: PostAction, existing: Post | undefined, publishAt: Date | undefined, now: Date) {
  switch (action) {
    case 'save':
      return { status: existing?.status ?? 'draft', publishedAt: existing?.publishedAt ?? null } as const;
    case 'publish':
      return {
        status: 'published',
        publishedAt: publishAt ?? (existing?.status === 'published' ? existing.publishedAt : null) ?? now,
      } as const;
    case 'schedule':
      if (!publishAt) throw new InputError('Choose when to publish.');
      if (publishAt.getTime() <= now.getTime()) throw new InputError('A scheduled time must be in the future.');
      return { status: 'scheduled', publishedAt: publishAt } as const;
    case 'unpublish':
      return { status: 'draft', publishedAt: null } as const;
  }
}

/** The CLI's and the demo's way in: a new post, published unless `draft`. */
export function createPost(
  handle: TenantHandle,
  input: Omit<PostForm, 'action' | 'expectedUpdatedAt'> & { draft?: boolean },
): Promise<Post> {
  const { draft, ...form } = input;
  return savePost(handle, undefined, { ...form, action: draft ? 'save' : 'publish' });
}

export function deletePost(handle: TenantHandle, id: number): void {
  const existing = getPost(handle, id);
  if (!existing) throw notFound('This post no longer exists.');
  handle.sqlite.transaction(() => {
    handle.orm.delete(dailyViews).where(eq(dailyViews.postId, id)).run();
    handle.orm.delete(posts).where(eq(posts.id, id)).run();
  })();
  if (existing.status !== 'draft') bumpGeneration(handle.slug);
}

function setPostTags(handle: TenantHandle, postId: number, names: string[]): void {
  handle.orm.delete(postTags).where(eq(postTags.postId, postId)).run();
  for (const name of names) {
    const slug = slugify(name);
    const tag =
      handle.orm.select().from(tags).where(eq(tags.slug, slug)).get() ??
      handle.orm.insert(tags).values({ slug, name }).returning().get();
    handle.orm.insert(postTags).values({ postId, tagId: tag.id }).onConflictDoNothing().run();
  }
}

/** A tag as readers see it: its name, and the slug of its page. */
export type TagRef = { slug: string; name: string };

/** A post's tags, in name order. */
export function listPostTags(handle: TenantHandle, postId: number): TagRef[] {
  return handle
    .statement('posts.tags', () =>
      handle.orm
        .select({ slug: tags.slug, name: tags.name })
        .from(postTags)
        .innerJoin(tags, eq(tags.id, postTags.tagId))
        .where(eq(postTags.postId, sql.placeholder('postId')))
        .orderBy(tags.name)
        .prepare(),
    )
    .all({ postId });
}

export function getPost(handle: TenantHandle, id: number): Post | undefined {
  return handle.orm.select().from(posts).where(eq(posts.id, id)).get();
}

export type DashboardPost = Pick<Post, 'id' | 'slug' | 'title' | 'status' | 'publishedAt' | 'updatedAt' | 'views'>;

/** Every post for the dashboard, most recently edited first. */
export function listAllPosts(handle: TenantHandle): DashboardPost[] {
  return handle.orm
    .select({
      id: posts.id,
      slug: posts.slug,
      title: posts.title,
      status: posts.status,
      publishedAt: posts.publishedAt,
      updatedAt: posts.updatedAt,
      views: posts.views,
    })
    .from(posts)
    .orderBy(desc(posts.updatedAt))
    .all();
}

function slugTaken(handle: TenantHandle, slug: string): boolean {
  return handle.orm.select({ id: posts.id }).from(posts).where(eq(posts.slug, slug)).get() !== undefined;
}
