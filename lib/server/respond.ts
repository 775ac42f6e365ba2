import type { IncomingMessage, ServerResponse } from 'node:http';
import { DECLARED_LENGTH_HEADER } from '@/lib/http/headers';

/** Small answers the front writes itself, without entering Next. */

export function sendStatus(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'Content-Length': 0, 'Cache-Control': 'no-store' });
  res.end();
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

/** Answers without reading the body (which is read and dropped, so the connection can be reused). */
export function drainAndSend(req: IncomingMessage, res: ServerResponse, status: number): void {
  req.resume();
  sendStatus(res, status);
}

export function permanentRedirect(res: ServerResponse, location: string, extraHeaders: Record<string, string> = {}): void {
  res.writeHead(301, { Location: location, 'Content-Length': 0, 'Cache-Control': 'public, max-age=3600', ...extraHeaders });
  res.end();
}

/** 308: the same request at the canonical address (a trailing slash dropped). */
export function canonicalRedirect(res: ServerResponse, location: string): void {
  res.writeHead(308, { Location: location, 'Content-Length': 0 });
  res.end();
}

/**
 * Lets a route handler declare a download's size (lib/http/headers.ts, DECLARED_LENGTH_HEADER):
 * the front turns it back into `Content-Length`.
 */
export function passDeclaredLength(res: ServerResponse): void {
  const setHeader = res.setHeader.bind(res);
  res.setHeader = ((name: string, value: number | string | readonly string[]) =>
    name.toLowerCase() === DECLARED_LENGTH_HEADER ? setHeader('Content-Length', value) : setHeader(name, value)) as typeof res.setHeader;
}

/** Headers of a private page, which Next's own Cache-Control may not weaken. */
export function keepPrivate(res: ServerResponse): void {
  const setHeader = res.setHeader.bind(res);
  res.setHeader = ((name: string, value: number | string | readonly string[]) =>
    name.toLowerCase() === 'cache-control' ? res : setHeader(name, value)) as typeof res.setHeader;
  setHeader('Cache-Control', 'no-store');
  setHeader('X-Robots-Tag', 'noindex, nofollow');
  setHeader('Referrer-Policy', 'no-referrer');
}
