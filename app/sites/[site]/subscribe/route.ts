import { receiveSubscription } from '@/lib/newsletters/reader-routes';

/** `POST /subscribe` on a blog's host: the subscribe form on the home page and under each post. */
export async function POST(request: Request, context: { params: Promise<{ site: string }> }) {
  return receiveSubscription(request, (await context.params).site);
}
