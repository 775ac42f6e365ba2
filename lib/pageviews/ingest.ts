import type { IncomingMessage, ServerResponse } from 'node:http';
import { isbot } from 'isbot';
import { z } from 'zod';
import type { TenantHandle } from '@/lib/db/pool';
import type { PageviewBatcher } from './batcher';
import { utcDay, visitorHash } from './visitor';

/** A beacon is tiny; anything bigger is not one of ours. */
export const BEACON_MAX_BYTES = 1024;

const beaconSchema = z.object({
  p: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  r: z.string().max(2048).optional(),
});

export type BeaconOutcome = 'counted' | 'ignored' | 'rejected';

/**
 * `POST /api/pv` on a blog host, answered by the front without entering Next. Every well-formed
 * request gets 204 whether or not it counts (bots, prefetches, unknown posts count nothing and
 * learn nothing); an oversized or malformed body gets 400. No cookie is read or set.
 */
export function handleBeacon(
  req: IncomingMessage,
  res: ServerResponse,
  context: { slug: string; open: (slug: string) => TenantHandle; batcher: PageviewBatcher; clientIp: string },
): Promise<BeaconOutcome> {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > BEACON_MAX_BYTES) return resolve(reply(res, 413, 'rejected'));
    let size = 0;
    const chunks: Buffer[] = [];
    let done = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BEACON_MAX_BYTES && !done) {
        done = true;
        req.removeAllListeners('data');
        req.resume();
        resolve(reply(res, 413, 'rejected'));
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      try {
        // The blog is looked up again now: while the body trickled in, its handle may have
        // been evicted, or the blog deleted or replaced.
        const handle = context.open(context.slug);
        resolve(count(req, res, Buffer.concat(chunks).toString('utf8'), { handle, batcher: context.batcher, clientIp: context.clientIp }));
      } catch {
        resolve(reply(res, 204, 'ignored'));
      }
    });
    req.on('error', () => {
      if (!done) {
        done = true;
        resolve(reply(res, 400, 'rejected'));
      }
    });
  });
}

function count(
  req: IncomingMessage,
  res: ServerResponse,
  body: string,
  { handle, batcher, clientIp }: { handle: TenantHandle; batcher: PageviewBatcher; clientIp: string },
): BeaconOutcome {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return reply(res, 400, 'rejected');
  }
  const beacon = beaconSchema.safeParse(parsed);
  if (!beacon.success) return reply(res, 400, 'rejected');

  const userAgent = req.headers['user-agent'] ?? '';
  if (!userAgent || isbot(userAgent) || isPrefetch(req)) return reply(res, 204, 'ignored');
  const now = Date.now();
  if (beacon.data.p > 0 && !isPublicPost(handle, beacon.data.p, now)) return reply(res, 204, 'ignored');

  const day = utcDay(now);
  batcher.record({
    blog: handle.slug,
    postId: beacon.data.p,
    day,
    visitor: visitorHash(clientIp, userAgent, handle.slug, day),
    referrerHost: externalReferrer(beacon.data.r, req.headers.host),
  });
  return reply(res, 204, 'counted');
}

function reply(res: ServerResponse, status: number, outcome: BeaconOutcome): BeaconOutcome {
  res.writeHead(status, { 'Cache-Control': 'no-store', 'Content-Length': 0 });
  res.end();
  return outcome;
}

function isPrefetch(req: IncomingMessage): boolean {
  const purpose = String(req.headers['sec-purpose'] ?? req.headers.purpose ?? '').toLowerCase();
  return purpose.includes('prefetch') || purpose.includes('prerender');
}

function isPublicPost(handle: TenantHandle, postId: number, now: number): boolean {
  return (
    handle
      .statement('pageviews.isPublic', () =>
        handle.sqlite.prepare("select 1 from posts where id = ? and status <> 'draft' and published_at <= ?").pluck(),
      )
      .get(postId, now) === 1
  );
}

/** The referring site's host, when the reader came from another site. */
export function externalReferrer(referrer: string | undefined, ownHost: string | undefined): string | undefined {
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
