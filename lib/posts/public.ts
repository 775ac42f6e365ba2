import { and, desc, eq, lte, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { TenantHandle } from '@/lib/db/pool';
import { media, posts, type Post } from '@/lib/db/schema/tenant';
import { readingMinutes } from '@/lib/markdown/render';
import { coverColumns, withCover, type CoverImage } from '@/lib/media/media';
import { postTagNames } from './posts';

/** What the public blog shows: published posts, and scheduled ones once their time came. */

export type PostSummary = Pick<Post, 'id' | 'slug' | 'title' | 'excerpt'> & { publishedAt: Date; cover: CoverImage | null };
export type PublicPost = PostSummary & { html: string; readingMinutes: number; updatedAt: Date; tags: string[] };

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
  ...coverColumns,
};

/** A row read with summaryColumns as the pages get it (public posts always have a date). */
function toSummary<R extends Parameters<typeof withCover>[1] & { publishedAt: Date | null }>(slug: string, row: R) {
  const post = withCover(slug, row);
  return { ...post, publishedAt: row.publishedAt! };
}

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
            .leftJoin(media, eq(media.id, posts.coverMediaId))
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
            .leftJoin(media, eq(media.id, posts.coverMediaId))
            .where(isPublic(sql.placeholder('now')))
            .orderBy(desc(posts.publishedAt), desc(posts.id))
            .limit(sql.placeholder('limit'))
            .prepare(),
        )
        .all({ now, limit });
  const page: PostSummary[] = rows.slice(0, options.limit).map((row) => toSummary(handle.slug, row));
  const last = page.at(-1);
  return { posts: page, next: rows.length > options.limit && last ? encodeCursor(last) : undefined };
}

export function getPublishedPost(handle: TenantHandle, slug: string): PublicPost | undefined {
  const row = handle
    .statement('posts.public.bySlug', () =>
      handle.orm
        .select({ ...summaryColumns, html: posts.html, markdown: posts.markdown, updatedAt: posts.updatedAt })
        .from(posts)
        .leftJoin(media, eq(media.id, posts.coverMediaId))
        .where(and(eq(posts.slug, sql.placeholder('slug')), isPublic(sql.placeholder('now'))))
        .prepare(),
    )
    .get({ slug, now: Date.now() });
  if (!row) return undefined;
  const { markdown, ...post } = toSummary(handle.slug, row);
  return { ...post, readingMinutes: readingMinutes(markdown), tags: postTagNames(handle, post.id) };
}
