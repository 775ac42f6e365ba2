import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createBlog } from '@/lib/blogs/blogs';
import { openTenant, type TenantHandle } from '@/lib/db/pool';
import { posts } from '@/lib/db/schema/tenant';
import { InputError } from '@/lib/input';
import { makeTempBlog } from '@/lib/testing/data-dir';
import { authorExcerpt, createPost, getPost, listAllPosts, postVersion, savePost } from './posts';
import { getPendingRevision, getRevision, listRevisions, REVISIONS_MAX } from './revisions';
import {
  findPublicTag,
  getPublishedPost,
  latestPublishedPosts,
  listCursorSchema,
  listPublicTags,
  listPublishedPostDates,
  listPublishedPosts,
  parseAfterParam,
} from './public';
import { slugify } from './slug';
import { moveToTrash } from '@/lib/trash/trash';

const blog = makeTempBlog('writer', 'Writer');

describe('createPost', () => {
  it('stores sanitized HTML and an excerpt rendered at save time', async () => {
    const post = await createPost(blog(), { title: 'First', markdown: '# Hi\n\nSome <script>x()</script>text.' });
    expect(post.html).toContain('<h1 id="hi">Hi</h1>');
    expect(post.html).not.toContain('<script');
    expect(post.autoExcerpt).toBe('Some text.'); // headings, code and tables stay out of excerpts
    expect(post.excerpt).toBe(''); // only what the author wrote
    expect(post.status).toBe('published');
    expect(post.publishedAt).toBeInstanceOf(Date);
  });

  it('counts the reading time at save, so readers’ pages never read the body for it', async () => {
    const post = await createPost(blog(), { title: 'Long read', markdown: 'word '.repeat(1500) });
    expect(post.readingMinutes).toBe(7);
    expect(getPublishedPost(blog(), post.slug)?.readingMinutes).toBe(7);
    const shorter = await savePost(blog(), post.id, { title: 'Long read', markdown: 'word '.repeat(460), action: 'publish' });
    expect(shorter.readingMinutes).toBe(2);
    expect(getPublishedPost(blog(), post.slug)?.readingMinutes).toBe(2);
  });

  it('derives unique slugs from titles', async () => {
    const a = await createPost(blog(), { title: 'Same Title!', markdown: 'a' });
    const b = await createPost(blog(), { title: 'Same Title!', markdown: 'b' });
    expect(a.slug).toBe('same-title');
    expect(b.slug).toBe('same-title-2');
  });

  it('refuses a chosen slug that is taken, an empty body, an overlong title, a bad slug', async () => {
    await createPost(blog(), { title: 'Taken', slug: 'taken', markdown: 'x' });
    await expect(createPost(blog(), { title: 'T', slug: 'taken', markdown: 'x' })).rejects.toThrow(/already exists/);
    await expect(createPost(blog(), { title: 'T', markdown: '   ' })).rejects.toThrow(/needs some text/);
    await expect(createPost(blog(), { title: 'x'.repeat(201), markdown: 'x' })).rejects.toThrow(InputError);
    await expect(createPost(blog(), { title: 'T', slug: '../etc', markdown: 'x' })).rejects.toThrow(/post address/);
  });
});

describe('the public list', () => {
  it('pages newest first by key, with no post twice and none missing', async () => {
    await createBlog({ slug: 'paged', title: 'Paged' });
    const h = openTenant('paged');
    const base = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 25; i++) {
      // Pairs share a timestamp to exercise the id tie-break.
      await createPost(h, { title: `Post ${i}`, markdown: 'x', publishAt: new Date(base + Math.floor(i / 2) * 1000) });
    }
    await createPost(h, { title: 'Draft', markdown: 'x', draft: true });
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = listPublishedPosts(h, { limit: 10, after: after ? listCursorSchema.parse(after) : undefined });
      seen.push(...page.posts.map((p) => p.title));
      after = page.next;
    } while (after);
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
    expect(seen[0]).toBe('Post 24');
    expect(seen.at(-1)).toBe('Post 0');
    expect(seen).not.toContain('Draft');
  });

  it('hides drafts and posts scheduled for later, shows them by slug only once due', async () => {
    const h = blog();
    const draft = await createPost(h, { title: 'Hidden draft', markdown: 'x', draft: true });
    expect(getPublishedPost(h, draft.slug)).toBeUndefined();
    const later = await createPost(h, { title: 'Later', markdown: 'x' });
    h.orm
      .update(posts)
      .set({ status: 'scheduled', publishedAt: new Date(Date.now() + 60_000) })
      .where(eq(posts.id, later.id))
      .run();
    expect(getPublishedPost(h, later.slug)).toBeUndefined();
    h.orm
      .update(posts)
      .set({ publishedAt: new Date(Date.now() - 1) })
      .where(eq(posts.id, later.id))
      .run();
    expect(getPublishedPost(h, later.slug)?.title).toBe('Later');
  });

  it('uses the partial index for the list (no sort step)', () => {
    const plan = blog()
      .sqlite.prepare(
        "explain query plan select id from posts where status <> 'draft' and published_at <= ? order by published_at desc, id desc limit 10",
      )
      .all(Date.now()) as { detail: string }[];
    const details = plan.map((row) => row.detail).join('\n');
    expect(details).toContain('posts_public_order');
    expect(details).not.toContain('TEMP B-TREE');
  });

  it('rejects malformed cursors', () => {
    expect(listCursorSchema.safeParse('abc').success).toBe(false);
    expect(listCursorSchema.safeParse('1-2-3').success).toBe(false);
    expect(listCursorSchema.safeParse('1700000000000-5').success).toBe(true);
  });
});

describe('tags, as readers see them', () => {
  beforeAll(async () => {
    await createBlog({ slug: 'tagged', title: 'Tagged' });
  });
  const h = () => openTenant('tagged');
  const base = Date.UTC(2026, 0, 1);
  const hour = 3_600_000;

  it("lists one tag's public posts newest first, by key, and nothing else", async () => {
    for (let i = 0; i < 7; i++) {
      await createPost(h(), {
        title: `Walk ${i}`,
        markdown: 'x',
        tags: i % 2 ? 'Walks, Rain' : 'walks',
        publishAt: new Date(base + i * hour),
      });
    }
    await createPost(h(), { title: 'Untagged', markdown: 'x', publishAt: new Date(base + 99 * hour) });
    await createPost(h(), { title: 'Draft walk', markdown: 'x', tags: 'walks', draft: true });
    await savePost(h(), undefined, {
      title: 'Future walk',
      markdown: 'x',
      tags: 'walks',
      action: 'schedule',
      publishAt: new Date(Date.now() + hour).toISOString(),
    });

    const walks = findPublicTag(h(), 'walks')!;
    expect(walks).toMatchObject({ slug: 'walks', name: 'walks' });
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = listPublishedPosts(h(), { limit: 3, after: after ? listCursorSchema.parse(after) : undefined, tagId: walks.id });
      seen.push(...page.posts.map((p) => p.title));
      after = page.next;
    } while (after);
    expect(seen).toEqual(['Walk 6', 'Walk 5', 'Walk 4', 'Walk 3', 'Walk 2', 'Walk 1', 'Walk 0']);
    expect(latestPublishedPosts(h(), { limit: 2, tagId: findPublicTag(h(), 'rain')!.id }).map((p) => p.title)).toEqual([
      'Walk 5',
      'Walk 3',
    ]);
    expect(listPublishedPosts(h(), { limit: 1 }).posts[0]).toMatchObject({ title: 'Untagged', tags: [] });
    expect(listPublishedPosts(h(), { limit: 2, tagId: walks.id }).posts[1]!.tags).toEqual([
      { slug: 'rain', name: 'Rain' },
      { slug: 'walks', name: 'walks' },
    ]);
  });

  it('knows a tag only while a public post carries it', async () => {
    await createPost(h(), { title: 'Only draft', markdown: 'x', tags: 'secret-plans', draft: true });
    await savePost(h(), undefined, {
      title: 'Only later',
      markdown: 'x',
      tags: 'someday',
      action: 'schedule',
      publishAt: new Date(Date.now() + hour).toISOString(),
    });
    for (const slug of ['secret-plans', 'someday', 'nope', 'Walks', '../walks', 'walks\u0000', 'w'.repeat(101), 'été', '']) {
      expect(findPublicTag(h(), slug), slug).toBeUndefined();
    }
    expect(listPublicTags(h()).map((t) => t.slug)).toEqual(['rain', 'walks']);
    expect(listPublishedPostDates(h()).map((p) => p.slug)).not.toContain('only-draft');
  });

  it('dates a public tag by the last change to its public posts', () => {
    const rain = listPublicTags(h()).find((t) => t.slug === 'rain')!;
    expect(rain.lastModified.getTime()).toBe(
      Math.max(...latestPublishedPosts(h(), { limit: 9, tagId: rain.id }).map((p) => p.updatedAt.getTime())),
    );
  });

  it("reads a list page's ?after= strictly", () => {
    expect(parseAfterParam(undefined)).toEqual({});
    expect(parseAfterParam('1700000000000-5')).toEqual({ after: { publishedAt: 1700000000000, id: 5 } });
    for (const bad of ['x', '1-2-3', ['1-2', '3-4'], '']) expect(parseAfterParam(bad)).toBeNull();
  });
});

describe('slugify', () => {
  it('folds accents and punctuation into hyphens', () => {
    expect(slugify('Héllo, Wörld!  Again')).toBe('hello-world-again');
    expect(slugify('***')).toBe('');
  });
});

describe('savePost (the editor)', () => {
  it('saves a draft, publishes, schedules, unpublishes', async () => {
    await createBlog({ slug: 'editor', title: 'Editor' });
    const h = openTenant('editor');
    const draft = await savePost(h, undefined, { title: 'Work', markdown: 'text', action: 'save' });
    expect(draft.status).toBe('draft');
    expect(draft.publishedAt).toBeNull();
    const published = await savePost(h, draft.id, { title: 'Work', markdown: 'text', action: 'publish' });
    expect(published.status).toBe('published');
    const firstPublished = published.publishedAt!.getTime();
    const edited = await savePost(h, draft.id, { title: 'Work 2', markdown: 'text', action: 'publish' });
    expect(edited.publishedAt!.getTime()).toBe(firstPublished); // an edit keeps the date
    const later = new Date(Date.now() + 3_600_000);
    const scheduled = await savePost(h, draft.id, { title: 'Work', markdown: 'text', action: 'schedule', publishAt: later.toISOString() });
    expect(scheduled.status).toBe('scheduled');
    expect(scheduled.publishedAt!.getTime()).toBe(later.getTime());
    const back = await savePost(h, draft.id, { title: 'Work', markdown: 'text', action: 'unpublish' });
    expect(back).toMatchObject({ status: 'draft', publishedAt: null });
  });

  it('refuses a schedule in the past or without a time', async () => {
    const h = openTenant('editor');
    await expect(
      savePost(h, undefined, { title: 'T', markdown: 'x', action: 'schedule', publishAt: '2000-01-01T00:00:00Z' }),
    ).rejects.toThrow(/future/);
    await expect(savePost(h, undefined, { title: 'T', markdown: 'x', action: 'schedule' })).rejects.toThrow(/when to publish/);
    await expect(savePost(h, undefined, { title: 'T', markdown: 'x', action: 'schedule', publishAt: 'not a date' })).rejects.toThrow(
      /valid date/,
    );
  });

  it('refuses a save based on an old copy, and changes nothing', async () => {
    const h = openTenant('editor');
    const post = await savePost(h, undefined, { title: 'Shared', markdown: 'v1' });
    const loaded = post.updatedAt.getTime();
    await savePost(h, post.id, { title: 'Shared', markdown: 'v2 from another tab', expectedUpdatedAt: loaded });
    await expect(savePost(h, post.id, { title: 'Shared', markdown: 'v3', expectedUpdatedAt: loaded })).rejects.toThrow(/changed elsewhere/);
    expect(getPost(h, post.id)?.markdown).toBe('v2 from another tab');
  });

  it('keeps a post address unique on rename, and deletes', async () => {
    const h = openTenant('editor');
    const a = await savePost(h, undefined, { title: 'Alpha', markdown: 'x' });
    const b = await savePost(h, undefined, { title: 'Beta', markdown: 'x' });
    await expect(savePost(h, b.id, { title: 'Beta', slug: a.slug, markdown: 'x' })).rejects.toThrow(/already exists/);
    moveToTrash(h, 'post', b.id);
    expect(getPost(h, b.id)).toBeUndefined();
    expect(() => moveToTrash(h, 'post', b.id)).toThrow(/no longer exists/);
  });
});

describe('staged edits, revisions and excerpts', () => {
  const h = () => openTenant('writer');
  const text = (post: { title: string; markdown: string }) => ({ title: post.title, markdown: post.markdown });

  it('keeps the edit of a published post aside until its changes are published', async () => {
    const post = await createPost(h(), { title: 'Live', markdown: 'Old words.' });
    const staged = await savePost(h(), post.id, {
      title: 'Live, edited',
      markdown: 'New words.',
      action: 'save',
      expectedUpdatedAt: post.updatedAt.getTime(),
    });
    expect(text(staged)).toEqual({ title: 'Live', markdown: 'Old words.' });
    expect(getPublishedPost(h(), post.slug)?.html).toContain('Old words.');
    const pending = getPendingRevision(h(), post.id)!;
    expect(pending).toMatchObject({ title: 'Live, edited', markdown: 'New words.' });
    // The version the editor holds is now the pending edit's; an old copy is refused.
    expect(postVersion(staged, pending)).toBe(pending.createdAt.getTime());
    await expect(savePost(h(), post.id, { title: 'x', markdown: 'y', expectedUpdatedAt: post.updatedAt.getTime() })).rejects.toThrow(
      /changed elsewhere/,
    );

    const applied = await savePost(h(), post.id, {
      title: 'Live, edited',
      markdown: 'New words.',
      action: 'publish-changes',
      expectedUpdatedAt: pending.createdAt.getTime(),
    });
    expect(text(applied)).toEqual({ title: 'Live, edited', markdown: 'New words.' });
    expect(applied.status).toBe('published');
    expect(applied.publishedAt).toEqual(post.publishedAt);
    expect(getPendingRevision(h(), post.id)).toBeUndefined();
    expect(getPublishedPost(h(), post.slug)?.html).toContain('New words.');
  });

  it('discards a pending edit into the history, and refuses to publish changes of a draft', async () => {
    const post = await createPost(h(), { title: 'Kept', markdown: 'Published text.' });
    await savePost(h(), post.id, { title: 'Kept', markdown: 'An idea I dropped.', action: 'save' });
    await savePost(h(), post.id, { action: 'discard-changes' });
    expect(getPendingRevision(h(), post.id)).toBeUndefined();
    expect(getPost(h(), post.id)?.markdown).toBe('Published text.');
    const [dropped] = listRevisions(h(), post.id);
    expect(getRevision(h(), post.id, dropped!.id)?.markdown).toBe('An idea I dropped.');
    const draft = await createPost(h(), { title: 'Draft', markdown: 'x', draft: true });
    await expect(savePost(h(), draft.id, { title: 'Draft', markdown: 'y', action: 'publish-changes' })).rejects.toThrow(
      /not published yet/,
    );
  });

  it('keeps what each save replaced, at most REVISIONS_MAX, newest first', async () => {
    const draft = await createPost(h(), { title: 'Often saved', markdown: 'v0', tags: 'b, a', excerpt: 'Mine.', draft: true });
    for (let i = 1; i <= REVISIONS_MAX + 5; i++) await savePost(h(), draft.id, { title: 'Often saved', markdown: `v${i}` });
    const revisions = listRevisions(h(), draft.id);
    expect(revisions).toHaveLength(REVISIONS_MAX);
    expect(getRevision(h(), draft.id, revisions[0]!.id)).toMatchObject({
      markdown: `v${REVISIONS_MAX + 4}`,
      excerpt: 'Mine.',
      tags: ['a', 'b'],
    });
    expect(getRevision(h(), draft.id, revisions.at(-1)!.id)?.markdown).toBe('v5');
    // A save that changes no text keeps nothing.
    await savePost(h(), draft.id, { title: 'Often saved', markdown: `v${REVISIONS_MAX + 5}` });
    expect(listRevisions(h(), draft.id)[0]!.id).toBe(revisions[0]!.id);
    // Another post's revision is not this one's.
    const other = await createPost(h(), { title: 'Other', markdown: 'x', draft: true });
    expect(getRevision(h(), other.id, revisions[0]!.id)).toBeUndefined();
  });

  it('keeps fewer revisions of autosaves: not one every few seconds', async () => {
    const draft = await createPost(h(), { title: 'Typing', markdown: 'start', draft: true });
    for (let i = 1; i <= 10; i++) await savePost(h(), draft.id, { title: 'Typing', markdown: `start ${i}`, autosave: true });
    expect(listRevisions(h(), draft.id).length).toBeLessThanOrEqual(2);
    await savePost(h(), draft.id, { title: 'Typing', markdown: 'saved by hand' });
    expect(getRevision(h(), draft.id, listRevisions(h(), draft.id)[0]!.id)?.markdown).toBe('start 10');
  });

  it("derives the automatic excerpt from the text at each save, and shows the author's own first", async () => {
    const post = await createPost(h(), { title: 'Excerpts', markdown: 'TODO' });
    expect(listPublishedPosts(h(), { limit: 100 }).posts.find((p) => p.id === post.id)?.excerpt).toBe('TODO');
    await savePost(h(), post.id, { title: 'Excerpts', markdown: 'A walk by the river.', action: 'publish' });
    expect(getPublishedPost(h(), post.slug)?.excerpt).toBe('A walk by the river.');
    await savePost(h(), post.id, { title: 'Excerpts', markdown: 'A walk by the river.', excerpt: 'My own words.', action: 'publish' });
    expect(getPublishedPost(h(), post.slug)?.excerpt).toBe('My own words.');
    expect(authorExcerpt(getPost(h(), post.id)!)).toBe('My own words.');
  });
});

describe('the dashboard list', () => {
  const mark = (h: TenantHandle, id: number) => listAllPosts(h).find((post) => post.id === id);

  it('marks a live post whose edit is staged, until the changes are published or discarded', async () => {
    await createBlog({ slug: 'listed', title: 'Listed' });
    const h = openTenant('listed');
    const live = await createPost(h, { title: 'Live', markdown: 'As published.' });
    const draft = await createPost(h, { title: 'Draft', markdown: 'Not out yet.', draft: true });
    const later = await savePost(h, undefined, {
      title: 'Later',
      markdown: 'Soon.',
      action: 'schedule',
      publishAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(listAllPosts(h).map((post) => [post.title, post.hasPendingChanges])).toEqual([
      ['Later', false],
      ['Draft', false],
      ['Live', false],
    ]);

    await savePost(h, live.id, { title: 'Live', markdown: 'Edited, not published.' });
    await savePost(h, later.id, { title: 'Later', markdown: 'Soon, edited.' });
    await savePost(h, draft.id, { title: 'Draft', markdown: 'A draft is simply saved.' });
    expect(mark(h, live.id)).toMatchObject({ status: 'published', hasPendingChanges: true });
    expect(mark(h, later.id)).toMatchObject({ status: 'scheduled', hasPendingChanges: true });
    expect(mark(h, draft.id)).toMatchObject({ status: 'draft', hasPendingChanges: false });

    await savePost(h, live.id, { title: 'Live', markdown: 'Edited, not published.', action: 'publish-changes' });
    await savePost(h, later.id, { action: 'discard-changes' });
    expect(mark(h, live.id)?.hasPendingChanges).toBe(false);
    expect(mark(h, later.id)?.hasPendingChanges).toBe(false);
  });

  it('finds pending changes through the index of pending revisions, reading no text', async () => {
    const h = openTenant('listed');
    // The statement listAllPosts prepares, as SQLite receives it (the spy calls through).
    const prepare = vi.spyOn(h.sqlite, 'prepare');
    listAllPosts(h);
    const query = prepare.mock.calls.map(([text]) => text).find((text) => text.includes('post_revisions'));
    prepare.mockRestore();
    expect(query).toBeDefined();
    expect(query).not.toMatch(/markdown/);
    const plan = (h.sqlite.prepare(`explain query plan ${query}`).all() as { detail: string }[]).map((row) => row.detail).join('\n');
    expect(plan).toMatch(/SEARCH post_revisions USING COVERING INDEX post_revisions_one_pending \(post_id=\?\)/);
  });
});
