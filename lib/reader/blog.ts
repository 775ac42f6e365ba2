import { readSettings, type BlogSettings } from '@/lib/blogs/blogs';
import { openTenant, type TenantHandle } from '@/lib/db/pool';
import { listNavPages, type NavPage } from '@/lib/pages/pages';
import { registeredBlog } from '@/lib/registry/registry';
import { blogSlugSchema } from '@/lib/tenancy/slug';

/**
 * The blog behind a public page, or undefined when there is none. The front has already
 * checked the host; this re-checks the slug so a route can never open a path it built itself.
 */
export type PublicBlog = { handle: TenantHandle; settings: BlogSettings; nav: NavPage[] };

export function publicBlog(slug: string): PublicBlog | undefined {
  const checked = blogSlugSchema.safeParse(slug);
  // The registry (memory) rather than control.db: every render asks.
  if (!checked.success || !registeredBlog(checked.data)) return undefined;
  const handle = openTenant(checked.data);
  return { handle, settings: readSettings(handle), nav: listNavPages(handle) };
}
