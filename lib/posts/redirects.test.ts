import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { closeControlDb } from '@/lib/db/control';
import { closeTenantPool, type TenantHandle } from '@/lib/db/pool';
import { savePage } from '@/lib/pages/pages';
import { freshBlog, makeTempDataDir } from '@/lib/testing/data-dir';
import { createPost, savePost } from './posts';
import { findRedirect, redirectPathProblem } from './redirects';

const dataDir = makeTempDataDir();
const newBlog = () => freshBlog('moved');

afterAll(async () => {
  closeTenantPool();
  await closeControlDb();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const all = (h: TenantHandle) =>
  Object.fromEntries(
    (h.sqlite.prepare('select path, target from redirects order by path').all() as { path: string; target: string }[]).map((r) => [
      r.path,
      r.target,
    ]),
  );
const rename = (h: TenantHandle, id: number, slug: string, action = 'publish') =>
  savePost(h, id, { title: 'T', slug, markdown: 'x', action });

describe('renaming a post readers can see', () => {
  it('sends the old address to the new one, collapsing chains', async () => {
    const h = await newBlog();
    const post = await createPost(h, { title: 'T', slug: 'a', markdown: 'x' });
    await rename(h, post.id, 'b');
    expect(all(h)).toEqual({ '/posts/a': '/posts/b' });
    await rename(h, post.id, 'c');
    expect(all(h)).toEqual({ '/posts/a': '/posts/c', '/posts/b': '/posts/c' });
    expect(findRedirect(h, '/posts/a')).toBe('/posts/c');
  });

  it('removes the loop a rename back would make', async () => {
    const h = await newBlog();
    const post = await createPost(h, { title: 'T', slug: 'a', markdown: 'x' });
    await rename(h, post.id, 'b');
    await rename(h, post.id, 'c');
    await rename(h, post.id, 'a');
    expect(all(h)).toEqual({ '/posts/b': '/posts/a', '/posts/c': '/posts/a' });
    expect(findRedirect(h, '/posts/a')).toBeUndefined();
  });

  it('records nothing for a draft, a post not yet out, or one unpublished as it is renamed', async () => {
    const h = await newBlog();
    const draft = await createPost(h, { title: 'T', slug: 'draft', markdown: 'x', draft: true });
    await savePost(h, draft.id, { title: 'T', slug: 'draft-2', markdown: 'x' });
    const future = await savePost(h, undefined, {
      title: 'T',
      slug: 'future',
      markdown: 'x',
      action: 'schedule',
      publishAt: new Date(Date.now() + 3_600_000),
    });
    await savePost(h, future.id, {
      title: 'T',
      slug: 'future-2',
      markdown: 'x',
      action: 'schedule',
      publishAt: new Date(Date.now() + 3_600_000),
    });
    const gone = await createPost(h, { title: 'T', slug: 'gone', markdown: 'x' });
    await rename(h, gone.id, 'gone-2', 'unpublish');
    expect(all(h)).toEqual({});
  });

  it('gives way to a post published at the old address', async () => {
    const h = await newBlog();
    const post = await createPost(h, { title: 'T', slug: 'a', markdown: 'x' });
    await rename(h, post.id, 'b');
    const newcomer = await createPost(h, { title: 'New', slug: 'a', markdown: 'y', draft: true });
    expect(findRedirect(h, '/posts/a')).toBe('/posts/b'); // a draft there does not answer readers yet
    await savePost(h, newcomer.id, { title: 'New', slug: 'a', markdown: 'y', action: 'publish' });
    expect(all(h)).toEqual({});
  });
});

describe('renaming a published page', () => {
  it('sends /old to /new, and drafts record nothing', async () => {
    const h = await newBlog();
    const page = await savePage(h, undefined, { title: 'About', slug: 'about', markdown: 'x', action: 'publish' });
    await savePage(h, page.id, { title: 'About', slug: 'about-me', markdown: 'x', action: 'publish' });
    expect(all(h)).toEqual({ '/about': '/about-me' });
    const draft = await savePage(h, undefined, { title: 'Now', slug: 'now', markdown: 'x' });
    await savePage(h, draft.id, { title: 'Now', slug: 'now-2', markdown: 'x' });
    await savePage(h, page.id, { title: 'About', slug: 'about', markdown: 'x', action: 'publish' });
    expect(all(h)).toEqual({ '/about-me': '/about' });
  });
});

describe('findRedirect', () => {
  it('matches the path and query exactly, and answers a target a header can carry', async () => {
    const h = await newBlog();
    const insert = h.sqlite.prepare('insert into redirects (path, target, created_at) values (?, ?, 0)');
    insert.run('/?p=123', '/posts/hello');
    insert.run('/old', '/café?q=ü#x');
    expect(findRedirect(h, '/?p=123')).toBe('/posts/hello');
    expect(findRedirect(h, '/?p=1234')).toBeUndefined();
    expect(findRedirect(h, '/')).toBeUndefined();
    expect(findRedirect(h, '/old')).toBe('/caf%C3%A9?q=%C3%BC#x');
  });
});

describe('redirectPathProblem', () => {
  it.each(['/', '/posts/a', '/?p=123', '/a b', `/${'x'.repeat(1999)}`, '/café'])('accepts %j', (value) => {
    expect(redirectPathProblem(value)).toBeUndefined();
  });
  it.each([
    ['https://evil.example/', /not a path of the blog/],
    ['evil', /not a path of the blog/],
    ['', /not a path of the blog/],
    [42, /not a path of the blog/],
    [null, /not a path of the blog/],
    ['//evil.example', /another site/],
    ['/\\evil.example', /another site/],
    ['/a\\b', /another site/],
    ['/\t/evil.example', /control characters/],
    ['/a\nLocation: x', /control characters/],
    ['/a\u0085', /control characters/],
    [`/${'x'.repeat(2000)}`, /longer than 2,000 characters/],
  ])('refuses %j', (value, problem) => {
    expect(redirectPathProblem(value)).toMatch(problem);
  });
});
