import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import { InputError } from '@/lib/input';
import { escapeHtml } from '@/lib/markdown/text';
import { jsonNestsDeeperThan } from './json';
import { IMPORT_LIMITS, type ImportedBody } from './source';

/**
 * A Ghost post's text as HTML: Ghost's own `html` when the export has it, else rendered here
 * from the editor's document — Lexical (Ghost 5 and later) or Mobiledoc (Ghost 4 and before).
 * Both renderers are small and cover what Ghost's editors write; every card Ghost has is either
 * rendered plainly, turned into a link, or dropped with a warning naming it. The result is then
 * cleaned of the chrome Ghost's cards carry for its own themes (players, forms, thumbnails), so
 * the applier converts the author's content and not the widgets around it. The applier's
 * sanitizer still runs over everything: nothing here makes HTML safe, only plain.
 */

/**
 * How deep an editor document may nest (Lexical nodes, Mobiledoc markups) before the post is
 * refused: a real post's deepest list is a handful of levels, and a hostile one must not run
 * the renderer, or later the HTML-to-Markdown conversion, out of stack.
 */
const EDITOR_MAX_DEPTH = 64;

/** Editor JSON says the same text several times over (a node per run, its format, its version...). */
export const EDITOR_JSON_FACTOR = 4;

/** What was changed or dropped while rendering one body; each kind becomes one warning sentence. */
export class BodyNotes {
  embeds = 0;
  bookmarks = 0;
  media = 0;
  readonly dropped = new Set<string>();

  drop(name: string): void {
    if (this.dropped.size < 20) this.dropped.add(name.replace(/[^\w-]/g, '').slice(0, 40) || 'unnamed');
  }

  warnings(): string[] {
    const out: string[] = [];
    if (this.embeds)
      out.push(this.embeds === 1 ? 'An embed became a link to what it showed.' : `${this.embeds} embeds became links to what they showed.`);
    if (this.bookmarks)
      out.push(this.bookmarks === 1 ? 'A bookmark card became a plain link.' : `${this.bookmarks} bookmark cards became plain links.`);
    if (this.media)
      out.push(
        this.media === 1
          ? 'An audio, video or file card became a link to its file.'
          : `${this.media} audio, video or file cards became links to their files.`,
      );
    if (this.dropped.size) {
      const names = [...this.dropped].join(', ');
      out.push(this.dropped.size === 1 ? `The Ghost ${names} card was dropped.` : `The Ghost cards ${names} were dropped.`);
    }
    return out;
  }
}

/** Which post a refusal names, and what each refusal says. */
export type BodyContext = { label: string; notes: BodyNotes };

function tooLong(ctx: BodyContext): InputError {
  return new InputError(
    `${ctx.label} is longer than ${IMPORT_LIMITS.bodyChars.toLocaleString('en')} characters once rendered; nothing was imported.`,
  );
}

function tooDeep(ctx: BodyContext): InputError {
  return new InputError(`${ctx.label} nests more than ${EDITOR_MAX_DEPTH} levels deep in its editor data; nothing was imported.`);
}

/** HTML built in pieces, refused the moment it passes the body limit (a card can be repeated). */
class HtmlOut {
  private readonly parts: string[] = [];
  private size = 0;
  constructor(private readonly ctx: BodyContext) {}
  add(piece: string): void {
    this.size += piece.length;
    if (this.size > IMPORT_LIMITS.bodyChars) throw tooLong(this.ctx);
    this.parts.push(piece);
  }
  html(): string {
    return this.parts.join('');
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function attr(value: string): string {
  return escapeHtml(value);
}

/** Ghost's markdown card renderer is markdown-it with raw HTML and line breaks kept. */
const markdown = new MarkdownIt({ html: true, breaks: true, linkify: true, maxNesting: 32 });

/**
 * A card as Ghost's editors store it: Lexical decorator nodes and Mobiledoc cards carry the
 * same fields under nearly the same names, so one renderer serves both.
 */
function renderCard(name: string, card: Json, out: HtmlOut, ctx: BodyContext): void {
  switch (name) {
    case 'image': {
      const src = str(card.src);
      if (!src) return;
      let img = `<img src="${attr(src)}" alt="${attr(str(card.alt))}"${card.title ? ` title="${attr(str(card.title))}"` : ''}>`;
      if (card.href) img = `<a href="${attr(str(card.href))}">${img}</a>`;
      return out.add(`<figure>${img}${caption(card.caption)}</figure>`);
    }
    case 'gallery': {
      const images = Array.isArray(card.images) ? card.images.filter(isObject) : [];
      out.add('<figure>');
      for (const image of images) if (image.src) out.add(`<img src="${attr(str(image.src))}" alt="${attr(str(image.alt))}">`);
      return out.add(`${caption(card.caption)}</figure>`);
    }
    case 'code':
    case 'codeblock': {
      const language = str(card.language).replace(/[^\w+#.-]/g, '');
      const code = `<pre><code${language ? ` class="language-${language}"` : ''}>${escapeHtml(str(card.code))}</code></pre>`;
      return out.add(card.caption ? `<figure>${code}${caption(card.caption)}</figure>` : code);
    }
    case 'markdown':
    case 'card-markdown':
      return out.add(markdown.render(str(card.markdown)));
    case 'html':
      return out.add(str(card.html));
    case 'hr':
    case 'horizontalrule':
      return out.add('<hr>');
    case 'bookmark': {
      const url = str(card.url);
      if (!url) return;
      const metadata = isObject(card.metadata) ? card.metadata : {};
      ctx.notes.bookmarks++;
      return out.add(`<p><a href="${attr(url)}">${escapeHtml(str(metadata.title) || url)}</a></p>${paragraph(card.caption)}`);
    }
    case 'embed': {
      const url = str(card.url);
      const metadata = isObject(card.metadata) ? card.metadata : {};
      if (url) {
        ctx.notes.embeds++;
        return out.add(`<p><a href="${attr(url)}">${escapeHtml(str(metadata.title) || url)}</a></p>${paragraph(card.caption)}`);
      }
      // An embed pasted as code: its frames become links when the HTML is cleaned.
      return out.add(str(card.html));
    }
    case 'audio':
    case 'video':
    case 'file': {
      const src = str(card.src);
      if (!src) return;
      ctx.notes.media++;
      const title = str(card.title) || str(card.fileTitle) || str(card.fileName) || src;
      return out.add(`<p><a href="${attr(src)}">${escapeHtml(title)}</a></p>${paragraph(card.caption)}`);
    }
    case 'callout': {
      // The text is HTML, usually one paragraph (Lexical) or inline text (Mobiledoc): the emoji opens it.
      const emoji = card.calloutEmoji ? `${escapeHtml(str(card.calloutEmoji))} ` : '';
      const text = str(card.calloutText);
      const opening = /^<p(?:\s[^>]*)?>/.exec(text)?.[0];
      return out.add(`<blockquote>${opening ? `${opening}${emoji}${text.slice(opening.length)}` : `<p>${emoji}${text}</p>`}</blockquote>`);
    }
    case 'toggle':
      return out.add(`<p><strong>${str(card.heading)}</strong></p>${str(card.content)}`);
    case 'button': {
      const url = str(card.buttonUrl);
      return url ? out.add(`<p><a href="${attr(url)}">${escapeHtml(str(card.buttonText) || url)}</a></p>`) : undefined;
    }
    case 'header':
      return out.add(`${card.header ? `<h2>${str(card.header)}</h2>` : ''}${paragraph(card.subheader)}`);
    // A members-only marker (where the free preview ends) and cards shown only in emails.
    case 'paywall':
    case 'email':
    case 'email-cta':
      return;
    default:
      ctx.notes.drop(name);
  }
}

/** Captions are HTML in both editors. */
function caption(value: unknown): string {
  return typeof value === 'string' && value ? `<figcaption>${value}</figcaption>` : '';
}

function paragraph(value: unknown): string {
  return typeof value === 'string' && value ? `<p>${value}</p>` : '';
}

// ---- Lexical ----

/** Lexical's text format bits, innermost tag first. */
const TEXT_FORMATS: [number, string][] = [
  [16, 'code'],
  [32, 'sub'],
  [64, 'sup'],
  [128, 'mark'],
  [8, 'u'],
  [4, 's'],
  [2, 'em'],
  [1, 'strong'],
];

function parseEditorJson(source: string, editor: string, ctx: BodyContext): Json {
  // A Lexical level is an object and its children array, under a root object: about 2 JSON levels each.
  if (jsonNestsDeeperThan(source, EDITOR_MAX_DEPTH * 2 + 8)) throw tooDeep(ctx);
  let doc: unknown;
  try {
    doc = JSON.parse(source);
  } catch {
    throw new InputError(`${ctx.label} has ${editor} editor data that is not valid JSON; nothing was imported.`);
  }
  if (!isObject(doc)) throw new InputError(`${ctx.label} has ${editor} editor data that is not a document; nothing was imported.`);
  return doc;
}

function lexicalRoot(source: string, ctx: BodyContext): unknown[] {
  const doc = parseEditorJson(source, 'Lexical', ctx);
  const root = doc.root;
  if (!isObject(root) || !Array.isArray(root.children))
    throw new InputError(`${ctx.label} has Lexical editor data without a root; nothing was imported.`);
  return root.children;
}

function renderLexicalNodes(nodes: unknown[], depth: number, out: HtmlOut, ctx: BodyContext): void {
  if (depth > EDITOR_MAX_DEPTH) throw tooDeep(ctx);
  for (const node of nodes) if (isObject(node)) renderLexicalNode(node, depth, out, ctx);
}

function renderLexicalNode(node: Json, depth: number, out: HtmlOut, ctx: BodyContext): void {
  const type = str(node.type);
  const children = Array.isArray(node.children) ? node.children : undefined;
  const wrap = (open: string, close: string) => {
    out.add(open);
    if (children) renderLexicalNodes(children, depth + 1, out, ctx);
    out.add(close);
  };
  switch (type) {
    case 'paragraph':
      return wrap('<p>', '</p>');
    case 'heading':
    case 'extended-heading': {
      const tag = /^h[1-6]$/.test(str(node.tag)) ? str(node.tag) : 'h2';
      return wrap(`<${tag}>`, `</${tag}>`);
    }
    case 'quote':
    case 'extended-quote':
    case 'aside':
      return wrap('<blockquote>', '</blockquote>');
    case 'list': {
      const ordered = node.listType === 'number' || node.tag === 'ol';
      const start = typeof node.start === 'number' && Number.isInteger(node.start) && node.start !== 1 ? ` start="${node.start}"` : '';
      return ordered ? wrap(`<ol${start}>`, '</ol>') : wrap('<ul>', '</ul>');
    }
    case 'listitem':
      return wrap('<li>', '</li>');
    case 'link':
    case 'autolink':
      return wrap(`<a href="${attr(str(node.url))}">`, '</a>');
    case 'code':
      // Lexical's own code block (Ghost writes a codeblock card instead), lines as children.
      return wrap('<pre><code>', '</code></pre>');
    case 'linebreak':
      return out.add('<br>');
    case 'tab':
      return out.add('\t');
  }
  if (typeof node.text === 'string') {
    // text, extended-text, tk (a "to come" marker), code-highlight: text with a format.
    let html = escapeHtml(node.text);
    const format = typeof node.format === 'number' ? node.format : 0;
    for (const [bit, tag] of TEXT_FORMATS) if (format & bit) html = `<${tag}>${html}</${tag}>`;
    return out.add(html);
  }
  // An element this renderer does not know keeps its content; a card it does not know is dropped.
  if (children) return wrap('', '');
  renderCard(type, node, out, ctx);
}

// ---- Mobiledoc ----

const MOBILEDOC_MARKUPS = new Set(['a', 'b', 'strong', 'i', 'em', 'code', 's', 'strike', 'del', 'u', 'sub', 'sup']);
const MOBILEDOC_BLOCKS = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote']);

function renderMobiledoc(doc: Json, out: HtmlOut, ctx: BodyContext): void {
  const sections = Array.isArray(doc.sections) ? doc.sections : [];
  const markups = Array.isArray(doc.markups) ? doc.markups : [];
  const atoms = Array.isArray(doc.atoms) ? doc.atoms : [];
  const cards = Array.isArray(doc.cards) ? doc.cards : [];
  // A section may name the same card many times: render each card once.
  const rendered = new Map<number, string>();

  const markers = (list: unknown) => {
    if (!Array.isArray(list)) return;
    const stack: string[] = [];
    for (const marker of list) {
      if (!Array.isArray(marker)) continue;
      // 0.3: [type, opened markups, closed count, text or atom]; 0.2: [opened, closed, text].
      const [type, opened, closed, value] = marker.length >= 4 ? marker : [0, ...marker];
      for (const index of Array.isArray(opened) ? opened : []) {
        if (stack.length >= EDITOR_MAX_DEPTH) throw tooDeep(ctx);
        const markup: unknown = typeof index === 'number' ? markups[index] : undefined;
        const tag = Array.isArray(markup) ? str(markup[0]).toLowerCase() : '';
        if (!MOBILEDOC_MARKUPS.has(tag)) {
          stack.push('');
          continue;
        }
        if (tag === 'a') {
          const attrs: unknown[] = Array.isArray(markup) && Array.isArray(markup[1]) ? markup[1] : [];
          const href = attrs.findIndex((a, i) => i % 2 === 0 && a === 'href');
          out.add(`<a href="${attr(href >= 0 ? str(attrs[href + 1]) : '')}">`);
        } else out.add(`<${tag}>`);
        stack.push(tag);
      }
      if (type === 1) {
        const atom: unknown = typeof value === 'number' ? atoms[value] : undefined;
        if (Array.isArray(atom)) out.add(atom[0] === 'soft-return' ? '<br>' : escapeHtml(str(atom[1])));
      } else out.add(escapeHtml(str(value)));
      const closing = typeof closed === 'number' ? Math.min(closed, stack.length) : 0;
      for (let i = 0; i < closing; i++) {
        const tag = stack.pop();
        if (tag) out.add(`</${tag}>`);
      }
    }
    while (stack.length) {
      const tag = stack.pop();
      if (tag) out.add(`</${tag}>`);
    }
  };

  for (const section of sections) {
    if (!Array.isArray(section)) continue;
    const kind: unknown = section[0];
    if (kind === 1) {
      const tag = str(section[1]).toLowerCase();
      const block = MOBILEDOC_BLOCKS.has(tag) ? tag : tag === 'aside' || tag === 'pull-quote' ? 'blockquote' : 'p';
      out.add(`<${block}>`);
      markers(section[2]);
      out.add(`</${block}>`);
    } else if (kind === 2) {
      if (section[1]) out.add(`<figure><img src="${attr(str(section[1]))}" alt=""></figure>`);
    } else if (kind === 3) {
      const tag = str(section[1]).toLowerCase() === 'ol' ? 'ol' : 'ul';
      out.add(`<${tag}>`);
      for (const item of Array.isArray(section[2]) ? section[2] : []) {
        out.add('<li>');
        markers(item);
        out.add('</li>');
      }
      out.add(`</${tag}>`);
    } else if (kind === 10 && typeof section[1] === 'number') {
      const index = section[1];
      let html = rendered.get(index);
      if (html === undefined) {
        const card: unknown = cards[index];
        const cardOut = new HtmlOut(ctx);
        if (Array.isArray(card)) renderCard(str(card[0]), isObject(card[1]) ? card[1] : {}, cardOut, ctx);
        html = cardOut.html();
        rendered.set(index, html);
      }
      out.add(html);
    }
  }
}

// ---- The body ----

export type GhostPostSource = { html?: string | null; lexical?: string | null; mobiledoc?: string | null };

/** Where the body comes from, or undefined for an empty post. */
export function bodySource(post: GhostPostSource): { kind: 'html' | 'lexical' | 'mobiledoc'; text: string } | undefined {
  if (typeof post.html === 'string' && post.html) return { kind: 'html', text: post.html };
  if (typeof post.lexical === 'string' && post.lexical) return { kind: 'lexical', text: post.lexical };
  if (typeof post.mobiledoc === 'string' && post.mobiledoc) return { kind: 'mobiledoc', text: post.mobiledoc };
  return undefined;
}

/**
 * The body of one post. `siteUrl` replaces Ghost's `__GHOST_URL__` placeholder ('' leaves
 * site paths such as `/content/images/…`). A post that is one Markdown card (what Ghost 1–3
 * wrote) stays Markdown.
 */
export function renderGhostBody(post: GhostPostSource, siteUrl: string, ctx: BodyContext): ImportedBody {
  const source = bodySource(post);
  if (!source) return { html: '' };
  const placeholders = (text: string) => text.split('__GHOST_URL__').join(siteUrl);
  if (source.kind === 'html') return { html: cleaned(placeholders(source.text), ctx) };

  const out = new HtmlOut(ctx);
  if (source.kind === 'lexical') {
    const nodes = lexicalRoot(source.text, ctx);
    const only = nodes.length === 1 && isObject(nodes[0]) ? nodes[0] : undefined;
    if (only?.type === 'markdown') return { markdown: bounded(placeholders(str(only.markdown)), ctx) };
    renderLexicalNodes(nodes, 1, out, ctx);
  } else {
    const doc = parseEditorJson(source.text, 'Mobiledoc', ctx);
    const only = Array.isArray(doc.sections) && doc.sections.length === 1 ? doc.sections[0] : undefined;
    const card: unknown =
      Array.isArray(only) && only[0] === 10 && typeof only[1] === 'number' && Array.isArray(doc.cards) ? doc.cards[only[1]] : undefined;
    if (Array.isArray(card) && (card[0] === 'markdown' || card[0] === 'card-markdown') && isObject(card[1]))
      return { markdown: bounded(placeholders(str(card[1].markdown)), ctx) };
    renderMobiledoc(doc, out, ctx);
  }
  return { html: cleaned(placeholders(out.html()), ctx) };
}

/**
 * Cleaning turns frames into links with their address as text, and editor data may hold more
 * text than the limit, so each finished body is measured again.
 */
function cleaned(html: string, ctx: BodyContext): string {
  return bounded(cleanGhostHtml(html, ctx.notes), ctx);
}

function bounded(body: string, ctx: BodyContext): string {
  if (body.length > IMPORT_LIMITS.bodyChars) throw tooLong(ctx);
  return body;
}

// ---- Cleaning Ghost's card chrome ----

/** Parts of Ghost's cards that are controls or decoration, dropped with their content. */
const CHROME_CLASSES = new Set([
  'kg-audio-player',
  'kg-audio-thumbnail',
  'kg-video-overlay',
  'kg-video-player-container',
  'kg-bookmark-description',
  'kg-bookmark-metadata',
  'kg-bookmark-thumbnail',
  'kg-file-card-icon',
  'kg-file-card-metadata',
  'kg-file-card-caption',
  'kg-signup-card',
]);

/** Blocks inside a card's link, made inline so the link stays one line of text. */
const INLINE_CLASSES = new Set(['kg-bookmark-content', 'kg-bookmark-title', 'kg-file-card-contents', 'kg-file-card-title']);

/**
 * What chrome is renamed to: a tag the cleaner keeps (sanitize-html leaves a renamed tag's name
 * behind for the next element at the same depth when the renamed tag is discarded), removed
 * with its content by a second linear pass. Text and attributes can't hold it: both are escaped.
 */
const DROPPED = 'quire-drop';

/** Every tag a post can use, less forms, scripts, styles and embedded objects. */
const KEPT_TAGS = [
  ...sanitizeHtml.defaults.allowedTags,
  'img',
  'picture',
  'source',
  'del',
  'ins',
  'details',
  'summary',
  'strike',
  'center',
  'big',
  'font',
  DROPPED,
];

/**
 * Ghost's HTML without its cards' controls: players, forms, thumbnails and icons go; frames,
 * audio and video become links to what they showed. One pass of sanitize-html, which parses
 * in linear time; only tag renames (never `exclusiveFilter`, which re-copies the output at each
 * dropped element) so a hostile post cannot make it quadratic.
 */
function cleanGhostHtml(html: string, notes: BodyNotes): string {
  const toLink =
    (kind: 'embeds' | 'media'): sanitizeHtml.Transformer =>
    (_tag, attribs): sanitizeHtml.Tag => {
      const src = attribs.src ?? '';
      if (!src) return { tagName: DROPPED, attribs: {} };
      notes[kind]++;
      return { tagName: 'a', attribs: { href: src }, text: src };
    };
  const unchrome: sanitizeHtml.Transformer = (tagName, attribs) => {
    const classes = attribs.class;
    if (!classes || !classes.includes('kg-')) return { tagName, attribs };
    const names = classes.split(/\s+/);
    if (names.includes('kg-signup-card')) notes.drop('signup');
    if (names.includes('kg-bookmark-card')) notes.bookmarks++;
    if (names.includes('kg-file-card')) notes.media++;
    if (names.some((name) => CHROME_CLASSES.has(name))) return { tagName: DROPPED, attribs: {} };
    if (names.some((name) => INLINE_CLASSES.has(name))) return { tagName: 'span', attribs };
    return { tagName, attribs };
  };
  const cleaned = sanitizeHtml(html, {
    allowedTags: KEPT_TAGS,
    allowedAttributes: false,
    disallowedTagsMode: 'discard',
    nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'template', 'svg', 'form', 'button', 'select'],
    // '*' runs after a tag's own transform, on every tag.
    transformTags: { iframe: toLink('embeds'), audio: toLink('media'), video: toLink('media'), '*': unchrome },
  });
  return removeDropped(cleaned);
}

/** `html` without each `<quire-drop>` element and its content (they may nest), in one pass. */
function removeDropped(html: string): string {
  const open = `<${DROPPED}>`;
  const close = `</${DROPPED}>`;
  let nextOpen = html.indexOf(open);
  if (nextOpen < 0) return html;
  let nextClose = html.indexOf(close);
  const kept: string[] = [];
  let at = 0;
  let depth = 0;
  // Each search starts past the last match of its own kind, so the whole is linear.
  while (nextOpen >= 0 || (depth > 0 && nextClose >= 0)) {
    if (nextOpen >= 0 && (nextClose < 0 || nextOpen < nextClose)) {
      if (depth === 0) kept.push(html.slice(at, nextOpen));
      depth++;
      nextOpen = html.indexOf(open, nextOpen + open.length);
    } else {
      depth = Math.max(0, depth - 1);
      const end = nextClose + close.length;
      if (depth === 0) at = end;
      nextClose = html.indexOf(close, end);
    }
  }
  if (depth === 0) kept.push(html.slice(at));
  return kept.join('');
}
