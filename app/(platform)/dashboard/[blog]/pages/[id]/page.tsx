import { notFound } from 'next/navigation';
import { dashboardBlog } from '@/lib/dashboard/access';
import { getPage } from '@/lib/pages/pages';
import { BlogEditor, documentId } from '../../blog-editor';

export const metadata = { title: 'Edit page · Quire' };

export default async function EditPagePage({ params }: { params: Promise<{ blog: string; id: string }> }) {
  const { blog: slug, id } = await params;
  const blog = await dashboardBlog(slug, 'write-pages');
  const pageId = documentId(id);
  const page = pageId === undefined ? undefined : getPage(blog.handle, pageId);
  if (!page) notFound();
  return (
    <BlogEditor
      of={blog}
      kind="page"
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
