import { mailEnabled } from '@/lib/mail/outbox';
import { blogRoute } from '@/lib/members/blog-route';
import { subscriberCounts } from '@/lib/newsletters/subscribers';

/** How many readers the blog has in each state (every member may see the numbers). */
export const GET = blogRoute<{ blog: string }>('read-dashboard', ({ handle }) => ({
  counts: subscriberCounts(handle),
  mailEnabled: mailEnabled(),
}));
