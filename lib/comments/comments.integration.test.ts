import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, request, startServer, type RunningServer } from '@/lib/testing/server';
import { COMMENT_LIMITS } from './limits';

/**
 * Comments over real HTTP against the production server: the form's route on the blog host,
 * what readers see (through the page cache too), and who may moderate. The server trusts
 * X-Forwarded-For here so that each test can be its own reader.
 */
const PASSWORD = 'a long enough passphrase';
let dataDir: string;
let server: RunningServer;
let alice: ApiClient; // owns "alices"
let ed: ApiClient; // editor on "alices"
let eve: ApiClient; // owns "eves"; nothing else
let anonymous: ApiClient;

async function signUp(email: string, start: { blog: string } | { invite: string }) {
  const client = new ApiClient(server.port);
  const first = 'blog' in start ? { blog: { slug: start.blog, title: start.blog } } : { invite: start.invite };
  const reply = await client.call('POST', '/api/auth/signup', { email, password: PASSWORD, ...first });
  expect(reply.status, JSON.stringify(reply.json)).toBe(200);
  return client;
}

async function publish(client: ApiClient, blog: string, title: string, action = 'publish') {
  const reply = await client.call('POST', `/api/blogs/${blog}/posts`, { title, markdown: `About ${title}.`, action });
  expect(reply.status, JSON.stringify(reply.json)).toBe(200);
  return reply.json.post as { id: number; slug: string };
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-comments-'));
  server = await startServer(dataDir, { QUIRE_TRUSTED_PROXIES: '127.0.0.1, ::1' });
  alice = await signUp('alice@example.com', { blog: 'alices' });
  eve = await signUp('eve@example.com', { blog: 'eves' });
  const invite = await alice.call('POST', '/api/blogs/alices/invites', { role: 'editor' });
  ed = await signUp('ed@example.com', { invite: String(invite.json.url).split('/invite/')[1]! });
  anonymous = new ApiClient(server.port);
  await publish(alice, 'alices', 'Hello');
  await publish(alice, 'alices', 'Hidden draft', 'save');
  await publish(eve, 'eves', 'Eve post');
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const host = (slug: string) => `${slug}.localhost:${server.port}`;
const blogOrigin = (slug: string) => `http://${host(slug)}`;

let readerNumber = 1;
const newReader = () => `10.0.${Math.floor(readerNumber / 250)}.${readerNumber++ % 250}`;

type CommentFields = { post?: string; name?: string; website?: string; body?: string; subject?: string };

/** The form, posted as a browser on the blog's own page would, unless told otherwise. */
function postComment(
  fields: CommentFields,
  options: { blog?: string; origin?: string | null; ip?: string; json?: boolean; headers?: Record<string, string> } = {},
) {
  const blog = options.blog ?? 'alices';
  const form = new URLSearchParams({ post: 'hello', name: 'Reader', website: '', body: 'Nice post.', ...fields } as Record<string, string>);
  const origin = options.origin === undefined ? blogOrigin(blog) : options.origin;
  return request(server.port, host(blog), '/comments', {
    method: 'POST',
    body: form.toString(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-forwarded-for': options.ip ?? newReader(),
      ...(origin === null ? {} : { origin }),
      ...(options.json ? { accept: 'application/json' } : {}),
      ...options.headers,
    },
  });
}

/** The blog file's comments, read straight from disk. */
function storedComments(blog = 'alices'): { id: number; body: string; status: string; author_name: string }[] {
  const db = new Database(path.join(dataDir, 'tenants', `${blog}.db`), { readonly: true });
  try {
    return db.prepare('select * from comments order by id').all() as { id: number; body: string; status: string; author_name: string }[];
  } finally {
    db.close();
  }
}

function idOf(body: string, blog = 'alices'): number {
  const row = storedComments(blog).find((c) => c.body === body);
  if (!row) throw new Error(`no comment "${body}"`);
  return row.id;
}

const readPost = (slug = 'hello', blog = 'alices') => request(server.port, host(blog), `/posts/${slug}`);

describe('where a comment may come from', () => {
  it.each([
    ['another site', 'http://evil.test'],
    ['another blog on this server', () => blogOrigin('eves')],
    ['the platform itself', () => `http://localhost:${server.port}`],
    ['the same host over another scheme', () => `https://${host('alices')}`],
    ['an opaque origin', 'null'],
  ])('refuses a post from %s with 403, storing nothing', async (_what, origin) => {
    const before = storedComments().length;
    const reply = await postComment({ body: 'Forged' }, { origin: typeof origin === 'function' ? origin() : origin });
    expect(reply.status).toBe(403);
    expect(reply.body).toContain('This comment was sent from another site and was refused.');
    expect(reply.body).not.toContain('Forged');
    expect(storedComments()).toHaveLength(before);
  });

  it('refuses a post without Origin', async () => {
    const before = storedComments().length;
    const reply = await postComment({ body: 'No origin' }, { origin: null, json: true });
    expect(reply.status).toBe(403);
    expect(JSON.parse(reply.body)).toEqual({ error: 'This comment was sent from another site and was refused.' });
    expect(storedComments()).toHaveLength(before);
  });

  it('refuses anything but the form encoding', async () => {
    const reply = await request(server.port, host('alices'), '/comments', {
      method: 'POST',
      body: JSON.stringify({ post: 'hello', name: 'J', body: 'json' }),
      headers: { 'content-type': 'application/json', origin: blogOrigin('alices'), accept: 'application/json' },
    });
    expect(reply.status).toBe(415);
  });
});

describe('a reader without JavaScript', () => {
  it('is sent back to the post, told the comment awaits moderation, which nobody else sees yet', async () => {
    const reply = await postComment({ body: 'Waiting in the queue' });
    expect(reply.status).toBe(303);
    expect(reply.headers.location).toBe('/posts/hello?comment=received#comments');
    const landing = await request(server.port, host('alices'), '/posts/hello?comment=received');
    expect(landing.body).toContain('Your comment will appear once the author has approved it.');
    expect(landing.body).not.toContain('Waiting in the queue');
    // Twice: the second answer comes from the page cache, and still hides it.
    for (const expected of ['miss', 'hit']) {
      const page = await readPost();
      expect(page.headers['x-quire-cache']).toBe(expected);
      expect(page.status).toBe(200);
      expect(page.body).not.toContain('Waiting in the queue');
      expect(page.body).toContain('action="/comments"');
    }
    expect(storedComments().find((c) => c.body === 'Waiting in the queue')?.status).toBe('pending');
  });

  it('gets a refusal as a page with the reason and the text, escaped, in a form to send again', async () => {
    const body = '</textarea><script>window.__xss=1</script> & "quotes"';
    const reply = await postComment({ name: '', body, website: '"><img src=x onerror=alert(1)>' });
    expect(reply.status).toBe(400);
    expect(reply.headers['content-type']).toContain('text/html');
    expect(reply.headers['content-security-policy']).toContain("default-src 'none'");
    expect(reply.body).toContain('Please give your name.');
    expect(reply.body).toContain('&#60;/textarea&#62;&#60;script&#62;window.__xss=1&#60;/script&#62; &#38; &#34;quotes&#34;</textarea>');
    expect(reply.body).toContain('value="&#34;&#62;&#60;img src=x onerror=alert(1)&#62;"');
    expect(reply.body).not.toContain('<script>');
    expect(reply.body).not.toContain('<img');
    expect(reply.body).toContain('<input type="hidden" name="post" value="hello">');
  });
});

describe('a reader with JavaScript (JSON)', () => {
  it('is told the comment is pending, and where to look', async () => {
    const reply = await postComment({ body: 'Sent by fetch' }, { json: true });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ status: 'pending', location: '/posts/hello?comment=received#comments' });
  });

  it('gets each refusal as one sentence', async () => {
    const reply = await postComment({ body: 'x'.repeat(5001) }, { json: true });
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body)).toEqual({ error: 'A comment is at most 5,000 characters.' });
  });
});

describe('spam', () => {
  it('a filled-in honeypot is answered like a person, and nothing is stored', async () => {
    const before = storedComments().length;
    const bot = await postComment({ body: 'Cheap pills', subject: 'offer' });
    expect(bot.status).toBe(303);
    expect(bot.headers.location).toBe('/posts/hello?comment=received#comments');
    const botJson = await postComment({ body: 'Cheap pills', subject: 'offer' }, { json: true });
    expect(JSON.parse(botJson.body)).toEqual({ status: 'pending', location: '/posts/hello?comment=received#comments' });
    expect(storedComments()).toHaveLength(before);
  });

  it(`refuses an address past ${COMMENT_LIMITS.perIp.limit} comments with 429, saying when to retry`, async () => {
    const ip = newReader();
    for (let i = 0; i < COMMENT_LIMITS.perIp.limit; i++) {
      // A client's own x-quire-client-ip is replaced by the front; it cannot pick its bucket.
      const reply = await postComment({ body: `Burst ${i}` }, { ip, headers: { 'x-quire-client-ip': `spoof-${i}` } });
      expect(reply.status).toBe(303);
    }
    const refused = await postComment({ body: 'One too many' }, { ip, headers: { 'x-quire-client-ip': 'spoof-last' } });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(500);
    expect(refused.body).toContain('You have left several comments in a short time. Please try again in 10 minutes.');
    expect(refused.body).toContain('One too many</textarea>'); // the text is not lost
    expect(storedComments().some((c) => c.body === 'One too many')).toBe(false);
    // Another reader still may.
    expect((await postComment({ body: 'Someone else' })).status).toBe(303);
  });

  it(`refuses a post past ${COMMENT_LIMITS.perPost.limit} comments in its window, from any address`, async () => {
    const target = await publish(alice, 'alices', 'Popular');
    for (let i = 0; i < COMMENT_LIMITS.perPost.limit; i++) {
      expect((await postComment({ post: target.slug, body: `Crowd ${i}` }, { json: true })).status).toBe(200);
    }
    const refused = await postComment({ post: target.slug, body: 'Crowd overflow' }, { json: true });
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(JSON.parse(refused.body).error).toMatch(
      /^This post has received many comments in a short time\. Please try again in \d+ minutes?\.$/,
    );
  });
});

describe('posts that take no comments', () => {
  it.each([
    ['a draft', 'hidden-draft'],
    ['an unknown post', 'no-such-post'],
  ])('refuses a comment on %s with 404', async (_what, post) => {
    const before = storedComments().length;
    const reply = await postComment({ post, body: 'Lost' }, { json: true });
    expect(reply.status).toBe(404);
    expect(JSON.parse(reply.body)).toEqual({ error: 'This post does not exist or does not take comments.' });
    expect(storedComments()).toHaveLength(before);
  });
});

describe('moderation', () => {
  it('approving shows the comment and the count at once, past the page cache', async () => {
    await postComment({ name: 'Grace', website: 'https://grace.example', body: 'Approve *this* one' });
    await readPost();
    expect((await readPost()).headers['x-quire-cache']).toBe('hit');

    const reply = await alice.call('PATCH', `/api/blogs/alices/comments/${idOf('Approve *this* one')}`, { status: 'approved' });
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ status: 'approved' });

    const page = await readPost();
    expect(page.headers['x-quire-cache']).toBe('miss');
    expect(page.body).toContain('<p>Approve <em>this</em> one</p>');
    expect(page.body).toContain('<a href="https://grace.example/" rel="nofollow ugc noopener">Grace</a>');
    expect(page.body).toMatch(/<a href="#comments">1 comment<\/a>/);
    expect(page.body).not.toContain('Waiting in the queue');
  });

  it('marking it as spam, or deleting it, takes it off the page', async () => {
    await postComment({ body: 'Soon spam' });
    await postComment({ body: 'Soon deleted' });
    for (const body of ['Soon spam', 'Soon deleted']) {
      expect((await ed.call('PATCH', `/api/blogs/alices/comments/${idOf(body)}`, { status: 'approved' })).status).toBe(200);
    }
    let page = await readPost();
    expect(page.body).toContain('Soon spam');
    expect(page.body).toContain('Soon deleted');
    expect(page.body).toContain('3 comments');

    expect((await ed.call('PATCH', `/api/blogs/alices/comments/${idOf('Soon spam')}`, { status: 'spam' })).status).toBe(200);
    const deleteId = idOf('Soon deleted');
    expect((await alice.call('DELETE', `/api/blogs/alices/comments/${deleteId}`)).status).toBe(200);
    page = await readPost();
    expect(page.body).not.toContain('Soon spam');
    expect(page.body).not.toContain('Soon deleted');
    expect(page.body).toContain('1 comment');
    expect(storedComments().some((c) => c.id === deleteId)).toBe(false);
    expect((await alice.call('DELETE', `/api/blogs/alices/comments/${deleteId}`)).status).toBe(404);
  });

  it('lists the queue on the dashboard, with the pending count in the navigation', async () => {
    const pending = storedComments().filter((c) => c.status === 'pending').length;
    const reply = await alice.call('GET', '/dashboard/alices/comments');
    expect(reply.status).toBe(200);
    expect(reply.text).toContain(`Pending (${pending})`);
    expect(reply.text).toContain('Waiting in the queue');
    expect(reply.text).toMatch(new RegExp(`Comments <span class="count"[^>]*>${pending}<span class="visually-hidden"> pending</span>`));
  });

  it('refuses a bad status with one sentence', async () => {
    const reply = await alice.call('PATCH', `/api/blogs/alices/comments/${idOf('Waiting in the queue')}`, { status: 'published' });
    expect(reply.status).toBe(400);
    expect(reply.json.error).toBe('A comment is pending, approved or spam.');
  });
});

describe('who may moderate (IDOR)', () => {
  it.each([
    ['a member of another blog', () => eve, 404],
    ['someone not logged in', () => anonymous, 401],
  ])('%s cannot approve, mark as spam or delete', async (_who, client, status) => {
    const id = idOf('Waiting in the queue');
    for (const [method, body] of [
      ['PATCH', { status: 'approved' }],
      ['PATCH', { status: 'spam' }],
      ['DELETE', undefined],
    ] as const) {
      expect((await client().call(method, `/api/blogs/alices/comments/${id}`, body)).status).toBe(status);
    }
    expect((await client().call('GET', '/dashboard/alices/comments')).text).not.toContain('Waiting in the queue');
    expect(storedComments().find((c) => c.id === id)?.status).toBe('pending');
  });

  it("cannot reach another blog's comment through their own blog's address", async () => {
    const id = idOf('Waiting in the queue');
    expect((await eve.call('PATCH', `/api/blogs/eves/comments/${id}`, { status: 'approved' })).status).toBe(404);
    expect(storedComments().find((c) => c.id === id)?.status).toBe('pending');
  });

  it('refuses a cross-origin moderation request, even from the owner', async () => {
    const id = idOf('Waiting in the queue');
    const reply = await alice.call('PATCH', `/api/blogs/alices/comments/${id}`, { status: 'approved' }, { origin: blogOrigin('alices') });
    expect(reply.status).toBe(403);
    expect(storedComments().find((c) => c.id === id)?.status).toBe('pending');
  });
});

describe('the comments setting', () => {
  const settings = (comments: string) => ({ title: 'alices', description: '', authorName: '', postsPerPage: 10, comments });

  it('auto: a new comment is on the page at once', async () => {
    expect((await alice.call('PUT', '/api/blogs/alices/settings', settings('auto'))).status).toBe(200);
    const reply = await postComment({ body: 'Published straight away' }, { json: true });
    expect(JSON.parse(reply.body).status).toBe('approved');
    expect((await readPost()).body).toContain('Published straight away');
    const landing = await request(server.port, host('alices'), '/posts/hello?comment=received');
    expect(landing.body).toContain('Your comment is published.');
  });

  it('off: the form is gone, the route refuses, approved comments stay', async () => {
    await readPost(); // cached with the form
    expect((await alice.call('PUT', '/api/blogs/alices/settings', settings('off'))).status).toBe(200);
    const page = await readPost();
    expect(page.body).not.toContain('action="/comments"');
    expect(page.body).toContain('Comments are closed.');
    expect(page.body).toContain('Published straight away');
    const before = storedComments().length;
    const refused = await postComment({ body: 'Too late' });
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('Comments are closed on this blog.');
    expect(refused.body).toContain('Too late</textarea>'); // kept for the reader to copy
    expect(storedComments()).toHaveLength(before);
  });

  it("is the owner's to change, and refuses an unknown value", async () => {
    expect((await ed.call('PUT', '/api/blogs/alices/settings', settings('moderated'))).status).toBe(403);
    const reply = await alice.call('PUT', '/api/blogs/alices/settings', settings('sometimes'));
    expect(reply.status).toBe(400);
    expect(reply.json.error).toBe('Choose whether comments are moderated, published at once, or off.');
    expect((await alice.call('PUT', '/api/blogs/alices/settings', settings('moderated'))).json.settings).toMatchObject({
      comments: 'moderated',
    });
  });
});
