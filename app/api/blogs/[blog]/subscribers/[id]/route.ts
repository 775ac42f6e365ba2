import { notFoundError } from '@/lib/http/errors';
import { idParam } from '@/lib/http/routes';
import { blogRoute } from '@/lib/members/blog-route';
import { removeSubscriber } from '@/lib/newsletters/subscribers';

/** Removes a reader from the list (owners only). */
export const DELETE = blogRoute<{ blog: string; id: string }>('manage-subscribers', ({ params, handle }) => {
  if (!removeSubscriber(handle, idParam(params.id))) throw notFoundError('This reader is not on the list.');
  return { ok: true };
});
