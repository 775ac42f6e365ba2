import { DomHandler, DomUtils, Parser } from 'htmlparser2';
import { InputError } from '@/lib/input';
import { escapeHtml } from '@/lib/markdown/text';

/**
 * HTML from an export, parsed into a tree (htmlparser2, as sanitize-html does) and written out
 * again with the source's own markup replaced: for readers that clean a platform's HTML before
 * the applier turns it into Markdown. Every walk here is a loop, not a recursion, and nesting is
 * bounded while parsing, so hostile HTML costs time in proportion to its length.
 */
type HtmlDocument = DomHandler['root'];
export type HtmlNode = HtmlDocument['children'][number];
export type HtmlElement = Extract<HtmlNode, { attribs: Record<string, string> }>;

/** Deeper than any real post; past it, htmlparser2's search of its open tags would cost depth × tags. */
const HTML_MAX_DEPTH = 256;

class BoundedHandler extends DomHandler {
  constructor(private readonly name: string) {
    super();
  }

  override onopentag(name: string, attribs: Record<string, string>): void {
    if (this.tagStack.length > HTML_MAX_DEPTH) {
      throw new InputError(`${this.name} nests its HTML more than ${HTML_MAX_DEPTH} levels deep.`);
    }
    super.onopentag(name, attribs);
  }
}

/** The fragment's nodes; `name` (the file or item) is named in a refusal. */
export function parseHtml(html: string, name: string): HtmlNode[] {
  const handler = new BoundedHandler(name);
  new Parser(handler, { decodeEntities: true }).end(html);
  return handler.root.children;
}

/** What to write for an element: itself (`keep`), its children only, nothing, or this HTML. */
export type HtmlAction = 'keep' | 'unwrap' | 'drop' | { html: string };

const VOID_ELEMENTS = new Set(['area', 'br', 'col', 'embed', 'hr', 'img', 'input', 'source', 'track', 'wbr']);
/** Attributes that mean something once the page is Markdown; the rest are the source's styling and scripts. */
const KEPT_ATTRIBUTES = new Set(['href', 'src', 'alt', 'title', 'start', 'colspan', 'rowspan', 'lang', 'dir', 'cite', 'datetime']);

/** The nodes as HTML, each element as `decide` says; comments and doctypes are left out. */
export function renderHtml(nodes: HtmlNode[], decide: (element: HtmlElement) => HtmlAction): string {
  const out: string[] = [];
  const stack: (HtmlNode | string)[] = [...nodes].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (typeof node === 'string') out.push(node);
    else if (DomUtils.isText(node)) out.push(escapeHtml(node.data));
    else if (DomUtils.isTag(node)) {
      const action = decide(node);
      if (action === 'drop') continue;
      if (typeof action === 'object') {
        out.push(action.html);
        continue;
      }
      // A name htmlparser2 let through but HTML has no use for (`<a"b>`) keeps only its content.
      const keep = action === 'keep' && /^[a-z][a-z0-9-]*$/.test(node.name);
      if (keep) out.push(openTag(node));
      if (VOID_ELEMENTS.has(node.name)) continue;
      if (keep) stack.push(`</${node.name}>`);
      for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
    }
  }
  return out.join('');
}

function openTag(element: HtmlElement): string {
  let tag = `<${element.name}`;
  for (const [name, value] of Object.entries(element.attribs)) {
    const kept = KEPT_ATTRIBUTES.has(name) || (name === 'class' && element.name === 'code' && /^language-[\w+#-]{1,40}$/.test(value));
    if (kept) tag += ` ${name}="${escapeHtml(value)}"`;
  }
  return `${tag}>`;
}

/** Every element under `root`, in document order. */
export function* descendants(root: HtmlElement): Generator<HtmlElement> {
  const stack: HtmlNode[] = [...root.children].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (!DomUtils.isTag(node)) continue;
    yield node;
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
}

export function findDescendant(root: HtmlElement, test: (element: HtmlElement) => boolean): HtmlElement | undefined {
  for (const element of descendants(root)) if (test(element)) return element;
  return undefined;
}

/** The text under `root`, as a reader sees it (entities decoded). */
export function textOf(root: HtmlElement): string {
  const parts: string[] = [];
  const stack: HtmlNode[] = [...root.children].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (DomUtils.isText(node)) parts.push(node.data);
    else if (DomUtils.isTag(node)) for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return parts.join('');
}

export function hasClass(element: HtmlElement, ...names: string[]): boolean {
  const classes = (element.attribs.class ?? '').split(/\s+/);
  return names.some((name) => classes.includes(name));
}

/** A JSON object kept in an attribute (Substack's `data-attrs`), or {} when it is anything else. */
export function jsonAttribute(element: HtmlElement, name: string): Record<string, unknown> {
  const text = element.attribs[name];
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The URL when it is an absolute http(s) one, else undefined. */
export function httpUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value.trim());
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** An `<a>` in its own paragraph: what an embed becomes. */
export function linkParagraph(url: string, text: string = url): string {
  return `<p><a href="${escapeHtml(url)}">${escapeHtml(text)}</a></p>`;
}
