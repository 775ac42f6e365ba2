/**
 * A public document of a blog other than a page (a feed, the sitemap, robots.txt), or a plain
 * 404 when there is none. Only the 200 is kept by the front's page cache.
 */
export function publicDocument(body: string | undefined, contentType: string): Response {
  if (body === undefined) {
    return new Response('Not found\n', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  }
  return new Response(body, {
    headers: { 'Content-Type': `${contentType}; charset=utf-8`, 'X-Content-Type-Options': 'nosniff' },
  });
}
