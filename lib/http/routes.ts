import { z } from 'zod';
import { requireApiUser } from '@/lib/auth/current';
import type { User } from '@/lib/db/schema/control';
import { openTenant, type TenantHandle } from '@/lib/db/pool';
import { requireBlogAccess, type BlogAccess } from '@/lib/members/access';
import type { BlogAction } from '@/lib/members/roles';
import { apiRoute } from './api';
import { notFound } from './errors';

export type BlogRouteContext<P> = {
  request: Request;
  params: P;
  user: User;
  access: BlogAccess;
  /** The blog's open file. */
  handle: TenantHandle;
};

/**
 * A route handler acting on one blog: signed-in user, membership of *the blog in the URL*,
 * and a role allowing `action` — checked on the server before the handler runs.
 */
export function blogRoute<P extends { blog: string }>(
  action: BlogAction,
  handler: (context: BlogRouteContext<P>) => Promise<unknown> | unknown,
) {
  return apiRoute<P>(async (request, params) => {
    const user = await requireApiUser();
    const access = requireBlogAccess(user, params.blog, action);
    return handler({ request, params, user, access, handle: openTenant(access.blog.slug) });
  });
}

/** A numeric id from the URL; anything else is simply not found. */
export function idParam(value: string): number {
  const parsed = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).safeParse(value);
  if (!parsed.success) throw notFound();
  return parsed.data;
}

/** Where to go after logging in: only a path on this site. */
export function safeNextPath(value: unknown, fallback = '/dashboard'): string {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) && value.length < 500 ? value : fallback;
}
