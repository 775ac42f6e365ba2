import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParsedPage } from '@/lib/testing/html';
import { ApiClient, request, startServer, type RunningServer } from '@/lib/testing/server';
import { REVISIONS_MAX } from './revisions';

/**
 * Writing without fear, over HTTP against the production server: edits of a live post stay
 * invisible to readers until "Publish changes", every save keeps what it replaced, preview
 * links show unpublished text to whoever has them and are never cached, and the automatic
 * excerpt follows the text.
 */
let dataDir: string;
let server: RunningServer;
let author: ApiClient;
const BLOG = 'fearless';
const host = () => `${BLOG}.localhost:${server.port}`;
const read = (urlPath: string) => request(server.port, host(), urlPath);

type SavedPost = { id: number; slug: string; status: string; updatedAt: number; hasPendingChanges: boolean };

async function save(id: number | undefined, body: Record<string, unknown>): Promise<SavedPost> {
  const reply =
    id === undefined
      ? await author.call('POST', `/api/blogs/${BLOG}/posts`, body)
      : await author.call('PUT', `/api/blogs/${BLOG}/posts/${id}`, body);
  expect(reply.status, JSON.stringify(reply.json)).toBe(200);
  return reply.json.post as SavedPost;
}

/** What a reader finds of a word: the post's page, the feed and search. */
async function readerSees(slug: string, word: string): Promise<{ page: boolean; feed: boolean; search: boolean }> {
  const [page, feed, search] = await Promise.all([read(`/posts/${slug}`), read('/feed.xml'), read(`/search?q=${word}`)]);
  expect([page.status, feed.status, search.status]).toEqual([200, 200, 200]);
  return { page: page.body.includes(word), feed: feed.body.includes(word), search: !search.body.includes('No results for') };
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-writing-'));
  server = await startServer(dataDir);
  author = new ApiClient(server.port);
  const signup = { email: 'wren@example.com', password: 'a long enough passphrase', blog: { slug: BLOG, title: 'Without Fear' } };
  expect((await author.call('POST', '/api/auth/signup', signup)).status).toBe(200);
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('staged edits of a live post', () => {
  it('are invisible to readers until "Publish changes", then shown everywhere', async () => {
    const post = await save(undefined, { title: 'Heron', markdown: 'The heron stood in the shallows.', action: 'publish' });
    await read(`/posts/${post.slug}`); // cached, as readers will get it
    const edit = (markdown: string, action: string, expectedUpdatedAt: number) => ({ title: 'Heron', markdown, action, expectedUpdatedAt });
    const staged = await save(post.id, edit('The kingfisher flashed past.', 'save', post.updatedAt));
    expect(staged).toMatchObject({ status: 'published', hasPendingChanges: true });
    expect(staged.updatedAt).toBeGreaterThan(post.updatedAt);
    expect(await readerSees(post.slug, 'kingfisher')).toEqual({ page: false, feed: false, search: false });
    expect(await readerSees(post.slug, 'heron')).toEqual({ page: true, feed: true, search: true });

    // A save from a copy older than the pending edit is refused.
    const stale = await author.call('PUT', `/api/blogs/${BLOG}/posts/${post.id}`, edit('x', 'publish-changes', post.updatedAt));
    expect(stale.status).toBe(409);

    const published = await save(post.id, edit('The kingfisher flashed past.', 'publish-changes', staged.updatedAt));
    expect(published).toMatchObject({ status: 'published', hasPendingChanges: false });
    expect(await readerSees(post.slug, 'kingfisher')).toEqual({ page: true, feed: true, search: true });
  });

  it('can be discarded: readers never saw them, and the history keeps them', async () => {
    const post = await save(undefined, { title: 'Otter', markdown: 'An otter in the reeds.', action: 'publish' });
    const staged = await save(post.id, { title: 'Otter', markdown: 'A beaver, actually.', action: 'save' });
    const discarded = await save(post.id, { action: 'discard-changes', expectedUpdatedAt: staged.updatedAt });
    expect(discarded).toMatchObject({ hasPendingChanges: false, updatedAt: post.updatedAt });
    expect((await read(`/posts/${post.slug}`)).body).toContain('An otter in the reeds.');
    const list = await author.call('GET', `/api/blogs/${BLOG}/posts/${post.id}/revisions`);
    const [newest] = list.json.revisions as { id: number }[];
    const revision = await author.call('GET', `/api/blogs/${BLOG}/posts/${post.id}/revisions/${newest!.id}`);
    expect(revision.json.revision).toMatchObject({ markdown: 'A beaver, actually.' });
  });
});

describe('revisions', () => {
  it(`keep what each save replaced, at most ${REVISIONS_MAX}, and can be restored`, async () => {
    let post = await save(undefined, { title: 'Many drafts', markdown: 'Version 0', tags: 'notes', action: 'save' });
    for (let i = 1; i <= REVISIONS_MAX + 3; i++)
      post = await save(post.id, { title: 'Many drafts', markdown: `Version ${i}`, expectedUpdatedAt: post.updatedAt });

    const list = await author.call('GET', `/api/blogs/${BLOG}/posts/${post.id}/revisions`);
    expect(list.status).toBe(200);
    const revisions = list.json.revisions as { id: number; title: string; createdAt: number }[];
    expect(revisions).toHaveLength(REVISIONS_MAX);
    expect(revisions.map((r) => r.createdAt)).toEqual([...revisions.map((r) => r.createdAt)].sort((a, b) => b - a));

    const oldest = await author.call('GET', `/api/blogs/${BLOG}/posts/${post.id}/revisions/${revisions.at(-1)!.id}`);
    expect(oldest.json.revision).toMatchObject({ title: 'Many drafts', markdown: 'Version 3', tags: ['notes'] });

    // Restoring is saving that text again, like any edit.
    const restored = await save(post.id, { title: 'Many drafts', markdown: 'Version 3', expectedUpdatedAt: post.updatedAt });
    const again = await author.call('GET', `/api/blogs/${BLOG}/posts/${post.id}/revisions`);
    const newest = await author.call(
      'GET',
      `/api/blogs/${BLOG}/posts/${post.id}/revisions/${(again.json.revisions as { id: number }[])[0]!.id}`,
    );
    expect(newest.json.revision).toMatchObject({ markdown: `Version ${REVISIONS_MAX + 3}` });
    expect(restored.updatedAt).toBeGreaterThan(post.updatedAt);
  });

  it('belong to their post and their blog only', async () => {
    const post = await save(undefined, { title: 'Private', markdown: 'one', action: 'save' });
    await save(post.id, { title: 'Private', markdown: 'two' });
    const other = await save(undefined, { title: 'Other', markdown: 'x', action: 'save' });
    const [revision] = (await author.call('GET', `/api/blogs/${BLOG}/posts/${post.id}/revisions`)).json.revisions as { id: number }[];
    expect((await author.call('GET', `/api/blogs/${BLOG}/posts/${other.id}/revisions/${revision!.id}`)).status).toBe(404);
    const stranger = new ApiClient(server.port);
    await stranger.call('POST', '/api/auth/signup', {
      email: 'nosy@example.com',
      password: 'a long enough passphrase',
      blog: { slug: 'nosy', title: 'Nosy' },
    });
    // Not a member: the blog is not there for them.
    expect((await stranger.call('GET', `/api/blogs/${BLOG}/posts/${post.id}/revisions`)).status).toBe(404);
    expect((await stranger.call('GET', `/api/blogs/${BLOG}/posts/${post.id}/revisions/${revision!.id}`)).status).toBe(404);
    expect((await stranger.call('POST', `/api/blogs/${BLOG}/posts/${post.id}/preview-link`, {})).status).toBe(404);
  });
});

describe('preview links', () => {
  const previewPath = (url: string) => new URL(url).pathname;

  it('show a draft on the blog with a banner, privately, and never from the page cache', async () => {
    const draft = await save(undefined, { title: 'Secret heath', markdown: 'Gorse in flower on the **heath**.', action: 'save' });
    const link = await author.call('POST', `/api/blogs/${BLOG}/posts/${draft.id}/preview-link`, {});
    expect(link.status).toBe(200);
    const url = String(link.json.url);
    expect(url).toMatch(new RegExp(`^http://${host().replace('.', '\\.')}/preview/[a-z2-7]{52}$`));

    for (let i = 0; i < 3; i++) {
      const reply = await read(previewPath(url));
      expect(reply.status).toBe(200);
      expect(reply.body).toContain('Preview — not published');
      expect(reply.body).toContain('Gorse in flower on the <strong>heath</strong>.');
      expect(reply.headers['cache-control']).toBe('no-store');
      expect([undefined, 'miss']).toContain(reply.headers['x-quire-cache']);
      expect(reply.headers['x-robots-tag']).toMatch(/noindex/);
      expect(reply.headers['referrer-policy']).toBe('no-referrer');
      const page = new ParsedPage(reply.body);
      expect(page.meta('robots').join()).toMatch(/noindex/);
      expect(page.elements('h1').map((h1) => page.text(h1))).toContain('Secret heath');
    }
    // Still a draft for everyone else.
    expect((await read(`/posts/${draft.slug}`)).status).toBe(404);
  });

  it('answer 404 for a wrong token, and stop working when replaced or ended', async () => {
    const draft = await save(undefined, { title: 'Hidden moor', markdown: 'Curlews.', action: 'save' });
    const first = previewPath(String((await author.call('POST', `/api/blogs/${BLOG}/posts/${draft.id}/preview-link`, {})).json.url));
    expect((await read(first)).status).toBe(200);
    const wrong = first.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a'));
    for (const bad of [wrong, '/preview/short', `/preview/${'a'.repeat(52)}`, '/preview/../posts']) {
      const reply = await read(bad);
      expect(reply.status, bad).toBe(404);
      expect(reply.body).not.toContain('Curlews');
    }
    const second = previewPath(String((await author.call('POST', `/api/blogs/${BLOG}/posts/${draft.id}/preview-link`, {})).json.url));
    expect((await read(first)).status).toBe(404);
    expect((await read(second)).status).toBe(200);
    expect((await author.call('DELETE', `/api/blogs/${BLOG}/posts/${draft.id}/preview-link`, {})).status).toBe(200);
    expect((await read(second)).status).toBe(404);
  });

  it("show a live post's pending edit, which readers do not see", async () => {
    const post = await save(undefined, { title: 'Estuary', markdown: 'Mudflats at low tide.', action: 'publish' });
    await save(post.id, { title: 'Estuary', markdown: 'Avocets on the mudflats.', action: 'save' });
    const url = previewPath(String((await author.call('POST', `/api/blogs/${BLOG}/posts/${post.id}/preview-link`, {})).json.url));
    const preview = await read(url);
    expect(preview.body).toContain('Avocets on the mudflats.');
    expect(preview.body).toContain('Preview — not published');
    expect((await read(`/posts/${post.slug}`)).body).not.toContain('Avocets');
  });
});

describe('the automatic excerpt', () => {
  it('follows the text: a draft saved with "TODO", rewritten and published, is described by its new words', async () => {
    const draft = await save(undefined, { title: 'Tidepools', markdown: 'TODO', action: 'save' });
    const published = await save(draft.id, {
      title: 'Tidepools',
      markdown: 'Anemones close when the tide goes out.\n\n- crabs\n- shrimp\n- limpets',
      action: 'publish',
    });
    const expected = 'Anemones close when the tide goes out. crabs, shrimp, limpets';

    const home = await read('/');
    expect(home.body).toContain(expected);
    expect(home.body).not.toContain('TODO');
    const feed = await read('/feed.json');
    const item = (JSON.parse(feed.body) as { items: { title: string; summary?: string }[] }).items.find((i) => i.title === 'Tidepools');
    expect(item?.summary).toBe(expected);
    const page = new ParsedPage((await read(`/posts/${published.slug}`)).body);
    expect(page.meta('description')).toEqual([expected]);
    expect(page.meta('og:description')).toEqual([expected]);
    expect(page.meta('twitter:description')).toEqual([expected]);
  });
});
