import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { PageCache } from './cache';
import { openPageStore } from './store';

const html = (n: number) => Buffer.from(`<!doctype html><p>${'x'.repeat(n)}</p>`);
/** Random-ish content so compression cannot make the pages tiny. */
const noise = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.random().toString(36)[2]).join(''));
const at = (slug: string, generation: number | string, url: string) => ({ slug, generation: String(generation), url });

const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-pagestore-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

describe('PageCache in memory', () => {
  it('serves what it stored, as gzip and brotli forms of the same bytes', async () => {
    const cache = new PageCache(1024 * 1024);
    const body = html(2000);
    await cache.store(at('alice', 1, '/'), body, 'text/html');
    const page = cache.get(at('alice', 1, '/'))!;
    if (page.kind !== 'page') throw new Error('a page was stored');
    expect(gunzipSync(page.gzip).equals(body)).toBe(true);
    expect(brotliDecompressSync(page.brotli).equals(body)).toBe(true);
    expect(page.etag).toMatch(/^"[\w-]+"$/);
  });

  it('adds the plain page in memory, counted in its bound, for a client that takes no compression', async () => {
    const cache = new PageCache(1024 * 1024);
    const body = noise(3000);
    const stored = await cache.store(at('alice', 1, '/'), body, 'text/html');
    const before = cache.stats().bytes;
    const plain = cache.withIdentity(at('alice', 1, '/'), stored);
    expect(plain.identity?.equals(body)).toBe(true);
    expect(cache.stats().bytes).toBe(before + body.length);
    expect(cache.get(at('alice', 1, '/'))).toBe(plain);
  });

  it('misses after the generation is bumped', async () => {
    const cache = new PageCache(1024 * 1024);
    await cache.store(at('alice', 1, '/'), html(10), 'text/html');
    expect(cache.get(at('alice', 2, '/'))).toBeUndefined();
    expect(cache.get(at('bob', 1, '/'))).toBeUndefined();
  });

  it('keeps its total size under the byte bound', async () => {
    const bound = 64 * 1024;
    const cache = new PageCache(bound);
    for (let i = 0; i < 100; i++) {
      await cache.store(at('alice', 1, `/posts/${i}`), noise(4000), 'text/html');
      expect(cache.stats().bytes).toBeLessThanOrEqual(bound);
    }
    expect(cache.stats().entries).toBeGreaterThan(0);
    expect(cache.get(at('alice', 1, '/posts/99'))).toBeDefined();
    expect(cache.get(at('alice', 1, '/posts/0'))).toBeUndefined();
  });

  it('does not keep a page bigger than a quarter of the bound', async () => {
    const cache = new PageCache(16 * 1024);
    await cache.store(at('alice', 1, '/big'), noise(20_000), 'text/html');
    expect(cache.get(at('alice', 1, '/big'))).toBeUndefined();
  });

  it('keeps a redirect under the same keys, retired by a bump like a page', () => {
    const cache = new PageCache(1024 * 1024);
    cache.storeRedirect(at('alice', 1, '/posts/old'), '/posts/new');
    expect(cache.get(at('alice', 1, '/posts/old'))).toEqual({ kind: 'redirect', location: '/posts/new' });
    expect(cache.get(at('alice', 2, '/posts/old'))).toBeUndefined();
    expect(cache.stats()).toMatchObject({ entries: 1, hits: 1, misses: 1 });
    expect(cache.stats().bytes).toBeLessThan(400);
  });
});

describe('PageCache with its disk store', () => {
  it('answers from disk what memory evicted, and from disk after a restart', async () => {
    const dir = tempDir();
    const cache = new PageCache(64 * 1024, openPageStore(dir, 'build-1', 64 * 1024 * 1024));
    const bodies = Array.from({ length: 60 }, () => noise(8000));
    for (const [i, body] of bodies.entries()) await cache.store(at('alice', 1, `/posts/${i}`), body, 'text/html');
    cache.storeRedirect(at('alice', 1, '/old'), '/new');
    const first = cache.get(at('alice', 1, '/posts/0'));
    expect(first?.kind === 'page' && gunzipSync(first.gzip).equals(bodies[0]!)).toBe(true);
    expect(cache.stats()).toMatchObject({ hits: 1, diskHits: 1 });
    cache.close();

    const again = new PageCache(64 * 1024, openPageStore(dir, 'build-1', 64 * 1024 * 1024));
    for (const [i, body] of bodies.entries()) {
      const page = again.get(at('alice', 1, `/posts/${i}`));
      expect(page?.kind === 'page' && brotliDecompressSync(page.brotli).equals(body)).toBe(true);
    }
    expect(again.get(at('alice', 1, '/old'))).toEqual({ kind: 'redirect', location: '/new' });
    expect(again.stats()).toMatchObject({ diskHits: 61, misses: 0 });
    again.close();
  });

  it('forgets a page of an older generation when asked for it, freeing its bytes', async () => {
    const store = openPageStore(tempDir(), 'build-1', 64 * 1024 * 1024);
    const cache = new PageCache(1024 * 1024, store);
    await cache.store(at('alice', 1, '/'), noise(4000), 'text/html');
    const before = store.stats();
    expect(before.entries).toBe(1);
    expect(new PageCache(1024 * 1024, store).get(at('alice', 2, '/'))).toBeUndefined();
    expect(store.stats()).toEqual({ entries: 0, bytes: 0 });
    cache.close();
  });

  it('stays under its byte bound on disk, dropping the pages stored longest ago', async () => {
    const bound = 256 * 1024;
    const store = openPageStore(tempDir(), 'build-1', bound);
    const cache = new PageCache(32 * 1024, store);
    for (let i = 0; i < 80; i++) {
      await cache.store(at('alice', 1, `/posts/${i}`), noise(6000), 'text/html');
      expect(store.stats().bytes).toBeLessThanOrEqual(bound);
    }
    const fresh = new PageCache(32 * 1024, store);
    expect(fresh.get(at('alice', 1, '/posts/79'))).toBeDefined();
    expect(fresh.get(at('alice', 1, '/posts/0'))).toBeUndefined();
    cache.close();
  });

  it('starts a new file for a new build and deletes the old ones', async () => {
    const dir = tempDir();
    const old = new PageCache(1024 * 1024, openPageStore(dir, 'build-1', 1024 * 1024));
    await old.store(at('alice', 1, '/'), html(100), 'text/html');
    old.close();
    const next = new PageCache(1024 * 1024, openPageStore(dir, 'build-2', 1024 * 1024));
    expect(next.get(at('alice', 1, '/'))).toBeUndefined();
    expect(fs.readdirSync(dir).filter((name) => name.includes('build-1'))).toEqual([]);
    next.close();
  });

  it('starts over from a damaged file rather than failing', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'pages-build-1.db'), 'not a database at all, just text that is long enough'.repeat(100));
    const cache = new PageCache(1024 * 1024, openPageStore(dir, 'build-1', 1024 * 1024));
    expect(cache.get(at('alice', 1, '/'))).toBeUndefined();
    cache.close();
  });
});
