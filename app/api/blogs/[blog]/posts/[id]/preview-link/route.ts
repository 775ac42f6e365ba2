import { idParam } from '@/lib/http/routes';
import { blogRoute } from '@/lib/members/blog-route';
import { createPreviewLink, revokePreviewLink } from '@/lib/posts/preview';

type Params = { blog: string; id: string };

/** A new preview link for the post; the one it had before stops working. */
export const POST = blogRoute<Params>('write-posts', ({ params, handle }) => ({ url: createPreviewLink(handle, idParam(params.id)) }));

export const DELETE = blogRoute<Params>('write-posts', ({ params, handle }) => {
  revokePreviewLink(handle, idParam(params.id));
  return { ok: true };
});
