import { notFoundError } from '@/lib/http/errors';
import { idParam } from '@/lib/http/routes';
import { blogRoute } from '@/lib/members/blog-route';
import { getPost } from '@/lib/posts/posts';
import { listRevisions } from '@/lib/posts/revisions';

type Params = { blog: string; id: string };

/** The editor's History panel: a post's kept revisions, newest first, without their text. */
export const GET = blogRoute<Params>('write-posts', ({ params, handle }) => {
  const post = getPost(handle, idParam(params.id));
  if (!post) throw notFoundError('This post no longer exists.');
  return { revisions: listRevisions(handle, post.id).map((r) => ({ id: r.id, title: r.title, createdAt: r.createdAt.getTime() })) };
});
