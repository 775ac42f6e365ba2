import { readJson } from '@/lib/http/api';
import { blogRoute } from '@/lib/members/blog-route';
import { SAVING_A_POST, editorView, savePost } from '@/lib/posts/posts';

export const POST = blogRoute(
  'write-posts',
  async ({ request, handle }) => {
    const post = await savePost(handle, undefined, await readJson(request));
    return { post: editorView(handle, post) };
  },
  SAVING_A_POST,
);
