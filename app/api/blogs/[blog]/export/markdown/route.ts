import { exportMarkdownZip } from '@/lib/export/markdown';
import { assertDownloadRequest, blogRoute } from '@/lib/http/routes';

/** Downloads the blog as Markdown files in a zip (owners only), streamed as it is built. */
export const GET = blogRoute('export', ({ request, access }) => {
  assertDownloadRequest(request);
  const download = exportMarkdownZip(access.blog);
  return new Response(download.stream, {
    headers: {
      'Content-Type': 'application/zip',
      'Content-Disposition': `attachment; filename="${download.filename}"`,
      'Cache-Control': 'no-store',
    },
  });
});
