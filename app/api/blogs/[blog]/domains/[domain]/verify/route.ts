import { verifyDomain } from '@/lib/domains/domains';
import { blogRoute } from '@/lib/http/routes';

/** Fetches the token through the domain; serves the blog there once it comes back. */
export const POST = blogRoute<{ blog: string; domain: string }>('change-settings', async ({ access, params }) => ({
  domain: await verifyDomain(access.blog, params.domain),
}));
