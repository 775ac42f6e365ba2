import { idParam } from '@/lib/http/routes';
import { blogRoute } from '@/lib/members/blog-route';
import { deleteForGood } from '@/lib/trash/trash';

type Params = { blog: string; id: string };

/** "Delete now" in the trash: only a post in the trash can be deleted for good. */
export const DELETE = blogRoute<Params>('write-posts', ({ params, handle }) => {
  deleteForGood(handle, 'post', idParam(params.id));
  return { ok: true };
});
