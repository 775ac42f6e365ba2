import { updateSettings } from '@/lib/blogs/blogs';
import { readJson } from '@/lib/http/api';
import { blogRoute } from '@/lib/members/blog-route';

export const PUT = blogRoute('change-settings', async ({ request, access }) => ({
  settings: await updateSettings(access.blog, await readJson(request, 16 * 1024)),
}));
