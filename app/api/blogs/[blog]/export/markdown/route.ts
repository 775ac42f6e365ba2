import { exportMarkdownZip } from '@/lib/export/export';
import { DECLARED_LENGTH_HEADER } from '@/lib/http/headers';
import { assertDownloadRequest } from '@/lib/http/routes';
import { blogRoute } from '@/lib/members/blog-route';

/** Downloads the blog as Markdown files in a zip (owners only), built off the serving thread. */
export const GET = blogRoute('export', async ({ request, access }) => {
  assertDownloadRequest(request);
  const download = await exportMarkdownZip(access.blog);
  return new Response(download.stream, {
    headers: {
      'Content-Type': 'application/zip',
      [DECLARED_LENGTH_HEADER]: String(download.size),
      'Content-Disposition': `attachment; filename="${download.filename}"`,
      'Cache-Control': 'no-store',
    },
  });
});
