import { idParam } from '@/lib/http/routes';
import { blogRoute } from '@/lib/members/blog-route';
import { deleteForGood } from '@/lib/trash/trash';

type Params = { blog: string; id: string };

/** "Delete now" in the trash: only a page in the trash can be deleted for good. */
export const DELETE = blogRoute<Params>('write-pages', ({ params, handle }) => {
  deleteForGood(handle, 'page', idParam(params.id));
  return { ok: true };
});
