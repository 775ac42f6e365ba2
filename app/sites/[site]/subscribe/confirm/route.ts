import { confirmRoute } from '@/lib/newsletters/reader-routes';

type Context = { params: Promise<{ site: string }> };

/** `/subscribe/confirm?token=…`: the link in the confirmation mail (GET: a button; POST: confirms). */
export async function GET(request: Request, context: Context) {
  return confirmRoute(request, (await context.params).site);
}

export async function POST(request: Request, context: Context) {
  return confirmRoute(request, (await context.params).site);
}
