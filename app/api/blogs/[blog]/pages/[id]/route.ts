import { readJson } from '@/lib/http/api';
import { idParam } from '@/lib/http/routes';
import { blogRoute } from '@/lib/members/blog-route';
import { SAVING_A_PAGE, savePage } from '@/lib/pages/pages';
import { moveToTrash } from '@/lib/trash/trash';

type Params = { blog: string; id: string };

export const PUT = blogRoute<Params>(
  'write-pages',
  async ({ request, params, handle }) => {
    const page = await savePage(handle, idParam(params.id), await readJson(request));
    return { page: { id: page.id, slug: page.slug, status: page.status, updatedAt: page.updatedAt.getTime() } };
  },
  SAVING_A_PAGE,
);

export const DELETE = blogRoute<Params>('write-pages', ({ params, handle }) => {
  moveToTrash(handle, 'page', idParam(params.id));
  return { ok: true };
});
