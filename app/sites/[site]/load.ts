import { cache } from 'react';
import { getPublishedPage } from '@/lib/pages/pages';
import { findPublicTag, getPublishedPost } from '@/lib/posts/public';
import { publicBlog } from '@/lib/reader/blog';

/**
 * Look-ups shared by a page and its metadata: React's `cache` makes each one once per request
 * (keyed by the plain strings, so both callers hit the same entry).
 */
export const loadBlog = cache(publicBlog);

export const loadPost = cache((site: string, slug: string) => {
  const blog = loadBlog(site);
  const post = blog && getPublishedPost(blog.handle, slug);
  return blog && post ? { blog, post } : undefined;
});

export const loadTag = cache((site: string, slug: string) => {
  const blog = loadBlog(site);
  const tag = blog && findPublicTag(blog.handle, slug);
  return blog && tag ? { blog, tag } : undefined;
});

export const loadPage = cache((site: string, slug: string) => {
  const blog = loadBlog(site);
  const page = blog && getPublishedPage(blog.handle, slug);
  return blog && page ? { blog, page: { ...page, slug } } : undefined;
});
