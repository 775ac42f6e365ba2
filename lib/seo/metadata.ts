import type { Metadata } from 'next';
import { blogBaseUrl, blogPaths } from '@/lib/blogs/address';
import type { PublicBlog } from '@/lib/reader/blog';
import { FEED_FORMATS, feedFormats, feedPath } from '@/lib/feeds/formats';
import { excerptFromHtml } from '@/lib/markdown/render';
import { formatCursor, lastModified, type ListCursor, type PublicPost, type TagRef } from '@/lib/posts/public';

/**
 * What search engines and link previews read in a blog page's <head>: title, canonical URL,
 * description, OpenGraph and Twitter card, and the feeds (`<link rel="alternate">`). Next
 * merges metadata one key deep, so every page's metadata repeats the blog's feeds.
 */

type Alternates = NonNullable<Metadata['alternates']>;

/** The blog's feeds, and a tag's when on its page: every format, every link absolute. */
function feedLinks(blog: PublicBlog, tag?: TagRef): NonNullable<Alternates['types']> {
  const types: Record<string, { url: string; title: string }[]> = {};
  const base = blogBaseUrl(blog.handle.slug);
  const add = (listPath: string, title: string) => {
    for (const format of feedFormats) {
      const { contentType, label } = FEED_FORMATS[format];
      (types[contentType] ??= []).push({
        url: base + feedPath(format, listPath),
        title: `${title} (${label})`,
      });
    }
  };
  add('', blog.settings.title);
  if (tag) add(blogPaths.tag(tag.slug), `${blog.settings.title} · ${tag.name}`);
  return types;
}

/** For pages without metadata of their own (the blog's 404 page). */
export function blogMetadata(blog: PublicBlog): Metadata {
  return { title: blog.settings.title, alternates: { types: feedLinks(blog) } };
}

type Document = {
  blog: PublicBlog;
  path: string;
  /** The page's own title; the blog's title follows it in <title>. */
  title?: string;
  description: string;
  tag?: TagRef;
  article?: PublicPost;
};

function documentMetadata({ blog, path, title, description, tag, article }: Document): Metadata {
  const url = blogBaseUrl(blog.handle.slug) + path;
  const siteName = blog.settings.title;
  const shared = { title: title ?? siteName, description: description || undefined };
  return {
    ...shared,
    title: title ? `${title} · ${siteName}` : siteName,
    alternates: { canonical: url, types: feedLinks(blog, tag) },
    openGraph: article
      ? {
          ...shared,
          type: 'article',
          url,
          siteName,
          publishedTime: article.publishedAt.toISOString(),
          modifiedTime: lastModified(article).toISOString(),
          tags: article.tags.map((t) => t.name),
          // The cover in link previews (absolute: crawlers fetch it on their own).
          ...(article.cover
            ? {
                images: [
                  {
                    url: article.cover.url,
                    ...(article.cover.width && article.cover.height ? { width: article.cover.width, height: article.cover.height } : {}),
                    ...(article.cover.alt ? { alt: article.cover.alt } : {}),
                  },
                ],
              }
            : {}),
        }
      : { ...shared, type: 'website', url, siteName },
    twitter: { card: 'summary', ...shared },
  };
}

/** The home page; a later page of it (`?after=`) is its own canonical page. */
export function homeMetadata(blog: PublicBlog, after?: ListCursor): Metadata {
  const path = after ? blogPaths.after(blogPaths.home, formatCursor(after)) : blogPaths.home;
  return documentMetadata({ blog, path, description: blog.settings.description });
}

export function tagMetadata(blog: PublicBlog, tag: TagRef, after?: ListCursor): Metadata {
  const tagPath = blogPaths.tag(tag.slug);
  const path = after ? blogPaths.after(tagPath, formatCursor(after)) : tagPath;
  return documentMetadata({ blog, path, title: tag.name, description: blog.settings.description, tag });
}

export function postMetadata(blog: PublicBlog, post: PublicPost): Metadata {
  return documentMetadata({ blog, path: blogPaths.post(post.slug), title: post.title, description: post.excerpt, article: post });
}

export function pageMetadata(blog: PublicBlog, page: { slug: string; title: string; html: string }): Metadata {
  return documentMetadata({ blog, path: blogPaths.page(page.slug), title: page.title, description: excerptFromHtml(page.html) });
}
