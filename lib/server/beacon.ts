import type { IncomingMessage, ServerResponse } from 'node:http';
import { openTenant } from '@/lib/db/pool';
import { handleBeacon } from '@/lib/pageviews/ingest';
import { registeredBlog } from '@/lib/registry/registry';
import { presenceOf } from '@/lib/cluster/fence';
import type { FrontContext } from './context';
import { drainAndSend, sendStatus } from './respond';

/**
 * A reader's pageview beacon (lib/pageviews/beacon.ts), counted without entering Next. A beacon
 * for a blog that cannot count it is answered like any other: 204, nothing counted.
 */
export async function serveBeacon(req: IncomingMessage, res: ServerResponse, slug: string, context: FrontContext): Promise<void> {
  if (req.method !== 'POST') return sendStatus(res, 405);
  const blog = registeredBlog(slug);
  // Not counted: a blog that is not live, or (in a cluster) whose file is on another node.
  if (blog?.status !== 'active' || presenceOf(blog) === 'elsewhere') return drainAndSend(req, res, 204);
  try {
    openTenant(slug);
  } catch {
    return drainAndSend(req, res, 204);
  }
  await handleBeacon(req, res, { slug, open: openTenant, batcher: context.pageviews, clientIp: context.clientIp(req) });
}
