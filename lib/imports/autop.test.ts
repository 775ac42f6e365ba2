import { autop } from '@wordpress/autop';
import { describe, expect, it } from 'vitest';
import { paragraphs } from './autop';

describe('paragraphs (WordPress’s autop, made safe)', () => {
  it('gives the same HTML as autop for ordinary classic-editor text', () => {
    const ordinary = [
      'Hello\n\nWorld\nline two',
      'Intro\n\n<pre>code\n\n  more</pre>\n\nAfter',
      '<pre class="x">a</pre>\ntext\n<pre>b\n\nc</pre>',
      '<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n\nText',
      '<blockquote>Quote\n\nsecond</blockquote>',
      '<figure><img src="a.jpg"><figcaption>Cap</figcaption></figure>\n\nNext',
      'Text with     spaces\n\n<div>Block</div>',
      '<table><tr><td>1</td></tr></table>',
      '<h2>Title</h2>\nFirst line\nSecond line\n\n<p class="x">Own paragraph</p>',
    ];
    for (const text of ordinary) expect(paragraphs(text)).toBe(autop(text));
  });

  it('keeps <pre>, <script> and <style> exactly as they were', () => {
    expect(paragraphs('a\n\n<pre>x\n\n  y</pre>\n\nb')).toBe('<p>a</p>\n<pre>x\n\n  y</pre>\n<p>b</p>\n');
    expect(paragraphs('<script>if (a<b) x();\n\n</script>\n\nafter')).toBe('<script>if (a<b) x();\n\n</script>\n<p>after</p>\n');
  });

  it('writes a < that starts no tag as &lt; (the same text to a browser)', () => {
    expect(paragraphs('a < b and c > d')).toBe('<p>a &lt; b and c > d</p>\n');
    expect(paragraphs('<img src="x.jpg" alt="a<b" />')).toBe('<p><img src="x.jpg" alt="a&lt;b" /></p>\n');
  });

  it('takes linear time on the text that makes autop quadratic', () => {
    const n = 500_000;
    const hostile = {
      spaces: `x${' '.repeat(n)}a`,
      'no-break spaces': `x${'\u00a0'.repeat(n)}a`,
      newlines: `x${'\n'.repeat(n)}a<option>`,
      'pre blocks': '<pre>a</pre>\n'.repeat(n / 13),
      'unclosed li': '<li'.repeat(n / 3),
      'p li': '<p><li'.repeat(n / 6),
      'unclosed script': '<script>'.repeat(n / 8),
      'audio shortcodes': `<source>${'[audio'.repeat(n / 6)}`,
      'less-than signs': '< a'.repeat(n / 3),
    };
    for (const [family, text] of Object.entries(hostile)) {
      const started = performance.now();
      paragraphs(text);
      // autop alone takes minutes on most of these at this length.
      expect(performance.now() - started, family).toBeLessThan(3_000);
    }
  });
});
