import type { IncomingMessage, ServerResponse } from 'node:http';
import { tenantPool } from '@/lib/db/pool';
import { resolveCustomDomain } from '@/lib/domains/domains';
import { CLUSTER_PATH, serveCluster } from '@/lib/cluster/handoff';
import { NODE_HEADER } from '@/lib/http/headers';
import { lookUpMissing } from '@/lib/registry/registry';
import { clientAddress } from '@/lib/net/client-address';
import { BEACON_PATH } from '@/lib/pageviews/beacon';
import { parseHost, type HostTarget } from '@/lib/tenancy/host';
import { serveBeacon } from './beacon';
import { serveBlog } from './blog-host';
import type { FrontContext, FrontOptions, RequestHandler, RequestPath } from './context';
import { answerDomainCheck, DOMAIN_CHECK_PATH } from './domain-check';
import { sendErrorPage } from './error-pages';
import { servePlatform } from './platform-host';
import { permanentRedirect } from './respond';

/**
 * The front: every request passes here first (docs/architecture.md, "The front"). It tells what
 * kind of request this is and hands it to that kind's handler: the domain check a TLS proxy
 * asks, the platform's host, a reader's beacon, or a blog's pages.
 */
export function createFront(options: FrontOptions): RequestHandler {
  const context: FrontContext = {
    ...options,
    clientIp: (req) => clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], options.config.trustedProxies),
  };
  // Async, so that anything a handler throws becomes a rejection that main.ts answers with a 500.
  // The blog handles the request takes (here and in Next) stay open until it has been answered,
  // however many other blogs are opened meanwhile (lib/db/pool.ts).
  return async function front(req, res) {
    return tenantPool().borrowing(() => route(req, res, context), res);
  };
}

/** Which handler answers a request. */
function route(req: IncomingMessage, res: ServerResponse, context: FrontContext): Promise<void> | void {
  const path = normalisePath(req.url);
  const cluster = context.config.cluster;
  if (cluster?.node) res.setHeader(NODE_HEADER, cluster.node.id);
  // Between a cluster's nodes, whatever host they name each other by (lib/cluster/handoff.ts):
  // asked for by that very path (not one that resolves to it), and never through the proxy.
  if (cluster?.node && path?.pathname.startsWith(CLUSTER_PATH)) {
    if (!req.url?.startsWith(CLUSTER_PATH) || req.headers['x-forwarded-for'] !== undefined) return sendErrorPage(res, 404, req.method);
    return serveCluster(req, res, path.pathname);
  }
  // Asked by a TLS proxy (Caddy's on-demand `ask`) through whatever host it was given.
  if (path?.pathname === DOMAIN_CHECK_PATH) return answerDomainCheck(req, res, path.search, context.config);

  const host = parseHost(req.headers.host, context.config.rootHostname);
  if (host.kind === 'invalid' || path === null) return sendErrorPage(res, 404, req.method);
  // Browsers ask for this by habit; the pages name app/icon.svg.
  if (path.pathname === '/favicon.ico') return permanentRedirect(res, '/icon.svg');
  if (host.kind === 'root') return servePlatform(req, res, path, context);

  // Next's own assets and the site icon are the same for every host.
  if (path.pathname.startsWith('/_next/') || path.pathname === '/icon.svg') {
    req.url = path.pathname + path.search;
    return context.next(req, res);
  }
  const slug = blogOf(host);
  if (slug === undefined)
    return host.kind === 'custom' ? serveAfterLookUp(req, res, host, path, context) : sendErrorPage(res, 404, req.method);
  return serveBlogHost(req, res, slug, host, path, context);
}

function serveBlogHost(
  req: IncomingMessage,
  res: ServerResponse,
  slug: string,
  host: Exclude<HostTarget, { kind: 'root' | 'invalid' }>,
  path: RequestPath,
  context: FrontContext,
): Promise<void> | void {
  if (path.pathname === BEACON_PATH) return serveBeacon(req, res, slug, context);
  return serveBlog(req, res, slug, host, path, context);
}

/** A custom domain verified a moment ago on another node may not have reached this one's registry. */
async function serveAfterLookUp(
  req: IncomingMessage,
  res: ServerResponse,
  host: Exclude<HostTarget, { kind: 'root' | 'invalid' }>,
  path: RequestPath,
  context: FrontContext,
): Promise<void> {
  await lookUpMissing();
  const slug = blogOf(host);
  if (slug === undefined) return sendErrorPage(res, 404, req.method);
  return serveBlogHost(req, res, slug, host, path, context);
}

/** The blog a blog host names: its subdomain, or the blog that verified the custom domain. */
function blogOf(host: Exclude<HostTarget, { kind: 'root' | 'invalid' }>): string | undefined {
  if (host.kind !== 'custom') return host.slug;
  const domain = resolveCustomDomain(host.hostname);
  return domain?.verified ? domain.slug : undefined;
}

/**
 * The request path with dot segments resolved (WHATWG treats `%2e%2e` as `..`, so must we,
 * before prefixing), or null when it is not a plain path.
 */
function normalisePath(raw: string | undefined): RequestPath | null {
  if (!raw || raw[0] !== '/' || raw.startsWith('//') || raw.includes('\\')) return null;
  try {
    const url = new URL(raw, 'http://quire.invalid');
    if (url.pathname.includes('//')) return null;
    return { pathname: url.pathname, search: url.search };
  } catch {
    return null;
  }
}
