import { readJson } from '@/lib/http/api';
import { idParam } from '@/lib/http/routes';
import { blogRoute } from '@/lib/members/blog-route';
import { deleteMedia, describeMedia } from '@/lib/media/media';

type Params = { blog: string; id: string };

/** Sets the image's description (`{ alt }`; empty removes it); answers the image as it now is. */
export const PATCH = blogRoute<Params>('write-posts', async ({ request, params, handle }) =>
  describeMedia(handle, idParam(params.id), await readJson(request, 16 * 1024)),
);

/** Deletes an image that no post or page uses. */
export const DELETE = blogRoute<Params>('write-posts', ({ params, handle }) => {
  deleteMedia(handle, idParam(params.id));
  return { ok: true };
});
