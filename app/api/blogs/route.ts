import { createOwnedBlog } from '@/lib/accounts/accounts';
import { requireApiUser } from '@/lib/auth/current';
import { apiRoute, readJson } from '@/lib/http/api';
import { parseInput } from '@/lib/input';
import { z } from 'zod';

export const POST = apiRoute(async (request) => {
  const user = await requireApiUser();
  const form = parseInput(z.object({ slug: z.string(), title: z.string() }), await readJson(request, 16 * 1024));
  const blog = await createOwnedBlog(user, form);
  return { redirect: `/dashboard/${blog.slug}` };
});
