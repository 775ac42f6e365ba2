import type { IncomingMessage, ServerResponse } from 'node:http';
import { PREVIEW_PATH_PREFIX, READER_PRIVATE_PATHS } from '@/lib/blogs/address';
import { findBlog, markUnderMaintenance } from '@/lib/blogs/blogs';
import { blogUrl } from '@/lib/config';
import { MigrationError } from '@/lib/db/migrate';
import { BlogFileMissingError, openTenant } from '@/lib/db/pool';
import { customDomainUrl } from '@/lib/domains/domains';
import { CACHE_STATE_HEADER, CLIENT_IP_HEADER } from '@/lib/http/headers';
import { pageGeneration } from '@/lib/pagecache/generation';
import type { PageLocation } from '@/lib/pagecache/store';
import { captureResponse, isCacheable, preferredEncoding, sendCachedPage } from '@/lib/pagecache/serve';
import { FEED_FORMATS, feedFormats } from '@/lib/feeds/formats';
import { findRedirect } from '@/lib/posts/redirects';
import { ROBOTS_CONTENT_TYPE } from '@/lib/seo/robots';
import { SITEMAP_CONTENT_TYPE } from '@/lib/seo/sitemap';
import { lookUpMissing, registeredBlog, renamedTo } from '@/lib/registry/registry';
import { presenceOf } from '@/lib/cluster/fence';
import type { HostTarget } from '@/lib/tenancy/host';
import { SITES_PREFIX, type FrontContext, type RequestPath } from './context';
import { sendErrorPage } from './error-pages';
import { serveStaticHtml } from './static-html';
import { keepPrivate, passDeclaredLength, permanentRedirect, canonicalRedirect } from './respond';

/**
 * A blog's public pages: the blog is looked up in the registry, the URL rewritten to
 * `/sites/<slug>/…`, and a page the cache holds is answered without entering Next or opening
 * any database (docs/architecture.md, "The front").
 */
export async function serveBlog(
  req: IncomingMessage,
  res: ServerResponse,
  slug: string,
  host: HostTarget,
  path: RequestPath,
  context: FrontContext,
): Promise<void> {
  const blog = registeredBlog(slug) ?? (await lookUpMissing(), registeredBlog(slug));
  if (!blog || blog.status === 'deleted') {
    const renamed = blog ? undefined : renamedTo(slug);
    if (renamed) return permanentRedirect(res, blogUrl(renamed, context.config) + path.pathname + path.search);
    return sendErrorPage(res, 404, req.method);
  }
  if (blog.status === 'maintenance') return sendErrorPage(res, 503, req.method);
  // In a cluster: a blog placed on another node (a stale route, or this node back from the dead).
  if (presenceOf(blog) === 'elsewhere') return sendErrorPage(res, 503, req.method);

  // A blog with a primary domain is read there: its subdomain and other domains send readers on.
  const primary = req.method === 'GET' || req.method === 'HEAD' ? blog.primaryDomain : undefined;
  if (primary && !(host.kind === 'custom' && host.hostname === primary)) {
    return permanentRedirect(res, customDomainUrl(primary, context.config) + path.pathname + path.search);
  }
  if (path.pathname.length > 1 && path.pathname.endsWith('/')) {
    const canonical = path.pathname.replace(/\/+$/, '') + path.search;
    // An imported site's old address (`/2024/05/hello/`) goes to its new one in one step.
    const moved = req.method === 'GET' || req.method === 'HEAD' ? movedAddress(req, res, slug, canonical, context) : undefined;
    if (moved === null) return;
    return moved ? permanentRedirect(res, moved.location, moved.headers) : canonicalRedirect(res, canonical);
  }

  const publicUrl = path.pathname + path.search;
  req.url = SITES_PREFIX + slug + (path.pathname === '/' ? '' : path.pathname) + path.search;
  // For the blog's own routes (comments are rate-limited by address); not part of cache keys.
  req.headers[CLIENT_IP_HEADER] = context.clientIp(req);
  // Images say how big they are (app/sites/[site]/media).
  if (path.pathname.startsWith('/media/')) passDeclaredLength(res);
  // A preview link shows what is not published, to whoever holds it: never kept here or by
  // anyone else, never indexed, and its address is not passed on to linked sites.
  // A reader's subscribe, confirm and unsubscribe pages carry their secret or their address:
  // never kept here or by anyone else either.
  if (path.pathname.startsWith(PREVIEW_PATH_PREFIX) || READER_PRIVATE_PATHS.has(path.pathname)) {
    if (!opened(req, res, slug, () => openTenant(slug))) return;
    keepPrivate(res);
    return context.next(req, res);
  }
  return serveThroughCache(req, res, slug, publicUrl, context);
}

/**
 * Where `url` moved (lib/posts/redirects.ts), from the page cache when it holds the answer, else
 * from the blog's file (and kept in the cache); undefined: it did not move; null: answered (the
 * file could not be opened).
 */
function movedAddress(
  req: IncomingMessage,
  res: ServerResponse,
  slug: string,
  url: string,
  context: FrontContext,
): { location: string; headers: Record<string, string> } | undefined | null {
  const generation = context.cache ? pageGeneration(slug) : undefined;
  const at = generation == null ? undefined : { slug, generation, url };
  const entry = at && context.cache?.get(at);
  if (entry) return entry.kind === 'redirect' ? { location: entry.location, headers: { [CACHE_STATE_HEADER]: 'hit' } } : undefined;
  const handle = opened(req, res, slug, () => openTenant(slug));
  if (!handle) return null;
  const moved = findRedirect(handle, url);
  if (!moved) return undefined;
  if (at) context.cache?.storeRedirect(at, moved);
  return { location: moved, headers: at ? { [CACHE_STATE_HEADER]: 'miss' } : {} };
}

async function putUnderMaintenance(slug: string, reason: string): Promise<void> {
  try {
    const blog = await findBlog(slug);
    if (blog) await markUnderMaintenance(blog, reason);
  } catch (error) {
    console.error(`[quire] blog "${slug}" could not be put under maintenance:`, (error as Error).message);
  }
}

/**
 * Runs `open` (which opens the blog's file), answering 404 or 503 itself when the file is
 * missing or cannot be opened or upgraded. Undefined: answered.
 */
function opened<T>(req: IncomingMessage, res: ServerResponse, slug: string, open: () => T): T | undefined {
  try {
    return open();
  } catch (error) {
    if (error instanceof BlogFileMissingError) {
      sendErrorPage(res, 404, req.method);
      return undefined;
    }
    if (error instanceof MigrationError) void putUnderMaintenance(slug, `Its file could not be upgraded: ${error.message}`);
    console.error(`[quire] blog "${slug}" cannot be opened:`, (error as Error).message);
    sendErrorPage(res, 503, req.method);
    return undefined;
  }
}

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

/** From the page cache when it holds the page; else Next, keeping what it answers. */
async function serveThroughCache(
  req: IncomingMessage,
  res: ServerResponse,
  slug: string,
  publicUrl: string,
  context: FrontContext,
): Promise<void> {
  let at: PageLocation | undefined;
  if (context.cache && isCacheable(req)) {
    // null: the blog went away since the registry was read; Next answers that.
    const generation = opened(req, res, slug, () => pageGeneration(slug) ?? null);
    if (generation === undefined) return;
    if (generation !== null) at = { slug, generation, url: publicUrl };
  }
  const cache = context.cache;
  const entry = at && (cache?.get(at) ?? (await cache?.compressed(at)?.catch(() => undefined)));
  if (entry?.kind === 'redirect') return permanentRedirect(res, entry.location, { [CACHE_STATE_HEADER]: 'hit' });
  if (entry) return sendCachedPage(req, res, preferredEncoding(req) || !at || !cache ? entry : cache.withIdentity(at, entry));

  const handle = opened(req, res, slug, () => openTenant(slug));
  if (!handle) return;
  // A moved address (lib/posts/redirects.ts), matched as the reader asked it. Looked up only
  // here, past the cache, so that hits never touch the database; the 301 is cached in turn.
  if (req.method === 'GET' || req.method === 'HEAD') {
    const moved = findRedirect(handle, publicUrl);
    if (moved) {
      if (at) cache?.storeRedirect(at, moved);
      return permanentRedirect(res, moved, at ? { [CACHE_STATE_HEADER]: 'miss' } : {});
    }
  }

  if (!at || !cache) return nextAsStaticHtml(req, res, context);
  const where = at;
  res.setHeader(CACHE_STATE_HEADER, 'miss');
  if (req.method === 'GET') {
    captureResponse(res, CACHEABLE_TYPES, (body, contentType) => {
      cache.store(where, body, contentType).catch((error: unknown) => console.error('[quire] page cache: could not keep a page:', error));
    });
  }
  return nextAsStaticHtml(req, res, context);
}

/**
 * Next's answer to a reader's page, without Next's client runtime and inline RSC payload
 * (./static-html.ts); kept in development, where Next's own scripts serve the author.
 */
function nextAsStaticHtml(req: IncomingMessage, res: ServerResponse, context: FrontContext): Promise<void> | void {
  if (process.env.NODE_ENV === 'production' && isCacheable(req)) serveStaticHtml(res);
  return context.next(req, res);
}
