import { readJson } from '@/lib/http/api';
import { idParam } from '@/lib/http/routes';
import { blogRoute } from '@/lib/members/blog-route';
import { SAVING_A_POST, editorView, savePost } from '@/lib/posts/posts';
import { moveToTrash } from '@/lib/trash/trash';

type Params = { blog: string; id: string };

export const PUT = blogRoute<Params>(
  'write-posts',
  async ({ request, params, handle }) => {
    const post = await savePost(handle, idParam(params.id), await readJson(request));
    return { post: editorView(handle, post) };
  },
  SAVING_A_POST,
);

export const DELETE = blogRoute<Params>('write-posts', ({ params, handle }) => {
  moveToTrash(handle, 'post', idParam(params.id));
  return { ok: true };
});
