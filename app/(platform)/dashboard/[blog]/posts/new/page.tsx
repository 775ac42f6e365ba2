import { blogUrl } from '@/lib/config';
import { dashboardBlog } from '@/lib/dashboard/access';
import { Editor } from '../../editor';

export const metadata = { title: 'New post · Quire' };

export default async function NewPostPage({ params }: { params: Promise<{ blog: string }> }) {
  const { blog } = await dashboardBlog((await params).blog, 'write-posts');
  return (
    <Editor
      blog={blog.slug}
      kind="post"
      publicUrl={`${blogUrl(blog.slug)}/posts`}
      initial={{ title: '', slug: '', markdown: '', status: 'draft' }}
    />
  );
}
