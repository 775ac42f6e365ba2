import { RateLimiter } from '@/lib/auth/rate-limit';
import { HttpError } from '@/lib/http/errors';
import { processWide } from '@/lib/process/shared';

/**
 * How many comments are taken in a window: per reader's address (across every blog here), and
 * per post (so many addresses together cannot bury one post's moderation queue).
 */
export const COMMENT_LIMITS = {
  perIp: { limit: 10, windowMs: 10 * 60_000 },
  perPost: { limit: 30, windowMs: 10 * 60_000 },
} as const;

// Process-wide: the front's bundle and Next's route modules must count in the same place.
const limiters = () =>
  processWide('comment-limits', () => ({
    perIp: new RateLimiter(COMMENT_LIMITS.perIp.limit, COMMENT_LIMITS.perIp.windowMs),
    perPost: new RateLimiter(COMMENT_LIMITS.perPost.limit, COMMENT_LIMITS.perPost.windowMs),
  }));

/** A refused comment, with when to try again (for `Retry-After`). */
export class CommentRateLimitError extends HttpError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(429, message);
    this.name = 'CommentRateLimitError';
  }
}

/**
 * Counts one comment against the reader's address, then against the post; throws when either
 * is over its limit. A reader already refused does not use up the post's allowance.
 */
export function countComment(ip: string, postKey: string, now = Date.now()): void {
  const { perIp, perPost } = limiters();
  if (!perIp.attempt(ip, now)) {
    const wait = perIp.retryAfter(ip, now);
    throw new CommentRateLimitError(`You have left several comments in a short time. Please try again in ${formatWait(wait)}.`, Math.ceil(wait / 1000));
  }
  if (!perPost.attempt(postKey, now)) {
    const wait = perPost.retryAfter(postKey, now);
    throw new CommentRateLimitError(`This post has received many comments in a short time. Please try again in ${formatWait(wait)}.`, Math.ceil(wait / 1000));
  }
}

function formatWait(ms: number): string {
  if (ms < 60_000) {
    const seconds = Math.max(1, Math.ceil(ms / 1000));
    return seconds === 1 ? '1 second' : `${seconds} seconds`;
  }
  const minutes = Math.ceil(ms / 60_000);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}
