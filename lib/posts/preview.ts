import { and, eq, isNull, like } from 'drizzle-orm';
import { LRUCache } from 'lru-cache';
import { generateSecureRandomString, hashSecret } from '@/lib/auth/tokens';
import { absoluteBlogUrl, blogPaths } from '@/lib/blogs/address';
import type { TenantHandle } from '@/lib/db/pool';
import { media, posts, settings } from '@/lib/db/schema/tenant';
import { notFoundError } from '@/lib/http/errors';
import { renderMarkdownOffThread } from '@/lib/markdown/off-thread';
import { readingMinutes } from '@/lib/markdown/text';
import { coverColumns, mediaImageTable, withCover, type CoverImage } from '@/lib/media/media';
import { getPost, listPostTags, type TagRef } from './posts';
import { getPendingRevision } from './revisions';
import { slugify } from './slug';

/**
 * Preview links: `https://<blog host>/preview/<token>` shows a draft, or a live post's pending
 * edit, on the blog's own look to whoever has the link. One link per post, kept in the blog's
 * settings as `preview:<post id>` → the SHA-256 of its token (a leaked file holds no usable
 * link); making a new one ends the old. Never cached, never indexed (lib/server/blog-host.ts).
 */

/** 32 random bytes: unguessable, so the token alone is the permission. */
const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[a-z2-7]{52}$/;
const KEY_PREFIX = 'preview:';

const keyOf = (postId: number) => `${KEY_PREFIX}${postId}`;
const hashOf = (token: string) => hashSecret(token).toString('hex');

/** A new preview link for the post (any earlier one stops working); its address. */
export function createPreviewLink(handle: TenantHandle, postId: number): string {
  if (!getPost(handle, postId)) throw notFoundError('This post no longer exists.');
  const token = generateSecureRandomString(TOKEN_BYTES);
  const value = hashOf(token);
  handle.orm
    .insert(settings)
    .values({ key: keyOf(postId), value })
    .onConflictDoUpdate({ target: settings.key, set: { value } })
    .run();
  return absoluteBlogUrl(handle.slug, blogPaths.preview(token));
}

/** Ends the post's preview link, if it has one. */
export function revokePreviewLink(handle: TenantHandle, postId: number): void {
  handle.orm
    .delete(settings)
    .where(eq(settings.key, keyOf(postId)))
    .run();
}

/**
 * Pending edits as rendered for their previews, by blog, revision and version: a link passed
 * around is opened again and again, and each would otherwise be a render on the pool.
 */
const renderedEdits = new LRUCache<string, string>({
  maxSize: 16 * 1024 * 1024,
  sizeCalculation: (html, key) => html.length * 2 + key.length,
});

export type PreviewPost = {
  title: string;
  html: string;
  tags: TagRef[];
  cover: CoverImage | null;
  /** Null for a draft. */
  publishedAt: Date | null;
  readingMinutes: number;
  /** The live post's pending edit is shown, not the post as readers see it. */
  pending: boolean;
};

/**
 * What a preview link shows, or undefined for any other token (malformed, unknown, ended, or
 * its post deleted). The lookup compares SHA-256 digests: nobody can aim a guess at a digest,
 * so comparing them is not a timing oracle. A pending edit (only its Markdown is stored) is
 * rendered off the serving thread the first time it is shown.
 */
export async function findPreview(handle: TenantHandle, token: string): Promise<PreviewPost | undefined> {
  if (!TOKEN_PATTERN.test(token)) return undefined;
  const key = handle.orm
    .select({ key: settings.key })
    .from(settings)
    .where(and(like(settings.key, `${KEY_PREFIX}%`), eq(settings.value, hashOf(token))))
    .get()?.key;
  const postId = Number(key?.slice(KEY_PREFIX.length));
  if (!Number.isSafeInteger(postId)) return undefined;
  const row = handle.orm
    .select({
      title: posts.title,
      html: posts.html,
      markdown: posts.markdown,
      publishedAt: posts.publishedAt,
      status: posts.status,
      ...coverColumns,
    })
    .from(posts)
    .leftJoin(media, eq(media.id, posts.coverMediaId))
    .where(and(eq(posts.id, postId), isNull(posts.deletedAt)))
    .get();
  if (!row) return undefined;
  const { cover, ...post } = withCover(handle.slug, row);
  const publishedAt = post.status === 'draft' ? null : post.publishedAt;
  const pending = getPendingRevision(handle, postId);
  if (!pending) {
    return {
      title: post.title,
      html: post.html,
      tags: listPostTags(handle, postId),
      cover,
      publishedAt,
      readingMinutes: readingMinutes(post.markdown),
      pending: false,
    };
  }
  const cacheKey = `${handle.slug}\n${pending.id}\n${pending.createdAt.getTime()}`;
  let html = renderedEdits.get(cacheKey);
  if (html === undefined) {
    html = (await renderMarkdownOffThread(pending.markdown, mediaImageTable(handle.sqlite, pending.markdown))).html;
    renderedEdits.set(cacheKey, html);
  }
  return {
    title: pending.title,
    html,
    tags: pending.tags.map((name) => ({ slug: slugify(name), name })),
    cover,
    publishedAt,
    readingMinutes: readingMinutes(pending.markdown),
    pending: true,
  };
}
