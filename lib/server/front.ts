import type { IncomingMessage, ServerResponse } from 'node:http';
import { PREVIEW_PATH_PREFIX } from '@/lib/blogs/address';
import { findBlog, markUnderMaintenance } from '@/lib/blogs/blogs';
import { redirectTarget } from '@/lib/blogs/lifecycle';
import { blogUrl, type QuireConfig } from '@/lib/config';
import { MigrationError } from '@/lib/db/migrate';
import { customDomainUrl, isServedHost, primaryDomainOf, resolveCustomDomain } from '@/lib/domains/domains';
import { BlogFileMissingError, openTenant } from '@/lib/db/pool';
import { FEED_FORMATS, feedFormats } from '@/lib/feeds/formats';
import { currentGeneration } from '@/lib/pagecache/generation';
import { PageCache, type CachedPage } from '@/lib/pagecache/cache';
import { findRedirect } from '@/lib/posts/redirects';
import type { PageviewBatcher } from '@/lib/pageviews/batcher';
import { clientAddress } from '@/lib/net/client-address';
import { handleBeacon } from '@/lib/pageviews/ingest';
import { ROBOTS_CONTENT_TYPE } from '@/lib/seo/robots';
import { SITEMAP_CONTENT_TYPE } from '@/lib/seo/sitemap';
import { parseHost } from '@/lib/tenancy/host';
import { sendErrorPage } from './error-pages';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export type FrontOptions = {
  config: QuireConfig;
  /** Next's request handler: everything the front does not answer itself. */
  next: RequestHandler;
  /** Absent when `QUIRE_PAGE_CACHE_MB=0`. */
  cache?: PageCache;
  /** Where beacons are counted. */
  pageviews: PageviewBatcher;
};

/** Request headers the front sets for Next's routes (read by lib/http/request.ts). */
export const CLIENT_IP_HEADER = 'x-quire-client-ip';
export const PATH_HEADER = 'x-quire-path';

/** Where public pages send their pageview beacon (lib/pageviews/beacon.ts). */
const BEACON_PATH = '/api/pv';

/** The internal route prefix of public blog pages (app/sites/[site]). */
const SITES_PREFIX = '/sites/';

/**
 * The front: every request passes here first (DESIGN, "The front"). It maps the Host to a blog,
 * rewrites the URL to `/sites/<slug>/…`, and answers cached pages without entering Next.
 */
export function createFront({ config, next, cache, pageviews }: FrontOptions): RequestHandler {
  return async function front(req, res) {
    const path = normalisePath(req.url);
    // Asked by a TLS proxy (Caddy's on-demand `ask`) through whatever host it was given.
    if (path?.pathname === DOMAIN_CHECK_PATH) return answerDomainCheck(req, res, path.search, config);

    const target = parseHost(req.headers.host, config.rootHostname);
    if (target.kind === 'invalid') return sendErrorPage(res, 404, req.method);
    if (path === null) return sendErrorPage(res, 404, req.method);
    // Browsers ask for this by habit; the pages name app/icon.svg.
    if (path.pathname === '/favicon.ico') return permanentRedirect(res, '/icon.svg');

    if (target.kind === 'root') {
      // The blog routes exist only behind the rewrite below.
      if (isSitesPath(path.pathname)) return sendErrorPage(res, 404, req.method);
      // Facts only the front knows, for the platform's routes; never taken from the client.
      req.headers[CLIENT_IP_HEADER] = clientIp(req, config);
      req.headers[PATH_HEADER] = path.pathname + path.search;
      if (path.pathname.startsWith('/api/')) passDeclaredLength(res);
      req.url = path.pathname + path.search;
      return next(req, res);
    }

    // Next's own assets and the site icon are the same for every host.
    if (path.pathname.startsWith('/_next/') || path.pathname === '/icon.svg') {
      req.url = path.pathname + path.search;
      return next(req, res);
    }

    let slug: string;
    if (target.kind === 'custom') {
      const domain = resolveCustomDomain(target.hostname);
      if (!domain) return sendErrorPage(res, 404, req.method);
      if (!domain.verified) return sendErrorPage(res, 404, req.method);
      slug = domain.slug;
    } else {
      slug = target.slug;
    }
    const isBeacon = path.pathname === BEACON_PATH;
    if (isBeacon && req.method !== 'POST') return sendStatus(res, 405);
    const blog = findBlog(slug);
    // A beacon for a blog that cannot count it is answered like any other: 204, nothing counted.
    if (isBeacon && blog?.status !== 'active') return drainAndSend(req, res, 204);
    if (!blog || blog.status === 'deleted') {
      const renamed = blog ? undefined : redirectTarget(slug);
      if (renamed) return permanentRedirect(res, blogUrl(renamed, config) + path.pathname + path.search);
      return sendErrorPage(res, 404, req.method);
    }
    if (blog.status === 'maintenance') return sendErrorPage(res, 503, req.method);

    // A blog with a primary domain is read there: its subdomain and other domains send readers on.
    const primary = req.method === 'GET' || req.method === 'HEAD' ? primaryDomainOf(slug) : undefined;
    if (primary && !(target.kind === 'custom' && target.hostname === primary)) {
      return permanentRedirect(res, customDomainUrl(primary, config) + path.pathname + path.search);
    }

    let handle;
    try {
      handle = openTenant(slug);
    } catch (error) {
      if (isBeacon) return drainAndSend(req, res, 204);
      if (error instanceof BlogFileMissingError) return sendErrorPage(res, 404, req.method);
      if (error instanceof MigrationError) markUnderMaintenance(blog, `Its file could not be upgraded: ${error.message}`);
      console.error(`[quire] blog "${slug}" cannot be opened:`, (error as Error).message);
      return sendErrorPage(res, 503, req.method);
    }

    if (isBeacon) {
      await handleBeacon(req, res, { slug, open: openTenant, batcher: pageviews, clientIp: clientIp(req, config) });
      return;
    }

    if (path.pathname.length > 1 && path.pathname.endsWith('/')) {
      return redirect(res, path.pathname.replace(/\/+$/, '') + path.search);
    }

    const publicUrl = path.pathname + path.search;
    req.url = SITES_PREFIX + slug + (path.pathname === '/' ? '' : path.pathname) + path.search;
    // For the blog's own routes (comments are rate-limited by address); not part of cache keys.
    req.headers[CLIENT_IP_HEADER] = clientIp(req, config);
    // Images say how big they are (app/sites/[site]/media).
    if (path.pathname.startsWith('/media/')) passDeclaredLength(res);
    // A preview link shows what is not published, to whoever holds it: never kept here or by
    // anyone else, never indexed, and its address is not passed on to linked sites.
    if (path.pathname.startsWith(PREVIEW_PATH_PREFIX)) {
      keepPrivate(res);
      return next(req, res);
    }

    const cached = cache && isCacheable(req) ? { cache, key: PageCache.key(slug, currentGeneration(handle), publicUrl) } : undefined;
    const entry = cached?.cache.get(cached.key);
    if (entry?.kind === 'redirect') return permanentRedirect(res, entry.location, 'hit');
    if (entry) return sendCachedPage(req, res, entry);

    // A moved address (lib/posts/redirects.ts), matched as the reader asked it. Looked up only
    // here, past the cache, so that hits never touch the database; the 301 is cached in turn.
    if (req.method === 'GET' || req.method === 'HEAD') {
      const moved = findRedirect(handle, publicUrl);
      if (moved) {
        cached?.cache.storeRedirect(cached.key, moved);
        return permanentRedirect(res, moved, cached ? 'miss' : undefined);
      }
    }

    if (!cached) return next(req, res);
    res.setHeader('X-Quire-Cache', 'miss');
    if (req.method === 'GET') captureResponse(res, (body, contentType) => cached.cache.store(cached.key, body, contentType));
    return next(req, res);
  };
}

/** Where a TLS proxy asks whether to get a certificate for a host (README, "Custom domains"). */
const DOMAIN_CHECK_PATH = '/api/domain-check';

/** 200 for a host this server serves (the root, live blogs' subdomains, verified custom domains), else 404. */
function answerDomainCheck(req: IncomingMessage, res: ServerResponse, search: string, config: QuireConfig): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendStatus(res, 405);
  const name = new URLSearchParams(search).get('domain') ?? '';
  const target = parseHost(name, config.rootHostname);
  const served = target.kind === 'root' || (target.kind !== 'invalid' && isServedHost(target));
  sendText(res, served ? 200 : 404, served ? 'ok' : 'not served here');
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
}

/**
 * The request path with dot segments resolved (WHATWG treats `%2e%2e` as `..`, so must we,
 * before prefixing), or null when it is not a plain path.
 */
function normalisePath(raw: string | undefined): { pathname: string; search: string } | null {
  if (!raw || raw[0] !== '/' || raw.startsWith('//') || raw.includes('\\')) return null;
  try {
    const url = new URL(raw, 'http://quire.invalid');
    if (url.pathname.includes('//')) return null;
    return { pathname: url.pathname, search: url.search };
  } catch {
    return null;
  }
}

/** The header route handlers use to declare a download's size (see passDeclaredLength). */
export const DECLARED_LENGTH_HEADER = 'x-quire-content-length';

/**
 * Next drops `Content-Length` from route-handler responses, but a download should say how big
 * it is (the browser shows progress, and a cut-off download is detected). A handler declares
 * it in `x-quire-content-length`; the front turns that back into `Content-Length`.
 */
function passDeclaredLength(res: ServerResponse): void {
  const setHeader = res.setHeader.bind(res);
  res.setHeader = ((name: string, value: number | string | readonly string[]) =>
    name.toLowerCase() === DECLARED_LENGTH_HEADER ? setHeader('Content-Length', value) : setHeader(name, value)) as typeof res.setHeader;
}

/** Headers of a private page, which Next's own Cache-Control may not weaken. */
function keepPrivate(res: ServerResponse): void {
  const setHeader = res.setHeader.bind(res);
  res.setHeader = ((name: string, value: number | string | readonly string[]) =>
    name.toLowerCase() === 'cache-control' ? res : setHeader(name, value)) as typeof res.setHeader;
  setHeader('Cache-Control', 'no-store');
  setHeader('X-Robots-Tag', 'noindex, nofollow');
  setHeader('Referrer-Policy', 'no-referrer');
}

/** The client's address: the socket's, or behind a trusted proxy what it says (lib/net). */
function clientIp(req: IncomingMessage, config: QuireConfig): string {
  return clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], config.trustedProxies);
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

/** Anonymous full-page GETs only: Next's client-side navigation and actions go through. */
function isCacheable(req: IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const h = req.headers;
  if (h.rsc || h['next-router-state-tree'] || h['next-router-prefetch'] || h['next-action']) return false;
  if (h.authorization) return false;
  return !(req.url ?? '').includes('_rsc=');
}

function sendCachedPage(req: IncomingMessage, res: ServerResponse, page: CachedPage): void {
  const headers: Record<string, string | number> = {
    'Content-Type': page.contentType,
    'Cache-Control': 'public, max-age=0, must-revalidate',
    ETag: page.etag,
    Vary: 'Accept-Encoding',
    'X-Content-Type-Options': 'nosniff',
    'X-Quire-Cache': 'hit',
  };
  if (etagMatches(req.headers['if-none-match'], page.etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const encoding = pickEncoding(req.headers['accept-encoding']);
  const body = encoding === 'br' ? page.brotli : encoding === 'gzip' ? page.gzip : page.body;
  if (encoding) headers['Content-Encoding'] = encoding;
  headers['Content-Length'] = body.length;
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header === '*' || header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/** Brotli, else gzip, else none; an encoding listed with q=0 is refused. */
export function pickEncoding(header: string | undefined): 'br' | 'gzip' | undefined {
  if (!header) return undefined;
  const accepted = new Set<string>();
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (q && Number(q.slice(2)) === 0) continue;
    if (name) accepted.add(name);
  }
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip')) return 'gzip';
  return undefined;
}

function sendStatus(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'Content-Length': 0, 'Cache-Control': 'no-store' });
  res.end();
}

function drainAndSend(req: IncomingMessage, res: ServerResponse, status: number): void {
  req.resume();
  sendStatus(res, status);
}

function permanentRedirect(res: ServerResponse, location: string, cacheState?: 'hit' | 'miss'): void {
  res.writeHead(301, {
    Location: location,
    'Content-Length': 0,
    'Cache-Control': 'public, max-age=3600',
    ...(cacheState ? { 'X-Quire-Cache': cacheState } : {}),
  });
  res.end();
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(308, { Location: location, 'Content-Length': 0 });
  res.end();
}

type Chunk = string | Buffer | Uint8Array;

/**
 * What a blog host answers that readers share: pages, feeds, the sitemap and robots.txt. Any
 * other type (images, downloads, whatever a route may add later) is never kept.
 */
const CACHEABLE_TYPES: ReadonlySet<string> = new Set([
  'text/html',
  ...feedFormats.map((format) => FEED_FORMATS[format].contentType),
  SITEMAP_CONTENT_TYPE,
  ROBOTS_CONTENT_TYPE,
]);

/**
 * Tees what Next writes so a full 200 response of a cacheable type without cookies can be
 * kept. Writes still go straight to the client; the copy is only stored once it has ended.
 */
function captureResponse(
  res: ServerResponse,
  keep: (body: Buffer, contentType: string) => void,
): void {
  const chunks: Buffer[] = [];
  const toBuffer = (chunk: Chunk, encoding?: unknown) =>
    typeof chunk === 'string'
      ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
      : Buffer.from(chunk);

  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;

  res.write = ((chunk: Chunk, ...rest: unknown[]) => {
    if (chunk != null) chunks.push(toBuffer(chunk, rest[0]));
    return write(chunk, ...rest);
  }) as typeof res.write;

  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    if (chunk != null && typeof chunk !== 'function') chunks.push(toBuffer(chunk as Chunk, rest[0]));
    const result = end(chunk, ...rest);
    const contentType = String(res.getHeader('content-type') ?? '');
    if (
      res.statusCode === 200 &&
      CACHEABLE_TYPES.has(contentType.split(';')[0]!.trim().toLowerCase()) &&
      res.getHeader('set-cookie') === undefined &&
      !res.getHeader('content-encoding')
    ) {
      keep(Buffer.concat(chunks), contentType);
    }
    return result;
  }) as typeof res.end;
}
