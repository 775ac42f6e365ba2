import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { CACHE_STATE_HEADER } from '@/lib/http/headers';
import { etagMatches } from '@/lib/http/etag';
import type { CachedPage } from './cache';

/** How the front answers from the page cache and fills it from what Next writes. */

/** Anonymous full-page GETs only: Next's client-side navigation and actions go through. */
export function isCacheable(req: IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const h = req.headers;
  if (h.rsc || h['next-router-state-tree'] || h['next-router-prefetch'] || h['next-action']) return false;
  if (h.authorization) return false;
  return !(req.url ?? '').includes('_rsc=');
}

/** A kept page, in the encoding the client prefers, or 304 when it has it already. */
export function sendCachedPage(req: IncomingMessage, res: ServerResponse, page: CachedPage): void {
  const headers: Record<string, string | number> = {
    'Content-Type': page.contentType,
    'Cache-Control': 'public, max-age=0, must-revalidate',
    ETag: page.etag,
    Vary: 'Accept-Encoding',
    'X-Content-Type-Options': 'nosniff',
    [CACHE_STATE_HEADER]: 'hit',
  };
  if (etagMatches(req.headers['if-none-match'], page.etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const encoding = preferredEncoding(req);
  const body = encoding === 'br' ? page.brotli : encoding === 'gzip' ? page.gzip : (page.identity ?? gunzipSync(page.gzip));
  if (encoding) headers['Content-Encoding'] = encoding;
  headers['Content-Length'] = body.length;
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Brotli, else gzip, else none; an encoding listed with q=0 is refused. */
export function preferredEncoding(req: IncomingMessage): 'br' | 'gzip' | undefined {
  const header = req.headers['accept-encoding'];
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

type Chunk = string | Buffer | Uint8Array;

/**
 * Tees what Next writes so a full 200 response of one of `types` without cookies can be
 * kept. Writes still go straight to the client; the copy is only stored once it has ended.
 */
export function captureResponse(res: ServerResponse, types: ReadonlySet<string>, keep: (body: Buffer, contentType: string) => void): void {
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
      types.has(contentType.split(';')[0]!.trim().toLowerCase()) &&
      res.getHeader('set-cookie') === undefined &&
      !res.getHeader('content-encoding')
    ) {
      keep(Buffer.concat(chunks), contentType);
    }
    return result;
  }) as typeof res.end;
}
