import { idParam } from '@/lib/http/routes';
import { blogRoute } from '@/lib/members/blog-route';
import { listSubscribers } from '@/lib/newsletters/subscribers';

/** The readers, newest first, a page at a time (`?before=<id>`); owners only: addresses are personal data. */
export const GET = blogRoute<{ blog: string }>('manage-subscribers', ({ request, handle }) => {
  const before = new URL(request.url).searchParams.get('before');
  return listSubscribers(handle, { before: before === null ? undefined : idParam(before) });
});
