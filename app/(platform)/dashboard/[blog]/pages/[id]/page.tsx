import { notFound } from 'next/navigation';
import { blogBaseUrl } from '@/lib/blogs/address';
import { dashboardBlog } from '@/lib/dashboard/access';
import { getPage } from '@/lib/pages/pages';
import { Editor } from '../../editor';

export const metadata = { title: 'Edit page · Quire' };

export default async function EditPagePage({ params }: { params: Promise<{ blog: string; id: string }> }) {
  const { blog: slug, id } = await params;
  const { blog, handle, settings } = await dashboardBlog(slug, 'write-pages');
  const page = /^\d{1,15}$/.test(id) ? getPage(handle, Number(id)) : undefined;
  if (!page) notFound();
  return (
    <Editor
      timeZone={settings.timeZone}
      blog={blog.slug}
      kind="page"
      publicUrl={blogBaseUrl(blog.slug)}
      initial={{
        id: page.id,
        title: page.title,
        slug: page.slug,
        markdown: page.markdown,
        status: page.status,
        updatedAt: page.updatedAt.getTime(),
        navOrder: page.navOrder,
      }}
    />
  );
}
