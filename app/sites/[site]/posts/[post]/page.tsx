import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { loadBlog } from '../../load';
import { getPublishedPost } from '@/lib/posts/public';
import { beaconScript } from '@/lib/pageviews/beacon';
import { Cover } from '../../cover';
import { PostDate } from '../../post-date';

type Props = { params: Promise<{ site: string; post: string }> };

async function load(params: Props['params']) {
  const { site, post: slug } = await params;
  const blog = loadBlog(site);
  const post = blog && getPublishedPost(blog.handle, slug);
  return blog && post ? { blog, post } : undefined;
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const found = await load(params);
  if (!found) return {};
  const { cover } = found.post;
  return {
    title: `${found.post.title} · ${found.blog.settings.title}`,
    description: found.post.excerpt,
    // The cover in link previews (absolute: crawlers fetch it on their own).
    ...(cover ? { openGraph: { images: [{ url: cover.url, ...(cover.width && cover.height ? { width: cover.width, height: cover.height } : {}) }] } } : {}),
  };
}

export default async function PostPage({ params }: Props) {
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
        </p>
      </header>
      {post.cover && <Cover cover={post.cover} className="post-cover" />}
      {/* Sanitized when the post was saved (lib/markdown). */}
      <div className="prose" dangerouslySetInnerHTML={{ __html: post.html }} />
      {post.tags.length > 0 && (
        <ul className="tags" aria-label="Tags">
          {post.tags.map((tag) => (
            <li key={tag}>{tag}</li>
          ))}
        </ul>
      )}
      <script dangerouslySetInnerHTML={{ __html: beaconScript(post.id) }} />
    </article>
  );
}
