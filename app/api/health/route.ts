import { clientIp } from '@/lib/http/request';
import { healthReport, mayReadMetrics } from '@/lib/metrics/metrics';

export const dynamic = 'force-dynamic';

/**
 * Liveness for Docker's HEALTHCHECK and load balancers: `{ ok }` for anyone. The details are the
 * operator's, under the same rule as /api/metrics (this machine, or the metrics token).
 */
export async function GET(request: Request) {
  const report = await healthReport();
  const operator = mayReadMetrics(await clientIp(), request.headers.get('authorization'));
  return Response.json(operator ? report : { ok: report.ok }, { status: report.ok ? 200 : 503, headers: { 'Cache-Control': 'no-store' } });
}
