import { readJson } from '@/lib/http/api';
import { blogRoute, idParam } from '@/lib/http/routes';
import { deletePage, savePage } from '@/lib/pages/pages';

type Params = { blog: string; id: string };

export const PUT = blogRoute<Params>('write-pages', async ({ request, params, handle }) => {
  const page = await savePage(handle, idParam(params.id), await readJson(request));
  return { page: { id: page.id, slug: page.slug, status: page.status, updatedAt: page.updatedAt.getTime() } };
});

export const DELETE = blogRoute<Params>('write-pages', ({ params, handle }) => {
  deletePage(handle, idParam(params.id));
  return { ok: true };
});
