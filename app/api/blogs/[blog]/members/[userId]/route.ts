import { idParam } from '@/lib/http/routes';
import { blogRoute } from '@/lib/members/blog-route';
import { removeMember } from '@/lib/members/members';

export const DELETE = blogRoute<{ blog: string; userId: string }>('manage-members', async ({ params, access }) => {
  await removeMember(access.blog.id, idParam(params.userId));
  return { ok: true };
});
