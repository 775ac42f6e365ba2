import { parseDocument } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { excerptFromHtml, readingMinutes, renderMarkdown, type ImageLookup } from './render';

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
