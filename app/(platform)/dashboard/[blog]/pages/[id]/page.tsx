import { notFound } from 'next/navigation';
import { dashboardBlog } from '@/lib/dashboard/access';
import { BlogEditor } from '../../blog-editor';
import { pageDocument } from '../../editor-documents';

export const metadata = { title: 'Edit page · Quire' };

export default async function EditPagePage({ params }: { params: Promise<{ blog: string; id: string }> }) {
  const { blog: slug, id } = await params;
  const blog = await dashboardBlog(slug, 'write-pages');
  const initial = pageDocument(blog.handle, id);
  if (!initial) notFound();
  return <BlogEditor of={blog} kind="page" initial={initial} />;
}
