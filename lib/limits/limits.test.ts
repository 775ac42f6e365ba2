import { describe, expect, it } from 'vitest';
import { FailureBackoff, RateLimiter, TooManyRequests } from './index';

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

describe('FailureBackoff', () => {
  it('lets the free failures through, then doubles the wait, up to the most', () => {
    const backoff = new FailureBackoff(2, 8_000, 60_000);
    const t = 1_000_000;
    backoff.fail('k', t);
    backoff.fail('k', t);
    expect(backoff.waitMs('k', t)).toBe(0);
    backoff.fail('k', t);
    expect(backoff.waitMs('k', t)).toBe(1000);
    backoff.fail('k', t + 1000);
    expect(backoff.waitMs('k', t + 1000)).toBe(2000);
    for (let i = 0; i < 10; i++) backoff.fail('k', t + 2000);
    expect(backoff.waitMs('k', t + 2000)).toBe(8000);
  });

  it('forgets a key that stopped failing, and clears it on success', () => {
    const backoff = new FailureBackoff(0, 8_000, 60_000);
    backoff.fail('k', 0);
    expect(backoff.waitMs('k', 0)).toBe(1000);
    expect(backoff.waitMs('k', 60_000)).toBe(0);
    backoff.fail('k', 60_000);
    expect(backoff.waitMs('k', 60_000)).toBe(1000);
    backoff.succeed('k');
    expect(backoff.waitMs('k', 60_000)).toBe(0);
    expect(backoff.waitMs('other', 0)).toBe(0);
  });
});

describe('TooManyRequests', () => {
  it('says how long to wait, in words and for Retry-After', () => {
    const error = new TooManyRequests('Try again in {wait}.', 90_500);
    expect(error.status).toBe(429);
    expect(error.message).toBe('Try again in 2 minutes.');
    expect(error.retryAfterSeconds).toBe(91);
  });
});
