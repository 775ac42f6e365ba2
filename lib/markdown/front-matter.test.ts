import { describe, expect, it } from 'vitest';
import { findFrontMatter, splitFrontMatter } from './front-matter';

describe('front matter', () => {
  it('reads the --- block and the Markdown after it', () => {
    expect(findFrontMatter('---\ntitle: Hello\ntags: [a, b]\n---\n\n# Body\n', 'a.md')).toEqual({
      meta: { title: 'Hello', tags: ['a', 'b'] },
      body: '# Body\n',
    });
  });

  it('accepts an empty block, a byte-order mark, CRLF and a file that ends at the block', () => {
    expect(findFrontMatter('---\n---\nText', 'a.md')).toEqual({ meta: {}, body: 'Text' });
    expect(findFrontMatter('\uFEFF---\r\ntitle: T\r\n---\r\nText', 'a.md')).toEqual({ meta: { title: 'T' }, body: 'Text' });
    expect(findFrontMatter('---\ntitle: T\n---', 'a.md')).toEqual({ meta: { title: 'T' }, body: '' });
  });

  it('keeps dates as the text they are (YAML 1.2: no timestamps) and a list as no mapping', () => {
    expect(findFrontMatter('---\ndate: 2024-05-01\n---\n', 'a.md')!.meta).toEqual({ date: '2024-05-01' });
    expect(findFrontMatter('---\n- a\n---\n', 'a.md')!.meta).toEqual({});
  });

  it('is undefined without a block, and splitFrontMatter refuses that, naming the file', () => {
    expect(findFrontMatter('# Just Markdown\n---\n', 'a.md')).toBeUndefined();
    expect(findFrontMatter('---\ntitle: never closed\n', 'a.md')).toBeUndefined();
    expect(() => splitFrontMatter('# Just Markdown', 'posts/a.md')).toThrow('posts/a.md has no front matter');
  });

  it('refuses YAML that is not valid and alias bombs, reads custom tags as plain values, naming the file', () => {
    expect(() => findFrontMatter('---\ntitle: [unclosed\n---\n', 'posts/a.md')).toThrow(
      /^posts\/a\.md has front matter that is not valid YAML/,
    );
    expect(findFrontMatter('---\nx: !!js/function "f"\n---\n', 'a.md')!.meta).toEqual({ x: 'f' });
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 12; i++)
      bomb.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(', ')}]`,
      );
    expect(() => findFrontMatter(`---\n${bomb.join('\n')}\n---\n`, 'a.md')).toThrow('not valid YAML');
  });
});
