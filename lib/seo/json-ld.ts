import { blogBaseUrl, blogPaths } from '@/lib/blogs/address';
import type { PublicBlog } from '@/lib/reader/blog';
import { lastModified, type PublicPost } from '@/lib/posts/public';

/** schema.org `BlogPosting` for a post page, as search engines read it. */
export function blogPostingJsonLd(blog: PublicBlog, post: PublicPost): Record<string, unknown> {
  const base = blogBaseUrl(blog.handle.slug);
  const url = base + blogPaths.post(post.slug);
  const { authorName, title } = blog.settings;
  return {
    '@context': 'https://schema.org',
    '@type': 'BlogPosting',
    headline: post.title,
    description: post.excerpt || undefined,
    datePublished: post.publishedAt.toISOString(),
    dateModified: lastModified(post).toISOString(),
    ...(authorName ? { author: { '@type': 'Person', name: authorName } } : {}),
    url,
    mainEntityOfPage: { '@type': 'WebPage', '@id': url },
    isPartOf: { '@type': 'Blog', name: title, url: base + blogPaths.home },
    keywords: post.tags.length ? post.tags.map((t) => t.name).join(', ') : undefined,
  };
}

/**
 * JSON for an inline `<script type="application/ld+json">`: HTML never parses a script's text,
 * so `</script>` in a title would end it early. `<`, `>` and `&` are written as JSON escapes
 * (Next's JSON-LD guide), as are the two line separators old script parsers choke on.
 */
export function jsonLdScriptText(data: unknown): string {
  return JSON.stringify(data).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
