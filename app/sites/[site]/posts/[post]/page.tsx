import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { loadPost } from '../../load';
import { beaconScript } from '@/lib/pageviews/beacon';
import { blogPostingJsonLd, jsonLdScriptText } from '@/lib/seo/json-ld';
import { postMetadata } from '@/lib/seo/metadata';
import { PostArticle } from '../../post-article';
import { SubscribeForm } from '../../subscribe-form';
import { CommentCount, Comments } from './comments';

type Props = { params: Promise<{ site: string; post: string }>; searchParams: Promise<{ comment?: string | string[] }> };

async function load(params: Props['params']) {
  const { site, post } = await params;
  return loadPost(site, post);
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const found = await load(params);
  return found ? postMetadata(found.blog, found.post) : {};
}

export default async function PostPage({ params, searchParams }: Props) {
  const found = await load(params);
  if (!found) notFound();
  const { post } = found;
  return (
    <PostArticle
      post={post}
      authorName={found.blog.settings.authorName}
      meta={<CommentCount handle={found.blog.handle} postId={post.id} />}
    >
      <script type="application/ld+json" dangerouslySetInnerHTML={{ __html: jsonLdScriptText(blogPostingJsonLd(found.blog, post)) }} />
      <SubscribeForm blogTitle={found.blog.settings.title} />
      <Comments
        handle={found.blog.handle}
        post={post}
        mode={found.blog.settings.comments}
        received={(await searchParams).comment === 'received'}
      />
      <script dangerouslySetInnerHTML={{ __html: beaconScript(post.id) }} />
    </PostArticle>
  );
}
