import { notFound } from 'next/navigation';
import { dashboardBlog } from '@/lib/dashboard/access';
import { BlogEditor } from '../../blog-editor';
import { postDocument } from '../../editor-documents';

export const metadata = { title: 'Edit post · Quire' };

export default async function EditPostPage({ params }: { params: Promise<{ blog: string; id: string }> }) {
  const { blog: slug, id } = await params;
  const blog = await dashboardBlog(slug, 'write-posts');
  const initial = postDocument(blog.handle, id);
  if (!initial) notFound();
  return <BlogEditor of={blog} kind="post" initial={initial} />;
}
