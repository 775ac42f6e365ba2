import { idParam } from '@/lib/http/routes';
import { blogRoute } from '@/lib/members/blog-route';
import { deleteMedia } from '@/lib/media/media';

/** Deletes an image that no post or page uses. */
export const DELETE = blogRoute<{ blog: string; id: string }>('write-posts', ({ params, handle }) => {
  deleteMedia(handle, idParam(params.id));
  return { ok: true };
});
