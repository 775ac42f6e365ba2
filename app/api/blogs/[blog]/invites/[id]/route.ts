import { blogRoute } from '@/lib/members/blog-route';
import { revokeInvite } from '@/lib/members/invites';

export const DELETE = blogRoute<{ blog: string; id: string }>('manage-members', async ({ params, access }) => {
  await revokeInvite(access.blog.id, params.id);
  return { ok: true };
});
