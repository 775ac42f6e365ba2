import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit';

describe('RateLimiter', () => {
  it('allows up to the limit in a window, then refuses with a wait', () => {
    const limiter = new RateLimiter(3, 60_000);
    const t = 1_000_000;
    expect([1, 2, 3].map(() => limiter.attempt('ip', t))).toEqual([true, true, true]);
    expect(limiter.attempt('ip', t + 10)).toBe(false);
    expect(limiter.retryAfter('ip', t + 10)).toBe(60_000 - 10);
  });

  it('counts keys apart', () => {
    const limiter = new RateLimiter(1, 60_000);
    expect(limiter.attempt('a', 0)).toBe(true);
    expect(limiter.attempt('b', 0)).toBe(true);
    expect(limiter.attempt('a', 0)).toBe(false);
  });

  it('opens again when the window has passed, or on reset', () => {
    const limiter = new RateLimiter(1, 1000);
    limiter.attempt('k', 0);
    expect(limiter.attempt('k', 500)).toBe(false);
    expect(limiter.attempt('k', 1000)).toBe(true);
    limiter.attempt('k', 1001);
    limiter.reset('k');
    expect(limiter.attempt('k', 1002)).toBe(true);
  });
});
