import { addDomain } from '@/lib/domains/domains';
import { readJson } from '@/lib/http/api';
import { blogRoute } from '@/lib/http/routes';

/** Claims a custom domain for the blog (unverified until its token is fetched through it). */
export const POST = blogRoute('change-settings', async ({ request, access }) => ({
  domain: addDomain(access.blog, await readJson(request, 4 * 1024)),
}));
