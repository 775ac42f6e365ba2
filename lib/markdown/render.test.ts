import { parseDocument } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { COMMENT_XSS_CORPUS } from '@/lib/testing/xss-corpus';
import { COMMENT_BODY_MAX } from '@/lib/comments/fields';
import { excerptFromHtml, htmlToText, renderComment, renderMarkdown, sanitizeWithAbsoluteUrls, type ImageLookup } from './render';
import { escapeHtml, readingMinutes } from './text';

type Node = { type: string; name?: string; attribs?: Record<string, string>; children?: Node[] };

function elements(node: Node): Node[] {
  const own = node.type === 'tag' || node.type === 'script' || node.type === 'style' ? [node] : [];
  return [...own, ...(node.children ?? []).flatMap(elements)];
}

const DANGEROUS_TAGS = new Set([
  'script',
  'iframe',
  'svg',
  'math',
  'object',
  'embed',
  'form',
  'style',
  'link',
  'meta',
  'base',
  'noscript',
  'frame',
  'frameset',
  'template',
  'textarea',
  'button',
  'select',
]);

/**
 * Parses the output as a browser would and checks every element: nothing that can run script,
 * load active content or restyle the page survives.
 */
function expectInert(html: string) {
  for (const el of elements(parseDocument(html) as unknown as Node)) {
    expect(DANGEROUS_TAGS.has(el.name!), `<${el.name}> in ${html}`).toBe(false);
    for (const [name, value] of Object.entries(el.attribs ?? {})) {
      expect(name.startsWith('on'), `${name}= in ${html}`).toBe(false);
      expect(['style', 'srcdoc', 'formaction', 'xlink:href'].includes(name), `${name}= in ${html}`).toBe(false);
      if (name === 'href' || name === 'src') {
        const scheme = /^\s*([a-z][a-z0-9+.-]*):/i.exec(value.replace(/[\s\u0000-\u001f]/g, ''));
        expect(scheme === null || ['http', 'https', 'mailto'].includes(scheme[1]!.toLowerCase()), `${value} in ${html}`).toBe(true);
        expect(value.startsWith('//'), `protocol-relative ${value}`).toBe(false);
      }
    }
  }
}

describe('renderMarkdown', () => {
  it('renders GFM: headings with ids, tables, task lists, strikethrough', () => {
    const html = renderMarkdown('## Getting Started\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n- [ ] todo\n\n~~gone~~');
    expect(html).toContain('<h2 id="getting-started">Getting Started</h2>');
    expect(html).toContain('<table>');
    expect(html).toContain('<td>1</td>');
    expect(html).toMatch(/<input (?=[^>]*type="checkbox")(?=[^>]*checked)[^>]*>/);
    expect(html).toContain('<del>gone</del>');
  });

  it('highlights fenced code with highlight.js classes, and escapes it', () => {
    const html = renderMarkdown('```js\nconst a = "<b>";\n```');
    expect(html).toContain('<code class="hljs language-js">');
    expect(html).toContain('<span class="hljs-keyword">const</span>');
    expect(html).toContain('&lt;b&gt;');
  });

  it('falls back to plain text for an unknown language', () => {
    const html = renderMarkdown('```nosuchlang\nx <y>\n```');
    expect(html).toContain('x &lt;y&gt;');
  });

  it('numbers repeated heading ids, and takes them from the text, not the markup', () => {
    const html = renderMarkdown('## Intro\n\n## Intro\n\n# Intro\n\n## A *big* `deal` & more\n\nSetext\n---');
    expect([...html.matchAll(/<h\d id="([^"]*)">/g)].map((m) => m[1])).toEqual([
      'intro',
      'intro-1',
      'intro-2',
      'a-big-deal--more',
      'setext',
    ]);
  });

  it('strikes through with one tilde or two', () => {
    expect(renderMarkdown('~one~ and ~~two~~, not ~~~three')).toBe('<p><del>one</del> and <del>two</del>, not ~~~three</p>\n');
  });

  it('links www. addresses and full URLs, but not file names', () => {
    const html = renderMarkdown('See www.example.com, https://example.com/x and README.md or node.js.');
    expect(html).toContain('<a href="http://www.example.com" rel="noopener nofollow">www.example.com</a>,');
    expect(html).toContain('<a href="https://example.com/x" rel="noopener nofollow">https://example.com/x</a>');
    expect(html).toContain(' README.md or node.js.');
  });

  it('aligns table cells with the align attribute', () => {
    const html = renderMarkdown('| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |');
    expect(html).toContain('<th align="left">a</th>');
    expect(html).toContain('<td align="center">2</td>');
    expect(html).toContain('<td align="right">3</td>');
  });

  it('gives indented code and fenced code without a language the hljs class, escaped', () => {
    expect(renderMarkdown('    x <y>')).toBe('<pre tabindex="0"><code class="hljs">x &lt;y&gt;\n</code></pre>\n');
    expect(renderMarkdown('```\nx <y>\n```')).toBe('<pre tabindex="0"><code class="hljs">x &lt;y&gt;\n</code></pre>\n');
  });

  it('lets the keyboard reach every code block, whatever tabindex the author wrote', () => {
    expect(renderMarkdown('<pre tabindex="-1" onfocus="x()">a</pre>\n\n<pre tabindex="7">b</pre>')).toBe(
      '<pre tabindex="0">a</pre>\n<pre tabindex="0">b</pre>',
    );
    expect(renderComment('```\nx\n```')).toBe('<pre tabindex="0"><code>x\n</code></pre>\n');
  });

  it('puts the checkbox of a loose task list in its paragraph, and leaves a bare [x] alone', () => {
    const html = renderMarkdown('- [x] one\n\n- [ ] two\n\n- [x]\n\n- [ ]nospace');
    expect(html).toMatch(/<li>\s*<p><input checked disabled type="checkbox" \/> one<\/p>/);
    expect(html).toMatch(/<li>\s*<p><input disabled type="checkbox" \/> two<\/p>/);
    expect(html).toContain('<p>[x]</p>');
    expect(html).toContain('<p>[ ]nospace</p>');
  });

  it('highlights a code block of up to 5,000 characters, and shows a longer one plain', () => {
    const block = (length: number) => '```js\n' + 'let a;\n'.repeat(length / 7) + '```';
    expect(renderMarkdown(block(4998))).toContain('<span class="hljs-keyword">let</span>');
    const long = renderMarkdown(block(5005));
    expect(long).toContain('<code class="hljs language-js">let a;\nlet a;');
    expect(long).not.toContain('<span');
  });

  it('keeps ordinary links and images, and marks external links nofollow', () => {
    const html = renderMarkdown('[site](https://example.com) ![cat](https://example.com/cat.png)');
    expect(html).toContain('href="https://example.com"');
    expect(html).toContain('rel="noopener nofollow"');
    expect(html).toContain('<img src="https://example.com/cat.png" alt="cat"');
  });

  it.each([
    ['script tag', '<script>alert(1)</script>'],
    ['script tag, odd case', '<ScRiPt>alert(1)</sCrIpT>'],
    ['javascript: link', '[click](javascript:alert(1))'],
    ['javascript: link, encoded', '[click](jav&#x61;script:alert(1))'],
    ['javascript: link, raw HTML', '<a href="javascript:alert(1)">x</a>'],
    ['javascript: with whitespace', '<a href=" java\tscript:alert(1)">x</a>'],
    ['vbscript: link', '<a href="vbscript:msgbox(1)">x</a>'],
    ['onerror attribute', '<img src=x onerror=alert(1)>'],
    ['onclick attribute', '<p onclick="alert(1)">hi</p>'],
    ['onmouseover in link', '<a href="https://x.test" onmouseover="alert(1)">x</a>'],
    ['iframe', '<iframe src="https://evil.test"></iframe>'],
    ['iframe srcdoc', '<iframe srcdoc="<script>alert(1)</script>"></iframe>'],
    ['svg onload', '<svg onload=alert(1)><circle r=1 /></svg>'],
    ['svg with script', '<svg><script>alert(1)</script></svg>'],
    ['data: URL link', '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)'],
    ['data: URL image', '![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)'],
    ['data: URL raw img', '<img src="data:image/png;base64,AAAA">'],
    ['object/embed', '<object data="x.swf"></object><embed src="x.swf">'],
    ['form', '<form action="https://evil.test"><input name=a><button>go</button></form>'],
    ['style tag', '<style>body{display:none}</style>'],
    ['style attribute', '<p style="position:fixed;inset:0">cover</p>'],
    ['meta refresh', '<meta http-equiv="refresh" content="0;url=https://evil.test">'],
    ['base tag', '<base href="https://evil.test/">'],
    ['HTML inside Markdown emphasis', '**<img src=x onerror=alert(1)>**'],
    ['HTML inside a table cell', '| a |\n|---|\n| <script>alert(1)</script> |'],
    ['HTML inside a list', '- <iframe src=//evil.test></iframe>'],
    ['link title breaking out', '[x](https://x.test "a\\" onmouseover=\\"alert(1)")'],
    ['protocol-relative image', '<img src="//evil.test/x.png">'],
    ['math/mathml', '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>'],
    ['noscript trick', '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'],
  ])('neutralises %s', (_name, markdown) => {
    expectInert(renderMarkdown(markdown));
  });

  it('uses a checker that does catch unsanitized HTML', () => {
    expect(() => expectInert('<img src=x onerror=alert(1)>')).toThrow();
    expect(() => expectInert('<a href=" javascript:alert(1)">x</a>')).toThrow();
    expect(() => expectInert('<svg><circle /></svg>')).toThrow();
  });

  it('keeps the text of a removed tag readable but never executable', () => {
    const html = renderMarkdown('Hello <script>alert(1)</script> world');
    expect(html).toContain('Hello');
    expect(html).toContain('world');
    expect(html).not.toContain('alert(1)');
  });
});

describe('sanitizeWithAbsoluteUrls (feeds)', () => {
  const page = 'http://blog.localhost:3000/posts/hello';
  const attributes = (html: string, name: string) =>
    elements(parseDocument(html) as unknown as Node).flatMap((el) => (el.attribs?.[name] === undefined ? [] : [el.attribs[name]]));

  it('resolves relative links and images against the page, and leaves other sites alone', () => {
    const html = sanitizeWithAbsoluteUrls(
      renderMarkdown(
        '[a](/posts/other) [b](#notes) [c](sibling) [d](https://example.com/x) [e](mailto:me@example.com) ![f](/media/3/cat.png)',
      ),
      page,
    );
    expect(attributes(html, 'href')).toEqual([
      'http://blog.localhost:3000/posts/other',
      'http://blog.localhost:3000/posts/hello#notes',
      'http://blog.localhost:3000/posts/sibling',
      'https://example.com/x',
      'mailto:me@example.com',
    ]);
    expect(attributes(html, 'src')).toEqual(['http://blog.localhost:3000/media/3/cat.png']);
    // Our own links stay followable; other sites' stay nofollow.
    expect(html).toContain('<a href="http://blog.localhost:3000/posts/other">');
    expect(html).toContain('<a href="https://example.com/x" rel="noopener nofollow">');
  });

  it.each([
    ['a protocol-relative link', '<a href="//evil.test/x">x</a>'],
    ['a backslashed one', '<a href="\\\\evil.test/x">x</a>'],
    ['one behind a tab', '<a href="/\t/evil.test/x">x</a>'],
    ['a javascript: link', '<a href="javascript:alert(1)">x</a>'],
    ['a hostile image', '<img src="x" onerror="alert(1)">'],
  ])('never turns %s into a working address elsewhere, nor lets script through', (_name, html) => {
    const out = sanitizeWithAbsoluteUrls(html, page);
    expectInert(out);
    for (const value of [...attributes(out, 'href'), ...attributes(out, 'src')]) {
      expect(new URL(value, page).origin).toBe('http://blog.localhost:3000');
    }
  });
});

describe("the blog's own images", () => {
  // What lib/media answers for image 7 of a blog; any other address is unknown.
  const images: ImageLookup = (src) =>
    src === '/media/7/sea.jpg'
      ? { src: '/media/7/sea.jpg', srcset: '/media/7/w640/sea.jpg 640w, /media/7/sea.jpg 1200w', sizes: '100vw', width: 1200, height: 800 }
      : undefined;
  const img = (html: string) =>
    elements(parseDocument(html) as unknown as Node)
      .filter((el) => el.name === 'img')
      .map((el) => el.attribs!);

  it('get srcset, sizes, their size and lazy loading, from Markdown and from raw HTML', () => {
    for (const markdown of ['![The sea](/media/7/sea.jpg)', '<img src="/media/7/sea.jpg" alt="The sea">']) {
      expect(img(renderMarkdown(markdown, { images }))).toEqual([
        {
          src: '/media/7/sea.jpg',
          alt: 'The sea',
          srcset: '/media/7/w640/sea.jpg 640w, /media/7/sea.jpg 1200w',
          sizes: '100vw',
          width: '1200',
          height: '800',
          loading: 'lazy',
          decoding: 'async',
        },
      ]);
    }
  });

  it('keep a size the author chose', () => {
    const [attribs] = img(renderMarkdown('<img src="/media/7/sea.jpg" alt="" width="300">', { images }));
    expect(attribs).toMatchObject({ width: '300', srcset: expect.stringContaining('640w') });
    expect(attribs!.height).toBeUndefined();
  });

  it.each([
    [
      'on an image of another site',
      '<img src="https://example.com/a.png" srcset="https://tracker.test/pixel.png 1x, javascript:alert(1) 2x" sizes="1px" loading="eager">',
    ],
    ['on an unknown address of the blog', '<img src="/media/999/nope.png" srcset="https://tracker.test/p.png 2x">'],
    ['on one of its own images', '<img src="/media/7/sea.jpg" srcset="https://tracker.test/p.png 2x" sizes="1px">'],
  ])('never keep a srcset the author wrote %s', (_name, markdown) => {
    for (const attribs of img(renderMarkdown(markdown, { images }))) {
      expect(attribs.srcset ?? '').not.toMatch(/tracker|javascript/);
      expect(attribs.sizes ?? '').not.toBe('1px');
      expect(attribs.loading).toBe('lazy');
    }
    expect(img(renderMarkdown(markdown)).every((attribs) => attribs.srcset === undefined)).toBe(true);
  });
});

describe('excerpts and reading time', () => {
  it('cuts the text at a word boundary and decodes entities', () => {
    const html = renderMarkdown(`Fish & chips. ${'word '.repeat(100)}`);
    const excerpt = excerptFromHtml(html, 60);
    expect(excerpt.startsWith('Fish & chips.')).toBe(true);
    expect(excerpt.endsWith('…')).toBe(true);
    expect(excerpt.length).toBeLessThanOrEqual(61);
  });

  it('keeps list items apart: a paragraph and a list read as a sentence and a list', () => {
    const html = renderMarkdown('Just a walk.\n\n- boots\n- water\n- map\n');
    expect(excerptFromHtml(html)).toBe('Just a walk. boots, water, map');
    expect(htmlToText(renderMarkdown('Packing list\n\n1. boots\n2. water\n\nThen we left'))).toBe(
      'Packing list. boots, water. Then we left',
    );
  });

  it('ends each block with a separator, and never doubles the punctuation an author wrote', () => {
    expect(htmlToText(renderMarkdown('# Rain\n\nWet feet\n\n> A quote!\n\nDone.'))).toBe('Rain. Wet feet. A quote! Done.');
    expect(htmlToText(renderMarkdown('You need:\n\n- boots;\n- a map'))).toBe('You need: boots; a map');
    // Loose lists (a paragraph per item) and nested lists read one item at a time.
    expect(htmlToText(renderMarkdown('- boots\n\n- water\n'))).toBe('boots. water');
    expect(htmlToText(renderMarkdown('- gear\n  - boots\n  - map\n- food'))).toBe('gear, boots, map. food');
  });

  it('is not fooled by the separators it uses, typed into a post', () => {
    expect(htmlToText(renderMarkdown('a\uE010b\uE011c'))).toBe('abc');
  });

  it('rounds reading time to whole minutes, at least one', () => {
    expect(readingMinutes('short')).toBe(1);
    expect(readingMinutes('word '.repeat(1500))).toBe(7);
  });
});

/** Every tag closed as it was opened: an element left open would swallow the page after it. */
function expectBalanced(html: string) {
  const open: string[] = [];
  for (const [, closing, name] of html.matchAll(/<(\/?)([a-z][a-z0-9]*)\b[^>]*>/gi)) {
    if (name === 'br') continue;
    if (!closing) open.push(name!);
    else expect(open.pop(), `</${name}> in ${html}`).toBe(name);
  }
  expect(open, html).toEqual([]);
}

const COMMENT_TAGS = new Set(['p', 'br', 'em', 'strong', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a']);

/** Inert, balanced, and only the comment subset's tags and attributes; links to http(s) and mailto only. */
function expectCommentSubset(html: string) {
  expectInert(html);
  expectBalanced(html);
  for (const el of elements(parseDocument(html) as unknown as Node)) {
    expect(COMMENT_TAGS.has(el.name!), `<${el.name}> in ${html}`).toBe(true);
    const allowed = el.name === 'a' ? ['href', 'rel'] : el.name === 'ol' ? ['start'] : [];
    for (const name of Object.keys(el.attribs ?? {})) expect(allowed, `${name}= on <${el.name}> in ${html}`).toContain(name);
    if (el.name === 'a') {
      expect(el.attribs!.href, html).toMatch(/^(https?|mailto):/i);
      expect(el.attribs!.rel).toBe('nofollow ugc noopener');
    }
  }
}

describe('renderComment', () => {
  it('keeps the small Markdown subset: paragraphs, line breaks, emphasis, code, quotes, lists, links', () => {
    const html = renderComment(
      'First line\nsecond line\n\n*em* **strong** `x < y`\n\n```\nlet a = "<b>";\n```\n\n> quoted\n\n- one\n- two\n\n3. three\n\n[site](https://example.com) and mail@example.com',
    );
    expect(html).toContain('<p>First line<br />second line</p>');
    expect(html).toContain('<em>em</em> <strong>strong</strong> <code>x &lt; y</code>');
    expect(html).toContain('<pre tabindex="0"><code>let a = "&lt;b&gt;";\n</code></pre>');
    expect(html).toContain('<blockquote>\n<p>quoted</p>\n</blockquote>');
    expect(html).toContain('<ul>\n<li>one</li>\n<li>two</li>\n</ul>');
    expect(html).toContain('<ol start="3">');
    expect(html).toContain('<a href="https://example.com" rel="nofollow ugc noopener">site</a>');
    expect(html).toContain('<a href="mailto:mail@example.com" rel="nofollow ugc noopener">mail@example.com</a>');
  });

  it('shows headings, tables, rules, images and raw HTML as the reader typed them', () => {
    expect(renderComment('# Big')).toBe('<p># Big</p>\n');
    expect(renderComment('| a |\n|---|\n| 1 |')).toBe('<p>| a |<br />|---|<br />| 1 |</p>\n');
    expect(renderComment('---')).toBe('<p>---</p>\n');
    expect(renderComment('![cat](https://example.com/cat.png)')).toBe('<p>![cat](https://example.com/cat.png)</p>\n');
    expect(renderComment('<b>bold</b> & more')).toBe('<p>&lt;b&gt;bold&lt;/b&gt; &amp; more</p>\n');
  });

  it('keeps the text of a link to anything but http, https or mailto, without the link', () => {
    expect(renderComment('[home](/dashboard)')).toBe('<p>home</p>\n');
    expect(renderComment('[x](ftp://example.com)')).toBe('<p>x</p>\n');
    // The link after a refused one is closed where it ends, not left open over the page.
    expect(renderComment('[bad](javascript:x) [good](https://x.test) after')).toBe(
      '<p>bad <a href="https://x.test" rel="nofollow ugc noopener">good</a> after</p>\n',
    );
  });

  it.each(COMMENT_XSS_CORPUS)('neutralises %s', (_name, body) => {
    expectCommentSubset(renderComment(body));
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters that matter in text and attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#60;/a&#62;');
  });
});

/** lib/posts POST_MARKDOWN_MAX: the longest post or page anyone may save. */
const POST_MAX = 200_000;

/** `unit` repeated to exactly `length` characters. */
const fill = (unit: string, length = POST_MAX) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
const tags = (html: string, name: string) => elements(parseDocument(html) as unknown as Node).filter((el) => el.name === name);
/** Text without the characters emphasis consumes, nor whitespace: what must survive as text. */
const letters = (text: string) => text.replace(/[*_~\s]/g, '');

// What once made the renderer slow or crash, at the post limit. bench/markdown.ts times them;
// these tests only check what comes out.
describe('hostile Markdown', () => {
  it.each([
    ['a deep block quote', '> ', 'blockquote'],
    ['a deep ordered list on one line', '1. ', 'ol'],
    ['a list in a quote on one line', '> - ', 'blockquote'],
    ['a deep list of alternating markers', '- * ', 'ul'],
  ])('nests %s only as deep as the nesting limit, balanced', (_name, unit, tag) => {
    for (const html of [renderMarkdown(fill(unit)), renderComment(fill(unit))]) {
      expect(tags(html, tag).length).toBeGreaterThan(8);
      expect(tags(html, tag).length).toBeLessThanOrEqual(32);
      expectBalanced(html);
      expectInert(html);
    }
  });

  it('nests a deeply indented list only as deep as the limit', () => {
    const html = renderMarkdown(Array.from({ length: 440 }, (_, i) => `${' '.repeat(i * 2)}- a`).join('\n'));
    expect(tags(html, 'ul').length).toBeGreaterThan(8);
    expect(tags(html, 'ul').length).toBeLessThanOrEqual(32);
    expectBalanced(html);
  });

  it.each([
    ['mixed emphasis', '*a **b _c ~~d'],
    ['mixed emphasis with spaces', '*a **b _c ~~d '],
    ['open emphasis', '*a '],
    ['underscores', '_a __b '],
    ['nested brackets', '[[[[[]]]]]'],
    ['open brackets', '[a '],
    ['links left open', '[a](b '],
    ['images left open', '![a '],
    ['link titles left open', '[a](b "'],
    ['angle destinations left open', '[a](<b '],
    ['numeric entities left open', '&#'],
    ['stray tags', '<a '],
    ['stray close tags', '</a '],
  ])('keeps the text of %s, and nothing runs', (_name, unit) => {
    const markdown = unit === '[[[[[]]]]]' ? '['.repeat(POST_MAX / 2) + ']'.repeat(POST_MAX / 2) : fill(unit);
    const html = renderMarkdown(markdown);
    expect(letters(htmlToText(html))).toBe(letters(markdown));
    expectInert(html);
    expectBalanced(html);
  });

  it('makes each of many nested links a link, inside the brackets around it', () => {
    const html = renderMarkdown(fill('[[a](b) '));
    expect(tags(html, 'a').length).toBe(POST_MAX / 8);
    expect(html.startsWith('<p>[<a href="b">a</a> [<a href="b">a</a> ')).toBe(true);
  });

  it('links every use of thousands of reference definitions', () => {
    const definitions = Array.from({ length: 5000 }, (_, i) => `[r${i}]: /u${i}`).join('\n');
    const html = renderMarkdown(`${definitions}\n\n${fill('[r1] [r2][] [a][r3] ', POST_MAX / 2)}`);
    for (const href of ['/u1', '/u2', '/u3']) expect(tags(html, 'a').filter((a) => a.attribs!.href === href).length).toBe(5000);
  });

  it('links each of many www. addresses, nofollow', () => {
    const links = tags(renderMarkdown(fill('www.a ')), 'a');
    expect(links.length).toBe(Math.floor(POST_MAX / 6));
    expect(links.every((a) => a.attribs!.href === 'http://www.a' && a.attribs!.rel === 'noopener nofollow')).toBe(true);
  });

  it('gives each of thousands of same-named headings an id of its own', () => {
    const ids = tags(renderMarkdown(fill('## a\n\n')), 'h2').map((h) => h.attribs!.id);
    expect(ids.length).toBe(Math.ceil(POST_MAX / 6));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("renders a wide table up to markdown-it's limit of filled-in cells, the rest as text", () => {
    const header = `|${'a|'.repeat(5000)}\n|${'-|'.repeat(5000)}\n`;
    const html = renderMarkdown(header + fill('|x|\n', POST_MAX - header.length));
    const count = (name: string) => html.split(`<${name}>`).length - 1;
    expect([count('table'), count('th'), count('p')]).toEqual([1, 5000, 1]);
    expect(count('td')).toBeLessThanOrEqual(65_536);
    expectBalanced(html);
  });

  it('drops an HTML comment left open and nested disallowed tags; closes nested allowed ones', () => {
    expect(renderMarkdown(fill('<!-- '))).toBe('');
    expect(renderMarkdown(fill('<div>'))).toBe('');
    // Raw HTML nests as deep as it was written (the nesting limit is markdown-it's): counted
    // here by pattern, as the tree is too deep for elements() to walk.
    const spans = renderMarkdown(fill('<span>'));
    expect(spans.match(/<span>/g)!.length).toBe(Math.floor(POST_MAX / 6));
    expectBalanced(spans);
  });

  it('pairs code spans across runs of backticks', () => {
    const html = renderMarkdown(fill('`a ``b ```c '));
    expect(tags(html, 'code').length).toBeGreaterThan(1000);
    expectBalanced(html);
  });

  it.each(['js', 'html', 'markdown', 'css'])('shows a 200,000-character %s block plain, every character kept', (lang) => {
    const code = fill('({["\'`<a> *b* [c](d `e` /* ', POST_MAX - 20);
    const html = renderMarkdown(`\`\`\`${lang}\n${code}\n\`\`\``);
    expect(html.startsWith(`<pre tabindex="0"><code class="hljs language-${lang}">`)).toBe(true);
    expect(tags(html, 'span')).toEqual([]);
    expect(htmlToText(html)).toBe(code);
  });

  it('renders every one of many small code blocks', () => {
    const html = renderMarkdown(fill('```js\nlet a\n```\n'));
    const blocks = tags(html, 'code');
    expect(blocks.length).toBe(Math.ceil(POST_MAX / 16));
    expect(blocks.every((code) => code.attribs!.class === 'hljs language-js')).toBe(true);
    expect(html.startsWith('<pre tabindex="0"><code class="hljs language-js"><span class="hljs-keyword">let</span> a')).toBe(true);
  });

  it.each([
    ['mixed emphasis', '*a **b _c ~~d'],
    ['nested links', '[[a](b) '],
    ['links left open', '[a](b '],
    ['images', '![a](b) '],
    ['deep quote', '> '],
    ['deep list', '- * '],
    ['raw HTML', '<a href="javascript:x"><img src=x onerror=y>'],
    ['autolinks', '<http://a <javascript:b> '],
    ['bare addresses', 'www.a a@b.cc ftp://c.d '],
    ['backticks', '`a ``b ```c '],
    ['tables', '|a|\n|-|\n'],
    ['headings', '# a\n'],
  ])('keeps a comment of %s at the length limit to the subset', (_name, unit) => {
    expectCommentSubset(renderComment(fill(unit, COMMENT_BODY_MAX)));
  });
});
