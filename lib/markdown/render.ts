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
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowProtocolRelative: false,
  transformTags: {
    // Task-list checkboxes only; any other input is dropped by exclusiveFilter below.
    input: (tagName, attribs) => ({ tagName, attribs: { ...attribs, disabled: '' } }),
    a: (tagName, attribs) =>
      /^https?:/i.test(attribs.href ?? '')
        ? { tagName, attribs: { ...attribs, rel: 'noopener nofollow' } }
        : { tagName, attribs },
  },
  exclusiveFilter: (frame) => frame.tag === 'input' && frame.attribs.type !== 'checkbox',
};

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
