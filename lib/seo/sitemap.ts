import { absoluteBlogUrl, blogPaths } from '@/lib/blogs/address';
import { publicBlog } from '@/lib/reader/blog';
import { publicDocument } from '@/lib/http/public';
import { lastModified, listPublicTags, listPublishedPostDates } from '@/lib/posts/public';
import { escapeHtml } from '@/lib/markdown/text';

export const SITEMAP_CONTENT_TYPE = 'application/xml';

type SitemapUrl = { path: string; lastModified?: Date };

/**
 * The blog's sitemap (sitemaps.org): the home page, every public post, every published page,
 * and every tag that has public posts; nothing a reader cannot open (drafts, posts not yet
 * due, tags only on those).
 */
function blogSitemap(site: string): string | undefined {
  const blog = publicBlog(site);
  if (!blog) return undefined;
  const posts = listPublishedPostDates(blog.handle);
  const urls: SitemapUrl[] = [
    { path: blogPaths.home, lastModified: posts[0] && lastModified(posts[0]) },
    ...posts.map((post) => ({ path: blogPaths.post(post.slug), lastModified: lastModified(post) })),
    ...blog.nav.map((page) => ({ path: blogPaths.page(page.slug), lastModified: page.updatedAt })),
    ...listPublicTags(blog.handle).map((tag) => ({ path: blogPaths.tag(tag.slug), lastModified: tag.lastModified })),
  ];
  const entries = urls.map(({ path, lastModified: at }) => {
    const loc = `<loc>${escapeHtml(absoluteBlogUrl(blog.handle.slug, path))}</loc>`;
    return `  <url>${loc}${at ? `<lastmod>${at.toISOString()}</lastmod>` : ''}</url>\n`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${entries.join('')}</urlset>\n`;
}

export async function sitemapResponse(params: Promise<{ site: string }>): Promise<Response> {
  return publicDocument(blogSitemap((await params).site), SITEMAP_CONTENT_TYPE);
}
