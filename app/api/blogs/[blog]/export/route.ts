import { exportBlogFile } from '@/lib/export/export';
import { DECLARED_LENGTH_HEADER } from '@/lib/http/headers';
import { assertDownloadRequest } from '@/lib/http/routes';
import { blogRoute } from '@/lib/members/blog-route';

/** Downloads the whole blog as one SQLite file (owners only). */
export const GET = blogRoute('export', async ({ request, access }) => {
  assertDownloadRequest(request);
  const download = await exportBlogFile(access.blog);
  return new Response(download.stream, {
    headers: {
      'Content-Type': 'application/vnd.sqlite3',
      [DECLARED_LENGTH_HEADER]: String(download.size),
      'Content-Disposition': `attachment; filename="${download.filename}"`,
      'Cache-Control': 'no-store',
    },
  });
});
