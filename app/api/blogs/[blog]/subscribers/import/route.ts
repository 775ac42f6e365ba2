import { blogRoute } from '@/lib/members/blog-route';
import { importSubscriberUpload } from '@/lib/newsletters/transfer';

/** Imports readers from a CSV in the body (Substack's, Ghost's, or a list of addresses); owners only. */
export const POST = blogRoute(
  'manage-subscribers',
  async ({ request, handle }) => ({ report: await importSubscriberUpload(handle, request) }),
  { saving: 'the imported list' },
);
