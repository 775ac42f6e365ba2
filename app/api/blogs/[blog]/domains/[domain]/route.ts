import { z } from 'zod';
import { makePrimaryDomain, removeDomain } from '@/lib/domains/domains';
import { readJson } from '@/lib/http/api';
import { blogRoute } from '@/lib/members/blog-route';
import { parseInput } from '@/lib/input';

type Params = { blog: string; domain: string };

/** `{ "primary": true }`: the blog's other addresses redirect to this domain. */
export const PUT = blogRoute<Params>('change-settings', async ({ request, access, params }) => {
  parseInput(z.object({ primary: z.literal(true, 'Only "primary": true can be set.') }), await readJson(request, 1024));
  await makePrimaryDomain(access.blog, params.domain);
  return { ok: true };
});

/** Stops serving the domain at once. */
export const DELETE = blogRoute<Params>('change-settings', async ({ access, params }) => {
  await removeDomain(access.blog, params.domain);
  return { ok: true };
});
