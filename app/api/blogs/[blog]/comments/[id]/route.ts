import { deleteComment, setCommentStatus } from '@/lib/comments/comments';
import { readJson } from '@/lib/http/api';
import { idParam } from '@/lib/http/routes';
import { blogRoute } from '@/lib/members/blog-route';

type Params = { blog: string; id: string };

export const PATCH = blogRoute<Params>('moderate', async ({ request, params, handle }) => ({
  status: setCommentStatus(handle, idParam(params.id), await readJson(request, 1024)),
}));

export const DELETE = blogRoute<Params>('moderate', ({ params, handle }) => {
  deleteComment(handle, idParam(params.id));
  return { ok: true };
});
