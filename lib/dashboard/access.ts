import { notFound, redirect } from 'next/navigation';
import { requireUser } from '@/lib/auth/current';
import { assertServedHere } from '@/lib/cluster/fence';
import { readSettings, type BlogSettings } from '@/lib/blogs/blogs';
import type { User } from '@/lib/db/schema/control';
import { openTenant, type TenantHandle } from '@/lib/db/pool';
import { membershipOf, type BlogAccess } from '@/lib/members/access';
import { can, type BlogAction } from '@/lib/members/roles';

export type DashboardBlog = BlogAccess & {
  user: User;
  handle: TenantHandle;
  settings: BlogSettings;
  /** Whether the role allows the page's action; pages show a clear refusal when not. */
  allowed: boolean;
};

/**
 * What every dashboard page of a blog starts with: the signed-in user (else log-in), their
 * membership of this blog (else 404, revealing nothing), and whether their role allows `action`.
 */
export async function dashboardBlog(slug: string, action: BlogAction): Promise<DashboardBlog> {
  const user = await requireUser();
  const access = await membershipOf(user.id, slug);
  if (!access || access.blog.status === 'deleted') notFound();
  // A blog under maintenance cannot be opened; the blogs list says why.
  if (access.blog.status === 'maintenance') redirect('/dashboard');
  assertServedHere(access.blog.slug);
  const handle = openTenant(access.blog.slug);
  return { ...access, user, handle, settings: readSettings(handle), allowed: can(access.role, action) };
}
