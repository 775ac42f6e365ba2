import { blogBaseUrl } from '@/lib/blogs/address';
import { dashboardBlog } from '@/lib/dashboard/access';
import { Editor } from '../../editor';

export const metadata = { title: 'New page · Quire' };

export default async function NewPagePage({ params }: { params: Promise<{ blog: string }> }) {
  const { blog, settings } = await dashboardBlog((await params).blog, 'write-pages');
  return (
    <Editor
      timeZone={settings.timeZone}
      blog={blog.slug}
      kind="page"
      publicUrl={blogBaseUrl(blog.slug)}
      initial={{ title: '', slug: '', markdown: '', status: 'draft', navOrder: 0 }}
    />
  );
}
