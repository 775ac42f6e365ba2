import { RateLimiter, TooManyRequests } from '@/lib/limits';
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

/**
 * Counts one comment against the reader's address, then against the post; throws when either
 * is over its limit. A reader already refused does not use up the post's allowance.
 */
export function countComment(ip: string, postKey: string, now = Date.now()): void {
  const { perIp, perPost } = limiters();
  if (!perIp.attempt(ip, now)) {
    throw new TooManyRequests('You have left several comments in a short time. Please try again in {wait}.', perIp.retryAfter(ip, now));
  }
  if (!perPost.attempt(postKey, now)) {
    throw new TooManyRequests(
      'This post has received many comments in a short time. Please try again in {wait}.',
      perPost.retryAfter(postKey, now),
    );
  }
}
