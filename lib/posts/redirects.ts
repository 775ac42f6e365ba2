import { eq, sql } from 'drizzle-orm';
import type { TenantHandle } from '@/lib/db/pool';
import { redirects } from '@/lib/db/schema/tenant';
import { blogPaths } from '@/lib/blogs/address';
import { isPublicNow } from './status';

/**
 * Addresses that moved (the `redirects` table): the blog answers `path` with a 301 to `target`
 * (lib/server/blog-host.ts, on a page-cache miss). Renaming a post or page readers can see records
 * its old address here; imports may bring an old site's addresses.
 *
 * Kept true at every write: no chain (each target is where the document is now) and no
 * redirect at a live address (the front looks redirects up before rendering, so one would
 * shadow the page).
 */

export type AddressKind = 'post' | 'page';

/** Where a post or page lives on its blog (the blog's own path builders). */
export function addressOf(kind: AddressKind, slug: string): string {
  return kind === 'post' ? blogPaths.post(slug) : blogPaths.page(slug);
}

/** What `recordAddressChange` needs of a post or page, before and after a save. */
type Addressed = { slug: string; status: string; publishedAt?: Date | null };

const isLive = (doc: Addressed, now: number) =>
  doc.publishedAt === undefined ? doc.status === 'published' : isPublicNow({ status: doc.status, publishedAt: doc.publishedAt }, now);

/**
 * Called in the transaction that saves a post or page (`before`: the row as it was, undefined for
 * a new one; `after`: as saved). When readers could see it and it stays published or scheduled,
 * a new address records `old → new` and points older redirects to `old` at `new`. Whenever it is
 * published or scheduled, a redirect at its own address goes: that address is live (again). The
 * caller bumps the page-cache generation, as any save readers can see does.
 */
export function recordAddressChange(
  handle: TenantHandle,
  kind: AddressKind,
  before: Addressed | undefined,
  after: Addressed,
  now = new Date(),
): void {
  if (after.status === 'draft') return;
  const to = addressOf(kind, after.slug);
  if (before && before.slug !== after.slug && isLive(before, now.getTime())) {
    const from = addressOf(kind, before.slug);
    handle.orm.update(redirects).set({ target: to }).where(eq(redirects.target, from)).run();
    handle.orm
      .insert(redirects)
      .values({ path: from, target: to, createdAt: now })
      .onConflictDoUpdate({ target: redirects.path, set: { target: to, createdAt: now } })
      .run();
  }
  // Also what a rename back would otherwise leave: `to → to`.
  removeRedirectAt(handle, to);
}

/** The address is a live page again (a restore, a rename back): no redirect may shadow it. */
export function removeRedirectAt(handle: TenantHandle, path: string): boolean {
  return handle.orm.delete(redirects).where(eq(redirects.path, path)).run().changes > 0;
}

/** Redirects that lead to a document deleted for good would lead nowhere: they go with it. */
export function removeRedirectsTo(handle: TenantHandle, path: string): boolean {
  return handle.orm.delete(redirects).where(eq(redirects.target, path)).run().changes > 0;
}

/**
 * Where `url` (path and query exactly as the reader asked, after the front's normalisation)
 * has moved, as a `Location` value; undefined when it has not. Hot path (every page-cache miss):
 * one prepared lookup by primary key.
 */
export function findRedirect(handle: TenantHandle, url: string): string | undefined {
  const target = handle
    .statement('redirects.byPath', () =>
      handle.orm
        .select({ target: redirects.target })
        .from(redirects)
        .where(eq(redirects.path, sql.placeholder('path')))
        .prepare(),
    )
    .get({ path: url })?.target;
  return target === undefined ? undefined : headerSafe(target);
}

/**
 * A stored target as a header value: characters outside printable ASCII (an imported site's
 * `/café`) percent-encoded, as a browser would send them. Targets were checked when written
 * (`redirectPathProblem`); this only keeps Node from refusing the header.
 */
function headerSafe(target: string): string {
  if (/^[\x21-\x7e]*$/.test(target)) return target;
  const url = new URL(target, 'http://quire.invalid');
  return url.pathname + url.search + url.hash;
}

const REDIRECT_PATH_MAX = 2000;

/**
 * Why a path or target cannot be a redirect's, or undefined when it can: a path of this blog
 * (starting with one `/`; `//host` and `/\host` are other sites to a browser), at most
 * REDIRECT_PATH_MAX characters, without control characters (which browsers drop, so
 * `/\t/evil.example` is `//evil.example`).
 */
export function redirectPathProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.startsWith('/')) return 'is not a path of the blog (starting with /)';
  if (value.length > REDIRECT_PATH_MAX) return `is longer than ${REDIRECT_PATH_MAX.toLocaleString('en')} characters`;
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) return 'has control characters';
  if (/^\/[/\\]/.test(value) || value.includes('\\')) return 'could lead to another site (// or \\)';
  return undefined;
}
