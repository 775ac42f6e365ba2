import { escapeHtml } from '@/lib/markdown/text';
import { paragraphs } from './autop';

/**
 * A WordPress post's stored text (`post_content`, as WXR exports it) → the HTML WordPress would
 * show, as far as it can be known without running WordPress: block delimiters (`<!-- wp:… -->`)
 * removed, shortcodes turned into the HTML they stand for (or removed, keeping their text),
 * classic-editor text given its paragraphs. What cannot be kept comes back as warnings, one
 * sentence each. Every step is a linear scan (indexOf, bounded lookups), never a backtracking
 * regex over the whole text: the text is an upload's.
 */

export type WordPressImage = { url: string; alt?: string };

export type BodyContext = {
  /** The export's own attachment by id (from the first pass). */
  attachment(id: number): WordPressImage | undefined;
  /** Attachment ids whose parent is this post, in the export's order (`[gallery]` with no ids). */
  attachedTo(postId: number): readonly number[];
  postId: number;
};

export type ConvertedBody = { html: string; warnings: string[] };

/** More images than this in one `[gallery]` are left out (a real one has a few dozen). */
const GALLERY_MAX_IMAGES = 200;
/** Names listed in one warning before "and N more". */
const LISTED_MAX = 5;

export function wordpressBodyToHtml(stored: string, context: BodyContext): ConvertedBody {
  const text = stored.includes('\r') ? stored.replace(/\r\n?/g, '\n') : stored;
  const isBlocks = text.includes('<!-- wp:');
  const notes = new Notes();
  let html = stripDelimiters(text, notes);
  html = expandShortcodes(html, context, notes);
  if (!isBlocks) html = paragraphs(linkEmbedLines(html, notes));
  return { html: html.trim(), warnings: notes.sentences() };
}

/** What one post's conversion changed or dropped, gathered into one sentence per kind. */
class Notes {
  dynamicBlocks = new Set<string>();
  reusableBlocks = 0;
  embeds: string[] = [];
  pageBreaks = false;
  unknownShortcodes = new Set<string>();
  galleries: string[] = [];
  media: string[] = [];

  sentences(): string[] {
    const out: string[] = [];
    if (this.dynamicBlocks.size) {
      const one = this.dynamicBlocks.size === 1;
      out.push(
        `The ${listed([...this.dynamicBlocks].map((name) => `“${name}”`))} ${one ? 'block has' : 'blocks have'} no content of ${one ? 'its' : 'their'} own (WordPress makes ${one ? 'it' : 'them'} as the page is shown), so ${one ? 'it was' : 'they were'} left out.`,
      );
    }
    if (this.reusableBlocks)
      out.push(
        this.reusableBlocks === 1
          ? 'A reusable block (synced pattern) was left out: the export keeps its content apart from the post.'
          : `${this.reusableBlocks} reusable blocks (synced patterns) were left out: the export keeps their content apart from the post.`,
      );
    if (this.embeds.length)
      out.push(
        `${this.embeds.length === 1 ? 'An embed' : `${this.embeds.length} embeds`} became ${this.embeds.length === 1 ? 'a link' : 'links'} to what ${this.embeds.length === 1 ? 'it showed' : 'they showed'}: ${listed(this.embeds)}.`,
      );
    if (this.pageBreaks) out.push('Its page breaks (<!--nextpage-->) were removed: it is one page now.');
    out.push(...this.galleries, ...this.media);
    if (this.unknownShortcodes.size)
      out.push(
        `${this.unknownShortcodes.size === 1 ? 'The shortcode' : 'The shortcodes'} ${listed([...this.unknownShortcodes].map((name) => `[${name}]`))} ${this.unknownShortcodes.size === 1 ? 'was' : 'were'} removed, keeping any text inside.`,
      );
    return out;
  }
}

function listed(names: string[]): string {
  const shown = names.slice(0, LISTED_MAX).join(', ');
  return names.length > LISTED_MAX ? `${shown} and ${names.length - LISTED_MAX} more` : shown;
}

// ---------------------------------------------------------------------------------------------
// Block delimiters and the comments WordPress gives a meaning to

/** Blocks that are fine with no HTML of their own. */
const EMPTY_IS_FINE = new Set([
  'more',
  'nextpage',
  'html',
  'freeform',
  'paragraph',
  'heading',
  'list',
  'list-item',
  'shortcode',
  'missing',
  'spacer',
  'separator',
]);
const MAX_BLOCK_DEPTH = 100;

type OpenBlock = { name: string; start: number; url?: string };

/**
 * Removes `<!-- wp:name {attrs} -->`, `<!-- /wp:name -->` and `<!-- wp:name /-->` and keeps the
 * HTML between them; notes blocks with no HTML (WordPress renders them on each view: latest
 * posts, archives, a query loop), turns embeds into links, and removes `<!--more-->`,
 * `<!--noteaser-->` and `<!--nextpage-->`. Other comments stay (the sanitizer decides).
 */
function stripDelimiters(text: string, notes: Notes): string {
  const out: string[] = [];
  /** How many pieces of `out` there were after the last one with more than white space. */
  let contentEnd = 0;
  const append = (piece: string) => {
    out.push(piece);
    if (/\S/.test(piece)) contentEnd = out.length;
  };
  const stack: OpenBlock[] = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf('<!--', from);
    if (start === -1) break;
    const end = text.indexOf('-->', start + 4);
    if (end === -1) break;
    append(text.slice(from, start));
    from = end + 3;
    const inner = text.slice(start + 4, end).trim();
    if (inner.startsWith('wp:')) {
      const selfClosing = inner.endsWith('/');
      const { name, attributes } = delimiter(inner.slice(3, selfClosing ? -1 : undefined));
      if (selfClosing) {
        if (name === 'block') notes.reusableBlocks++;
        else if (!EMPTY_IS_FINE.has(name)) notes.dynamicBlocks.add(name);
      } else if (stack.length < MAX_BLOCK_DEPTH) {
        stack.push({ name, start: out.length, url: isEmbed(name) ? embedUrl(attributes) : undefined });
      }
    } else if (inner.startsWith('/wp:')) {
      const name = delimiter(inner.slice(4)).name;
      const at = stack.findLastIndex((block) => block.name === name);
      if (at === -1) continue;
      const block = stack[at]!;
      stack.length = at;
      if (isEmbed(name)) {
        const inside = out.splice(block.start).join('');
        contentEnd = Math.min(contentEnd, out.length);
        const url = block.url ?? firstHttpUrl(inside);
        if (url) {
          notes.embeds.push(url);
          append(`<p>${link(url)}</p>`);
        }
        const caption = elementText(inside, 'figcaption');
        if (caption) append(`<p>${caption}</p>`);
      } else if (contentEnd <= block.start && !EMPTY_IS_FINE.has(name)) notes.dynamicBlocks.add(name);
    } else if (inner === 'nextpage') notes.pageBreaks = true;
    else if (!(inner === 'more' || inner.startsWith('more ') || inner === 'noteaser')) append(text.slice(start, end + 3));
  }
  append(text.slice(from));
  return out.join('');
}

/** `core/embed {"url":…}` → its name without `core/` and the text of its attributes. */
function delimiter(rest: string): { name: string; attributes: string } {
  let i = 0;
  while (i < rest.length && !/\s/.test(rest[i]!)) i++;
  const name = rest.slice(0, i).replace(/^core\//, '');
  return { name, attributes: rest.slice(i).trim() };
}

function isEmbed(name: string): boolean {
  return name === 'embed' || name.startsWith('core-embed/');
}

function embedUrl(attributes: string): string | undefined {
  if (!attributes.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(attributes);
    const url = parsed && typeof parsed === 'object' && 'url' in parsed ? parsed.url : undefined;
    return typeof url === 'string' ? httpUrl(url) : undefined;
  } catch {
    return undefined;
  }
}

/** The first `http(s)://…` in a piece of HTML, up to white space, a quote or a tag. */
function firstHttpUrl(html: string): string | undefined {
  const at = html.search(/https?:\/\//);
  if (at === -1) return undefined;
  let end = at;
  while (end < html.length && !/[\s"'<>]/.test(html[end]!)) end++;
  return httpUrl(html.slice(at, end));
}

/** The HTML inside the first `<name …>…</name>`, if any. */
function elementText(html: string, name: string): string | undefined {
  const open = html.indexOf(`<${name}`);
  if (open === -1) return undefined;
  const contentStart = html.indexOf('>', open);
  const close = html.indexOf(`</${name}>`, open);
  if (contentStart === -1 || close === -1 || close < contentStart) return undefined;
  return html.slice(contentStart + 1, close).trim() || undefined;
}

const URL_MAX = 2_048;

function httpUrl(candidate: string): string | undefined {
  const trimmed = candidate.trim();
  if (trimmed.length > URL_MAX || !/^https?:\/\//i.test(trimmed)) return undefined;
  try {
    return new URL(trimmed).href;
  } catch {
    return undefined;
  }
}

function link(url: string): string {
  return `<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`;
}

// ---------------------------------------------------------------------------------------------
// Shortcodes

type Tag = { name: string; attributes: Attributes; selfClosing: boolean; end: number };
type Attributes = { named: Map<string, string>; positional: string[]; hasNamed: boolean };

const SHORTCODE_NAME = /^[A-Za-z][\w-]*$/;
const ATTRIBUTES_MAX = 10_000;
/** WordPress.com's and Jetpack's shortcodes for embeds: `[youtube https://…]`. */
const EMBED_SHORTCODES = new Set([
  'youtube',
  'vimeo',
  'dailymotion',
  'soundcloud',
  'spotify',
  'tweet',
  'twitter',
  'instagram',
  'flickr',
  'ted',
  'slideshare',
  'scribd',
  'googlemaps',
]);
const MEDIA_SOURCES = ['src', 'mp4', 'm4v', 'webm', 'ogv', 'mov', 'wmv', 'flv', 'mp3', 'ogg', 'oga', 'wav', 'm4a', 'flac', 'wma'];

/**
 * `[caption]`, `[gallery]`, `[embed]`, `[audio]`, `[video]` and the embed shortcodes become HTML;
 * any other shortcode is removed, keeping the text it encloses; `[[name]]` is the literal
 * `[name]`. WordPress knows which shortcodes its plugins registered and leaves any other
 * `[text]` alone; without that list, text in brackets counts as a shortcode only when it has a
 * closing `[/name]`, attributes (`=`), a closing slash, or a name with `_` or `-` (`[vc_row]`,
 * `[contact-form-7 …]`), so that `[sic]` or `[1]` stay as they are.
 */
function expandShortcodes(text: string, context: BodyContext, notes: Notes): string {
  if (!text.includes('[')) return text;
  const closers = new Closers(text);
  const removed = new Set<string>();
  let out = '';
  let from = 0;
  let at = text.indexOf('[');
  while (at !== -1) {
    if (text[at + 1] === '[') {
      const tag = openTag(text, at + 1);
      if (tag && text[tag.end] === ']' && (KNOWN.has(tag.name) || looksLikeShortcode(tag, closers))) {
        out += text.slice(from, at) + text.slice(at + 1, tag.end);
        from = tag.end + 1;
        at = text.indexOf('[', from);
      } else at = text.indexOf('[', at + 1);
      continue;
    }
    if (text[at + 1] === '/') {
      const end = nameEnd(text, at + 2);
      if (text[end] === ']' && removed.has(text.slice(at + 2, end))) {
        out += text.slice(from, at);
        from = end + 1;
      }
      at = text.indexOf('[', at + 1);
      continue;
    }
    const tag = openTag(text, at);
    if (!tag) {
      at = text.indexOf('[', at + 1);
      continue;
    }
    const close = tag.selfClosing ? undefined : closers.after(tag.name, tag.end);
    const enclosed = close === undefined ? '' : text.slice(tag.end, close);
    const afterAll = close === undefined ? tag.end : close + tag.name.length + 3;
    const replacement = known(tag, enclosed, close !== undefined, context, notes);
    if (replacement !== undefined) {
      out += text.slice(from, at) + replacement;
      from = afterAll;
    } else if (looksLikeShortcode(tag, closers)) {
      notes.unknownShortcodes.add(tag.name);
      removed.add(tag.name);
      out += text.slice(from, at);
      from = tag.end;
    }
    at = text.indexOf('[', Math.max(from, at + 1));
  }
  return out + text.slice(from);
}

const KNOWN = new Set(['caption', 'wp_caption', 'gallery', 'embed', 'audio', 'video', ...EMBED_SHORTCODES]);

/** The HTML for a shortcode this reader knows, or undefined for any other. */
function known(tag: Tag, enclosed: string, closed: boolean, context: BodyContext, notes: Notes): string | undefined {
  switch (tag.name) {
    case 'caption':
    case 'wp_caption':
      return caption(tag.attributes, enclosed);
    case 'gallery':
      return gallery(tag.attributes, context, notes);
    case 'embed': {
      const url = httpUrl(enclosed) ?? httpUrl(tag.attributes.named.get('url') ?? '');
      if (!url) return closed ? enclosed : '';
      notes.embeds.push(url);
      return `<p>${link(url)}</p>`;
    }
    case 'audio':
    case 'video': {
      const source = MEDIA_SOURCES.map((key) => tag.attributes.named.get(key)).find((value) => value && httpUrl(value));
      const url = source ? httpUrl(source) : undefined;
      notes.media.push(
        url
          ? `The [${tag.name}] shortcode became a link to its file (${url}).`
          : `The [${tag.name}] shortcode was removed: it names no file.`,
      );
      return url ? `<p>${link(url)}</p>` : '';
    }
    default:
      if (!EMBED_SHORTCODES.has(tag.name)) return undefined;
      {
        const { positional, named } = tag.attributes;
        const candidates = [...positional.map((value) => value.replace(/^=/, '')), named.get('url') ?? '', enclosed];
        const url = candidates.map(httpUrl).find(Boolean);
        if (!url) return undefined;
        notes.embeds.push(url);
        return `<p>${link(url)}</p>`;
      }
  }
}

/** `[caption …]<a><img></a> Text[/caption]` → `<figure><a><img></a><figcaption>Text</figcaption></figure>`. */
function caption(attributes: Attributes, enclosed: string): string {
  const content = enclosed.trim();
  let media = '';
  if (/^<a[\s>]/i.test(content)) {
    const close = content.search(/<\/a>/i);
    if (close !== -1) media = content.slice(0, close + 4);
  } else if (/^<img[\s/>]/i.test(content)) {
    const close = content.indexOf('>');
    if (close !== -1) media = content.slice(0, close + 1);
  }
  if (!media) return content;
  const text = attributes.named.get('caption') ?? content.slice(media.length).trim();
  return `<figure>${media}${text ? `<figcaption>${text}</figcaption>` : ''}</figure>`;
}

function gallery(attributes: Attributes, context: BodyContext, notes: Notes): string {
  const listed = attributes.named.get('ids') ?? attributes.named.get('include');
  const ids = listed
    ? listed
        .split(',')
        .map((id) => Number(id.trim()))
        .filter((id) => Number.isSafeInteger(id) && id > 0)
    : context.attachedTo(context.postId);
  const wanted = ids.slice(0, GALLERY_MAX_IMAGES);
  const images = wanted.map((id) => context.attachment(id)).filter((image) => image !== undefined);
  const missing = wanted.length - images.length;
  if (images.length === 0) {
    notes.galleries.push('The [gallery] shortcode was removed: its images are not in the export.');
    return '';
  }
  notes.galleries.push(
    `The [gallery] shortcode became its ${images.length} ${images.length === 1 ? 'image' : 'images'}${missing ? ` (${missing} more ${missing === 1 ? 'is' : 'are'} not in the export)` : ''}${ids.length > wanted.length ? ` (the first ${GALLERY_MAX_IMAGES} of ${ids.length})` : ''}.`,
  );
  return images.map((image) => `<p><img src="${escapeHtml(image.url)}" alt="${escapeHtml(image.alt ?? '')}"></p>`).join('\n');
}

function looksLikeShortcode(tag: Tag, closers: Closers): boolean {
  return tag.selfClosing || tag.attributes.hasNamed || /[_-]/.test(tag.name) || closers.after(tag.name, tag.end) !== undefined;
}

/**
 * `[name attributes]` at `at` (a `[`), or undefined. The attributes end at the first `]`; a `[`
 * before it means this is no tag, so no scan goes past the next `[` (linear over the text).
 */
function openTag(text: string, at: number): Tag | undefined {
  const i = nameEnd(text, at + 1);
  const name = text.slice(at + 1, i);
  // `[youtube=https://…]` is WordPress.com's own form.
  if (!SHORTCODE_NAME.test(name) || !(i < text.length && /[\s\]/=]/.test(text[i]!))) return undefined;
  const limit = Math.min(text.length, i + ATTRIBUTES_MAX);
  let end = i;
  while (end < limit && text[end] !== ']' && text[end] !== '[') end++;
  if (text[end] !== ']') return undefined;
  let inside = text.slice(i, end).trim();
  const selfClosing = inside.endsWith('/');
  if (selfClosing) inside = inside.slice(0, -1);
  return { name, attributes: parseAttributes(inside), selfClosing, end: end + 1 };
}

/** Where a shortcode name (letters, digits, `_`, `-`) starting at `start` ends. */
function nameEnd(text: string, start: number): number {
  let i = start;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const isNameChar = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;
    if (!isNameChar) break;
  }
  return i;
}

/** WordPress's shortcode attributes: `a="x" b='y' c=z "positional" plain`. */
function parseAttributes(text: string): Attributes {
  const named = new Map<string, string>();
  const positional: string[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const value = (): string => {
    const quote = text[i];
    if (quote === '"' || quote === "'" || quote === '\u201d' || quote === '\u2033') {
      // WordPress's texturize sometimes turned quotes into ” or ″ in stored posts.
      const closing = quote === '\u2033' ? '\u2033' : quote;
      const end = text.indexOf(closing, i + 1);
      const v = text.slice(i + 1, end === -1 ? text.length : end);
      i = end === -1 ? text.length : end + 1;
      return v;
    }
    const start = i;
    while (i < text.length && !/\s/.test(text[i]!)) i++;
    return text.slice(start, i);
  };
  for (skipSpace(); i < text.length; skipSpace()) {
    const start = i;
    i = nameEnd(text, i);
    const key = text.slice(start, i);
    const afterKey = i;
    skipSpace();
    if (key && text[i] === '=') {
      i++;
      skipSpace();
      named.set(key.toLowerCase(), value());
    } else if (key && (afterKey >= text.length || /\s/.test(text[afterKey]!))) {
      i = afterKey;
      positional.push(key);
    } else {
      // A quoted or unquoted value (never empty: the text here is not white space).
      i = start;
      positional.push(value());
    }
  }
  return { named, positional, hasNamed: named.size > 0 };
}

/** Where each `[/name]` is, so that an opening tag finds its closing one without a scan. */
class Closers {
  private positions = new Map<string, { at: number[]; next: number }>();

  constructor(text: string) {
    for (let at = text.indexOf('[/'); at !== -1; at = text.indexOf('[/', at + 2)) {
      const i = nameEnd(text, at + 2);
      if (text[i] !== ']' || i === at + 2) continue;
      const name = text.slice(at + 2, i);
      const entry = this.positions.get(name);
      if (entry) entry.at.push(at);
      else this.positions.set(name, { at: [at], next: 0 });
    }
  }

  /** The first `[/name]` at or after `from`; callers ask with positions that only grow. */
  after(name: string, from: number): number | undefined {
    const entry = this.positions.get(name);
    if (!entry) return undefined;
    while (entry.next < entry.at.length && entry.at[entry.next]! < from) entry.next++;
    return entry.at[entry.next];
  }
}

// ---------------------------------------------------------------------------------------------
// Classic editor: a line that is only a link to a video or a post elsewhere is an embed

const EMBED_HOSTS = [
  'youtube.com',
  'youtu.be',
  'vimeo.com',
  'dailymotion.com',
  'dai.ly',
  'twitter.com',
  'x.com',
  'instagram.com',
  'facebook.com',
  'soundcloud.com',
  'spotify.com',
  'flickr.com',
  'flic.kr',
  'tiktok.com',
  'ted.com',
  'reddit.com',
  'tumblr.com',
  'wordpress.tv',
  'videopress.com',
  'imgur.com',
  'issuu.com',
  'kickstarter.com',
  'mixcloud.com',
  'slideshare.net',
  'scribd.com',
  'speakerdeck.com',
  'pinterest.com',
  'pocketcasts.com',
  'mastodon.social',
  'bsky.app',
];

function isEmbedHost(url: string): boolean {
  const host = new URL(url).hostname.toLowerCase();
  return EMBED_HOSTS.some((known) => host === known || host.endsWith(`.${known}`));
}

function linkEmbedLines(text: string, notes: Notes): string {
  if (!text.includes('http')) return text;
  const lines = text.split('\n');
  let changed = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line.startsWith('http') || line.length > URL_MAX || /[\s<>"]/.test(line)) continue;
    const url = httpUrl(line);
    if (!url || !isEmbedHost(url)) continue;
    notes.embeds.push(url);
    lines[i] = `<p>${link(url)}</p>`;
    changed = true;
  }
  return changed ? lines.join('\n') : text;
}
