import { verifyDomain } from '@/lib/domains/domains';
import { blogRoute } from '@/lib/members/blog-route';

/** Looks for the claim's token in the TXT record `_quire-challenge.<domain>`; serves the blog there once found. */
export const POST = blogRoute<{ blog: string; domain: string }>('change-settings', async ({ access, params }) => ({
  domain: await verifyDomain(access.blog, params.domain),
}));
