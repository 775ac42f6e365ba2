import { withPreparedUpload } from '@/lib/export/import';
import { replaceBlogFile } from '@/lib/snapshots/snapshots';
import { blogRoute } from '@/lib/members/blog-route';

/** Replaces this blog with an uploaded file (owners only); the replaced blog is kept as a snapshot. */
export const POST = blogRoute('import', async ({ request, access, user }) => {
  const snapshot = await withPreparedUpload(request, user.id, (fresh) => replaceBlogFile(access.blog, fresh, 'pre-import'));
  return { snapshot };
});
