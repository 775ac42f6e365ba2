import { addDomain } from '@/lib/domains/domains';
import { readJson } from '@/lib/http/api';
import { blogRoute } from '@/lib/members/blog-route';

/** Claims a custom domain for the blog (unverified until its token is found in a DNS TXT record). */
export const POST = blogRoute('change-settings', async ({ request, user, access }) => ({
  domain: await addDomain(access.blog, user, await readJson(request, 4 * 1024)),
}));
