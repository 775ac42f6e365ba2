import { z } from 'zod';
import { restoreSnapshot } from '@/lib/snapshots/snapshots';
import { readJson } from '@/lib/http/api';
import { blogRoute } from '@/lib/members/blog-route';
import { parseInput } from '@/lib/input';

/** Restores a snapshot (owners only); what it replaces becomes a snapshot in turn. */
export const POST = blogRoute('import', async ({ request, access }) => {
  const { name } = parseInput(z.object({ name: z.string().max(200) }), await readJson(request, 1024));
  return { snapshot: await restoreSnapshot(access.blog, name) };
});
