import { notFoundError } from '@/lib/http/errors';
import { idParam } from '@/lib/http/routes';
import { blogRoute } from '@/lib/members/blog-route';
import { getRevision } from '@/lib/posts/revisions';

type Params = { blog: string; id: string; revision: string };

/** One kept revision, whole: to compare with the editor's text, and to restore into it. */
export const GET = blogRoute<Params>('write-posts', ({ params, handle }) => {
  const revision = getRevision(handle, idParam(params.id), idParam(params.revision));
  if (!revision) throw notFoundError('This version is no longer kept.');
  return { revision: { ...revision, createdAt: revision.createdAt.getTime() } };
});
