import type { IncomingMessage, ServerResponse } from 'node:http';
import { CLIENT_IP_HEADER, PATH_HEADER } from '@/lib/http/headers';
import { sendErrorPage } from './error-pages';
import { SITES_PREFIX, type FrontContext, type RequestPath } from './context';
import { isTokenPage } from '@/lib/http/routes';
import { keepPrivate, passDeclaredLength } from './respond';

/** The platform's own host (sign-up, the dashboard, the API): Next, with the facts only the front knows. */
export function servePlatform(req: IncomingMessage, res: ServerResponse, path: RequestPath, context: FrontContext): Promise<void> | void {
  // The blog routes exist only behind the blog host's rewrite.
  if (isSitesPath(path.pathname)) return sendErrorPage(res, 404, req.method);
  // Never taken from the client: the front overwrites whatever it sent.
  req.headers[CLIENT_IP_HEADER] = context.clientIp(req);
  req.headers[PATH_HEADER] = path.pathname + path.search;
  if (path.pathname.startsWith('/api/')) passDeclaredLength(res);
  else if (isTokenPage(path.pathname)) keepPrivate(res);
  req.url = path.pathname + path.search;
  return context.next(req, res);
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
