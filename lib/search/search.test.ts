import { beforeAll, describe, expect, it } from 'vitest';
import type { Post } from '@/lib/db/schema/tenant';
import { createPost, savePost } from '@/lib/posts/posts';
import { makeTempBlog } from '@/lib/testing/data-dir';
import { HOSTILE_QUERIES } from '@/lib/testing/hostile-queries';
import { RESULTS_PER_PAGE, searchParamsSchema, searchPosts, toMatchExpression } from './search';
import { moveToTrash } from '@/lib/trash/trash';

const blog = makeTempBlog('finder', 'Finder');

const slugs = (query: string, page = 1) => searchPosts(blog(), query, page).hits.map((hit) => hit.slug);

describe('toMatchExpression', () => {
  it('makes every word a quoted phrase and drops everything else', () => {
    expect(toMatchExpression('NEAR(garden "river", 2) OR -stone*')).toEqual({
      expression: '"near" "garden" "river" "2" "or" "stone"',
      terms: ['near', 'garden', 'river', '2', 'or', 'stone'],
    });
    expect(toMatchExpression('  "*()-^:  ')).toBeNull();
    expect(toMatchExpression('')).toBeNull();
  });

  it('keeps letters of every script and bounds the number of words', () => {
    expect(toMatchExpression('Café über 東京')?.terms).toEqual(['café', 'über', '東京']);
    expect(toMatchExpression('a '.repeat(100))?.terms).toHaveLength(12);
  });
});

describe('searchPosts', () => {
  let garden: Post;
  let scheduled: Post;
  beforeAll(async () => {
    garden = await createPost(blog(), {
      title: 'The walled garden',
      markdown: 'Tulips by the **river** wall, a café table and a stone bench.',
    });
    await createPost(blog(), { title: 'River notes', markdown: 'The river rose in the night; the garden flooded.' });
    await createPost(blog(), { title: 'Tools', markdown: 'A hoe, a rake and `<script>alert(1)</script>` in a code span about gardening.' });
    await createPost(blog(), { title: 'Secret draft garden', markdown: 'A draft about the garden.', draft: true });
    scheduled = await savePost(blog(), undefined, {
      title: 'Future garden',
      markdown: 'Not yet: the garden of tomorrow.',
      action: 'schedule',
      publishAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
  });

  it('finds published posts by title and body, title matches first', () => {
    expect(slugs('garden')).toEqual(['the-walled-garden', 'river-notes', 'tools']);
    expect(slugs('river')).toEqual(['river-notes', 'the-walled-garden']);
  });

  it('stems words and folds accents', () => {
    expect(slugs('gardens')).toContain('the-walled-garden');
    expect(slugs('tulip')).toEqual(['the-walled-garden']);
    expect(slugs('CAFE')).toEqual(['the-walled-garden']);
  });

  it('never shows drafts or posts scheduled for later', () => {
    expect(slugs('draft')).toEqual([]);
    expect(slugs('tomorrow')).toEqual([]);
    expect(slugs('secret')).toEqual([]);
    expect(scheduled.status).toBe('scheduled');
  });

  it('highlights matches in escaped text', () => {
    const [hit] = searchPosts(blog(), 'hoe').hits;
    expect(hit?.snippetHtml).toContain('<mark>hoe</mark>');
    expect(hit?.snippetHtml).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(hit?.snippetHtml).not.toContain('<script');
    expect(searchPosts(blog(), 'walled').hits[0]?.titleHtml).toBe('The <mark>walled</mark> garden');
  });

  it('stays in step with edits and deletions (the triggers)', async () => {
    await savePost(blog(), garden.id, { title: 'The hedged garden', markdown: 'Lavender now.', action: 'publish' });
    expect(slugs('walled')).toEqual([]);
    expect(slugs('hedged')).toEqual(['the-walled-garden']);
    expect(slugs('lavender')).toEqual(['the-walled-garden']);
    expect(slugs('tulips')).toEqual([]);
    moveToTrash(blog(), 'post', garden.id);
    expect(slugs('lavender')).toEqual([]);
  });

  it.each(HOSTILE_QUERIES.map((q) => [JSON.stringify(q.slice(0, 40)), q]))('answers %s without an error', (_label, query) => {
    const results = searchPosts(blog(), query);
    expect(Array.isArray(results.hits)).toBe(true);
  });

  it('pages through many results', async () => {
    for (let i = 0; i < RESULTS_PER_PAGE + 3; i++) await createPost(blog(), { title: `Pebble ${i}`, markdown: 'pebble text' });
    const first = searchPosts(blog(), 'pebble');
    const second = searchPosts(blog(), 'pebble', 2);
    expect(first.hits).toHaveLength(RESULTS_PER_PAGE);
    expect(first.hasMore).toBe(true);
    expect(second.hits).toHaveLength(3);
    expect(second.hasMore).toBe(false);
    expect(new Set([...first.hits, ...second.hits].map((h) => h.slug)).size).toBe(RESULTS_PER_PAGE + 3);
  });
});

describe('searchParamsSchema', () => {
  it('takes anything a URL can carry', () => {
    expect(searchParamsSchema.parse({})).toEqual({ q: '', page: 1 });
    expect(searchParamsSchema.parse({ q: ['a', 'b'], page: ['2', '3'] })).toEqual({ q: 'a', page: 2 });
    expect(searchParamsSchema.parse({ q: 'x', page: '-1' })).toEqual({ q: 'x', page: 1 });
    expect(searchParamsSchema.parse({ q: 'x', page: '1e9' })).toEqual({ q: 'x', page: 1 });
    expect(searchParamsSchema.parse({ q: 'x', page: 'abc' })).toEqual({ q: 'x', page: 1 });
  });
});
