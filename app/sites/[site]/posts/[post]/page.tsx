import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { loadBlog } from '../../load';
import { getPublishedPost } from '@/lib/posts/public';
import { beaconScript } from '@/lib/pageviews/beacon';
import { blogPostingJsonLd, jsonLdScriptText } from '@/lib/seo/json-ld';
import { postMetadata } from '@/lib/seo/metadata';
import { Cover } from '../../cover';
import { PostDate } from '../../post-date';
import { TagList } from '../../tag-list';
import { CommentCount, Comments } from './comments';

type Props = { params: Promise<{ site: string; post: string }>; searchParams: Promise<{ comment?: string | string[] }> };

async function load(params: Props['params']) {
  const { site, post: slug } = await params;
  const blog = loadBlog(site);
  const post = blog && getPublishedPost(blog.handle, slug);
  return blog && post ? { blog, post } : undefined;
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
    <article className="post">
      <header>
        <h1>{post.title}</h1>
        <p className="post-meta">
          {found.blog.settings.authorName && <>{found.blog.settings.authorName} · </>}
          <PostDate date={post.publishedAt} /> · {post.readingMinutes} min read
          <CommentCount handle={found.blog.handle} postId={post.id} />
        </p>
      </header>
      {post.cover && <Cover cover={post.cover} className="post-cover" />}
      {/* Sanitized when the post was saved (lib/markdown). */}
      <div className="prose" dangerouslySetInnerHTML={{ __html: post.html }} />
      <TagList tags={post.tags} />
      <script type="application/ld+json" dangerouslySetInnerHTML={{ __html: jsonLdScriptText(blogPostingJsonLd(found.blog, post)) }} />
      <Comments handle={found.blog.handle} post={post} mode={found.blog.settings.comments} received={(await searchParams).comment === 'received'} />
      <script dangerouslySetInnerHTML={{ __html: beaconScript(post.id) }} />
    </article>
  );
}
