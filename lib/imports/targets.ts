import type { User } from '@/lib/db/schema/control';
import { config } from '@/lib/config';
import { blogsOfUser, ownedBlogCount } from '@/lib/members/access';
import { can } from '@/lib/members/roles';

export type ImportTargets = {
  /** The blogs this person may import into (owners only; `startImport` checks again). */
  blogs: { slug: string; title: string }[];
  /** Whether they may have one more blog; if not, why not. */
  newBlog: { allowed: true } | { allowed: false; reason: string };
};

/** Where an import from another platform may go, for the choice on the import page. */
export async function importTargets(user: User): Promise<ImportTargets> {
  const max = config().maxBlogsPerUser;
  return {
    blogs: (await blogsOfUser(user.id))
      .filter((blog) => blog.status === 'active' && can(blog.role, 'import'))
      .map(({ slug, title }) => ({ slug, title })),
    newBlog:
      (await ownedBlogCount(user.id)) < max
        ? { allowed: true }
        : { allowed: false, reason: `You own ${max} blogs (counting any in the trash), the most this server allows.` },
  };
}
