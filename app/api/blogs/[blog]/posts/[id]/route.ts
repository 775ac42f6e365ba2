import { readJson } from '@/lib/http/api';
import { blogRoute, idParam } from '@/lib/http/routes';
import { deletePost, editorView, savePost } from '@/lib/posts/posts';

type Params = { blog: string; id: string };

export const PUT = blogRoute<Params>('write-posts', async ({ request, params, handle }) => {
  const post = await savePost(handle, idParam(params.id), await readJson(request));
  return { post: editorView(handle, post) };
});

export const DELETE = blogRoute<Params>('write-posts', ({ params, handle }) => {
  deletePost(handle, idParam(params.id));
  return { ok: true };
});
