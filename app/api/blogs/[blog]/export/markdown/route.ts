import { exportMarkdownZip } from '@/lib/export/export';
import { assertDownloadRequest, blogRoute } from '@/lib/http/routes';

/** Downloads the blog as Markdown files in a zip (owners only), built off the serving thread. */
export const GET = blogRoute('export', async ({ request, access }) => {
  assertDownloadRequest(request);
  const download = await exportMarkdownZip(access.blog);
  return new Response(download.stream, {
    headers: {
      'Content-Type': 'application/zip',
      // Next strips Content-Length from route handlers; the front restores it from this.
      'X-Quire-Content-Length': String(download.size),
      'Content-Disposition': `attachment; filename="${download.filename}"`,
      'Cache-Control': 'no-store',
    },
  });
});
