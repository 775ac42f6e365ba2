import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '@/lib/markdown/render';
import { MEDIA_ALT_MAX } from '@/lib/input/lengths';
import { altFromFilename, markdownAlt, mediaAltSchema, withImageAlt } from './alt';

/** The alt attribute the blog's own renderer gives `![alt](/x.png)`, unescaped back to text. */
function renderedAlt(markdown: string): string | undefined {
  const alt = /<img [^>]*alt="([^"]*)"/.exec(renderMarkdown(markdown))?.[1];
  return alt
    ?.replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

describe('a description as Markdown alt text', () => {
  const descriptions = [
    'Fishing boats in the harbour at dawn',
    'A sign reading [CLOSED] on the door',
    'Unbalanced ] bracket and [ the other',
    'Path C:\\Users\\me\\photo and a trailing backslash \\',
    'Bold *not* _emphasis_ and `code` and ~~struck~~ ~one~',
    'Tags <b>stay</b> text, <script>alert(1)</script>',
    'Entities &amp; &copy; &#169; stay as typed',
    'A | pipe, a ! bang, ![an image](x.png) and [a link](https://example.com)',
    'Quotes "double" and \'single\', www.example.com and https://example.com',
    'שלום عربي 🦄👩🏽‍💻 Cafe\u0301',
  ];

  it.each(descriptions)('renders exactly as typed: %s', (description) => {
    expect(renderedAlt(`![${markdownAlt(description)}](/media/1/x.png)`)).toBe(description);
  });

  it('stays one image inside a table cell', () => {
    const html = renderMarkdown(`| a | b |\n|---|---|\n| ![${markdownAlt('left | right')}](/x.png) | 2 |`);
    expect(html).toContain('alt="left | right"');
    expect(html.match(/<td/g)).toHaveLength(2);
  });

  it('is one line', () => {
    expect(markdownAlt('  two\n\nparagraphs\tand  spaces ')).toBe('two paragraphs and spaces');
  });
});

describe('withImageAlt', () => {
  const path = '/media/12/harbour.png';

  it('replaces the alt text of every use of that image, and of nothing else', () => {
    const markdown = [
      `Before ![harbour](${path}) after.`,
      `![old *one*](${path} "A title")`,
      `![other](/media/1/harbour.png) ![near](/media/12/harbour.png.bak) ![](/media/120/harbour.png)`,
      `[a link, not an image](${path})`,
    ].join('\n\n');
    expect(withImageAlt(markdown, path, 'Boats [at] dawn')).toBe(
      [
        `Before ![Boats \\[at\\] dawn](${path}) after.`,
        `![Boats \\[at\\] dawn](${path} "A title")`,
        `![other](/media/1/harbour.png) ![near](/media/12/harbour.png.bak) ![](/media/120/harbour.png)`,
        `[a link, not an image](${path})`,
      ].join('\n\n'),
    );
  });

  it('replaces an alt text that is already escaped, and does not reach back over other text', () => {
    expect(withImageAlt(`![a \\] b](${path})`, path, 'new')).toBe(`![new](${path})`);
    expect(withImageAlt(`![unclosed and then ![harbour](${path})`, path, 'new')).toBe(`![unclosed and then ![new](${path})`);
    expect(withImageAlt(`![first](/x.png) text ![harbour](${path})`, path, 'new')).toBe(`![first](/x.png) text ![new](${path})`);
  });

  it('can be done again: the second description replaces the first', () => {
    const once = withImageAlt(`![harbour](${path})`, path, 'Boats \\ [1]');
    expect(withImageAlt(once, path, 'Boats at dawn')).toBe(`![Boats at dawn](${path})`);
  });

  it('leaves text without the image as it is', () => {
    expect(withImageAlt('No images here.', path, 'x')).toBe('No images here.');
  });
});

describe('mediaAltSchema', () => {
  it('takes one line of at most MEDIA_ALT_MAX characters, or nothing', () => {
    expect(mediaAltSchema.parse('  A harbour\nat dawn ')).toBe('A harbour at dawn');
    expect(mediaAltSchema.parse('')).toBe('');
    expect(mediaAltSchema.parse('x'.repeat(MEDIA_ALT_MAX))).toHaveLength(MEDIA_ALT_MAX);
    expect(mediaAltSchema.safeParse('x'.repeat(MEDIA_ALT_MAX + 1)).error?.issues[0]?.message).toBe(
      `A description is at most ${MEDIA_ALT_MAX} characters.`,
    );
    expect(mediaAltSchema.safeParse(42).error?.issues[0]?.message).toBe('A description is text.');
  });
});

describe('altFromFilename', () => {
  it('is the file name without its extension or brackets', () => {
    expect(altFromFilename('harbour.png')).toBe('harbour');
    expect(altFromFilename('my [best] shot.final.jpeg')).toBe('my best shot.final');
    expect(altFromFilename('noextension')).toBe('noextension');
  });
});
