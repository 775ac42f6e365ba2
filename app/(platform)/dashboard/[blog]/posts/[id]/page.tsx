import { notFound } from 'next/navigation';
import { blogBaseUrl } from '@/lib/blogs/address';
import { dashboardBlog } from '@/lib/dashboard/access';
import { mediaItem } from '@/lib/media/media';
import { getPost, listPostTags } from '@/lib/posts/posts';
import { Editor } from '../../editor';

export const metadata = { title: 'Edit post · Quire' };

export default async function EditPostPage({ params }: { params: Promise<{ blog: string; id: string }> }) {
  const { blog: slug, id } = await params;
  const { blog, handle } = await dashboardBlog(slug, 'write-posts');
  const post = /^\d{1,15}$/.test(id) ? getPost(handle, Number(id)) : undefined;
  if (!post) notFound();
  const cover = post.coverMediaId === null ? undefined : mediaItem(handle, post.coverMediaId);
  return (
    <Editor
      blog={blog.slug}
      kind="post"
      publicUrl={`${blogBaseUrl(blog.slug)}/posts`}
      initial={{
        id: post.id,
        title: post.title,
        slug: post.slug,
        markdown: post.markdown,
        excerpt: post.excerpt,
        tags: listPostTags(handle, post.id).map((tag) => tag.name).join(', '),
        status: post.status,
        publishedAt: post.publishedAt?.getTime() ?? null,
        updatedAt: post.updatedAt.getTime(),
        views: post.views,
        cover: cover ? { id: cover.id, filename: cover.filename, thumbnailUrl: cover.thumbnailUrl } : null,
      }}
    />
  );
}
