/**
 * Pageviews summed in memory until the next flush (docs/architecture.md, "Pageviews"): per
 * blog, the views and new distinct readers of each page per day, the blog's new distinct readers
 * per day, and the views arriving from each referring host. Only counts leave this object; the
 * visitor hashes it remembers to tell readers apart stay in memory and are gone by the next day.
 */
export type Beacon = {
  blog: string;
  /** 0 for the blog's home page. */
  postId: number;
  /** YYYY-MM-DD, UTC. */
  day: string;
  /** A salted hash standing for one reader on one day; never stored. */
  visitor: string;
  referrerHost?: string;
};

type PageCount = { views: number; uniques: number };

export type BlogBatch = {
  /** `${day}|${postId}` → counts */
  pages: Map<string, PageCount>;
  /** day → new distinct readers of the whole blog */
  visitors: Map<string, number>;
  /** `${day}|${host}` → views */
  referrers: Map<string, number>;
};

export type BatcherStats = {
  pendingKeys: number;
  pendingViews: number;
  flushedViews: number;
  flushes: number;
  failedFlushes: number;
  lastFlushAt: number | null;
  lastError: string | null;
};

const emptyBatch = (): BlogBatch => ({ pages: new Map(), visitors: new Map(), referrers: new Map() });

export class PageviewBatcher {
  private pending = new Map<string, BlogBatch>();
  private keys = 0;
  private views = 0;
  /** day → visitor keys seen that day (`blog|post|visitor` and `blog||visitor`). */
  private seen = new Map<string, Set<string>>();
  private seenCount = 0;
  readonly stats = { flushedViews: 0, flushes: 0, failedFlushes: 0, lastFlushAt: null as number | null, lastError: null as string | null };

  constructor(
    private readonly options: {
      /** Pending keys that make the batcher ask for an early flush. */
      maxPendingKeys: number;
      /** Visitor keys remembered at most; beyond it, readers count as new (an overcount, never a leak). */
      maxSeen: number;
      onPressure?: () => void;
    },
  ) {}

  record(beacon: Beacon): void {
    let batch = this.pending.get(beacon.blog);
    if (!batch) {
      batch = emptyBatch();
      this.pending.set(beacon.blog, batch);
    }
    const pageKey = `${beacon.day}|${beacon.postId}`;
    let page = batch.pages.get(pageKey);
    if (!page) {
      page = { views: 0, uniques: 0 };
      batch.pages.set(pageKey, page);
      this.keys++;
    }
    page.views++;
    this.views++;
    if (this.firstSighting(beacon.day, `${beacon.blog}|${beacon.postId}|${beacon.visitor}`)) page.uniques++;
    if (this.firstSighting(beacon.day, `${beacon.blog}||${beacon.visitor}`)) {
      if (!batch.visitors.has(beacon.day)) this.keys++;
      batch.visitors.set(beacon.day, (batch.visitors.get(beacon.day) ?? 0) + 1);
    }
    if (beacon.referrerHost) {
      const refKey = `${beacon.day}|${beacon.referrerHost}`;
      if (!batch.referrers.has(refKey)) this.keys++;
      batch.referrers.set(refKey, (batch.referrers.get(refKey) ?? 0) + 1);
    }
    if (this.keys > this.options.maxPendingKeys) this.options.onPressure?.();
  }

  /** Hands over everything pending, leaving the batcher empty. */
  take(): Map<string, BlogBatch> {
    const taken = this.pending;
    this.pending = new Map();
    this.keys = 0;
    this.views = 0;
    return taken;
  }

  /** Puts a blog's batch back after its flush failed, adding to what arrived meanwhile. */
  restore(blog: string, batch: BlogBatch): void {
    let into = this.pending.get(blog);
    if (!into) {
      into = emptyBatch();
      this.pending.set(blog, into);
    }
    for (const [key, count] of batch.pages) {
      const existing = into.pages.get(key);
      if (existing) {
        existing.views += count.views;
        existing.uniques += count.uniques;
      } else {
        into.pages.set(key, { ...count });
        this.keys++;
      }
      this.views += count.views;
    }
    for (const [day, n] of batch.visitors) {
      if (!into.visitors.has(day)) this.keys++;
      into.visitors.set(day, (into.visitors.get(day) ?? 0) + n);
    }
    for (const [key, n] of batch.referrers) {
      if (!into.referrers.has(key)) this.keys++;
      into.referrers.set(key, (into.referrers.get(key) ?? 0) + n);
    }
  }

  /** Forgets the readers of days before `today`: uniques are per day. */
  rollOver(today: string): void {
    for (const [day, set] of this.seen) {
      if (day < today) {
        this.seenCount -= set.size;
        this.seen.delete(day);
      }
    }
  }

  snapshot(): BatcherStats {
    return { pendingKeys: this.keys, pendingViews: this.views, ...this.stats };
  }

  private firstSighting(day: string, key: string): boolean {
    let set = this.seen.get(day);
    if (!set) {
      set = new Set();
      this.seen.set(day, set);
    }
    if (set.has(key)) return false;
    if (this.seenCount < this.options.maxSeen) {
      set.add(key);
      this.seenCount++;
    }
    return true;
  }
}
