import { readJson } from '@/lib/http/api';
import { blogRoute } from '@/lib/members/blog-route';
import { SAVING_A_PAGE, savePage } from '@/lib/pages/pages';

export const POST = blogRoute(
  'write-pages',
  async ({ request, handle }) => {
    const page = await savePage(handle, undefined, await readJson(request));
    return { page: { id: page.id, slug: page.slug, status: page.status, updatedAt: page.updatedAt.getTime() } };
  },
  SAVING_A_PAGE,
);
