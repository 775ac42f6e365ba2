import { createHash } from 'node:crypto';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { LRUCache } from 'lru-cache';

/** A rendered page kept in memory with its compressed forms, computed once when stored. */
export type CachedPage = {
  kind: 'page';
  body: Buffer;
  gzip: Buffer;
  brotli: Buffer;
  etag: string;
  contentType: string;
};

/** A moved address (lib/posts/redirects.ts): its 301 is answered from memory like a page. */
export type CachedRedirect = { kind: 'redirect'; location: string };

export type CachedEntry = CachedPage | CachedRedirect;

/** The process-wide key of the front's cache (read by the health and metrics routes). */
export const PAGE_CACHE_KEY = 'page-cache';

export type PageCacheStats = { hits: number; misses: number; entries: number; bytes: number };

/**
 * Whole-response cache (pages, feeds, …), bounded in bytes (all three encodings count). Keys carry the blog's
 * generation, so a bump makes old entries unreachable; the LRU then ages them out.
 */
export class PageCache {
  private readonly pages: LRUCache<string, CachedEntry>;
  private hits = 0;
  private misses = 0;

  constructor(maxBytes: number) {
    this.pages = new LRUCache<string, CachedEntry>({
      maxSize: maxBytes,
      maxEntrySize: Math.max(1, Math.floor(maxBytes / 4)),
      sizeCalculation: (entry, key) =>
        (entry.kind === 'page' ? entry.body.length + entry.gzip.length + entry.brotli.length : entry.location.length) + key.length + 200,
    });
  }

  static key(slug: string, generation: number, url: string): string {
    return `${slug}\n${generation}\n${url}`;
  }

  get(key: string): CachedEntry | undefined {
    const page = this.pages.get(key);
    if (page) this.hits++;
    else this.misses++;
    return page;
  }

  store(key: string, body: Buffer, contentType: string): CachedPage {
    const page: CachedPage = {
      kind: 'page',
      body,
      gzip: exactCopy(gzipSync(body, { level: 6 })),
      brotli: exactCopy(brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 5 } })),
      etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`,
      contentType,
    };
    this.pages.set(key, page);
    return page;
  }

  storeRedirect(key: string, location: string): CachedRedirect {
    const redirect: CachedRedirect = { kind: 'redirect', location };
    this.pages.set(key, redirect);
    return redirect;
  }

  stats(): PageCacheStats {
    return { hits: this.hits, misses: this.misses, entries: this.pages.size, bytes: this.pages.calculatedSize };
  }
}

/**
 * zlib returns small slices of a 16 KiB buffer: kept as they are, a 3 KB page would hold 16 KB
 * and the byte bound would count a fifth of what the cache really keeps.
 */
function exactCopy(slice: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(slice.length);
  slice.copy(copy);
  return copy;
}
