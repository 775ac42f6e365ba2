import { requireApiUser } from '@/lib/auth/current';
import type { User } from '@/lib/db/schema/control';
import { openTenant, type TenantHandle } from '@/lib/db/pool';
import { assertWritable } from '@/lib/cluster/fence';
import { apiRoute, type RouteOptions } from '@/lib/http/api';
import { requireBlogAccess, type BlogAccess } from './access';
import type { BlogAction } from './roles';

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
  options?: RouteOptions,
) {
  return apiRoute<P>(async (request, params) => {
    const user = await requireApiUser();
    const access = await requireBlogAccess(user, params.blog, action);
    if (request.method !== 'GET' && request.method !== 'HEAD') assertWritable(access.blog.slug);
    return handler({ request, params, user, access, handle: openTenant(access.blog.slug) });
  }, options);
}
