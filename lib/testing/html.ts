import { DomUtils, parseDocument } from 'htmlparser2';

type Element = ReturnType<typeof DomUtils.getElementsByTagName>[number];

/**
 * A page as a browser (or a crawler) parses it, for tests that read its <head>: meta tags,
 * links, scripts, and the elements of the page itself.
 */
export class ParsedPage {
  private readonly document;

  constructor(readonly html: string) {
    this.document = parseDocument(html);
  }

  elements(tag: string): Element[] {
    return DomUtils.getElementsByTagName(tag, this.document.children, true);
  }

  /** The content of every `<meta name=…>` or `<meta property=…>` with this key, in order. */
  meta(key: string): string[] {
    return this.elements('meta')
      .filter((el) => el.attribs.name === key || el.attribs.property === key)
      .map((el) => el.attribs.content ?? '');
  }

  /** The `<link>`s with this rel. */
  links(rel: string): Record<string, string>[] {
    return this.elements('link')
      .filter((el) => el.attribs.rel === rel)
      .map((el) => el.attribs);
  }

  scripts(): { type?: string; text: string }[] {
    return this.elements('script').map((el) => ({ type: el.attribs.type, text: DomUtils.textContent(el) }));
  }

  text(el: Element): string {
    return DomUtils.textContent(el);
  }

  title(): string {
    return DomUtils.textContent(this.elements('title')[0] ?? []);
  }
}
