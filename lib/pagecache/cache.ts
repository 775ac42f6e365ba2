import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gunzipSync, gzip } from 'node:zlib';
import { LRUCache } from 'lru-cache';
import type { PageLocation, PageStore } from './store';

/**
 * A rendered page with its compressed forms, computed once when stored. Only the compressed
 * forms are stored (browsers and crawlers ask for one); the plain page is added in memory the
 * first time a client that accepts neither asks for it (`withIdentity`).
 */
export type CachedPage = {
  kind: 'page';
  gzip: Buffer;
  brotli: Buffer;
  identity?: Buffer;
  etag: string;
  contentType: string;
};

/** A moved address (lib/posts/redirects.ts): its 301 is answered from memory like a page. */
export type CachedRedirect = { kind: 'redirect'; location: string };

export type CachedEntry = CachedPage | CachedRedirect;

/** The process-wide key of the front's cache (read by the health and metrics routes). */
export const PAGE_CACHE_KEY = 'page-cache';

export type PageCacheStats = {
  hits: number;
  /** Of the hits, those read from disk. */
  diskHits: number;
  misses: number;
  entries: number;
  bytes: number;
  disk?: { entries: number; bytes: number };
};

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/**
 * Whole-response cache (pages, feeds, …) in two tiers: memory, bounded in bytes, in front of an
 * optional disk store (./store.ts). Keys carry the blog's generation, so a bump makes old entries
 * unreachable; the LRU then ages them out.
 */
export class PageCache {
  private readonly pages: LRUCache<string, CachedEntry>;
  /** Pages being compressed: a request for one meanwhile waits for it rather than rendering again. */
  private readonly compressing = new Map<string, Promise<CachedPage>>();
  private hits = 0;
  private diskHits = 0;
  private misses = 0;

  constructor(
    maxBytes: number,
    private readonly disk?: PageStore,
  ) {
    this.pages = new LRUCache<string, CachedEntry>({
      maxSize: maxBytes,
      maxEntrySize: Math.max(1, Math.floor(maxBytes / 4)),
      sizeCalculation: (entry, key) =>
        (entry.kind === 'page' ? entry.gzip.length + entry.brotli.length + (entry.identity?.length ?? 0) : entry.location.length) +
        key.length +
        200,
    });
  }

  get(at: PageLocation): CachedEntry | undefined {
    const key = memoryKey(at);
    let entry = this.pages.get(key);
    if (!entry && this.disk) {
      entry = this.readDisk(at);
      if (entry) {
        this.diskHits++;
        this.pages.set(key, entry);
      }
    }
    if (entry) this.hits++;
    else this.misses++;
    return entry;
  }

  /**
   * The page with its plain form, for a client that accepts no compression: inflated once and
   * kept beside the compressed forms in memory (counted in the bound), never on disk.
   */
  withIdentity(at: PageLocation, page: CachedPage): CachedPage {
    if (page.identity) return page;
    const withPlain: CachedPage = { ...page, identity: gunzipSync(page.gzip) };
    this.pages.set(memoryKey(at), withPlain);
    return withPlain;
  }

  /** A page stored a moment ago whose compression has not finished, if any. */
  compressed(at: PageLocation): Promise<CachedPage> | undefined {
    return this.compressing.get(memoryKey(at));
  }

  /** Compresses off the main thread (zlib's thread pool), then keeps the page in both tiers. */
  store(at: PageLocation, body: Buffer, contentType: string): Promise<CachedPage> {
    const key = memoryKey(at);
    const page = this.compress(at, body, contentType).finally(() => this.compressing.delete(key));
    this.compressing.set(key, page);
    return page;
  }

  private async compress(at: PageLocation, body: Buffer, contentType: string): Promise<CachedPage> {
    const [gzipped, brotli] = await Promise.all([
      gzipAsync(body, { level: 6 }),
      brotliAsync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 5, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } }),
    ]);
    const page: CachedPage = {
      kind: 'page',
      gzip: exactCopy(gzipped),
      brotli: exactCopy(brotli),
      etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`,
      contentType,
    };
    this.keep(at, page);
    return page;
  }

  storeRedirect(at: PageLocation, location: string): CachedRedirect {
    const redirect: CachedRedirect = { kind: 'redirect', location };
    this.keep(at, redirect);
    return redirect;
  }

  stats(): PageCacheStats {
    return {
      hits: this.hits,
      diskHits: this.diskHits,
      misses: this.misses,
      entries: this.pages.size,
      bytes: this.pages.calculatedSize,
      disk: this.disk?.stats(),
    };
  }

  close(): void {
    this.disk?.close();
  }

  private keep(at: PageLocation, entry: CachedEntry): void {
    this.pages.set(memoryKey(at), entry);
    try {
      this.disk?.put(at, entry);
    } catch (error) {
      // The disk tier is a cache: a full or damaged disk costs renders, never a request.
      console.error('[quire] page store: could not write:', (error as Error).message);
    }
  }

  private readDisk(at: PageLocation): CachedEntry | undefined {
    try {
      return this.disk?.get(at);
    } catch (error) {
      console.error('[quire] page store: could not read:', (error as Error).message);
      return undefined;
    }
  }
}

function memoryKey(at: PageLocation): string {
  return `${at.slug}\n${at.generation}\n${at.url}`;
}

/**
 * zlib returns small slices of a 16 KiB buffer: kept as they are, a 3 KB page would hold 16 KB
 * and the byte bound would count a fifth of what the cache really keeps.
 */
function exactCopy(slice: Buffer): Buffer {
  if (slice.byteOffset === 0 && slice.buffer.byteLength === slice.length) return slice;
  const copy = Buffer.allocUnsafeSlow(slice.length);
  slice.copy(copy);
  return copy;
}
