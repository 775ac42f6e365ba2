import { dashboardBlog } from '@/lib/dashboard/access';
import { BlogEditor } from '../../blog-editor';

export const metadata = { title: 'New post · Quire' };

export default async function NewPostPage({ params }: { params: Promise<{ blog: string }> }) {
  const blog = await dashboardBlog((await params).blog, 'write-posts');
  return <BlogEditor of={blog} kind="post" initial={{ title: '', slug: '', markdown: '', status: 'draft' }} />;
}
