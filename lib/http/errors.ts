import { InputError } from '@/lib/input';

/** An error with the HTTP status and the one sentence a person should see. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const unauthorized = () => new HttpError(401, 'Please log in again.');
export const forbidden = (message = 'You do not have permission to do this.') => new HttpError(403, message);
export const notFoundError = (message = 'Not found.') => new HttpError(404, message);
export const conflict = (message: string) => new HttpError(409, message);

/** 507 Insufficient Storage (RFC 4918): the server had, or has, no room for what was asked. */
export const INSUFFICIENT_STORAGE = 507;

/**
 * A write the disk had no room for: SQLite's `SQLITE_FULL`, the file system's `ENOSPC` (or a
 * quota's `EDQUOT`), however it was wrapped (drizzle keeps the original as `cause`; the worker
 * pool and the snapshot thread pass the `code` on).
 */
export function isOutOfDiskSpace(error: unknown): boolean {
  let current = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * What a person is told when the disk was full: what they sent was not kept, and nothing else
 * changed (a failed SQLite write rolls back). `what` names it: "your post", "your comment".
 */
const outOfDiskSpace = (what = 'this change') =>
  new HttpError(INSUFFICIENT_STORAGE, `The server is out of disk space; ${what} was not saved.`);

const SERVER_ERROR = 'Something went wrong on the server. Please try again.';

export type ErrorReply = { status: number; message: string; retryAfterSeconds?: number };

/**
 * How every route answers a failure: bad input 400 with its sentence, an HttpError its own
 * status (and `Retry-After` when it has one), a full disk 507 saying so (docs/architecture.md,
 * "A full disk"), anything else a logged 500 that says so plainly. `saving` names what the
 * request was saving, for the full-disk sentence.
 */
export function errorReply(error: unknown, saving?: string): ErrorReply {
  if (error instanceof InputError) return { status: 400, message: error.message };
  if (error instanceof HttpError) {
    return { status: error.status, message: error.message, retryAfterSeconds: (error as { retryAfterSeconds?: number }).retryAfterSeconds };
  }
  if (isOutOfDiskSpace(error)) {
    console.error('[quire] out of disk space, a write was refused:', (error as Error).message);
    return { status: INSUFFICIENT_STORAGE, message: outOfDiskSpace(saving).message };
  }
  console.error('[quire] request failed:', error);
  return { status: 500, message: SERVER_ERROR };
}
