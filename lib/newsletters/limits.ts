import { RateLimiter, TooManyRequests } from '@/lib/limits';
import { processWide } from '@/lib/process/shared';

/**
 * How many subscribe requests are taken in a window: per reader's network address (across every
 * blog here), per email address (so nobody can fill a stranger's inbox with confirmations from
 * many blogs), and per blog (so many addresses together cannot make it a mail cannon).
 */
export const SUBSCRIBE_LIMITS = {
  perIp: { limit: 10, windowMs: 10 * 60_000 },
  perEmail: { limit: 3, windowMs: 60 * 60_000 },
  perBlog: { limit: 100, windowMs: 60 * 60_000 },
} as const;

// Process-wide: the front's bundle and Next's route modules must count in the same place.
const limiters = () =>
  processWide('subscribe-limits', () => ({
    perIp: new RateLimiter(SUBSCRIBE_LIMITS.perIp.limit, SUBSCRIBE_LIMITS.perIp.windowMs),
    perEmail: new RateLimiter(SUBSCRIBE_LIMITS.perEmail.limit, SUBSCRIBE_LIMITS.perEmail.windowMs),
    perBlog: new RateLimiter(SUBSCRIBE_LIMITS.perBlog.limit, SUBSCRIBE_LIMITS.perBlog.windowMs),
  }));

/**
 * Counts one request against the address it came from, the email address, then the blog; throws
 * when one is over its limit. Counted before the list is looked at, whatever the reader's state,
 * so that a refusal says nothing about who is subscribed.
 */
export function countSubscribeRequest(ip: string, email: string, blog: string, now = Date.now()): void {
  const { perIp, perEmail, perBlog } = limiters();
  if (!perIp.attempt(ip, now)) {
    throw new TooManyRequests(
      'You have asked to subscribe several times in a short time. Please try again in {wait}.',
      perIp.retryAfter(ip, now),
    );
  }
  if (!perEmail.attempt(email, now)) {
    throw new TooManyRequests(
      'This address has been sent several confirmations in a short time. Please try again in {wait}.',
      perEmail.retryAfter(email, now),
    );
  }
  if (!perBlog.attempt(blog, now)) {
    throw new TooManyRequests(
      'This blog has received many subscriptions in a short time. Please try again in {wait}.',
      perBlog.retryAfter(blog, now),
    );
  }
}
