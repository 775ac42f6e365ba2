import type { IncomingMessage, ServerResponse } from 'node:http';
import { presenceOf } from '@/lib/cluster/fence';
import { CLIENT_IP_HEADER, PATH_HEADER } from '@/lib/http/headers';
import { registeredBlog } from '@/lib/registry/registry';
import { sendErrorPage } from './error-pages';
import { SITES_PREFIX, type FrontContext, type RequestPath } from './context';
import { isTokenPage } from '@/lib/http/routes';
import { keepPrivate, passDeclaredLength } from './respond';

/** The platform's own host (sign-up, the dashboard, the API): Next, with the facts only the front knows. */
export function servePlatform(req: IncomingMessage, res: ServerResponse, path: RequestPath, context: FrontContext): Promise<void> | void {
  // The blog routes exist only behind the blog host's rewrite.
  if (isSitesPath(path.pathname)) return sendErrorPage(res, 404, req.method);
  // In a cluster, a blog's dashboard asked of a node that does not hold it (a route that has not
  // caught up, or this node back from the dead) gets 503, as the blog's pages do there
  // (blog-host.ts): the page's own refusal (lib/dashboard/access.ts) would reach the browser as
  // Next's 500.
  if (context.config.cluster?.node && !dashboardServedHere(path.pathname)) return sendErrorPage(res, 503, req.method);
  // Never taken from the client: the front overwrites whatever it sent.
  req.headers[CLIENT_IP_HEADER] = context.clientIp(req);
  req.headers[PATH_HEADER] = path.pathname + path.search;
  if (path.pathname.startsWith('/api/')) passDeclaredLength(res);
  else if (isTokenPage(path.pathname)) keepPrivate(res);
  req.url = path.pathname + path.search;
  return context.next(req, res);
}

/** False for `/dashboard/<slug>…` of a blog this node does not hold. */
function dashboardServedHere(pathname: string): boolean {
  const slug = /^\/dashboard\/([^/]+)/.exec(pathname)?.[1];
  const blog = slug === undefined ? undefined : registeredBlog(slug);
  return !blog || presenceOf(blog) !== 'elsewhere';
}

function isSitesPath(pathname: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname).toLowerCase();
  } catch {
    return true;
  }
  return decoded === '/sites' || decoded.startsWith(SITES_PREFIX);
}
