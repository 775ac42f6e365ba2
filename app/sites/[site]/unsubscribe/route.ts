import { unsubscribeRoute } from '@/lib/newsletters/reader-routes';

type Context = { params: Promise<{ site: string }> };

/** `/unsubscribe?token=…`: the link in each newsletter (GET: a button; POST: unsubscribes, RFC 8058 one-click too). */
export async function GET(request: Request, context: Context) {
  return unsubscribeRoute(request, (await context.params).site);
}

export async function POST(request: Request, context: Context) {
  return unsubscribeRoute(request, (await context.params).site);
}
