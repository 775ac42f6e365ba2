import { requireApiUser } from '@/lib/auth/current';
import { adoptAsNewBlog, withPreparedUpload } from '@/lib/export/import';
import { apiRoute } from '@/lib/http/api';

/** A new blog from an uploaded blog file or Markdown zip: `?slug=…[&title=…]`, the file as the body. */
export const POST = apiRoute(async (request) => {
  const user = await requireApiUser();
  const url = new URL(request.url);
  const blog = await withPreparedUpload(request, user.id, (fresh) =>
    adoptAsNewBlog(user, fresh, { slug: url.searchParams.get('slug') ?? '', title: url.searchParams.get('title') ?? undefined }),
  );
  return { redirect: `/dashboard/${blog.slug}`, slug: blog.slug };
});
