import type { TenantHandle } from '@/lib/db/pool';
import { publicPostSql } from '@/lib/posts/public';
import { processWide } from '@/lib/process/shared';
import { knownGeneration } from '@/lib/pagecache/generation';

/**
 * Whether a beacon's post is public (not a draft, its publish time come), remembered per blog so
 * that a beacon costs no query: each SQLite call costs several µs here (locks on the file), the
 * largest part of a beacon's own work. What is remembered is each post's publish time (null for
 * a draft), tied to the blog's page-cache generation (lib/pagecache/generation.ts):
 * - this process's writes (the dashboard, imports, restores) move the generation at once;
 * - another process's writes (the CLI) are seen through `PRAGMA data_version`, asked at most once
 *   a second per blog: a post published or unpublished by the CLI counts by its old state for up
 *   to a second;
 * - a scheduled post counts from its publish time, compared with each beacon's.
 * Ids with no post are not remembered (anyone may send any id), and at most MAX_POSTS per blog.
 */
const MAX_POSTS = 10_000;

type Known = {
  openId: number;
  generation: string;
  /** post id → publish time in ms; null for a post never public as it stands (a draft) */
  publishedAt: Map<number, number | null>;
};

const blogs = () => processWide('pageviews.public-posts', () => new Map<string, Known>());

export function isPublicPost(handle: TenantHandle, postId: number, now: number): boolean {
  const known = knownPosts(handle);
  let publishedAt = known.publishedAt.get(postId);
  if (publishedAt === undefined) {
    // Public at some time (lib/posts/public.ts's rule with `now` at the end of time), and when.
    const row = handle
      .statement('pageviews.publishedAt', () =>
        handle.sqlite.prepare<[{ id: number; now: number }], { listed: number | null; publishedAt: number | null }>(
          `select (${publicPostSql('posts')}) as listed, published_at as publishedAt from posts where id = @id`,
        ),
      )
      .get({ id: postId, now: Number.MAX_SAFE_INTEGER });
    if (!row) return false;
    publishedAt = row.listed ? row.publishedAt : null;
    if (known.publishedAt.size < MAX_POSTS) known.publishedAt.set(postId, publishedAt);
  }
  return publishedAt !== null && publishedAt <= now;
}

/** The blog's remembered posts, forgotten when its file was reopened or its generation moved. */
function knownPosts(handle: TenantHandle): Known {
  const generation = knownGeneration(handle.slug) ?? '';
  let known = blogs().get(handle.slug);
  if (!known || known.openId !== handle.openId || known.generation !== generation) {
    known = { openId: handle.openId, generation, publishedAt: new Map() };
    blogs().set(handle.slug, known);
  }
  return known;
}
