import { Parser } from 'htmlparser2';
import MarkdownIt from 'markdown-it';
import { config } from '@/lib/config';
import type { TenantHandle } from '@/lib/db/pool';
import { InputError } from '@/lib/input';
import { processImage } from '@/lib/media/image';
import { mediaPath, storeImage, uploadFilename } from '@/lib/media/media';
import { FetchRefused, fetchPublic } from './safe-fetch';
import { IMPORT_LIMITS, type ImportedItem, type ImportSource } from './source';

/**
 * The images an imported post shows, brought into the blog file (docs/architecture.md, "Moving
 * in"): from the export itself when it carries them (a zip), else fetched from their absolute
 * URL through `fetchPublic` (public addresses only, bounded in size and time), then checked,
 * cleaned and stored exactly as an upload is. Each URL is fetched once per import. An image that
 * cannot be had is listed in the report, and the post keeps its original URL.
 */

/** Image URLs as written in an item's HTML (`<img src>`), in order, without repeats. */
export function imageUrlsInHtml(html: string): string[] {
  const found = new Set<string>();
  const parser = new Parser({
    onopentag(name, attributes) {
      if (name === 'img' && attributes.src) found.add(attributes.src.trim());
    },
  });
  parser.write(html);
  parser.end();
  return [...found].filter(Boolean);
}

const markdownParser = new MarkdownIt({ html: true });

/** Image URLs as written in Markdown: `![alt](url)` and `<img src>` in its HTML. */
export function imageUrlsInMarkdown(markdown: string): string[] {
  const found = new Set<string>();
  const visit = (tokens: ReturnType<typeof markdownParser.parse>) => {
    for (const token of tokens) {
      if (token.type === 'image') found.add(String(token.attrGet('src') ?? ''));
      if (token.type === 'html_block' || token.type === 'html_inline') for (const url of imageUrlsInHtml(token.content)) found.add(url);
      if (token.children) visit(token.children);
    }
  };
  visit(markdownParser.parse(markdown, {}));
  found.delete('');
  return [...found];
}

/**
 * The images' new addresses written in: one pass over the text, replacing a URL only where it
 * stands whole between the quotes of an attribute or the parentheses of a Markdown link — as
 * written, or as HTML escapes it (`&amp;`) — so other text that happens to contain it is left
 * alone. A link to the full-size image (`<a href>` of the same URL) follows it too.
 */
export function replaceUrls(text: string, moved: Map<string, string>): string {
  if (moved.size === 0) return text;
  return text.replace(/(["'(])([^"'()\s]+)(?=["')\s])/g, (whole, open: string, url: string) => {
    const to = moved.get(url) ?? moved.get(url.replaceAll('&amp;', '&'));
    return to === undefined ? whole : open + to;
  });
}

/**
 * Which image a URL names, for bringing each in once: an absolute URL is the same image in
 * every post; a relative one is relative to its post's file (Hugo's bundles each have a
 * `cover.png`), so it is the post's own.
 */
export function imageKey(url: string, item: Pick<ImportedItem, 'sourceId'>): string {
  return /^(https?:)?\/\//i.test(url) ? url : `${item.sourceId}\u0000${url}`;
}

export type ImageFailure = { url: string; where: string; reason: string };

/** Where an image URL is to be had, or why it is not. */
export type ImageOrigin = { from: 'export' } | { from: 'web'; url: string } | { from: 'nowhere'; reason: string };

/** Tells, without fetching anything, where an image would come from (for the dry run too). */
export function imageOrigin(url: string, siteUrl: string | undefined, inExport: boolean): ImageOrigin {
  if (inExport) return { from: 'export' };
  if (url.startsWith('data:')) return { from: 'nowhere', reason: 'images inside the text (data: URLs) are not kept' };
  const absolute = url.startsWith('//') ? `https:${url}` : url;
  if (/^https?:\/\//i.test(absolute)) return { from: 'web', url: absolute };
  if (siteUrl && url.startsWith('/') && URL.canParse(url, siteUrl)) return { from: 'web', url: new URL(url, siteUrl).href };
  return { from: 'nowhere', reason: 'the export does not include it' };
}

/** Images fetched at once: enough to hide a server's latency; few, as DNS look-ups and sharp share libuv's four threads. */
const FETCHES_AT_ONCE = 4;
const FETCH_TIMEOUT_MS = 20_000;

/**
 * Brings images into one blog file during an import: each URL once, several at a time,
 * `resolve` returning the blog's address of the image or undefined (the failure is recorded).
 */
export class ImageImporter {
  private readonly done = new Map<string, Promise<string | undefined>>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  readonly failures: ImageFailure[] = [];
  stored = 0;

  constructor(
    private readonly handle: TenantHandle,
    private readonly source: ImportSource,
  ) {}

  resolve(url: string, item: ImportedItem): Promise<string | undefined> {
    const key = imageKey(url, item);
    let result = this.done.get(key);
    if (!result) {
      result = this.limited(() => this.bring(url, item));
      this.done.set(key, result);
    }
    return result;
  }

  private async limited<T>(work: () => Promise<T>): Promise<T> {
    while (this.running >= FETCHES_AT_ONCE) await new Promise<void>((go) => this.waiting.push(go));
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  private async bring(url: string, item: ImportedItem): Promise<string | undefined> {
    const where = `${item.kind === 'page' ? 'Page' : 'Post'} “${item.title.slice(0, 80)}”`;
    const maxBytes = config().mediaMaxBytes;
    try {
      if (this.done.size > IMPORT_LIMITS.images)
        throw new FetchRefused(`an import brings at most ${IMPORT_LIMITS.images.toLocaleString('en')} images`);
      let bytes = await this.source.localFile?.(url, item);
      const origin = imageOrigin(url, this.source.site.url, bytes !== undefined);
      let name = url;
      if (origin.from === 'nowhere') throw new FetchRefused(origin.reason);
      if (origin.from === 'web') {
        const fetched = await fetchPublic(origin.url, { maxBytes, timeoutMs: FETCH_TIMEOUT_MS, accept: 'image/*' });
        bytes = fetched.bytes;
        name = fetched.finalUrl;
      }
      const image = await processImage(bytes!, maxBytes);
      const filename = uploadFilename(fileNameOf(name), image.mime);
      const id = storeImage(this.handle, filename, image);
      this.stored++;
      return mediaPath(id, filename);
    } catch (error) {
      if (!(error instanceof FetchRefused || error instanceof InputError)) throw error;
      this.failures.push({ url: url.slice(0, 500), where, reason: (error as Error).message });
      return undefined;
    }
  }
}

function fileNameOf(url: string): string {
  const path = URL.canParse(url, 'http://quire.invalid') ? new URL(url, 'http://quire.invalid').pathname : url;
  const last = path.split('/').filter(Boolean).pop() ?? 'image';
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}
