import { describe, expect, it } from 'vitest';
import { slug, Slugger } from './gfm';

describe('slug (GitHub heading ids)', () => {
  it.each([
    ['Getting Started', 'getting-started'],
    ['Fish & Chips', 'fish--chips'],
    ['  two  spaces ', '--two--spaces-'],
    ['snake_case and kebab-case', 'snake_case-and-kebab-case'],
    ['Émile Zola’s café', 'émile-zolas-café'],
    ['日本語 の 見出し', '日本語-の-見出し'],
    ['Version 2.0 (beta)!', 'version-20-beta'],
    ['½ ¹ Ⅻ', '--ⅻ'],
    ['!!!', ''],
  ])('%j → %j', (text, expected) => {
    expect(slug(text)).toBe(expected);
  });
});

describe('Slugger', () => {
  it('numbers repeats as github-slugger does: -1, -2, skipping ids already taken', () => {
    const slugger = new Slugger();
    expect(['A', 'a', 'a-1', 'a', 'A'].map((text) => slugger.slug(text))).toEqual(['a', 'a-1', 'a-1-1', 'a-2', 'a-3']);
  });

  it('stays unique when headings are written to collide', () => {
    const slugger = new Slugger();
    const texts = [...Array.from({ length: 1000 }, (_, i) => `a-${i + 1}`), ...Array.from({ length: 1000 }, () => 'a')];
    const ids = texts.map((text) => slugger.slug(text));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.slice(1000, 1003)).toEqual(['a', 'a-1001', 'a-1002']);
  });

  it('keeps a heading called __proto__ like any other', () => {
    const slugger = new Slugger();
    expect([slugger.slug('__proto__'), slugger.slug('__proto__'), slugger.slug('constructor')]).toEqual([
      '__proto__',
      '__proto__-1',
      'constructor',
    ]);
  });
});
