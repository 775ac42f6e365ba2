import { platformUrl } from '@/lib/config';
import { InputError } from '@/lib/input';
import { HttpError, errorReply, forbidden } from './errors';

/** What a route declares about itself. */
export type RouteOptions = {
  /** What a write saves ("your post"): named when the disk had no room for it. */
  saving?: string;
};

/**
 * The shape of every JSON route handler: writes must come from our own origin (CSRF), and a
 * failure is answered by `errorReply` (bad input 400, HttpErrors their status, a full disk 507,
 * anything else a logged 500 that says so plainly).
 */
export function apiRoute<P = Record<string, never>>(
  handler: (request: Request, params: P) => Promise<unknown> | unknown,
  options: RouteOptions = {},
) {
  return async (request: Request, context: { params: Promise<P> }): Promise<Response> => {
    try {
      if (request.method !== 'GET' && request.method !== 'HEAD') assertSameOrigin(request);
      const result = await handler(request, await context.params);
      return result instanceof Response ? result : Response.json(result ?? { ok: true });
    } catch (error) {
      const reply = errorReply(error, options.saving);
      return Response.json(
        { error: reply.message },
        { status: reply.status, headers: reply.retryAfterSeconds ? { 'Retry-After': String(reply.retryAfterSeconds) } : undefined },
      );
    }
  };
}

/**
 * Refuses a write that did not come from a page of the platform itself: the browser's
 * `Origin` must be ours, or, lacking it, `Sec-Fetch-Site` must say same-origin.
 */
function assertSameOrigin(request: Request): void {
  const origin = request.headers.get('origin');
  if (origin !== null) {
    if (origin !== platformUrl()) throw forbidden('This request came from another site and was refused.');
    return;
  }
  if (request.headers.get('sec-fetch-site') !== 'same-origin') {
    throw forbidden('This request came from another site and was refused.');
  }
}

const MAX_JSON_BYTES = 1024 * 1024;

/**
 * Reads a JSON body of at most `maxBytes`. What it holds is unchecked: the lib function it is
 * handed to validates it with its own zod schema.
 */
export async function readJson(request: Request, maxBytes = MAX_JSON_BYTES): Promise<unknown> {
  const text = (await readBody(request, maxBytes, 'This is too large to save.')).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InputError('The request was not valid JSON.');
  }
}

/**
 * The request body, refused with 413 as soon as it passes `maxBytes`, whether or not it
 * declared a length (a chunked upload declares none).
 */
export async function readBody(request: Request, maxBytes: number, tooLarge: string): Promise<Buffer> {
  if (Number(request.headers.get('content-length') ?? 0) > maxBytes) throw new HttpError(413, tooLarge);
  const chunks: Buffer[] = [];
  let size = 0;
  if (request.body) {
    for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > maxBytes) {
        await request.body.cancel().catch(() => {});
        throw new HttpError(413, tooLarge);
      }
      chunks.push(Buffer.from(chunk));
    }
  }
  return Buffer.concat(chunks);
}
