import { parseDocument } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { COMMENT_XSS_CORPUS } from '@/lib/testing/xss-corpus';
import { escapeHtml, excerptFromHtml, readingMinutes, renderComment, renderMarkdown, sanitizeWithAbsoluteUrls, type ImageLookup } from './render';

type Node = { type: string; name?: string; attribs?: Record<string, string>; children?: Node[] };

function elements(node: Node): Node[] {
  const own = node.type === 'tag' || node.type === 'script' || node.type === 'style' ? [node] : [];
  return [...own, ...(node.children ?? []).flatMap(elements)];
}

const DANGEROUS_TAGS = new Set([
  'script', 'iframe', 'svg', 'math', 'object', 'embed', 'form', 'style', 'link', 'meta', 'base',
  'noscript', 'frame', 'frameset', 'template', 'textarea', 'button', 'select',
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
    const html = renderMarkdown(
      '## Getting Started\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n- [ ] todo\n\n~~gone~~',
    );
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
      renderMarkdown('[a](/posts/other) [b](#notes) [c](sibling) [d](https://example.com/x) [e](mailto:me@example.com) ![f](/media/3/cat.png)'),
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
  const img = (html: string) => elements(parseDocument(html) as unknown as Node).filter((el) => el.name === 'img').map((el) => el.attribs!);

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
    ['on an image of another site', '<img src="https://example.com/a.png" srcset="https://tracker.test/pixel.png 1x, javascript:alert(1) 2x" sizes="1px" loading="eager">'],
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

describe('renderComment', () => {
  it('keeps the small Markdown subset: paragraphs, line breaks, emphasis, code, quotes, lists, links', () => {
    const html = renderComment(
      'First line\nsecond line\n\n*em* **strong** `x < y`\n\n```\nlet a = "<b>";\n```\n\n> quoted\n\n- one\n- two\n\n3. three\n\n[site](https://example.com) and mail@example.com',
    );
    expect(html).toContain('<p>First line<br />second line</p>');
    expect(html).toContain('<em>em</em> <strong>strong</strong> <code>x &lt; y</code>');
    expect(html).toContain('<pre><code>let a = "&lt;b&gt;";\n</code></pre>');
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
    const html = renderComment(body);
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
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters that matter in text and attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#60;/a&#62;');
  });
});
