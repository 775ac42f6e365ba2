import { exportMarkdownZip } from '@/lib/export/markdown';
import { blogRoute } from '@/lib/http/routes';

/** Downloads the blog as Markdown files in a zip (owners only), streamed as it is built. */
export const GET = blogRoute('export', ({ access }) => {
  const download = exportMarkdownZip(access.blog);
  return new Response(download.stream, {
    headers: {
      'Content-Type': 'application/zip',
      'Content-Disposition': `attachment; filename="${download.filename}"`,
      'Cache-Control': 'no-store',
    },
  });
});
