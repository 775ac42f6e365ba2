import { notFound } from 'next/navigation';
import { dashboardBlog } from '@/lib/dashboard/access';
import { mediaItem } from '@/lib/media/media';
import { authorExcerpt, getPost, listPostTags, postVersion } from '@/lib/posts/posts';
import { getPendingRevision } from '@/lib/posts/revisions';
import { shownStatus } from '@/lib/posts/status';
import { BlogEditor, documentId } from '../../blog-editor';

export const metadata = { title: 'Edit post · Quire' };

export default async function EditPostPage({ params }: { params: Promise<{ blog: string; id: string }> }) {
  const { blog: slug, id } = await params;
  const blog = await dashboardBlog(slug, 'write-posts');
  const { handle } = blog;
  const postId = documentId(id);
  const post = postId === undefined ? undefined : getPost(handle, postId);
  if (!post) notFound();
  const cover = post.coverMediaId === null ? undefined : mediaItem(handle, post.coverMediaId);
  // A live post's pending edit is what the author goes on with; readers see the post's own text.
  const pending = getPendingRevision(handle, post.id);
  const live = {
    title: post.title,
    markdown: post.markdown,
    excerpt: authorExcerpt(post),
    tags: listPostTags(handle, post.id)
      .map((tag) => tag.name)
      .join(', '),
  };
  return (
    <BlogEditor
      of={blog}
      kind="post"
      initial={{
        id: post.id,
        slug: post.slug,
        ...(pending ? { title: pending.title, markdown: pending.markdown, excerpt: pending.excerpt, tags: pending.tags.join(', ') } : live),
        autoExcerpt: post.autoExcerpt,
        hasPendingChanges: pending !== undefined,
        live: pending ? live : undefined,
        status: shownStatus(post),
        publishedAt: post.publishedAt?.getTime() ?? null,
        updatedAt: postVersion(post, pending),
        views: post.views,
        cover: cover ? { id: cover.id, filename: cover.filename, thumbnailUrl: cover.thumbnailUrl, alt: cover.alt } : null,
      }}
    />
  );
}
