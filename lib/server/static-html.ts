import type { ServerResponse } from 'node:http';

/**
 * Public blog pages as plain HTML: Next's client runtime and the page's inline RSC ("flight")
 * payload are taken out of what readers get.
 *
 * Public pages (app/sites/[site]) have no client components: their links are plain `<a>`, the
 * beacon and the comment form are inline scripts in the HTML itself. The runtime would only
 * hydrate a page that never changes, after downloading the React and Next chunks, and the
 * payload repeats the page's whole text as a script (a 48 KB post page is 17 KB without it,
 * and half the size compressed). What stays: the HTML, its stylesheets, metadata, JSON-LD and
 * our inline scripts. A route under app/sites that needs a client component must not be served
 * through this (lib/server/static-html.test.ts checks that there is none).
 */

/**
 * Next's scripts: the runtime chunks and their preloads, the Turbopack bootstrap, and the
 * flight payload pushes. Flight data is JSON with `<` escaped, so `</script>` ends each one.
 */
const NEXT_RUNTIME =
  /<script src="\/_next\/[^"]*"[^>]*><\/script>|<link rel="preload" as="script"[^>]* href="\/_next\/[^"]*"\/>|<script id="_R_">[^<]*<\/script>|<script>\(?self\.__next_f[\s\S]*?<\/script>/g;

export function stripNextRuntime(html: string): string {
  return html.replace(NEXT_RUNTIME, '');
}

type Chunk = string | Buffer | Uint8Array;

/**
 * Holds what Next writes for a 200 `text/html` answer and sends it stripped at the end (a public
 * page is rendered whole before its first byte anyway: its metadata blocks). Anything else goes
 * through untouched. Install it after `captureResponse`, so that the page cache keeps what readers get.
 */
export function serveStaticHtml(res: ServerResponse): void {
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  const flushHeaders = res.flushHeaders.bind(res);
  const chunks: Buffer[] = [];
  let holding: boolean | undefined;
  const hold = () =>
    (holding ??=
      !res.headersSent &&
      res.statusCode === 200 &&
      String(res.getHeader('content-type') ?? '')
        .toLowerCase()
        .startsWith('text/html') &&
      !res.getHeader('content-encoding'));
  const toBuffer = (chunk: Chunk, encoding?: unknown) =>
    typeof chunk === 'string'
      ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
      : Buffer.from(chunk);

  res.flushHeaders = () => {
    if (!hold()) flushHeaders();
  };
  res.write = ((chunk: Chunk, ...rest: unknown[]) => {
    if (!hold()) return write(chunk, ...rest);
    if (chunk != null) chunks.push(toBuffer(chunk, rest[0]));
    const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    if (callback) process.nextTick(callback);
    return true;
  }) as typeof res.write;
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    const callback = [chunk, ...rest].find((arg) => typeof arg === 'function') as (() => void) | undefined;
    if (!hold()) return end(chunk, ...rest);
    if (chunk != null && typeof chunk !== 'function') chunks.push(toBuffer(chunk as Chunk, rest[0]));
    const body = Buffer.from(stripNextRuntime(Buffer.concat(chunks).toString('utf8')), 'utf8');
    if (!res.headersSent && body.length > 0) res.setHeader('Content-Length', body.length);
    return callback ? end(body, callback) : end(body);
  }) as typeof res.end;
}
