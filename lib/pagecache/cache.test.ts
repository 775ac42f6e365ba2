import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PageCache } from './cache';

const html = (n: number) => Buffer.from(`<!doctype html><p>${'x'.repeat(n)}</p>`);

describe('PageCache', () => {
  it('serves what it stored, with gzip and brotli forms of the same bytes', () => {
    const cache = new PageCache(1024 * 1024);
    const key = PageCache.key('alice', 1, '/');
    const body = html(2000);
    cache.store(key, body, 'text/html');
    const page = cache.get(key)!;
    if (page.kind !== 'page') throw new Error('a page was stored');
    expect(page.body.equals(body)).toBe(true);
    expect(gunzipSync(page.gzip).equals(body)).toBe(true);
    expect(brotliDecompressSync(page.brotli).equals(body)).toBe(true);
    expect(page.etag).toMatch(/^"[\w-]+"$/);
  });

  it('misses after the generation is bumped', () => {
    const cache = new PageCache(1024 * 1024);
    cache.store(PageCache.key('alice', 1, '/'), html(10), 'text/html');
    expect(cache.get(PageCache.key('alice', 2, '/'))).toBeUndefined();
    expect(cache.get(PageCache.key('bob', 1, '/'))).toBeUndefined();
  });

  it('keeps its total size under the byte bound', () => {
    const bound = 64 * 1024;
    const cache = new PageCache(bound);
    for (let i = 0; i < 200; i++) {
      // Random-ish content so compression cannot make the pages tiny.
      const body = Buffer.from(Array.from({ length: 4000 }, () => Math.random().toString(36)[2]).join(''));
      cache.store(PageCache.key('alice', 1, `/posts/${i}`), body, 'text/html');
      expect(cache.stats().bytes).toBeLessThanOrEqual(bound);
    }
    expect(cache.stats().entries).toBeGreaterThan(0);
    expect(cache.get(PageCache.key('alice', 1, '/posts/199'))).toBeDefined();
    expect(cache.get(PageCache.key('alice', 1, '/posts/0'))).toBeUndefined();
  });

  it('does not keep a page bigger than a quarter of the bound', () => {
    const cache = new PageCache(16 * 1024);
    const body = Buffer.from(Array.from({ length: 20_000 }, () => Math.random().toString(36)[2]).join(''));
    cache.store(PageCache.key('alice', 1, '/big'), body, 'text/html');
    expect(cache.get(PageCache.key('alice', 1, '/big'))).toBeUndefined();
  });

  it('keeps a redirect under the same keys, retired by a bump like a page', () => {
    const cache = new PageCache(1024 * 1024);
    cache.storeRedirect(PageCache.key('alice', 1, '/posts/old'), '/posts/new');
    expect(cache.get(PageCache.key('alice', 1, '/posts/old'))).toEqual({ kind: 'redirect', location: '/posts/new' });
    expect(cache.get(PageCache.key('alice', 2, '/posts/old'))).toBeUndefined();
    expect(cache.stats()).toMatchObject({ entries: 1, hits: 1, misses: 1 });
    expect(cache.stats().bytes).toBeLessThan(400);
  });

  it('counts hits and misses', () => {
    const cache = new PageCache(1024 * 1024);
    cache.store(PageCache.key('a', 1, '/'), html(1), 'text/html');
    cache.get(PageCache.key('a', 1, '/'));
    cache.get(PageCache.key('a', 1, '/nope'));
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, entries: 1 });
  });
});
