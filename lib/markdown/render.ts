import hljs from 'highlight.js';
import MarkdownIt from 'markdown-it';
import type { MarkdownIt as MarkdownParser, StateCore, StateInline, Token } from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import { headingIds, singleTildeStrikethrough, strikethroughAsDel, tableAlign, taskLists, wwwLinks } from './gfm';
import { escapeHtml } from './text';

/**
 * How deep quotes, lists and inline markup may nest; what is deeper is dropped (quotes, lists)
 * or left as text (inline). markdown-it's default is 100; an unclosed `[` or `![` costs work in
 * proportion to it (a post of `![a ` takes 3 times as long at 100), and 32 is deeper than any
 * real post.
 */
const MAX_NESTING = 32;

/**
 * Markdown → HTML, run once when a post is saved (docs/architecture.md, "The write paths": store
 * the HTML, never render per request). markdown-it, because anyone who signs up can send
 * Markdown: it parses in linear time and bounds nesting, where marked went quadratic and
 * overflowed the stack on hostile input (bench/markdown.ts times each family). It does not
 * sanitize, so the sanitizer runs last, over everything markdown-it and the highlighter
 * produced, including any raw HTML the author typed.
 */
const markdown = new MarkdownIt({ html: true, linkify: true, maxNesting: MAX_NESTING })
  .use(headingIds)
  .use(taskLists)
  .use(tableAlign)
  .use(singleTildeStrikethrough)
  .use(strikethroughAsDel)
  .use(wwwLinks);

/**
 * highlight.js grammars are quadratic on some input (C# over lines of prose, Markdown over one
 * long line: 1 to 2 s for 20,000 characters of either), and the author picks the grammar. So a
 * longer block is shown plain (escaped, same classes), which keeps the worst block near 100 ms...
 */
const HIGHLIGHT_MAX_CHARS = 5_000;
/**
 * ...and once highlighting has taken this long in one render, the blocks after it are plain too.
 * Ordinary code highlights at over 1,000 characters a millisecond, so only hostile input gets
 * here (and only there does the output depend on the machine's speed).
 */
const HIGHLIGHT_BUDGET_MS = 100;

/** What one render carries from block to block (markdown-it's env). */
type RenderEnv = { highlightMs: number };

markdown.renderer.rules.fence = (tokens, idx, _options, env) => {
  const token = tokens[idx]!;
  const lang = markdown.utils.unescapeAll(token.info).trim().split(/\s/)[0] ?? '';
  const className = lang ? `hljs language-${lang}` : 'hljs';
  return `<pre><code class="${escapeHtml(className)}">${highlight(token.content, lang, env as RenderEnv)}</code></pre>\n`;
};
// Indented code: the same class as fenced code without a language (what marked wrote).
markdown.renderer.rules.code_block = (tokens, idx) =>
  `<pre><code class="hljs">${markdown.utils.escapeHtml(tokens[idx]!.content)}</code></pre>\n`;

/** highlight.js output (escaped); an unknown language is plain text, as is code over the limits. */
function highlight(code: string, lang: string, env: RenderEnv): string {
  if (code.length > HIGHLIGHT_MAX_CHARS || env.highlightMs >= HIGHLIGHT_BUDGET_MS) return markdown.utils.escapeHtml(code);
  const started = performance.now();
  const language = hljs.getLanguage(lang) ? lang : 'plaintext';
  const html = hljs.highlight(code, { language }).value;
  env.highlightMs += performance.now() - started;
  return html;
}

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
  // prettier-ignore
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
    h1: ['id'],
    h2: ['id'],
    h3: ['id'],
    h4: ['id'],
    h5: ['id'],
    h6: ['id'],
    th: ['align'],
    td: ['align'],
    ol: ['start'],
    input: ['type', 'checked', 'disabled'],
    abbr: ['title'],
    pre: ['tabindex'],
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
    pre: focusableCodeBlock,
  },
  exclusiveFilter: (frame) => frame.tag === 'input' && frame.attribs.type !== 'checkbox',
};

/**
 * A code block wider than the page scrolls sideways; keyboard users can scroll it only if it
 * can take focus (WCAG 2.1.1). Whatever tabindex the author wrote is replaced by 0.
 */
function focusableCodeBlock(tagName: string): sanitizeHtml.Tag {
  return { tagName, attribs: { tabindex: '0' } };
}

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
        attribs: withUrl(
          attribs.srcset
            ? {
                ...attribs,
                srcset: attribs.srcset
                  .split(',')
                  .map((c) => c.trim().replace(/^\S+/, resolve))
                  .join(', '),
              }
            : attribs,
          'src',
        ),
      }),
    },
  });
}

function sanitize(html: string, options: RenderOptions = {}): string {
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

export function renderMarkdown(source: string, options: RenderOptions = {}): string {
  return sanitize(markdown.render(source, { highlightMs: 0 } satisfies RenderEnv), options);
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
const commentMarkdown = new MarkdownIt({ html: false, breaks: true, linkify: true, maxNesting: MAX_NESTING })
  .disable(['heading', 'lheading', 'table', 'hr', 'strikethrough'])
  .use(wwwLinks);
// Every destination is parsed as a link, so that readerLinksOnly below can show the text of
// the ones refused (markdown-it would otherwise show `[text](javascript:…)` whole).
commentMarkdown.validateLink = () => true;
commentMarkdown.inline.ruler.at('image', imageAsSource(commentMarkdown));
commentMarkdown.core.ruler.push('reader_links_only', readerLinksOnly);
commentMarkdown.renderer.rules.image_source = (tokens, idx) => escapeHtml(tokens[idx]!.content);
// One `<br>` per line break, without markdown-it's newline after it (what marked wrote).
commentMarkdown.renderer.rules.softbreak = () => '<br>';
commentMarkdown.renderer.rules.hardbreak = () => '<br>';

/**
 * An image in a comment is its Markdown source, as text. It is its own token, not text, so
 * that linkify leaves the address in it alone. markdown-it's image rule still decides what an
 * image is (run silent: it only finds the end).
 */
function imageAsSource(md: MarkdownParser): (state: StateInline, silent: boolean) => boolean {
  // The built-in rule, kept before it is replaced; markdown-it exports no rule by name.
  const image = md.inline.ruler.__rules__.find((rule) => rule.name === 'image')!.fn;
  return (state, silent) => {
    const start = state.pos;
    if (!image(state, true)) return false;
    if (!silent) state.push('image_source', '', 0).content = state.src.slice(start, state.pos);
    return true;
  };
}

/** A link to anything but an absolute http(s) or mailto address is shown as its text. */
function readerLinksOnly(state: StateCore): void {
  for (const block of state.tokens) {
    // Links do not nest, but a close still takes the decision of its own open.
    const hidden: boolean[] = [];
    for (const token of block.children ?? ([] as Token[])) {
      if (token.type === 'link_open') {
        token.hidden = !isReaderLinkTarget(String(token.attrGet('href') ?? ''));
        hidden.push(token.hidden);
      } else if (token.type === 'link_close') {
        token.hidden = hidden.pop() ?? false;
      }
    }
  }
}

function isReaderLinkTarget(href: string | undefined): boolean {
  return LINK_SCHEMES.some((scheme) => (href ?? '').toLowerCase().startsWith(`${scheme}:`));
}

const COMMENT_SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'em', 'strong', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a'],
  allowedAttributes: { a: ['href', 'rel'], ol: ['start'], pre: ['tabindex'] },
  allowedSchemes: LINK_SCHEMES,
  allowProtocolRelative: false,
  transformTags: {
    pre: focusableCodeBlock,
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
  return sanitizeHtml(commentMarkdown.render(body), COMMENT_SANITIZE);
}

/** Where a list item (or a table cell) ends, and where any other block ends: see htmlToText. */
const ITEM_END = '\uE010';
const BLOCK_END = '\uE011';
const ITEM_ENDS = /<\/(?:li|td|th)\s*>|<(?:ul|ol)\b[^>]*>/gi;
const BLOCK_ENDS = /<\/(?:p|h[1-6]|blockquote|pre|tr|table|ul|ol|dl|dt|dd|figure|figcaption|details|summary|div)\s*>|<hr\b[^>]*>/gi;
const ENDS_A_SENTENCE = /[.!?…:;,]$/;

/**
 * Plain text of rendered HTML: for excerpts, the search index and reading time. Blocks keep
 * their boundaries: a paragraph or heading ends with a full stop and list items with commas
 * (unless they end with punctuation of their own), so a paragraph followed by a list reads
 * "Just a walk. boots, water, map" rather than running the items together.
 */
export function htmlToText(html: string): string {
  const marked = html
    .replace(/[\uE010\uE011]/g, '')
    .replace(ITEM_ENDS, ITEM_END)
    .replace(BLOCK_ENDS, BLOCK_END);
  const text = sanitizeHtml(marked, { allowedTags: [], allowedAttributes: {} })
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");
  const pieces = text.split(/([\uE010\uE011])/);
  let out = '';
  /** What ends the text so far, written only once more text follows. */
  let separator = '';
  for (let i = 0; i < pieces.length; i += 2) {
    const piece = pieces[i]!.replace(/\s+/g, ' ').trim();
    if (piece) {
      if (out) out += `${separator && !ENDS_A_SENTENCE.test(out) ? separator : ''} `;
      out += piece;
      separator = '';
    }
    const marker = pieces[i + 1];
    if (marker === undefined || !out) continue;
    // An item's end after text makes a comma; a block's end (the list's own) makes it a full stop.
    if (piece) separator = marker === ITEM_END ? ',' : '.';
    else if (marker === BLOCK_END) separator = '.';
    else separator ||= ',';
  }
  return out;
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
