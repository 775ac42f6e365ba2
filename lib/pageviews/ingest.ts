import type { IncomingMessage, ServerResponse } from 'node:http';
import { isbot } from 'isbot';
import { z } from 'zod';
import { RateLimiter } from '@/lib/limits';
import { config } from '@/lib/config';
import type { TenantHandle } from '@/lib/db/pool';
import { processWide } from '@/lib/process/shared';
import type { PageviewBatcher } from './batcher';
import { isPublicPost } from './public-posts';
import { utcDay, visitorHash } from './visitor';

/** A beacon is tiny; anything bigger is not one of ours. */
const BEACON_MAX_BYTES = 1024;

const beaconSchema = z.object({
  p: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  r: z.string().max(2048).optional(),
});

export type BeaconOutcome = 'counted' | 'ignored' | 'rejected';

/**
 * `POST /api/pv` on a blog host, answered by the front without entering Next. Every well-formed
 * request gets 204 whether or not it counts (bots, prefetches, unknown posts, beacons from other
 * sites and beyond an address's limit count nothing and learn nothing); an oversized or
 * malformed body gets 400. No cookie is read or set.
 */
export async function handleBeacon(
  req: IncomingMessage,
  res: ServerResponse,
  context: { slug: string; open: (slug: string) => TenantHandle; batcher: PageviewBatcher; clientIp: string },
): Promise<BeaconOutcome> {
  const body = await readBeaconBody(req);
  if (typeof body === 'number') return reply(res, body, 'rejected');
  const beacon = parseBeacon(body);
  if (!beacon) return reply(res, 400, 'rejected');
  if (!isReaderRequest(req) || !isFromBlogItself(req)) return reply(res, 204, 'ignored');
  const now = Date.now();
  if (!beaconLimits().attempt(`${context.clientIp}|${context.slug}`, now)) return reply(res, 204, 'ignored');
  let handle: TenantHandle;
  try {
    // The blog is looked up again now: while the body trickled in, its handle may have been
    // evicted, or the blog deleted or replaced.
    handle = context.open(context.slug);
  } catch {
    return reply(res, 204, 'ignored');
  }
  if (beacon.p > 0 && !isPublicPost(handle, beacon.p, now)) return reply(res, 204, 'ignored');

  const day = utcDay(now);
  context.batcher.record({
    blog: handle.slug,
    postId: beacon.p,
    day,
    visitor: visitorHash(context.clientIp, req.headers['user-agent']!, handle.slug, day),
    referrerHost: externalReferrer(beacon.r, req.headers.host),
  });
  return reply(res, 204, 'counted');
}

/** The body of a beacon, read up to BEACON_MAX_BYTES; otherwise the status to answer (413, 400). */
export function readBeaconBody(req: IncomingMessage): Promise<string | 400 | 413> {
  return new Promise((resolve) => {
    if (Number(req.headers['content-length'] ?? 0) > BEACON_MAX_BYTES) {
      req.resume();
      return resolve(413);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (value: string | 400 | 413) => {
      if (done) return;
      done = true;
      resolve(value);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BEACON_MAX_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        finish(413);
      } else chunks.push(chunk);
    });
    req.on('end', () => finish(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => finish(400));
  });
}

export function parseBeacon(body: string): z.output<typeof beaconSchema> | null {
  try {
    const beacon = beaconSchema.safeParse(JSON.parse(body));
    return beacon.success ? beacon.data : null;
  } catch {
    return null;
  }
}

/** A reader's browser, not a bot and not a prefetch or prerender. */
export function isReaderRequest(req: IncomingMessage): boolean {
  const userAgent = req.headers['user-agent'] ?? '';
  return userAgent !== '' && !isBotAgent(userAgent) && !isPrefetch(req);
}

/**
 * isbot's verdict on a User-Agent, remembered: its one large regular expression costs a few µs a
 * beacon, and readers' browsers send few distinct strings. At most BOT_VERDICTS of at most
 * BOT_VERDICT_LENGTH characters are kept, then the memo starts over.
 */
const BOT_VERDICTS = 1_000;
const BOT_VERDICT_LENGTH = 512;
const botVerdicts = () => processWide('pageviews.bot-verdicts', () => new Map<string, boolean>());

function isBotAgent(userAgent: string): boolean {
  const verdicts = botVerdicts();
  let bot = verdicts.get(userAgent);
  if (bot === undefined) {
    bot = isbot(userAgent);
    if (userAgent.length > BOT_VERDICT_LENGTH) return bot;
    if (verdicts.size >= BOT_VERDICTS) verdicts.clear();
    verdicts.set(userAgent, bot);
  }
  return bot;
}

/**
 * Only the blog's own pages count: a browser says where a request comes from (`Sec-Fetch-Site`,
 * else `Origin`), so another site cannot inflate a blog's views from its readers' browsers. A
 * request that says neither is not a browser's beacon.
 */
function isFromBlogItself(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin';
  const origin = req.headers.origin;
  if (typeof origin !== 'string') return false;
  try {
    return new URL(origin).host === (req.headers.host ?? '').toLowerCase();
  } catch {
    return false;
  }
}

/** Beacons one address may send one blog per minute (`QUIRE_BEACON_LIMIT`); a reader sends one a page. */
const beaconLimits = () => processWide('beacon-limits', () => new RateLimiter(config().beaconLimitPerMinute, 60_000));

function reply(res: ServerResponse, status: number, outcome: BeaconOutcome): BeaconOutcome {
  res.writeHead(status, { 'Cache-Control': 'no-store', 'Content-Length': 0 });
  res.end();
  return outcome;
}

function isPrefetch(req: IncomingMessage): boolean {
  const purpose = String(req.headers['sec-purpose'] ?? req.headers.purpose ?? '').toLowerCase();
  return purpose.includes('prefetch') || purpose.includes('prerender');
}

/** The referring site's host, when the reader came from another site. */
function externalReferrer(referrer: string | undefined, ownHost: string | undefined): string | undefined {
  if (!referrer) return undefined;
  let host: string;
  try {
    const url = new URL(referrer);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    host = url.hostname.toLowerCase().replace(/^www\./, '');
  } catch {
    return undefined;
  }
  const own = (ownHost ?? '').toLowerCase().replace(/:\d+$/, '');
  if (!host || host === own || host.length > 253) return undefined;
  return host;
}
