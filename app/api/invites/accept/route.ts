import { z } from 'zod';
import { requireApiUser } from '@/lib/auth/current';
import { apiRoute, readJson } from '@/lib/http/api';
import { parseInput } from '@/lib/input';
import { acceptInvite } from '@/lib/members/invites';

export const POST = apiRoute(async (request) => {
  const user = await requireApiUser();
  const { token } = parseInput(z.object({ token: z.string().max(200) }), await readJson(request, 1024));
  const { blog } = await acceptInvite(token, user);
  return { redirect: `/dashboard/${blog.slug}` };
});
