import hljs from 'highlight.js';
import { Marked } from 'marked';
import { gfmHeadingId } from 'marked-gfm-heading-id';
import { markedHighlight } from 'marked-highlight';
import sanitizeHtml from 'sanitize-html';

/**
 * Markdown → HTML, run once when a post is saved (DESIGN: store the HTML, never render per
 * request). marked does not sanitize, so the sanitizer runs last, over everything marked and
 * the highlighter produced, including any raw HTML the author typed.
 */
const marked = new Marked(
  { gfm: true },
  gfmHeadingId(),
  markedHighlight({
    emptyLangClass: 'hljs',
    langPrefix: 'hljs language-',
    highlight(code, lang) {
      const language = hljs.getLanguage(lang) ? lang : 'plaintext';
      return hljs.highlight(code, { language }).value;
    },
  }),
);

/** The only link schemes any rendering keeps; relative and protocol-relative links aside. */
const LINK_SCHEMES = ['http', 'https', 'mailto'];

/**
 * What the renderer may be told about one of the blog's own images (lib/media decides which):
 * the address to use, its smaller copies and its size.
 */
export type KnownImage = { src: string; srcset?: string; sizes?: string; width?: number; height?: number };
export type ImageLookup = (src: string) => KnownImage | undefined;

export type RenderOptions = {
  /** Known images get `srcset`/`sizes` and their size; any other image gets no `srcset` at all. */
  images?: ImageLookup;
};

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p', 'br', 'hr', 'blockquote', 'pre', 'code', 'span',
    'a', 'img', 'ul', 'ol', 'li', 'strong', 'em', 'del', 's', 'sup', 'sub', 'kbd', 'mark',
    'table', 'thead', 'tbody', 'tr', 'th', 'td', 'input', 'details', 'summary', 'figure',
    'figcaption', 'abbr', 'dl', 'dt', 'dd',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    // srcset, sizes, loading and decoding are only ever what transformImage below writes.
    img: ['src', 'alt', 'title', 'width', 'height', 'srcset', 'sizes', 'loading', 'decoding'],
    'h1': ['id'], 'h2': ['id'], 'h3': ['id'], 'h4': ['id'], 'h5': ['id'], 'h6': ['id'],
    th: ['align'],
    td: ['align'],
    ol: ['start'],
    input: ['type', 'checked', 'disabled'],
    abbr: ['title'],
  },
  allowedClasses: {
    code: ['hljs', 'language-*'],
    span: ['hljs-*'],
  },
  allowedSchemes: LINK_SCHEMES,
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowProtocolRelative: false,
  transformTags: {
    // Task-list checkboxes only; any other input is dropped by exclusiveFilter below.
    input: (tagName, attribs) => ({ tagName, attribs: { ...attribs, disabled: '' } }),
    a: (tagName, attribs) => ({ tagName, attribs: linkAttributes(attribs) }),
  },
  exclusiveFilter: (frame) => frame.tag === 'input' && frame.attribs.type !== 'checkbox',
};

/** Links to other sites get `rel="noopener nofollow"`. */
function linkAttributes(attribs: sanitizeHtml.Attributes): sanitizeHtml.Attributes {
  return /^https?:/i.test(attribs.href ?? '') ? { ...attribs, rel: 'noopener nofollow' } : attribs;
}

/**
 * Stored HTML for reading away from the blog (feeds): sanitized again by the same rules, with
 * every relative link and image address (`/media/…`, `/posts/…`, `#notes`) resolved against
 * `pageUrl`, the absolute address of the page the HTML belongs to.
 */
export function sanitizeWithAbsoluteUrls(html: string, pageUrl: string): string {
  const base = new URL(pageUrl);
  const resolve = (value: string) => {
    const url = URL.canParse(value, base) ? new URL(value, base) : undefined;
    // A relative reference stays on the page's origin; anything else (another site, a scheme,
    // a disguised `//host`) is left as written for the sanitizer to judge.
    return url?.origin === base.origin ? url.href : value;
  };
  const withUrl = (attribs: sanitizeHtml.Attributes, name: 'href' | 'src') =>
    attribs[name] === undefined ? attribs : { ...attribs, [name]: resolve(attribs[name]) };
  return sanitizeHtml(html, {
    ...SANITIZE,
    transformTags: {
      ...SANITIZE.transformTags,
      // The rel decision looks at the address as written: our own links stay followable.
      a: (tagName, attribs) => ({ tagName, attribs: withUrl(linkAttributes(attribs), 'href') }),
      img: (tagName, attribs) => ({
        tagName,
        attribs: withUrl(attribs.srcset ? { ...attribs, srcset: attribs.srcset.split(',').map((c) => c.trim().replace(/^\S+/, resolve)).join(', ') } : attribs, 'src'),
      }),
    },
  });
}

export function sanitize(html: string, options: RenderOptions = {}): string {
  return sanitizeHtml(html, { ...SANITIZE, transformTags: { ...SANITIZE.transformTags, img: transformImage(options.images) } });
}

const WRITTEN_HERE = new Set(['srcset', 'sizes', 'loading', 'decoding']);

/**
 * Every image, from Markdown or raw HTML, loses any `srcset`/`sizes`/`loading` it came with (a
 * `srcset` could load anything from anywhere); a known image of the blog gets ours, and its
 * size unless the author set one. Runs inside the sanitizer, so it is still one pass at save.
 */
function transformImage(images: ImageLookup | undefined): sanitizeHtml.Transformer {
  return (tagName, attribs) => {
    const rest = Object.fromEntries(Object.entries(attribs).filter(([name]) => !WRITTEN_HERE.has(name)));
    const known = images?.(rest.src ?? '');
    const kept = { ...rest, loading: 'lazy', decoding: 'async' };
    if (!known) return { tagName, attribs: kept };
    const authorSized = rest.width !== undefined || rest.height !== undefined;
    return {
      tagName,
      attribs: {
        ...kept,
        src: known.src,
        ...(known.srcset ? { srcset: known.srcset, sizes: known.sizes ?? '100vw' } : {}),
        ...(!authorSized && known.width && known.height ? { width: String(known.width), height: String(known.height) } : {}),
      },
    };
  };
}

export function renderMarkdown(markdown: string, options: RenderOptions = {}): string {
  return sanitize(marked.parse(markdown, { async: false }), options);
}

/**
 * Links written by readers (in a comment, or a commenter's website): search engines must not
 * credit them to the blog (`nofollow ugc`), and the opened page gets no handle on this one.
 */
export const READER_LINK_REL = 'nofollow ugc noopener';

/**
 * Readers' comments get a small Markdown subset: paragraphs, line breaks, emphasis, code,
 * quotes, lists and links. Headings, tables, rules, strikethrough and raw HTML are not
 * recognised, so they show as the reader typed them; an image shows as its Markdown text.
 */
const commentMarked = new Marked(
  { gfm: true, breaks: true },
  {
    tokenizer: {
      heading: () => undefined,
      lheading: () => undefined,
      table: () => undefined,
      hr: () => undefined,
      del: () => undefined,
      html: () => undefined,
      tag: () => undefined,
    },
    renderer: {
      image: (token) => escapeHtml(token.raw),
      // A link to anything but an absolute http(s) or mailto address is shown as its text.
      link(token) {
        return isReaderLinkTarget(token.href) ? false : this.parser.parseInline(token.tokens);
      },
    },
  },
);

function isReaderLinkTarget(href: string | undefined): boolean {
  return LINK_SCHEMES.some((scheme) => (href ?? '').toLowerCase().startsWith(`${scheme}:`));
}

const COMMENT_SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'em', 'strong', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a'],
  allowedAttributes: { a: ['href', 'rel'], ol: ['start'] },
  allowedSchemes: LINK_SCHEMES,
  allowProtocolRelative: false,
  transformTags: {
    // Should a link the renderer let through still point elsewhere, it keeps no address.
    // (Renaming it to a tag that is not allowed would be neater, but sanitize-html then closes
    // the next link with that name, leaving it open.)
    a: (tagName, attribs): sanitizeHtml.Tag => ({
      tagName,
      attribs: isReaderLinkTarget(attribs.href) ? { href: attribs.href!, rel: READER_LINK_REL } : {},
    }),
  },
};

/** A reader's comment → safe HTML, once, when it is received (or imported). */
export function renderComment(body: string): string {
  return sanitizeHtml(commentMarked.parse(body, { async: false }), COMMENT_SANITIZE);
}

/** Text for HTML built by hand (not by React, which escapes by itself). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Plain text of rendered HTML: for excerpts and reading time. */
export function htmlToText(html: string): string {
  return sanitizeHtml(html, { allowedTags: [], allowedAttributes: {} })
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

/** The first ~`max` characters of the post's prose (headings, code and tables left out), cut at a word. */
export function excerptFromHtml(html: string, max = 240): string {
  const prose = html.replace(/<(pre|table|h[1-6]|figure)\b[\s\S]*?<\/\1>/gi, ' ');
  const text = htmlToText(prose) || htmlToText(html);
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const lastSpace = cut.lastIndexOf(' ');
  return `${(lastSpace > max * 0.6 ? cut.slice(0, lastSpace) : cut).replace(/[\s.,;:!?-]+$/, '')}…`;
}

const WORDS_PER_MINUTE = 230;

export function readingMinutes(text: string): number {
  const words = text.split(/\s+/).filter(Boolean).length;
  return Math.max(1, Math.round(words / WORDS_PER_MINUTE));
}
