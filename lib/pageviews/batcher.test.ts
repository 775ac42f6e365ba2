import { describe, expect, it, vi } from 'vitest';
import { PageviewBatcher, type Beacon } from './batcher';
import { utcDay, visitorHash } from './visitor';

const beacon = (over: Partial<Beacon> = {}): Beacon => ({ blog: 'a', postId: 1, day: '2026-11-21', visitor: 'v1', ...over });

describe('PageviewBatcher', () => {
  it('sums views per blog, page and day, and counts each reader once per page and per blog', () => {
    const batcher = new PageviewBatcher({ maxPendingKeys: 1000, maxSeen: 1000 });
    batcher.record(beacon());
    batcher.record(beacon());
    batcher.record(beacon({ visitor: 'v2' }));
    batcher.record(beacon({ postId: 2 }));
    batcher.record(beacon({ blog: 'b' }));
    const taken = batcher.take();
    const a = taken.get('a')!;
    expect(a.pages.get('2026-11-21|1')).toEqual({ views: 3, uniques: 2 });
    expect(a.pages.get('2026-11-21|2')).toEqual({ views: 1, uniques: 1 });
    expect(a.visitors.get('2026-11-21')).toBe(2); // v1 read two posts: one reader of the blog
    expect(taken.get('b')!.pages.get('2026-11-21|1')).toEqual({ views: 1, uniques: 1 });
    expect(batcher.snapshot().pendingKeys).toBe(0);
  });

  it('does not count a reader twice across flushes on the same day', () => {
    const batcher = new PageviewBatcher({ maxPendingKeys: 1000, maxSeen: 1000 });
    batcher.record(beacon());
    batcher.take();
    batcher.record(beacon());
    expect(batcher.take().get('a')!.pages.get('2026-11-21|1')).toEqual({ views: 1, uniques: 0 });
  });

  it('counts referrer hosts', () => {
    const batcher = new PageviewBatcher({ maxPendingKeys: 1000, maxSeen: 1000 });
    batcher.record(beacon({ referrerHost: 'news.example' }));
    batcher.record(beacon({ referrerHost: 'news.example', visitor: 'v3' }));
    expect(batcher.take().get('a')!.referrers.get('2026-11-21|news.example')).toBe(2);
  });

  it('asks for an early flush once pending keys pass the bound', () => {
    const onPressure = vi.fn();
    // Keys: one per page and day, one per blog and day for readers, one per referrer and day.
    const batcher = new PageviewBatcher({ maxPendingKeys: 4, maxSeen: 1000, onPressure });
    for (let post = 1; post <= 3; post++) batcher.record(beacon({ postId: post }));
    expect(batcher.snapshot().pendingKeys).toBe(4);
    expect(onPressure).not.toHaveBeenCalled();
    batcher.record(beacon({ postId: 4 }));
    expect(onPressure).toHaveBeenCalled();
  });

  it('gives a failed batch back, added to what arrived meanwhile', () => {
    const batcher = new PageviewBatcher({ maxPendingKeys: 1000, maxSeen: 1000 });
    batcher.record(beacon());
    const failed = batcher.take().get('a')!;
    batcher.record(beacon({ visitor: 'v9' }));
    batcher.restore('a', failed);
    const again = batcher.take().get('a')!;
    expect(again.pages.get('2026-11-21|1')).toEqual({ views: 2, uniques: 2 });
    expect(again.visitors.get('2026-11-21')).toBe(2);
  });

  it('starts a new day with nobody seen (day rollover)', () => {
    const batcher = new PageviewBatcher({ maxPendingKeys: 1000, maxSeen: 1000 });
    batcher.record(beacon({ day: '2026-11-21' }));
    batcher.rollOver('2026-11-22');
    batcher.record(beacon({ day: '2026-11-22' }));
    const taken = batcher.take().get('a')!;
    expect(taken.pages.get('2026-11-21|1')).toEqual({ views: 1, uniques: 1 });
    expect(taken.pages.get('2026-11-22|1')).toEqual({ views: 1, uniques: 1 });
  });

  it('overcounts readers rather than grow past its memory bound', () => {
    const batcher = new PageviewBatcher({ maxPendingKeys: 1000, maxSeen: 2 });
    batcher.record(beacon());
    batcher.record(beacon()); // seen set is full after the first beacon's two keys
    expect(batcher.take().get('a')!.pages.get('2026-11-21|1')).toEqual({ views: 2, uniques: 1 });
  });
});

describe('visitorHash', () => {
  it('is stable within a day and unlinkable across days', () => {
    const today = utcDay(Date.UTC(2026, 10, 21, 12));
    const tomorrow = utcDay(Date.UTC(2026, 10, 22, 0, 0, 1));
    expect(today).toBe('2026-11-21');
    const a = visitorHash('1.2.3.4', 'UA', 'blog', today);
    expect(visitorHash('1.2.3.4', 'UA', 'blog', today)).toBe(a);
    expect(visitorHash('1.2.3.4', 'UA', 'other', today)).not.toBe(a);
    expect(visitorHash('1.2.3.4', 'UA', 'blog', tomorrow)).not.toBe(a);
    expect(a).not.toContain('1.2.3.4');
  });
});
