import { z } from 'zod';
import { softDeleteBlog } from '@/lib/blogs/lifecycle';
import { readJson } from '@/lib/http/api';
import { blogRoute } from '@/lib/members/blog-route';
import { InputError, parseInput } from '@/lib/input';

/** Deleting a blog asks for its address typed out, as the confirmation. */
export const DELETE = blogRoute('delete-blog', async ({ request, access }) => {
  const { confirm } = parseInput(z.object({ confirm: z.string() }), await readJson(request, 1024));
  if (confirm.trim().toLowerCase() !== access.blog.slug) {
    throw new InputError(`Type "${access.blog.slug}" to confirm.`);
  }
  await softDeleteBlog(access.blog);
  return { redirect: '/dashboard' };
});
