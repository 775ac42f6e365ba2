import { absoluteBlogUrl, blogPaths } from '@/lib/blogs/address';
import { publicBlog } from '@/lib/reader/blog';
import { publicDocument } from '@/lib/http/public';

export const ROBOTS_CONTENT_TYPE = 'text/plain';

/** Crawl everything but search results (endless: every query is a page), and find the sitemap. */
function blogRobotsTxt(site: string): string | undefined {
  const blog = publicBlog(site);
  if (!blog) return undefined;
  const sitemap = absoluteBlogUrl(blog.handle.slug, blogPaths.sitemap);
  return `User-agent: *\nAllow: /\nDisallow: /search\n\nSitemap: ${sitemap}\n`;
}

export async function robotsResponse(params: Promise<{ site: string }>): Promise<Response> {
  return publicDocument(blogRobotsTxt((await params).site), ROBOTS_CONTENT_TYPE);
}
