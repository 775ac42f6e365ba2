import { HttpError } from '@/lib/http/errors';

/**
 * Counters in memory that slow down whatever anyone can repeat (log-in, sign-up, comments,
 * beacons). Counts reset on restart: a lost window helps one guesser once.
 */

/** Fixed-window attempt counters: at most `limit` attempts per key per window. */
export class RateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Counts an attempt; false when the key is over its limit for this window. */
  attempt(key: string, now = Date.now()): boolean {
    sweep(this.windows, (w) => now >= w.resetAt);
    const window = this.windows.get(key);
    if (!window || now >= window.resetAt) {
      this.windows.set(key, { count: 1, resetAt: now + this.windowMs });
      return true;
    }
    window.count++;
    return window.count <= this.limit;
  }

  /** Milliseconds until the key may try again (0 when it may now). */
  retryAfter(key: string, now = Date.now()): number {
    const window = this.windows.get(key);
    if (!window || now >= window.resetAt || window.count <= this.limit) return 0;
    return window.resetAt - now;
  }

  reset(key: string): void {
    this.windows.delete(key);
  }
}

/**
 * Failures back off instead of locking: `free` failures cost nothing, then each one doubles the
 * wait before the next try (1 s, 2 s, 4 s … up to `maxDelayMs`). A key that has not failed for
 * `forgetMs` starts over; a success clears it.
 */
export class FailureBackoff {
  private readonly keys = new Map<string, { failures: number; until: number; last: number }>();

  constructor(
    readonly free: number,
    readonly maxDelayMs: number,
    readonly forgetMs: number,
  ) {}

  /** Milliseconds the key must wait before it may try again (0 when it may now). */
  waitMs(key: string, now = Date.now()): number {
    const entry = this.keys.get(key);
    if (!entry || now - entry.last >= this.forgetMs) return 0;
    return Math.max(0, entry.until - now);
  }

  fail(key: string, now = Date.now()): void {
    sweep(this.keys, (e) => now - e.last >= this.forgetMs);
    const entry = this.keys.get(key);
    const failures = (entry && now - entry.last < this.forgetMs ? entry.failures : 0) + 1;
    const over = failures - this.free;
    const delay = over > 0 ? Math.min(this.maxDelayMs, 1000 * 2 ** (over - 1)) : 0;
    this.keys.set(key, { failures, until: now + delay, last: now });
  }

  succeed(key: string): void {
    this.keys.delete(key);
  }
}

/** Entries whose time has passed go once a table is large: memory stays bounded. */
function sweep<T>(table: Map<string, T>, expired: (entry: T) => boolean): void {
  if (table.size < 10_000) return;
  for (const [key, entry] of table) if (expired(entry)) table.delete(key);
}

/** A refusal with when to try again (routes send it as `Retry-After`). */
export class TooManyRequests extends HttpError {
  readonly retryAfterSeconds: number;

  constructor(message: string, waitMs: number) {
    super(429, message.replace('{wait}', formatWait(waitMs)));
    this.name = 'TooManyRequests';
    this.retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
  }
}

/** "1 second", "40 seconds", "3 minutes". */
function formatWait(ms: number): string {
  if (ms < 60_000) {
    const seconds = Math.max(1, Math.ceil(ms / 1000));
    return seconds === 1 ? '1 second' : `${seconds} seconds`;
  }
  const minutes = Math.ceil(ms / 60_000);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}
