import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { loadBlog } from './load';
import { listCursorSchema, listPublishedPosts } from '@/lib/posts/public';
import { beaconScript } from '@/lib/pageviews/beacon';
import { Cover } from './cover';
import { PostDate } from './post-date';

type Props = { params: Promise<{ site: string }>; searchParams: Promise<{ after?: string | string[] }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const blog = loadBlog((await params).site);
  return blog ? { title: blog.settings.title, description: blog.settings.description || undefined } : {};
}

export default async function BlogHome({ params, searchParams }: Props) {
  const blog = loadBlog((await params).site);
  if (!blog) notFound();
  const { after } = await searchParams;
  const cursor = after === undefined ? undefined : listCursorSchema.safeParse(after);
  if (cursor && !cursor.success) notFound();
  const page = listPublishedPosts(blog.handle, { limit: blog.settings.postsPerPage, after: cursor?.data });

  return (
    <>
      {!cursor && (
        <section className="intro">
          <h1>{blog.settings.title}</h1>
          {blog.settings.description && <p className="description">{blog.settings.description}</p>}
        </section>
      )}
      {page.posts.length === 0 ? (
        <p className="empty">{cursor ? 'There are no older posts.' : 'Nothing has been published here yet.'}</p>
      ) : (
        <ol className="post-list">
          {page.posts.map((post) => (
            <li key={post.id}>
              <article>
                {post.cover && (
                  <a href={`/posts/${post.slug}`} tabIndex={-1} aria-hidden="true">
                    <Cover cover={post.cover} className="list-cover" />
                  </a>
                )}
                <h2>
                  <a href={`/posts/${post.slug}`}>{post.title}</a>
                </h2>
                <PostDate date={post.publishedAt} />
                {post.excerpt && <p className="excerpt">{post.excerpt}</p>}
              </article>
            </li>
          ))}
        </ol>
      )}
      <script dangerouslySetInnerHTML={{ __html: beaconScript(0) }} />
      <nav className="pagination" aria-label="More posts">
        {cursor && <a href="/">← Newest posts</a>}
        {page.next && (
          <a className="older" href={`/?after=${page.next}`}>
            Older posts →
          </a>
        )}
      </nav>
    </>
  );
}
