import TurndownService from 'turndown';
import { gfm } from 'turndown-plugin-gfm';
import { parseHtml } from './html-dom';

/**
 * Imported HTML becomes Markdown (README, "Moving in": why), with turndown and its GitHub
 * tables plugin: the editor then opens an imported post like any other, and the page is
 * rendered and sanitized by the same pipeline as every post (lib/markdown). What Markdown cannot
 * say but the sanitizer allows stays as HTML inside the Markdown: figures with their captions,
 * sup/sub/mark/kbd, tables it cannot express. Scripts, styles, forms and iframes go (an iframe
 * becomes a link to what it showed).
 */

let service: TurndownService | undefined;

function converter(): TurndownService {
  if (service) return service;
  service = new TurndownService({
    headingStyle: 'atx',
    codeBlockStyle: 'fenced',
    bulletListMarker: '-',
    emDelimiter: '*',
    hr: '---',
    linkStyle: 'inlined',
  });
  service.use(gfm);
  service.keep(['figure', 'sup', 'sub', 'mark', 'kbd', 'abbr', 'details']);
  service.remove(['script', 'style', 'noscript', 'form', 'input', 'button', 'select', 'textarea', 'object', 'embed', 'template']);
  // A link that could not be one on the blog (javascript:, data:) keeps its text only.
  service.addRule('unsafeLink', {
    filter: (node) => node.nodeName === 'A' && !/^(https?:|mailto:|[/#?.]|[^:]*$)/i.test(node.getAttribute('href')?.trim() ?? ''),
    replacement: (content) => content,
  });
  service.addRule('iframe', {
    filter: ['iframe', 'video', 'audio'],
    replacement: (_content, node) => {
      const element = node as HTMLElement;
      const src = element.getAttribute('src') ?? element.querySelector?.('source')?.getAttribute('src') ?? '';
      return /^https?:\/\//i.test(src) ? `\n\n<${src}>\n\n` : '';
    },
  });
  return service;
}

/**
 * `what` names the text in the sentence refusing HTML nested past reason (turndown walks the tree
 * recursively: hostile nesting would overflow the stack).
 */
export function htmlToMarkdown(html: string, what = 'This text'): string {
  parseHtml(html, what);
  return converter()
    .turndown(html)
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
