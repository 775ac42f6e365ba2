import { beforeAll, describe, expect, it } from 'vitest';
import { createBlog, writeSettings } from '@/lib/blogs/blogs';
import { openTenant } from '@/lib/db/pool';
import { comments, type Post } from '@/lib/db/schema/tenant';
import { HttpError } from '@/lib/http/errors';
import { InputError } from '@/lib/input';
import { pageGeneration } from '@/lib/pagecache/generation';
import { createPost } from '@/lib/posts/posts';
import { makeTempBlog } from '@/lib/testing/data-dir';
import {
  approvedCommentCount,
  approvedComments,
  commentCountLabel,
  commentCounts,
  commentsForExport,
  deleteComment,
  importComments,
  moderationList,
  pendingCommentCount,
  setCommentStatus,
  submitComment,
} from './comments';
import { TooManyRequests } from '@/lib/limits';
import { COMMENT_LIMITS, countComment } from './limits';

const blog = makeTempBlog('talk', 'Talk');
let post: Post;
beforeAll(async () => {
  post = await createPost(blog(), { title: 'Open post', markdown: 'Say something.' });
});

let nextIp = 1;
/** Each test reads as its own reader, so the per-address limit only counts where meant to. */
const reader = () => ({ ip: `192.0.2.${nextIp++}` });

const valid = { post: 'open-post', name: 'Ada', website: '', body: 'A fine post.' };

function storedRows() {
  return blog().orm.select().from(comments).all();
}

function refusal(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a refusal');
}

/** The same, for work that refuses by rejecting its promise. */
async function rejection(action: () => Promise<unknown>): Promise<Error> {
  try {
    await action();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a refusal');
}

describe('validation', () => {
  it.each([
    ['no name', { name: '' }, 'Please give your name.'],
    ['a name of spaces', { name: ' \n\t ' }, 'Please give your name.'],
    ['a name too long', { name: 'n'.repeat(81) }, 'A name is at most 80 characters.'],
    ['no body', { body: '' }, 'Please write a comment.'],
    ['a body of blank lines', { body: '\r\n \r\n' }, 'Please write a comment.'],
    ['a body too long', { body: 'b'.repeat(5001) }, 'A comment is at most 5,000 characters.'],
    ['a javascript: website', { website: 'javascript:alert(1)' }, 'A website must be an address starting with http:// or https://.'],
    ['a data: website', { website: 'data:text/html,hi' }, 'A website must be an address starting with http:// or https://.'],
    ['a website without scheme', { website: 'example.com' }, 'A website must be an address starting with http:// or https://.'],
    ['a website too long', { website: `https://example.com/${'p'.repeat(190)}` }, 'A website address is at most 200 characters.'],
    ['a missing name field', { name: undefined }, 'Please give your name.'],
  ])('refuses %s with one clear sentence', async (_what, change, message) => {
    const error = await rejection(() => submitComment(blog(), { ...valid, ...change }, reader()));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe(message);
  });

  it('accepts the limits exactly, and keeps the text as typed (line breaks as one character)', async () => {
    const body = `${'b'.repeat(4998)}\r\nc`;
    await submitComment(blog(), { ...valid, name: 'n'.repeat(80), website: 'https://example.com/a b', body }, reader());
    const row = storedRows().at(-1)!;
    expect(row.authorName).toBe('n'.repeat(80));
    expect(row.authorUrl).toBe('https://example.com/a%20b');
    expect(row.body).toBe(`${'b'.repeat(4998)}\nc`);
  });

  it('flattens a name onto one line', async () => {
    await submitComment(blog(), { ...valid, name: '  Ada\n\tLovelace\u0000 ' }, reader());
    expect(storedRows().at(-1)!.authorName).toBe('Ada Lovelace');
  });
});

describe('taking a comment', () => {
  it('holds it for moderation, renders it once, stores no address, and leaves cached pages alone', async () => {
    const generation = pageGeneration(blog().slug);
    const receipt = await submitComment(blog(), { ...valid, body: 'Hello *there* <script>x()</script>' }, { ip: '203.0.113.9' });
    expect(receipt).toEqual({ status: 'pending', location: '/posts/open-post?comment=received#comments' });
    const row = storedRows().at(-1)!;
    expect(row).toMatchObject({ status: 'pending', authorUrl: null, body: 'Hello *there* <script>x()</script>' });
    expect(row.html).toBe('<p>Hello <em>there</em> &lt;script&gt;x()&lt;/script&gt;</p>\n');
    expect(JSON.stringify(row)).not.toContain('203.0.113.9');
    expect(approvedComments(blog(), post.id).map((c) => c.id)).not.toContain(row.id);
    expect(pageGeneration(blog().slug)).toBe(generation);
  });

  it('publishes at once when the blog says so, retiring cached pages', async () => {
    writeSettings(blog(), { comments: 'auto' });
    try {
      const generation = pageGeneration(blog().slug);
      const receipt = await submitComment(blog(), { ...valid, body: 'Straight in.' }, reader());
      expect(receipt.status).toBe('approved');
      expect(pageGeneration(blog().slug)).not.toBe(generation);
      expect(approvedComments(blog(), post.id).at(-1)!.html).toBe('<p>Straight in.</p>\n');
    } finally {
      writeSettings(blog(), { comments: 'moderated' });
    }
  });

  it('refuses everything when comments are off', async () => {
    writeSettings(blog(), { comments: 'off' });
    try {
      const before = storedRows().length;
      const error = await rejection(() => submitComment(blog(), valid, reader()));
      expect(error).toBeInstanceOf(HttpError);
      expect((error as HttpError).status).toBe(403);
      expect(error.message).toBe('Comments are closed on this blog.');
      expect(storedRows()).toHaveLength(before);
    } finally {
      writeSettings(blog(), { comments: 'moderated' });
    }
  });

  it.each([
    ['a draft', async () => (await createPost(blog(), { title: 'Secret draft', markdown: 'x', draft: true })).slug],
    [
      'a post scheduled for later',
      async () => (await createPost(blog(), { title: 'Later', markdown: 'x', publishAt: new Date(Date.now() + 3_600_000) })).slug,
    ],
    ['an unknown post', async () => 'no-such-post'],
    ['a path instead of a post', async () => '../../etc/passwd'],
  ])('refuses a comment on %s, saying nothing more', async (_what, slugOf) => {
    const slug = await slugOf();
    const before = storedRows().length;
    const error = await rejection(() => submitComment(blog(), { ...valid, post: slug }, reader()));
    expect((error as HttpError).status).toBe(404);
    expect(error.message).toBe('This post does not exist or does not take comments.');
    expect(storedRows()).toHaveLength(before);
  });
});

describe('the honeypot', () => {
  it('stores nothing when it is filled in, and answers exactly as for a person', async () => {
    const before = storedRows().length;
    const person = await submitComment(blog(), valid, reader());
    const bot = await submitComment(blog(), { ...valid, subject: 'Buy now' }, reader());
    expect(bot).toEqual(person);
    expect(storedRows()).toHaveLength(before + 1);
  });

  it("does not use up the address's allowance (a bot and a person behind one address)", async () => {
    const shared = reader();
    for (let i = 0; i < COMMENT_LIMITS.perIp.limit * 2; i++) await submitComment(blog(), { ...valid, subject: 'spam' }, shared);
    expect((await submitComment(blog(), valid, shared)).status).toBe('pending');
  });
});

describe('rate limits', () => {
  it(`takes ${COMMENT_LIMITS.perIp.limit} comments from one address in its window, then says when to come back`, async () => {
    const one = reader();
    const t = Date.now();
    for (let i = 0; i < COMMENT_LIMITS.perIp.limit; i++) await submitComment(blog(), valid, one, new Date(t + i));
    const before = storedRows().length;
    const error = await rejection(() => submitComment(blog(), valid, one, new Date(t + 60_000)));
    expect(error).toBeInstanceOf(TooManyRequests);
    expect((error as TooManyRequests).status).toBe(429);
    expect(error.message).toBe('You have left several comments in a short time. Please try again in 9 minutes.');
    expect((error as TooManyRequests).retryAfterSeconds).toBe(540);
    expect(storedRows()).toHaveLength(before);
    // Another reader is not held up, and the first may comment again once the window passed.
    expect((await submitComment(blog(), valid, reader(), new Date(t + 60_000))).status).toBe('pending');
    expect((await submitComment(blog(), valid, one, new Date(t + COMMENT_LIMITS.perIp.windowMs))).status).toBe('pending');
  });

  it(`takes ${COMMENT_LIMITS.perPost.limit} comments on one post in its window, whoever sends them`, async () => {
    const busy = await createPost(blog(), { title: 'Busy', markdown: 'x' });
    const t = Date.now();
    for (let i = 0; i < COMMENT_LIMITS.perPost.limit; i++)
      await submitComment(blog(), { ...valid, post: busy.slug }, reader(), new Date(t));
    const error = await rejection(() => submitComment(blog(), { ...valid, post: busy.slug }, reader(), new Date(t + 30_000)));
    expect((error as HttpError).status).toBe(429);
    expect(error.message).toBe('This post has received many comments in a short time. Please try again in 10 minutes.');
    // Other posts still take comments.
    expect((await submitComment(blog(), valid, reader(), new Date(t))).status).toBe('pending');
  });

  it('does not count a reader already refused against the post', () => {
    const t = Date.now();
    const one = '198.51.100.1';
    const key = 'talk/limits-only';
    for (let i = 0; i < COMMENT_LIMITS.perIp.limit; i++) countComment(one, key, t);
    for (let i = 0; i < 50; i++) expect(() => countComment(one, key, t)).toThrow(TooManyRequests);
    const others = COMMENT_LIMITS.perPost.limit - COMMENT_LIMITS.perIp.limit;
    for (let i = 0; i < others; i++) countComment(`198.51.100.${i + 2}`, key, t);
    expect(() => countComment('198.51.100.250', key, t)).toThrow(/This post/);
  });

  it('says seconds when the wait is short', () => {
    const t = Date.now();
    for (let i = 0; i < COMMENT_LIMITS.perIp.limit; i++) countComment('198.51.100.99', `talk/s${i}`, t);
    expect(() => countComment('198.51.100.99', 'talk/s', t + COMMENT_LIMITS.perIp.windowMs - 1000)).toThrow(
      'Please try again in 1 second.',
    );
  });
});

describe('moderation', () => {
  async function freshComment(body: string) {
    await createBlog({ slug: `mod-${nextIp}`, title: 'Moderated' });
    const handle = openTenant(`mod-${nextIp}`);
    const p = await createPost(handle, { title: 'A post', markdown: 'x' });
    await submitComment(handle, { ...valid, post: p.slug, body }, reader());
    const id = moderationList(handle, 'pending')[0]!.id;
    return { handle, postId: p.id, id };
  }

  it('approves: the comment and its count appear, and cached pages are retired', async () => {
    const { handle, postId, id } = await freshComment('Approve me');
    expect(pendingCommentCount(handle)).toBe(1);
    expect(approvedCommentCount(handle, postId)).toBe(0);
    const generation = pageGeneration(handle.slug);
    expect(setCommentStatus(handle, id, { status: 'approved' })).toBe('approved');
    expect(pageGeneration(handle.slug)).not.toBe(generation);
    expect(approvedComments(handle, postId).map((c) => c.html)).toEqual(['<p>Approve me</p>\n']);
    expect(approvedCommentCount(handle, postId)).toBe(1);
    expect(commentCounts(handle)).toEqual({ pending: 0, approved: 1, spam: 0 });
    expect(moderationList(handle, 'approved')[0]).toMatchObject({ id, postTitle: 'A post', postSlug: 'a-post', authorName: 'Ada' });
  });

  it('marking pending as spam changes no public page; marking approved as spam does', async () => {
    const { handle, postId, id } = await freshComment('Spam me');
    let generation = pageGeneration(handle.slug);
    setCommentStatus(handle, id, { status: 'spam' });
    expect(pageGeneration(handle.slug)).toBe(generation);
    setCommentStatus(handle, id, { status: 'approved' });
    generation = pageGeneration(handle.slug);
    setCommentStatus(handle, id, { status: 'spam' });
    expect(pageGeneration(handle.slug)).not.toBe(generation);
    expect(approvedComments(handle, postId)).toEqual([]);
    expect(commentCounts(handle).spam).toBe(1);
  });

  it('deletes, retiring cached pages when the comment was public', async () => {
    const { handle, postId, id } = await freshComment('Delete me');
    setCommentStatus(handle, id, { status: 'approved' });
    const generation = pageGeneration(handle.slug);
    deleteComment(handle, id);
    expect(pageGeneration(handle.slug)).not.toBe(generation);
    expect(approvedComments(handle, postId)).toEqual([]);
    expect((refusal(() => deleteComment(handle, id)) as HttpError).status).toBe(404);
  });

  it('refuses an unknown status and an unknown comment', async () => {
    const { handle, id } = await freshComment('x');
    expect(refusal(() => setCommentStatus(handle, id, { status: 'published' })).message).toBe('A comment is pending, approved or spam.');
    expect((refusal(() => setCommentStatus(handle, id + 1000, { status: 'spam' })) as HttpError).status).toBe(404);
  });

  it('lists approved comments oldest first', async () => {
    const { handle, postId, id } = await freshComment('first');
    const p = moderationList(handle, 'pending')[0]!;
    await submitComment(handle, { ...valid, post: p.postSlug, body: 'second' }, reader(), new Date(Date.now() + 1000));
    for (const c of moderationList(handle, 'pending')) setCommentStatus(handle, c.id, { status: 'approved' });
    expect(approvedComments(handle, postId).map((c) => c.id)[0]).toBe(id);
    expect(approvedComments(handle, postId).map((c) => c.html)).toEqual(['<p>first</p>\n', '<p>second</p>\n']);
  });
});

describe('the Markdown export of comments', () => {
  it('writes approved comments only, and reads them back checked and rendered again', async () => {
    await createBlog({ slug: 'exported', title: 'Exported' });
    const from = openTenant('exported');
    const p = await createPost(from, { title: 'Talked about', markdown: 'x' });
    await submitComment(from, { ...valid, post: p.slug, website: 'https://ada.example', body: 'Kept **well**' }, reader());
    await submitComment(from, { ...valid, post: p.slug, body: 'Still pending' }, reader());
    setCommentStatus(from, moderationList(from, 'pending')[0]!.id, { status: 'approved' });
    const exported = commentsForExport(from, p.id);
    expect(exported).toEqual([{ name: 'Ada', website: 'https://ada.example/', body: 'Kept **well**', date: expect.any(String) }]);

    await createBlog({ slug: 'imported', title: 'Imported' });
    const to = openTenant('imported');
    const q = await createPost(to, { title: 'Talked about', markdown: 'x' });
    importComments(to, q.slug, exported);
    expect(approvedComments(to, q.id).map((c) => [c.authorName, c.authorUrl, c.html])).toEqual([
      ['Ada', 'https://ada.example/', '<p>Kept <strong>well</strong></p>\n'],
    ]);

    expect(() => importComments(to, q.slug, [{ ...exported[0], website: 'javascript:alert(1)' }])).toThrow(
      'A website must be an address starting with http:// or https://.',
    );
    expect(() => importComments(to, q.slug, 'not a list')).toThrow('Comments must be a list.');
    expect(() => importComments(to, 'nope', exported)).toThrow('There is no post "nope" for these comments.');
  });
});

describe('commentCountLabel', () => {
  it('says one comment, or how many', () => {
    expect(commentCountLabel(1)).toBe('1 comment');
    expect(commentCountLabel(3)).toBe('3 comments');
    expect(commentCountLabel(1200)).toBe('1,200 comments');
  });
});
