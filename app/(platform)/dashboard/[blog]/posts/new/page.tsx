import { blogBaseUrl } from '@/lib/blogs/address';
import { dashboardBlog } from '@/lib/dashboard/access';
import { Editor } from '../../editor';

export const metadata = { title: 'New post · Quire' };

export default async function NewPostPage({ params }: { params: Promise<{ blog: string }> }) {
  const { blog, settings } = await dashboardBlog((await params).blog, 'write-posts');
  return (
    <Editor
      timeZone={settings.timeZone}
      blog={blog.slug}
      kind="post"
      publicUrl={`${blogBaseUrl(blog.slug)}/posts`}
      initial={{ title: '', slug: '', markdown: '', status: 'draft' }}
    />
  );
}
