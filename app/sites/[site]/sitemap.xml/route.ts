import { sitemapResponse } from '@/lib/seo/sitemap';

// Next takes a route named sitemap.xml for its own metadata route and would prerender it at
// build time (opening the data directory); every blog's sitemap is rendered on request.
export const dynamic = 'force-dynamic';

export function GET(_request: Request, { params }: { params: Promise<{ site: string }> }) {
  return sitemapResponse(params);
}
