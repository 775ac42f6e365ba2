import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, request, startServer, type RunningServer } from '@/lib/testing/server';

/**
 * Addresses that move keep working, over real HTTP against the production server: renaming a
 * published post or page answers its old address with a 301 to the new one, served from the
 * page cache after the first time, and a rename back leaves no loop.
 */
let dataDir: string;
let server: RunningServer;
let alice: ApiClient;
const read = (urlPath: string, method = 'GET') => request(server.port, `moves.localhost:${server.port}`, urlPath, { method });

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-moves-'));
  server = await startServer(dataDir);
  alice = new ApiClient(server.port);
  const signup = await alice.call('POST', '/api/auth/signup', {
    email: 'alice@example.com',
    password: 'a long enough passphrase',
    blog: { slug: 'moves', title: 'Moves' },
  });
  expect(signup.status).toBe(200);
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function save(kind: 'posts' | 'pages', id: number | undefined, body: Record<string, unknown>): Promise<number> {
  const reply = await alice.call(id ? 'PUT' : 'POST', `/api/blogs/moves/${kind}${id ? `/${id}` : ''}`, {
    markdown: 'Words.',
    action: 'publish',
    ...body,
  });
  expect(reply.status, JSON.stringify(reply.json)).toBe(200);
  return ((reply.json.post ?? reply.json.page) as { id: number }).id;
}

describe('a renamed post', () => {
  it('answers its old address with a 301 to the new one, from the cache the second time', async () => {
    const id = await save('posts', undefined, { title: 'Travel notes', slug: 'first-name' });
    expect((await read('/posts/first-name')).status).toBe(200);
    await save('posts', id, { title: 'Travel notes', slug: 'second-name' });

    const first = await read('/posts/first-name');
    expect(first.status).toBe(301);
    expect(first.headers.location).toBe('/posts/second-name');
    expect(first.headers['cache-control']).toBe('public, max-age=3600');
    expect(first.headers['x-quire-cache']).toBe('miss');
    const second = await read('/posts/first-name');
    expect(second.status).toBe(301);
    expect(second.headers.location).toBe('/posts/second-name');
    expect(second.headers['x-quire-cache']).toBe('hit');
    expect((await read('/posts/first-name', 'HEAD')).status).toBe(301);
    expect((await read('/posts/second-name')).body).toContain('Travel notes');
    // Exactly the address readers had: another query is another address.
    expect((await read('/posts/first-name?utm_source=x')).status).toBe(404);
  });

  it('sends every older address straight to the newest, and a rename back leaves no loop', async () => {
    const id = await save('posts', undefined, { title: 'Wanderer', slug: 'one' });
    await save('posts', id, { title: 'Wanderer', slug: 'two' });
    await save('posts', id, { title: 'Wanderer', slug: 'three' });
    expect((await read('/posts/one')).headers.location).toBe('/posts/three');
    expect((await read('/posts/two')).headers.location).toBe('/posts/three');
    await save('posts', id, { title: 'Wanderer', slug: 'one' });
    const back = await read('/posts/one');
    expect(back.status).toBe(200); // the cached 301 went with the rename
    expect(back.body).toContain('Wanderer');
    expect((await read('/posts/two')).headers.location).toBe('/posts/one');
    expect((await read('/posts/three')).headers.location).toBe('/posts/one');
  });

  it('leaves nothing behind for a draft', async () => {
    const id = await save('posts', undefined, { title: 'Unseen', slug: 'unseen', action: 'save' });
    await save('posts', id, { title: 'Unseen', slug: 'unseen-2', action: 'save' });
    expect((await read('/posts/unseen')).status).toBe(404);
  });
});

describe('a renamed page', () => {
  it('answers /old with a 301 to /new', async () => {
    const id = await save('pages', undefined, { title: 'About', slug: 'about' });
    await save('pages', id, { title: 'About', slug: 'about-me' });
    const moved = await read('/about');
    expect(moved.status).toBe(301);
    expect(moved.headers.location).toBe('/about-me');
    expect((await read('/about-me')).status).toBe(200);
  });
});
