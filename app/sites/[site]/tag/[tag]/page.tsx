import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { loadTag } from '../../load';
import { blogPaths } from '@/lib/blogs/address';
import { listPublishedPosts, parseAfterParam } from '@/lib/posts/public';
import { tagMetadata } from '@/lib/seo/metadata';
import { PostList } from '../../post-list';

type Props = { params: Promise<{ site: string; tag: string }>; searchParams: Promise<{ after?: string | string[] }> };

/** `/tag/<slug>`: a public tag and one page of its posts; anything else is the blog's 404. */
async function load({ params, searchParams }: Props) {
  const { site, tag } = await params;
  const found = loadTag(site, tag);
  const list = parseAfterParam((await searchParams).after);
  return found && list ? { ...found, after: list.after } : undefined;
}

export async function generateMetadata(props: Props): Promise<Metadata> {
  const found = await load(props);
  return found ? tagMetadata(found.blog, found.tag, found.after) : {};
}

export default async function TagPage(props: Props) {
  const found = await load(props);
  if (!found) notFound();
  const { blog, tag, after } = found;
  const page = listPublishedPosts(blog.handle, { limit: blog.settings.postsPerPage, after, tagId: tag.id });
  // A page past the end is not a page (the first one is never empty: the tag is public).
  if (page.posts.length === 0) notFound();
  return (
    <>
      <section className="intro">
        <h1>Posts tagged “{tag.name}”</h1>
      </section>
      <PostList posts={page.posts} listPath={blogPaths.tag(tag.slug)} later={Boolean(after)} next={page.next} />
    </>
  );
}
