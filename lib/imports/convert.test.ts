import { describe, expect, it } from 'vitest';
import { InputError } from '@/lib/input';
import { renderMarkdown } from '@/lib/markdown/render';
import { htmlToMarkdown } from './html-to-markdown';
import { imageOrigin, imageUrlsInHtml, imageUrlsInMarkdown, replaceUrls } from './images';

describe('imported HTML becomes Markdown', () => {
  it('keeps the structure readers see', () => {
    const markdown = htmlToMarkdown(
      '<h2>Part one</h2><p>Hello <strong>bold</strong> and <em>soft</em> <a href="https://example.org/x">a link</a>.</p>' +
        '<ul><li>one</li><li>two</li></ul><blockquote><p>quoted</p></blockquote><pre><code class="language-js">let x = 1;</code></pre>' +
        '<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td><td>2</td></tr></tbody></table>',
    );
    expect(markdown).toContain('## Part one');
    expect(markdown).toContain('Hello **bold** and *soft* [a link](https://example.org/x).');
    expect(markdown).toMatch(/^- +one$/m);
    expect(markdown).toContain('> quoted');
    expect(markdown).toContain('```js\nlet x = 1;\n```');
    expect(markdown).toContain('| a | b |');
  });

  it('keeps a figure with its caption as HTML, which the renderer shows as a figure', () => {
    const markdown = htmlToMarkdown('<figure><img src="/media/3/a.jpg" alt="A boat"><figcaption>At <em>dawn</em></figcaption></figure>');
    const html = renderMarkdown(markdown);
    expect(html).toMatch(/<figure><img src="\/media\/3\/a.jpg" alt="A boat"[^>]*\/?><figcaption>At <em>dawn<\/em><\/figcaption><\/figure>/);
  });

  it('refuses HTML nested past reason with one sentence instead of overflowing the stack', () => {
    expect(() => htmlToMarkdown('<b>'.repeat(20_000) + 'deep', 'Post “Deep”')).toThrow(InputError);
    expect(() => htmlToMarkdown('<b>'.repeat(20_000), 'Post “Deep”')).toThrow(/^Post “Deep” nests its HTML more than \d+ levels deep\.$/);
  });

  it('keeps only the text of a link that could not be one', () => {
    expect(
      htmlToMarkdown('<p><a href="javascript:alert(1)">click</a> <a href=" DATA:text/html,x">here</a> <a href="/about">about</a></p>'),
    ).toBe('click here [about](/about)');
  });

  it('drops what no post may show, and turns an embedded video into a link', () => {
    const markdown = htmlToMarkdown(
      '<p>before</p><script>alert(1)</script><form><input name="x"></form><iframe src="https://www.youtube.com/embed/abc"></iframe><iframe src="javascript:alert(1)"></iframe><p>after</p>',
    );
    expect(markdown).not.toMatch(/script|alert|form|input|javascript/);
    expect(markdown).toContain('<https://www.youtube.com/embed/abc>');
    expect(renderMarkdown(markdown)).toContain('<a href="https://www.youtube.com/embed/abc"');
  });
});

describe('the images of an imported post', () => {
  it('are found in HTML and in Markdown, each once', () => {
    expect(
      imageUrlsInHtml(
        '<p><img src="https://a.example/1.jpg"><img src="https://a.example/1.jpg"><img src=""><img alt="x"></p><img src=" /2.png ">',
      ),
    ).toEqual(['https://a.example/1.jpg', '/2.png']);
    expect(
      imageUrlsInMarkdown('![a](https://a.example/1.jpg "t")\n\n<figure><img src="img/2.png"></figure>\n\n`![not](code.png)`'),
    ).toEqual(['https://a.example/1.jpg', 'img/2.png']);
  });

  it('are pointed at their copies in the blog, also where HTML escapes them', () => {
    const moved = new Map([['https://a.example/x.jpg?w=1&h=2', '/media/7/x.jpg']]);
    expect(replaceUrls('<a href="https://a.example/x.jpg?w=1&amp;h=2"><img src="https://a.example/x.jpg?w=1&amp;h=2"></a>', moved)).toBe(
      '<a href="/media/7/x.jpg"><img src="/media/7/x.jpg"></a>',
    );
  });

  it('are rewritten only where a URL stands whole, not inside other URLs or in the text', () => {
    const moved = new Map([
      ['img/a.png', '/media/1/a.png'],
      ['a.png', '/media/2/a.png'],
    ]);
    expect(replaceUrls('![](img/a.png) ![x](a.png "t") The file a.png is attached. <img src=\'a.png\'>', moved)).toBe(
      '![](/media/1/a.png) ![x](/media/2/a.png "t") The file a.png is attached. <img src=\'/media/2/a.png\'>',
    );
  });

  it('come from the export, the web, or nowhere, and say why', () => {
    expect(imageOrigin('img/a.png', undefined, true)).toEqual({ from: 'export' });
    expect(imageOrigin('//cdn.example/a.png', undefined, false)).toEqual({ from: 'web', url: 'https://cdn.example/a.png' });
    expect(imageOrigin('/wp-content/uploads/a.png', 'https://old.example', false)).toEqual({
      from: 'web',
      url: 'https://old.example/wp-content/uploads/a.png',
    });
    expect(imageOrigin('data:image/png;base64,AAAA', undefined, false)).toMatchObject({ from: 'nowhere' });
    expect(imageOrigin('img/a.png', undefined, false)).toEqual({ from: 'nowhere', reason: 'the export does not include it' });
  });
});
