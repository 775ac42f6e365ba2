import { healthReport } from '@/lib/metrics/metrics';

export const dynamic = 'force-dynamic';

/** Liveness for Docker's HEALTHCHECK and operators. */
export function GET() {
  return Response.json(healthReport());
}
