import { exportBlogFile } from '@/lib/export/export';
import { assertDownloadRequest, blogRoute } from '@/lib/http/routes';

/** Downloads the whole blog as one SQLite file (owners only). */
export const GET = blogRoute('export', async ({ request, access }) => {
  assertDownloadRequest(request);
  const download = await exportBlogFile(access.blog);
  return new Response(download.stream, {
    headers: {
      'Content-Type': 'application/vnd.sqlite3',
      // Next strips Content-Length from route handlers; the front restores it from this.
      'X-Quire-Content-Length': String(download.size),
      'Content-Disposition': `attachment; filename="${download.filename}"`,
      'Cache-Control': 'no-store',
    },
  });
});
