import { and, desc, eq, lte, max, ne, sql } from 'drizzle-orm';
import type { SQLiteSelect } from 'drizzle-orm/sqlite-core';
import { z } from 'zod';
import type { TenantHandle } from '@/lib/db/pool';
import { media, posts, postTags, tags, type Post } from '@/lib/db/schema/tenant';
import { coverColumns, withCover, type CoverImage } from '@/lib/media/media';
import { listPostTags, listTagsOfPosts, type TagRef } from './posts';
import { POST_SLUG_PATTERN } from './slug';
import { POST_SLUG_MAX } from '@/lib/input/lengths';

/** What the public blog shows: published posts, and scheduled ones once their time came. */

export type { TagRef };
export type PostSummary = Pick<Post, 'id' | 'slug' | 'title' | 'excerpt'> & { publishedAt: Date; tags: TagRef[]; cover: CoverImage | null };
export type PublicPost = PostSummary & { html: string; readingMinutes: number; updatedAt: Date };
/** A public tag: one that at least one public post carries. */
export type PublicTag = TagRef & { id: number };

/** Where the next page of the list starts: the last post shown, as `<publishedAtMs>-<id>`. */
export type ListCursor = { publishedAt: number; id: number };

export const listCursorSchema = z
  .string()
  .regex(/^\d{1,15}-\d{1,15}$/)
  .transform((value): ListCursor => {
    const [publishedAt, id] = value.split('-').map(Number) as [number, number];
    return { publishedAt, id };
  });

/** A list page's `?after=`: absent is the first page; anything malformed is null (a 404). */
export function parseAfterParam(value: string | string[] | undefined): { after?: ListCursor } | null {
  if (value === undefined) return {};
  const parsed = listCursorSchema.safeParse(value);
  return parsed.success ? { after: parsed.data } : null;
}

export function formatCursor(cursor: ListCursor): string {
  return `${cursor.publishedAt}-${cursor.id}`;
}

function encodeCursor(post: Pick<PostSummary, 'id' | 'publishedAt'>): string {
  return formatCursor({ publishedAt: post.publishedAt.getTime(), id: post.id });
}

/** When a reader last saw the post change: a scheduled post was saved before it came out. */
export function lastModified(post: { publishedAt: Date; updatedAt: Date }): Date {
  return post.updatedAt > post.publishedAt ? post.updatedAt : post.publishedAt;
}

/**
 * The one rule for the excerpt readers see (lists, feeds, descriptions, cards): the author's
 * own, else the one derived from the text at its last save.
 */
const shownExcerpt = sql<string>`coalesce(nullif(${posts.excerpt}, ''), ${posts.autoExcerpt})`;

const summaryColumns = {
  id: posts.id,
  slug: posts.slug,
  title: posts.title,
  excerpt: shownExcerpt,
  publishedAt: posts.publishedAt,
  ...coverColumns,
};

/** A row read with summaryColumns as the pages get it (public posts always have a date). */
function toSummary<R extends Parameters<typeof withCover>[1] & { publishedAt: Date | null }>(slug: string, row: R) {
  const post = withCover(slug, row);
  return { ...post, publishedAt: row.publishedAt! };
}

/**
 * Public means: not a draft, and its time has come (a scheduled post shows once due). The rule
 * has one home per language: here for queries (drizzle's below, and `publicPostSql` for the
 * hand-written ones: search, beacons), `isPublicNow` in ./status.ts for rows already read.
 */
const isPublic = (now: ReturnType<typeof sql.placeholder>) => and(ne(posts.status, 'draft'), lte(posts.publishedAt, now));

/** The same rule in SQL, for the posts table named `alias`, with the time as the parameter `@now`. */
export function publicPostSql(alias: string): string {
  return `${alias}.status <> 'draft' AND ${alias}.published_at <= @now`;
}

type ListOptions = { limit: number; after?: ListCursor; tagId?: number };

/** Each shape of the public list's query is prepared once per handle, under this name. */
const listShape = ({ after, tagId }: ListOptions) => `${after ? 'after' : 'first'}.${tagId === undefined ? 'all' : 'tag'}`;

/** The public list's filter: by key (never OFFSET), optionally only posts carrying one tag. */
function listWhere({ after, tagId }: ListOptions) {
  return and(
    isPublic(sql.placeholder('now')),
    after ? sql`(${posts.publishedAt}, ${posts.id}) < (${sql.placeholder('t')}, ${sql.placeholder('id')})` : undefined,
    tagId === undefined
      ? undefined
      : sql`${posts.id} in (select ${postTags.postId} from ${postTags} where ${postTags.tagId} = ${sql.placeholder('tagId')})`,
  );
}

const newestFirst = [desc(posts.publishedAt), desc(posts.id)];

// Placeholders bind raw values: milliseconds, as stored.
const listValues = ({ limit, after, tagId }: ListOptions) => ({ now: Date.now(), limit, t: after?.publishedAt, id: after?.id, tagId });

/** The public list's clauses, for a query of any columns over posts: newest first, by key. */
function newestPublic<Query extends SQLiteSelect>(query: Query, options: ListOptions) {
  return query
    .leftJoin(media, eq(media.id, posts.coverMediaId))
    .where(listWhere(options))
    .orderBy(...newestFirst)
    .limit(sql.placeholder('limit'));
}

/** A page of the public list (the home page, or a tag's page). `next` is set when more follow. */
export function listPublishedPosts(handle: TenantHandle, options: ListOptions): { posts: PostSummary[]; next?: string } {
  // One extra row tells whether a next page exists.
  const rows = handle
    .statement(`posts.public.summaries.${listShape(options)}`, () =>
      newestPublic(handle.orm.select(summaryColumns).from(posts).$dynamic(), options).prepare(),
    )
    .all(listValues({ ...options, limit: options.limit + 1 }));
  const shown = rows.slice(0, options.limit);
  const tagsOf = listTagsOfPosts(
    handle,
    shown.map((row) => row.id),
  );
  const page = shown.map((row) => ({ ...toSummary(handle.slug, row), tags: tagsOf.get(row.id) ?? [] }));
  const last = page.at(-1);
  return { posts: page, next: rows.length > options.limit && last ? encodeCursor(last) : undefined };
}

const contentColumns = { ...summaryColumns, html: posts.html, readingMinutes: posts.readingMinutes, updatedAt: posts.updatedAt };

/** The newest public posts with their content: for feeds. */
export function latestPublishedPosts(handle: TenantHandle, options: { limit: number; tagId?: number }): PublicPost[] {
  return handle
    .statement(`posts.public.contents.${listShape(options)}`, () =>
      newestPublic(handle.orm.select(contentColumns).from(posts).$dynamic(), options).prepare(),
    )
    .all(listValues(options))
    .map((row) => toPublicPost(handle, row));
}

type ContentRow = Parameters<typeof withCover>[1] &
  Pick<Post, 'id' | 'slug' | 'title' | 'excerpt' | 'publishedAt' | 'readingMinutes' | 'html' | 'updatedAt'>;

function toPublicPost(handle: TenantHandle, row: ContentRow): PublicPost {
  return { ...toSummary(handle.slug, row), tags: listPostTags(handle, row.id) };
}

export function getPublishedPost(handle: TenantHandle, slug: string): PublicPost | undefined {
  const row = handle
    .statement('posts.public.bySlug', () =>
      handle.orm
        .select(contentColumns)
        .from(posts)
        .leftJoin(media, eq(media.id, posts.coverMediaId))
        .where(and(eq(posts.slug, sql.placeholder('slug')), isPublic(sql.placeholder('now'))))
        .prepare(),
    )
    .get({ slug, now: Date.now() });
  return row && toPublicPost(handle, row);
}

/** Posts in sitemaps are capped by the protocol (50,000 URLs a file). */
const SITEMAP_POSTS_MAX = 49_000;

/** Every public post's address and dates, newest first: for the sitemap. */
export function listPublishedPostDates(handle: TenantHandle): { slug: string; publishedAt: Date; updatedAt: Date }[] {
  return handle
    .statement('posts.public.dates', () =>
      handle.orm
        .select({ slug: posts.slug, publishedAt: posts.publishedAt, updatedAt: posts.updatedAt })
        .from(posts)
        .where(isPublic(sql.placeholder('now')))
        .orderBy(...newestFirst)
        .limit(SITEMAP_POSTS_MAX)
        .prepare(),
    )
    .all({ now: Date.now() })
    .map((row) => ({ ...row, publishedAt: row.publishedAt! }));
}

const isTagSlug = (slug: string) => slug.length <= POST_SLUG_MAX && POST_SLUG_PATTERN.test(slug);

/**
 * The tag at `/tag/<slug>`, if a reader may see it: a well-formed slug of a tag that at least
 * one public post carries. Anything else (unknown, malformed, only on drafts) is undefined.
 */
export function findPublicTag(handle: TenantHandle, slug: string): PublicTag | undefined {
  if (!isTagSlug(slug)) return undefined;
  return handle
    .statement('tags.public.bySlug', () =>
      handle.orm
        .select({ id: tags.id, slug: tags.slug, name: tags.name })
        .from(tags)
        .where(
          and(
            eq(tags.slug, sql.placeholder('slug')),
            sql`exists (select 1 from ${postTags} join ${posts} on ${posts.id} = ${postTags.postId}
                        where ${postTags.tagId} = ${tags.id} and ${isPublic(sql.placeholder('now'))})`,
          ),
        )
        .prepare(),
    )
    .get({ slug, now: Date.now() });
}

/** Every public tag with the last time one of its public posts changed: for the sitemap. */
export function listPublicTags(handle: TenantHandle): (PublicTag & { lastModified: Date })[] {
  return handle
    .statement('tags.public.all', () =>
      handle.orm
        .select({
          id: tags.id,
          slug: tags.slug,
          name: tags.name,
          lastModified: max(sql<number>`max(${posts.publishedAt}, ${posts.updatedAt})`),
        })
        .from(tags)
        .innerJoin(postTags, eq(postTags.tagId, tags.id))
        .innerJoin(posts, eq(posts.id, postTags.postId))
        .where(isPublic(sql.placeholder('now')))
        .groupBy(tags.id)
        .orderBy(tags.slug)
        .prepare(),
    )
    .all({ now: Date.now() })
    .map((row) => ({ ...row, lastModified: new Date(Number(row.lastModified)) }));
}
