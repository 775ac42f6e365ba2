import { DomUtils } from 'htmlparser2';
import { escapeHtml } from '@/lib/markdown/text';
import {
  descendants,
  findDescendant,
  hasClass,
  httpUrl,
  jsonAttribute,
  linkParagraph,
  parseHtml,
  renderHtml,
  textOf,
  type HtmlAction,
  type HtmlElement,
} from './html-dom';

/**
 * A Substack post's body (`posts/<id>.html`) with Substack's own markup made plain HTML:
 * images as figure/img/figcaption pointing at the original upload, subscribe and share buttons
 * gone, tweets and videos as links, footnotes as a numbered list at the end. What changed is
 * counted and said in `warnings`, one sentence per kind.
 */
export function cleanSubstackHtml(html: string, name: string): { html: string; warnings: string[] } {
  const cleaner = new Cleaner();
  const body = renderHtml(parseHtml(html, name), (element) => cleaner.decide(element));
  return { html: body + cleaner.footnoteList(), warnings: cleaner.warnings() };
}

/** Chrome around the post: the editor's and the web page's, never the author's words. */
const DROPPED_TAGS = new Set(['script', 'style', 'form', 'button', 'svg', 'input', 'select', 'textarea', 'noscript', 'template', 'source']);
const DROPPED_CLASSES = ['image-link-expand', 'paywall-jump', 'paywall', 'share-dialog', 'post-ufi', 'restack-image'];
const SUBSCRIBE_CLASSES = [
  'subscription-widget-wrap',
  'subscription-widget-wrap-editor',
  'subscription-widget',
  'subscribe-widget',
  'captioned-button-wrap',
  'captioned-button',
  'install-substack-app-embed',
];

type Tally = 'buttons' | 'tweets' | 'videos' | 'posts' | 'embeds' | 'uploads';
const TALLY_SENTENCES: Record<Tally, string> = {
  buttons: "Substack's subscribe and share buttons were dropped",
  tweets: 'Embedded posts from X (Twitter) became links',
  videos: 'Embedded videos became links',
  posts: 'Embedded Substack posts became links',
  embeds: 'Other embeds became links',
  uploads: 'Video and audio uploaded to Substack was dropped: the export does not carry it',
};

class Cleaner {
  private readonly counts = new Map<Tally, number>();
  private readonly footnotes: string[] = [];
  private inCaption = false;
  private inFootnote = false;

  decide(element: HtmlElement): HtmlAction {
    if (DROPPED_TAGS.has(element.name) || hasClass(element, ...DROPPED_CLASSES)) return 'drop';
    if (hasClass(element, ...SUBSCRIBE_CLASSES)) return this.count('buttons', 'drop');
    if (hasClass(element, 'button-wrapper')) return this.button(element);
    // Inside a caption or a footnote only plain markup is expected: no figures within figures.
    if (!this.inCaption && !this.inFootnote) {
      if (hasClass(element, 'captioned-image-container', 'image-gallery-embed')) return { html: this.figures(element) };
      if (hasClass(element, 'footnote') && element.name === 'div') return this.footnote(element);
    }
    if (element.name === 'picture' || element.name === 'img') return { html: imageTag(element) };
    if (hasClass(element, 'footnote-anchor')) return { html: `<sup>${escapeHtml(textOf(element).trim())}</sup>` };
    if (hasClass(element, 'tweet', 'twitter-embed')) return this.embed('tweets', tweetUrl(element));
    if (hasClass(element, 'youtube-wrap')) return this.embed('videos', youtubeUrl(element));
    if (hasClass(element, 'vimeo-wrap')) return this.embed('videos', vimeoUrl(element));
    if (hasClass(element, 'embedded-post-wrap', 'embedded-publication-wrap')) {
      const attrs = jsonAttribute(element, 'data-attrs');
      const url = httpUrl(attrs.url) ?? httpUrl(findDescendant(element, (e) => e.name === 'a')?.attribs.href);
      return this.embed('posts', url, typeof attrs.title === 'string' ? attrs.title : undefined);
    }
    if (hasClass(element, 'native-video-embed', 'native-audio-embed')) return this.count('uploads', 'drop');
    if (
      element.name === 'iframe' ||
      hasClass(element, 'spotify-wrap', 'soundcloud-wrap', 'apple-podcast-container', 'instagram', 'tiktok-wrap', 'bluesky-wrap')
    ) {
      const url = httpUrl(element.attribs.src) ?? httpUrl(jsonAttribute(element, 'data-attrs').url);
      return this.embed('embeds', url);
    }
    return 'keep';
  }

  warnings(): string[] {
    return [...this.counts].map(([kind, n]) => `${TALLY_SENTENCES[kind]} (${n.toLocaleString('en')}).`);
  }

  /** The footnotes met in the body, as the numbered list Markdown can keep. */
  footnoteList(): string {
    return this.footnotes.length === 0 ? '' : `<hr><ol>${this.footnotes.map((note) => `<li>${note}</li>`).join('')}</ol>`;
  }

  private count(kind: Tally, action: HtmlAction): HtmlAction {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    return action;
  }

  private embed(kind: Tally, url: string | undefined, text?: string): HtmlAction {
    return this.count(kind, url ? { html: linkParagraph(url, text?.trim() || url) } : 'drop');
  }

  /** A Substack button: subscribing, sharing, commenting go; a link elsewhere stays a link. */
  private button(element: HtmlElement): HtmlAction {
    const link = findDescendant(element, (e) => e.name === 'a');
    const url = httpUrl(link?.attribs.href) ?? httpUrl(jsonAttribute(element, 'data-attrs').url);
    if (!url || isSubstackAction(url)) return this.count('buttons', 'drop');
    return { html: linkParagraph(url, (link ? textOf(link) : '').trim() || url) };
  }

  /** A captioned image (or a gallery's images) as figure/img/figcaption, linked where the author linked it. */
  private figures(container: HtmlElement): string {
    const caption = findDescendant(container, (e) => e.name === 'figcaption');
    let html = '';
    for (const img of descendants(container)) {
      if (img.name !== 'img') continue;
      const href = httpUrl(jsonAttribute(img, 'data-attrs').href);
      const picture = img.parent && DomUtils.isTag(img.parent) && img.parent.name === 'picture' ? img.parent : undefined;
      const image = imageTag(picture ?? img);
      html += `<figure>${href ? `<a href="${escapeHtml(href)}">${image}</a>` : image}</figure>`;
    }
    if (caption && html) {
      this.inCaption = true;
      const text = renderHtml(caption.children, (element) => this.decide(element));
      this.inCaption = false;
      if (text.trim()) html = `${html.slice(0, -'</figure>'.length)}<figcaption>${text}</figcaption></figure>`;
    }
    return html;
  }

  private footnote(element: HtmlElement): HtmlAction {
    const content = findDescendant(element, (e) => hasClass(e, 'footnote-content'));
    this.inFootnote = true;
    const note = renderHtml(content ? content.children : [], (e) => this.decide(e));
    this.inFootnote = false;
    this.footnotes.push(note);
    return 'drop';
  }
}

/** Subscribe, share, comment, app and account links of Substack's own (or its placeholders). */
function isSubstackAction(url: string): boolean {
  const { pathname, search, hostname } = new URL(url);
  return (
    /\/(subscribe|comments|comment|share|account|app|leave-comment|gift|referral)(\/|$)/i.test(pathname) ||
    /[?&](action=share|utm_content=share|utm_medium=share|action=comment)/i.test(search) ||
    hostname === 'substack.com' ||
    /%%|%25%25|%7B%7B/i.test(url)
  );
}

/**
 * `<img>` (or a `<picture>`'s) with the best source Substack's markup offers: the original upload
 * its CDN URLs wrap (`https://substackcdn.com/image/fetch/w_1456,…/https%3A%2F%2Fsubstack-post-media…`),
 * else the widest candidate.
 */
function imageTag(element: HtmlElement): string {
  const img = element.name === 'img' ? element : findDescendant(element, (e) => e.name === 'img');
  if (!img) return '';
  const candidates = [jsonAttribute(img, 'data-attrs').src, img.attribs.src];
  const widest = [img, ...(element.name === 'picture' ? descendants(element) : [])]
    .flatMap((e) => srcsetCandidates(e.attribs.srcset ?? ''))
    .sort((a, b) => b.width - a.width);
  candidates.push(...widest.map((c) => c.url));
  const urls = candidates.map(httpUrl).filter((url): url is string => url !== undefined);
  const src = urls.map(originalOfCdnUrl).find(Boolean) ?? urls[0];
  if (!src) return '';
  const alt = img.attribs.alt ?? '';
  const title = img.attribs.title && img.attribs.title !== alt ? ` title="${escapeHtml(img.attribs.title)}"` : '';
  return `<img src="${escapeHtml(src)}" alt="${escapeHtml(alt)}"${title}>`;
}

/** The original an image CDN URL of Substack's wraps, or undefined when it is not one. */
function originalOfCdnUrl(url: string): string | undefined {
  const { hostname, pathname } = new URL(url);
  if (!(hostname === 'substackcdn.com' || hostname.endsWith('.substackcdn.com') || hostname === 'cdn.substack.com')) return undefined;
  const lower = pathname.toLowerCase();
  let at = lower.indexOf('/https%3a');
  if (at < 0) at = lower.indexOf('/http%3a');
  if (!lower.startsWith('/image/fetch/') || at < 0) return undefined;
  try {
    return httpUrl(decodeURIComponent(pathname.slice(at + 1)));
  } catch {
    return undefined;
  }
}

/**
 * A srcset's candidates with their widths (0 when not given). Substack's URLs hold commas
 * (`w_424,c_limit`) and it sometimes writes no space after the comma between candidates, so
 * the list is read by its spaces and descriptors, not split on commas.
 */
function srcsetCandidates(srcset: string): { url: string; width: number }[] {
  const found: { url: string; width: number }[] = [];
  let url: string | undefined;
  for (const token of srcset.split(/\s+/)) {
    if (!token) continue;
    const descriptor = /^(\d+(?:\.\d+)?)([wx])(?:,(.*))?$/.exec(token);
    if (url !== undefined && descriptor) {
      found.push({ url, width: descriptor[2] === 'w' ? Number(descriptor[1]) : 0 });
      url = descriptor[3] || undefined;
      continue;
    }
    if (url !== undefined) found.push({ url: url.replace(/,+$/, ''), width: 0 });
    url = token.replace(/^,+/, '');
  }
  if (url) found.push({ url: url.replace(/,+$/, ''), width: 0 });
  return found;
}

function tweetUrl(element: HtmlElement): string | undefined {
  return httpUrl(jsonAttribute(element, 'data-attrs').url) ?? httpUrl(findDescendant(element, (e) => e.name === 'a')?.attribs.href);
}

function youtubeUrl(element: HtmlElement): string | undefined {
  const attrs = jsonAttribute(element, 'data-attrs');
  const iframe = findDescendant(element, (e) => e.name === 'iframe');
  const id = typeof attrs.videoId === 'string' ? attrs.videoId : /\/embed\/([\w-]{6,20})/.exec(iframe?.attribs.src ?? '')?.[1];
  if (!id || !/^[\w-]{6,20}$/.test(id)) return httpUrl(iframe?.attribs.src);
  const start = typeof attrs.startTime === 'number' && attrs.startTime > 0 ? `&t=${Math.floor(attrs.startTime)}s` : '';
  return `https://www.youtube.com/watch?v=${id}${start}`;
}

function vimeoUrl(element: HtmlElement): string | undefined {
  const attrs = jsonAttribute(element, 'data-attrs');
  const id = typeof attrs.videoId === 'string' || typeof attrs.videoId === 'number' ? String(attrs.videoId) : '';
  if (/^\d{1,15}$/.test(id)) return `https://vimeo.com/${id}`;
  return httpUrl(findDescendant(element, (e) => e.name === 'iframe')?.attribs.src);
}
