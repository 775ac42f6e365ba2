import { assertDownloadRequest } from '@/lib/http/routes';
import { blogRoute } from '@/lib/members/blog-route';
import { subscriberCsvStream } from '@/lib/newsletters/transfer';

/** Downloads the list as CSV (owners only): email, name, state, created_at, confirmed_at. */
export const GET = blogRoute('manage-subscribers', ({ request, access, handle }) => {
  assertDownloadRequest(request);
  const day = new Date().toISOString().slice(0, 10);
  return new Response(subscriberCsvStream(handle), {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${access.blog.slug}-subscribers-${day}.csv"`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    },
  });
});
