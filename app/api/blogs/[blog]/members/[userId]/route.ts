import { blogRoute, idParam } from '@/lib/http/routes';
import { removeMember } from '@/lib/members/members';

export const DELETE = blogRoute<{ blog: string; userId: string }>('manage-members', ({ params, access }) => {
  removeMember(access.blog.id, idParam(params.userId));
  return { ok: true };
});
