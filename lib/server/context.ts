import type { IncomingMessage, ServerResponse } from 'node:http';
import type { QuireConfig } from '@/lib/config';
import type { PageCache } from '@/lib/pagecache/cache';
import type { PageviewBatcher } from '@/lib/pageviews/batcher';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/** What the front is made with. */
export type FrontOptions = {
  config: QuireConfig;
  /** Next's request handler: everything the front does not answer itself. */
  next: RequestHandler;
  /** Absent when `QUIRE_PAGE_CACHE_MB=0`. */
  cache?: PageCache;
  /** Where beacons are counted. */
  pageviews: PageviewBatcher;
};

/** What every handler of the front is given. */
export type FrontContext = FrontOptions & {
  /** The client's address: the socket's, or behind a trusted proxy what it says (lib/net). */
  clientIp: (req: IncomingMessage) => string;
};

/** A request's path with dot segments resolved, and its query. */
export type RequestPath = { pathname: string; search: string };

/** The internal route prefix of public blog pages (app/sites/[site]). */
export const SITES_PREFIX = '/sites/';
