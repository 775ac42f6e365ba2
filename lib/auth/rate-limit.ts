import { processWide } from '@/lib/process/shared';

/**
 * Fixed-window attempt counters in memory: enough to slow password guessing from one address
 * or against one account. (Counts reset on restart; a lost window only helps one guesser once.)
 */
export class RateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Counts an attempt; false when the key is over its limit for this window. */
  attempt(key: string, now = Date.now()): boolean {
    this.sweep(now);
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

  private sweep(now: number): void {
    if (this.windows.size < 10_000) return;
    for (const [key, window] of this.windows) if (now >= window.resetAt) this.windows.delete(key);
  }
}

/** Log-in limits: 20 tries per IP and 8 per account every 15 minutes. */
export const loginLimits = () =>
  processWide('login-limits', () => ({
    perIp: new RateLimiter(20, 15 * 60_000),
    perAccount: new RateLimiter(8, 15 * 60_000),
  }));
