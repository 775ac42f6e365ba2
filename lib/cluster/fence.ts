import { config } from '@/lib/config';
import { assertNotPaused } from '@/lib/db/write-pause';
import { HttpError } from '@/lib/http/errors';
import { registeredBlog, type RegisteredBlog } from '@/lib/registry/registry';
import { heldEpoch } from './held';

/**
 * Fencing (docs/scale-out.md, "One owner per blog"): in a cluster a node serves a blog only while
 * the control plane places it there, and writes to it only under the epoch it was given it with.
 * A node that comes back after its blogs were restored elsewhere finds them placed on another node
 * at a higher epoch, and serves and writes none of them. On a single machine every blog is here.
 */
export type Presence =
  /** This node owns the blog under the epoch it holds: reads and writes. */
  | 'owner'
  /** The blog is moving or being restored here and its file is in place: reads only. */
  | 'arriving'
  /** Another node's, or this node's under an epoch it does not hold: neither. */
  | 'elsewhere';

export function presenceOf(blog: RegisteredBlog): Presence {
  const node = config().cluster?.node;
  if (!node) return 'owner';
  const placed = blog.placement;
  if (!placed) return 'elsewhere';
  if (placed.node === node.id && heldEpoch(blog.slug) === placed.epoch) return 'owner';
  if (placed.target === node.id && heldEpoch(blog.slug) === placed.epoch + 1) return 'arriving';
  return 'elsewhere';
}

/**
 * For work a node does by itself on blogs' files (comment digests, the trash, bounces): only the
 * node the blog is placed on does it. On a single machine, every blog.
 */
export function placedHere(slug: string): boolean {
  const node = config().cluster?.node;
  return !node || registeredBlog(slug)?.placement?.node === node.id;
}

/**
 * Throws a 503 (with Retry-After) while the blog's writes are paused (an import, a move) or this
 * node may not write to it. Every write a person makes to a blog passes here.
 */
export function assertWritable(slug: string): void {
  assertNotPaused(slug);
  const blog = registeredBlog(slug);
  if (!config().cluster?.node || !blog) return;
  const presence = presenceOf(blog);
  const state = blog.placement?.state ?? 'active';
  if (presence === 'owner' && state === 'active') return;
  const reason =
    state === 'active'
      ? 'This blog is served by another server of this site just now. Nothing was changed; please try again.'
      : 'This blog is being moved to another server of this site. Nothing was changed; please try again in a few seconds.';
  throw Object.assign(new HttpError(503, reason), { retryAfterSeconds: state === 'active' ? 5 : 10 });
}

/**
 * For the dashboard and its API (HAProxy sends `/dashboard/<slug>/…` to the owner; this covers a
 * route that has not caught up): 503 on a node that does not hold the blog.
 */
export function assertServedHere(slug: string): void {
  const blog = registeredBlog(slug);
  if (blog && presenceOf(blog) === 'elsewhere') {
    throw Object.assign(new HttpError(503, 'This blog is served by another server of this site just now. Please reload in a moment.'), {
      retryAfterSeconds: 5,
    });
  }
}
