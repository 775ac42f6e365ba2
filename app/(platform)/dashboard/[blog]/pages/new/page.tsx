import { dashboardBlog } from '@/lib/dashboard/access';
import { BlogEditor } from '../../blog-editor';

export const metadata = { title: 'New page · Quire' };

export default async function NewPagePage({ params }: { params: Promise<{ blog: string }> }) {
  const blog = await dashboardBlog((await params).blog, 'write-pages');
  return <BlogEditor of={blog} kind="page" initial={{ title: '', slug: '', markdown: '', status: 'draft', navOrder: 0 }} />;
}
