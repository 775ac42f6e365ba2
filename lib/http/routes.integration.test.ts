import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { controlQuery } from '@/lib/testing/control';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, request, startServer, type RunningServer } from '@/lib/testing/server';

/**
 * Authorization over real HTTP against the production server: every dashboard route checks
 * the session, the membership of the blog in the URL, the role, and the origin of writes.
 */
const PASSWORD = 'a long enough passphrase';
let dataDir: string;
let server: RunningServer;
let alice: ApiClient; // owns "alices"
let bob: ApiClient; // owns "bobs"; editor on "alices"
let eve: ApiClient; // owns "eves"; nothing else
let alicePostId: number;

async function signUp(email: string, slug: string) {
  const client = new ApiClient(server.port);
  const reply = await client.call('POST', '/api/auth/signup', { email, password: PASSWORD, blog: { slug, title: slug } });
  expect(reply.status, JSON.stringify(reply.json)).toBe(200);
  return client;
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-auth-'));
  server = await startServer(dataDir);
  alice = await signUp('alice@example.com', 'alices');
  bob = await signUp('bob@example.com', 'bobs');
  eve = await signUp('eve@example.com', 'eves');
  const post = await alice.call('POST', '/api/blogs/alices/posts', { title: 'Alice only', markdown: 'mine', action: 'publish' });
  alicePostId = (post.json.post as { id: number }).id;
  const invite = await alice.call('POST', '/api/blogs/alices/invites', { role: 'editor' });
  const token = String(invite.json.url).split('/invite/')[1];
  expect((await bob.call('POST', '/api/invites/accept', { token })).status).toBe(200);
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const postBody = { title: 'Hijack', markdown: 'owned', action: 'publish' };

describe('a member of another blog (IDOR)', () => {
  it.each([
    ['read the dashboard', 'GET', '/dashboard/alices'],
    ['open the editor', 'GET', `/dashboard/alices/posts/${1}`],
  ])('cannot %s', async (_what, method, url) => {
    const reply = await eve.call(method, url);
    expect(reply.status).toBe(404);
    expect(reply.text).not.toContain('Alice only');
  });

  it.each([
    ['edit a post', 'PUT', () => `/api/blogs/alices/posts/${alicePostId}`, postBody],
    ['publish a new post', 'POST', () => '/api/blogs/alices/posts', postBody],
    ['delete a post', 'DELETE', () => `/api/blogs/alices/posts/${alicePostId}`, {}],
    ['preview with the blog', 'POST', () => '/api/blogs/alices/preview', { markdown: 'x' }],
    ['change settings', 'PUT', () => '/api/blogs/alices/settings', { title: 'x', description: '', authorName: '', postsPerPage: 5 }],
    ['invite themselves', 'POST', () => '/api/blogs/alices/invites', { role: 'owner' }],
    ['delete the blog', 'DELETE', () => '/api/blogs/alices', { confirm: 'alices' }],
    ['write a page', 'POST', () => '/api/blogs/alices/pages', { title: 'x', markdown: 'y', action: 'publish' }],
  ])('cannot %s', async (_what, method, url, body) => {
    const reply = await eve.call(method, url(), body);
    expect(reply.status).toBe(404);
    expect(reply.json.error).toBe('There is no such blog in your account.');
  });

  it('leaves the victim blog untouched after all that', async () => {
    const page = await request(server.port, `alices.localhost:${server.port}`, '/posts/alice-only');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Alice only');
    expect(page.body).not.toContain('Hijack');
    expect((await request(server.port, `alices.localhost:${server.port}`, '/')).body).not.toContain('Hijack');
  });

  it("changes only its own blog when it uses its own slug with the victim's post id", async () => {
    const reply = await eve.call('PUT', `/api/blogs/eves/posts/${alicePostId}`, postBody);
    expect(reply.status).toBe(404); // ids belong to each blog's own file
  });
});

describe('an editor', () => {
  it('can write posts on the blog', async () => {
    const reply = await bob.call('POST', '/api/blogs/alices/posts', { title: 'By Bob', markdown: 'hello', action: 'publish' });
    expect(reply.status).toBe(200);
  });

  it.each([
    ['change settings', 'PUT', '/api/blogs/alices/settings', { title: 'x', description: '', authorName: '', postsPerPage: 5 }],
    ['invite', 'POST', '/api/blogs/alices/invites', { role: 'owner' }],
    ['remove a member', 'DELETE', '/api/blogs/alices/members/1', {}],
    ['delete the blog', 'DELETE', '/api/blogs/alices', { confirm: 'alices' }],
  ])('cannot %s (owner only)', async (_what, method, url, body) => {
    const reply = await bob.call(method, url, body);
    expect(reply.status).toBe(403);
    expect(reply.json.error).toBe("Only the blog's owner can do this.");
  });

  it('is shown a refusal on the settings page', async () => {
    const reply = await bob.call('GET', '/dashboard/alices/settings');
    expect(reply.text).toContain('Only the blog’s owner can change its settings.');
    expect(reply.text).not.toContain('Save settings');
  });
});

describe('requests from elsewhere', () => {
  it('refuses a cross-origin write, even with a valid session', async () => {
    const reply = await alice.call('POST', '/api/blogs/alices/posts', postBody, { origin: 'http://evil.test' });
    expect(reply.status).toBe(403);
    expect(reply.json.error).toMatch(/another site/);
  });

  it('refuses a write from a blog host (another origin)', async () => {
    const reply = await alice.call('POST', '/api/blogs/alices/posts', postBody, { origin: `http://alices.localhost:${server.port}` });
    expect(reply.status).toBe(403);
  });

  it('refuses a write with neither Origin nor Sec-Fetch-Site', async () => {
    const response = await fetch(`${alice.origin}/api/blogs/alices/posts`, {
      method: 'POST',
      headers: { cookie: alice.cookie, 'content-type': 'application/json' },
      body: JSON.stringify(postBody),
    });
    expect(response.status).toBe(403);
  });

  it('accepts Sec-Fetch-Site: same-origin when Origin is absent', async () => {
    const response = await fetch(`${alice.origin}/api/blogs/alices/preview`, {
      method: 'POST',
      headers: { cookie: alice.cookie, 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
      body: JSON.stringify({ markdown: '*hi*' }),
    });
    expect(await response.json()).toEqual({ html: '<p><em>hi</em></p>\n', excerpt: 'hi' });
  });
});

describe('cookies', () => {
  it('refuses a forged cookie', async () => {
    const forged = new ApiClient(server.port);
    const [id] = alice.cookie.split('=')[1]!.split('.');
    forged.cookie = `quire_session=${id}.${'a'.repeat(24)}`;
    expect((await forged.call('POST', '/api/blogs/alices/posts', postBody)).status).toBe(401);
    const page = await forged.call('GET', '/dashboard');
    expect(page.status).toBe(307);
    expect(page.headers.get('location')).toContain('/login');
  });

  it('refuses an expired cookie', async () => {
    const victim = await signUp('old@example.com', 'olds');
    await controlQuery(
      dataDir,
      "update sessions set expires_at = ? where user_id = (select id from users where email = 'old@example.com')",
      [Date.now() - 1000],
    );
    expect((await victim.call('POST', '/api/blogs/olds/posts', postBody)).status).toBe(401);
  });

  it('sets the session cookie HttpOnly, SameSite=Lax, host-only, never on blog hosts', async () => {
    const fresh = new ApiClient(server.port);
    const response = await fetch(`${fresh.origin}/api/auth/login`, {
      method: 'POST',
      headers: { origin: fresh.origin, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'alice@example.com', password: PASSWORD }),
    });
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^quire_session=[a-z2-7]{24}\.[a-z2-7]{24};/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=lax/i);
    expect(cookie).not.toMatch(/Domain=/i);
    const blogPage = await request(server.port, `alices.localhost:${server.port}`, '/', { headers: { cookie: alice.cookie } });
    expect(blogPage.headers['set-cookie']).toBeUndefined();
  });

  it('logs out everywhere', async () => {
    const laptop = await signUp('twice@example.com', 'twice');
    const phone = new ApiClient(server.port);
    await phone.call('POST', '/api/auth/login', { email: 'twice@example.com', password: PASSWORD });
    expect((await phone.call('POST', '/api/blogs/twice/preview', { markdown: 'x' })).status).toBe(200);
    await laptop.call('POST', '/api/auth/logout', { everywhere: true });
    expect((await phone.call('POST', '/api/blogs/twice/preview', { markdown: 'x' })).status).toBe(401);
  });
});

describe('bad input, clear messages', () => {
  it.each([
    [
      { email: 'alice@example.com', password: PASSWORD, blog: { slug: 'new1', title: 'T' } },
      'An account with this email already exists. Log in instead.',
    ],
    [{ email: 'weak@example.com', password: 'short', blog: { slug: 'new2', title: 'T' } }, 'A password needs at least 10 characters.'],
    [{ email: 'x@example.com', password: PASSWORD, blog: { slug: 'alices', title: 'T' } }, 'The blog address "alices" is taken.'],
    [{ email: 'x@example.com', password: PASSWORD, blog: { slug: 'www', title: 'T' } }, '"www" is reserved.'],
    [
      { email: 'x@example.com', password: PASSWORD, blog: { slug: '-bad-', title: 'T' } },
      'A blog address uses only a-z, 0-9 and inner hyphens (no hyphen at either end).',
    ],
  ])('sign-up %j', async (body, message) => {
    const reply = await new ApiClient(server.port).call('POST', '/api/auth/signup', body);
    expect(reply.status).toBe(400);
    expect(reply.json.error).toBe(message);
  });

  it.each([
    [{ title: 'x'.repeat(201), markdown: 'y' }, 'A title is at most 200 characters.'],
    [{ title: 'Long', markdown: 'y'.repeat(200_001) }, 'A post is at most 200,000 characters of Markdown.'],
    [{ title: 'Empty', markdown: '   ' }, 'A post needs some text.'],
    [{ title: '', markdown: 'text' }, 'A post needs a title.'],
    [{ title: 'Bad slug', slug: '../../etc', markdown: 'text' }, 'A post address uses only a-z, 0-9 and single inner hyphens.'],
  ])('post %#', async (body, message) => {
    const reply = await alice.call('POST', '/api/blogs/alices/posts', body);
    expect(reply.status).toBe(400);
    expect(reply.json.error).toBe(message);
  });

  it('refuses a body that is not JSON, and one over a megabyte', async () => {
    const notJson = await fetch(`${alice.origin}/api/blogs/alices/posts`, {
      method: 'POST',
      headers: { cookie: alice.cookie, origin: alice.origin, 'content-type': 'application/json' },
      body: '{"title": ',
    });
    expect(notJson.status).toBe(400);
    const huge = await alice.call('POST', '/api/blogs/alices/posts', { title: 'x', markdown: 'y'.repeat(1_100_000) });
    expect(huge.status).toBe(413);
  });

  it('says a log-in failed the same way for a wrong password and an unknown email', async () => {
    const wrong = await new ApiClient(server.port).call('POST', '/api/auth/login', {
      email: 'alice@example.com',
      password: 'not the password',
    });
    const unknown = await new ApiClient(server.port).call('POST', '/api/auth/login', {
      email: 'ghost@example.com',
      password: 'not the password',
    });
    expect(wrong.status).toBe(400);
    expect(unknown.json).toEqual(wrong.json);
  });
});

describe('readers see changes at once', () => {
  const blogHost = () => `alices.localhost:${server.port}`;

  it('shows an edit, then hides an unpublished post', async () => {
    await request(server.port, blogHost(), `/posts/alice-only`);
    expect((await request(server.port, blogHost(), `/posts/alice-only`)).headers['x-quire-cache']).toBe('hit');
    await alice.call('PUT', `/api/blogs/alices/posts/${alicePostId}`, { title: 'Alice, revised', markdown: 'mine', action: 'publish' });
    expect((await request(server.port, blogHost(), `/posts/alice-only`)).body).toContain('Alice, revised');
    await alice.call('PUT', `/api/blogs/alices/posts/${alicePostId}`, { title: 'Alice, revised', markdown: 'mine', action: 'unpublish' });
    expect((await request(server.port, blogHost(), `/posts/alice-only`)).status).toBe(404);
  });

  it('shows a settings change on every page', async () => {
    await request(server.port, blogHost(), '/');
    await alice.call('PUT', '/api/blogs/alices/settings', {
      title: 'Alice Renamed',
      description: 'New words',
      authorName: 'A.',
      postsPerPage: 5,
    });
    const home = await request(server.port, blogHost(), '/');
    expect(home.body).toContain('Alice Renamed');
    expect(home.body).toContain('New words');
  });

  it('publishes a scheduled post at its time, with no request-time write', async () => {
    const at = Date.now() + 2_000;
    const reply = await alice.call('POST', '/api/blogs/alices/posts', {
      title: 'From the future',
      markdown: 'arrives on time',
      action: 'schedule',
      publishAt: new Date(at).toISOString(),
    });
    expect(reply.status).toBe(200);
    await request(server.port, blogHost(), '/');
    const before = await request(server.port, blogHost(), '/');
    expect(before.headers['x-quire-cache']).toBe('hit');
    expect(before.body).not.toContain('From the future');
    const fileBefore = fs.statSync(path.join(dataDir, 'tenants', 'alices.db')).mtimeMs;
    await new Promise((resolve) => setTimeout(resolve, at - Date.now() + 100));
    const after = await request(server.port, blogHost(), '/');
    expect(after.body).toContain('From the future');
    expect((await request(server.port, blogHost(), '/posts/from-the-future')).status).toBe(200);
    expect(fs.statSync(path.join(dataDir, 'tenants', 'alices.db')).mtimeMs).toBe(fileBefore);
  });

  it('shows a published page in the navigation', async () => {
    await alice.call('POST', '/api/blogs/alices/pages', { title: 'About', markdown: 'About me', action: 'publish' });
    const home = await request(server.port, blogHost(), '/');
    expect(home.body).toContain('href="/about"');
    const about = await request(server.port, blogHost(), '/about');
    expect(about.status).toBe(200);
    expect(about.body).toContain('About me');
  });
});

// Last: the refused upload leaves its connection unusable for the client's next request.
describe('oversized bodies', () => {
  it('refuses a chunked body that grows past the limit without a Content-Length', async () => {
    const megabyte = new Uint8Array(256 * 1024).fill(120);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(megabyte);
        else controller.close();
      },
    });
    const response = await fetch(`${alice.origin}/api/auth/login`, {
      method: 'POST',
      headers: { origin: alice.origin, 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
  });
});
