import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { cache } from 'react';
import { findPreview } from '@/lib/posts/preview';
import { loadBlog } from '../../load';
import { PostArticle } from '../../post-article';

type Props = { params: Promise<{ site: string; token: string }> };

/**
 * `/preview/<token>`: a draft, or a live post's pending edit, on the blog's own look, for
 * whoever holds the link (lib/posts/preview.ts). The front never caches it and sends
 * `no-store`, `noindex` and `no-referrer`; any other token is the blog's 404 page.
 */
const load = cache(async (site: string, token: string) => {
  const blog = loadBlog(site);
  const post = blog && (await findPreview(blog.handle, token));
  return blog && post ? { blog, post } : undefined;
});

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { site, token } = await params;
  const found = await load(site, token);
  return {
    title: found ? `Preview: ${found.post.title} · ${found.blog.settings.title}` : undefined,
    robots: { index: false, follow: false },
    referrer: 'no-referrer',
  };
}

export default async function PreviewPage({ params }: Props) {
  const { site, token } = await params;
  const found = await load(site, token);
  if (!found) notFound();
  return (
    <>
      <p className="preview-banner" role="note">
        <strong>Preview — not published</strong>
        {found.post.pending ? ': changes to a published post, which readers do not see yet.' : ': readers cannot see this post yet.'}
      </p>
      <PostArticle post={found.post} authorName={found.blog.settings.authorName} />
    </>
  );
}
