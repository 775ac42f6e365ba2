import { z } from 'zod';
import { platformUrl } from '@/lib/config';
import { readJson } from '@/lib/http/api';
import { blogRoute } from '@/lib/members/blog-route';
import { parseInput } from '@/lib/input';
import { createInvite } from '@/lib/members/invites';

export const POST = blogRoute('manage-members', async ({ request, access, user }) => {
  const { role } = parseInput(
    z.object({ role: z.enum(['editor', 'owner'], { error: 'Choose editor or owner.' }) }),
    await readJson(request, 1024),
  );
  const invite = createInvite(access.blog, role, user);
  return { url: `${platformUrl()}/invite/${invite.token}`, expiresAt: invite.expiresAt.getTime() };
});
