import { deleteComment, setCommentStatus } from '@/lib/comments/comments';
import { readJson } from '@/lib/http/api';
import { blogRoute, idParam } from '@/lib/http/routes';

type Params = { blog: string; id: string };

export const PATCH = blogRoute<Params>('moderate', async ({ request, params, handle }) => ({
  status: setCommentStatus(handle, idParam(params.id), await readJson(request, 1024)),
}));

export const DELETE = blogRoute<Params>('moderate', ({ params, handle }) => {
  deleteComment(handle, idParam(params.id));
  return { ok: true };
});
