import packageJson from '@/package.json';
import { pageviews } from '@/lib/pageviews/service';

export const dynamic = 'force-dynamic';

/** Liveness for Docker's HEALTHCHECK and operators: version and the pageview pipeline. */
export function GET() {
  const pv = pageviews().snapshot();
  return Response.json({
    ok: true,
    version: packageJson.version,
    pageviews: { pending: pv.pendingViews, pendingKeys: pv.pendingKeys, flushed: pv.flushedViews, failedFlushes: pv.failedFlushes, lastFlushAt: pv.lastFlushAt },
  });
}
