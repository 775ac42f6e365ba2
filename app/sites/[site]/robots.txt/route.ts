import { robotsResponse } from '@/lib/seo/robots';

export function GET(_request: Request, { params }: { params: Promise<{ site: string }> }) {
  return robotsResponse(params);
}
