import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { loadBlog } from './load';
import { blogPaths } from '@/lib/blogs/address';
import { listPublishedPosts, parseAfterParam } from '@/lib/posts/public';
import { beaconScript } from '@/lib/pageviews/beacon';
import { homeMetadata } from '@/lib/seo/metadata';
import { PostList } from './post-list';
import { SubscribeForm } from './subscribe-form';

type Props = { params: Promise<{ site: string }>; searchParams: Promise<{ after?: string | string[] }> };

export async function generateMetadata({ params, searchParams }: Props): Promise<Metadata> {
  const blog = loadBlog((await params).site);
  const list = parseAfterParam((await searchParams).after);
  return blog && list ? homeMetadata(blog, list.after) : {};
}

export default async function BlogHome({ params, searchParams }: Props) {
  const blog = loadBlog((await params).site);
  if (!blog) notFound();
  const list = parseAfterParam((await searchParams).after);
  if (!list) notFound();
  const page = listPublishedPosts(blog.handle, { limit: blog.settings.postsPerPage, after: list.after });

  return (
    <>
      {!list.after && (
        <section className="intro">
          <h1>{blog.settings.title}</h1>
          {blog.settings.description && <p className="description">{blog.settings.description}</p>}
        </section>
      )}
      <PostList
        posts={page.posts}
        listPath={blogPaths.home}
        later={Boolean(list.after)}
        next={page.next}
        empty={list.after ? 'There are no older posts.' : 'Nothing has been published here yet.'}
      />
      <SubscribeForm blogTitle={blog.settings.title} />
      <script dangerouslySetInnerHTML={{ __html: beaconScript(0) }} />
    </>
  );
}
