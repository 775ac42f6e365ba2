import { clientIp } from '@/lib/http/request';
import { mayReadMetrics, metricsRegistry } from '@/lib/metrics/metrics';

export const dynamic = 'force-dynamic';

/** Prometheus metrics: from loopback, or with `Authorization: Bearer $QUIRE_METRICS_TOKEN`. */
export async function GET(request: Request) {
  if (!mayReadMetrics(await clientIp(), request.headers.get('authorization'))) {
    return new Response('Metrics are available from this machine, or with the metrics token.\n', { status: 403 });
  }
  const registry = metricsRegistry();
  return new Response(await registry.metrics(), { headers: { 'Content-Type': registry.contentType } });
}
