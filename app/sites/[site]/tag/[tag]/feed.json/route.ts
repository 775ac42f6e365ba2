import { feedResponse } from '@/lib/feeds/feeds';

export function GET(_request: Request, { params }: { params: Promise<{ site: string; tag: string }> }) {
  return feedResponse(params, 'json');
}
