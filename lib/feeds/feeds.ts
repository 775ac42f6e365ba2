import { absoluteBlogUrl, blogPaths } from '@/lib/blogs/address';
import { publicBlog } from '@/lib/reader/blog';
import { publicDocument } from '@/lib/http/public';
import { sanitizeWithAbsoluteUrls } from '@/lib/markdown/render';
import { findPublicTag, lastModified, latestPublishedPosts } from '@/lib/posts/public';
import { FEED_FORMATS, feedFormats, feedPath, type FeedFormat } from './formats';
import { renderFeed, type FeedEntry } from './render';

/** How many of the newest posts a feed carries. */
const FEED_ENTRIES = 20;

/**
 * The feed of a blog, or of one of its tags, in one format; undefined when there is no such
 * blog or public tag. Entries carry the whole post, its links and images made absolute.
 */
function blogFeed(site: string, format: FeedFormat, tagSlug?: string): string | undefined {
  const blog = publicBlog(site);
  if (!blog) return undefined;
  const tag = tagSlug === undefined ? undefined : findPublicTag(blog.handle, tagSlug);
  if (tagSlug !== undefined && !tag) return undefined;

  const url = (path: string) => absoluteBlogUrl(blog.handle.slug, path);
  const listPath = tag ? blogPaths.tag(tag.slug) : '';
  const entries = latestPublishedPosts(blog.handle, { limit: FEED_ENTRIES, tagId: tag?.id }).map((post): FeedEntry => {
    const postUrl = url(blogPaths.post(post.slug));
    return {
      url: postUrl,
      title: post.title,
      summary: post.excerpt,
      html: sanitizeWithAbsoluteUrls(post.html, postUrl),
      published: post.publishedAt,
      modified: lastModified(post),
      tags: post.tags.map((t) => ({ name: t.name, url: url(blogPaths.tag(t.slug)) })),
    };
  });
  const { title, description, authorName } = blog.settings;
  return renderFeed(
    {
      title: tag ? `${title} · ${tag.name}` : title,
      description,
      language: 'en',
      author: authorName || title,
      pageUrl: url(listPath || blogPaths.home),
      feedUrls: Object.fromEntries(feedFormats.map((f) => [f, url(feedPath(f, listPath))])) as Record<FeedFormat, string>,
      // The newest change; Atom wants a date even for a feed with no entries yet.
      updated:
        entries.reduce<Date | undefined>((newest, e) => (newest && newest > e.modified ? newest : e.modified), undefined) ?? new Date(),
      entries,
    },
    format,
  );
}

/** The response of a feed route (app/sites/[site]/…/feed.xml, atom.xml, feed.json). */
export async function feedResponse(params: Promise<{ site: string; tag?: string }>, format: FeedFormat): Promise<Response> {
  const { site, tag } = await params;
  return publicDocument(blogFeed(site, format, tag), FEED_FORMATS[format].contentType);
}
