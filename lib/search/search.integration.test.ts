import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE_QUERIES } from '@/lib/testing/hostile-queries';
import { quire, rawRequest, request, startServer, type RunningServer } from '@/lib/testing/server';

/** `/search` on a blog host, through the front and Next, as a reader's browser asks for it. */
let dataDir: string;
let server: RunningServer;
const host = () => `finds.localhost:${server.port}`;
const search = (query: string) => request(server.port, host(), `/search?q=${encodeURIComponent(query)}`);

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-search-'));
  expect(quire(dataDir, ['blogs', 'create', 'finds', '--title', 'Finds']).status).toBe(0);
  expect(quire(dataDir, ['posts', 'add', 'finds', '--title', 'Walking the heath'], 'Heather and <b>gorse</b> on the heath.').status).toBe(
    0,
  );
  expect(quire(dataDir, ['posts', 'add', 'finds', '--title', 'Unfinished heath notes', '--draft'], 'A draft on the heath.').status).toBe(0);
  server = await startServer(dataDir);
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('GET /search', () => {
  it('lists matching published posts with highlighted snippets, never drafts', async () => {
    const reply = await search('heath');
    expect(reply.status).toBe(200);
    expect(reply.body).toContain('href="/posts/walking-the-heath"');
    expect(reply.body).toContain('<mark>heath</mark>');
    expect(reply.body).not.toContain('unfinished-heath-notes');
    expect(reply.body).toMatch(/<meta name="robots" content="noindex, ?follow"/);
  });

  it('says so when nothing matches, and when there is nothing to search for', async () => {
    expect((await search('zebra')).body).toContain('No results for “zebra”');
    expect((await search('')).body).toContain('Type a word or two');
    expect((await search('"*()')).body).toContain('Search for words');
  });

  it.each(HOSTILE_QUERIES.map((q) => [JSON.stringify(q.slice(0, 40)), q]))('answers %s with 200', async (_label, query) => {
    const reply = await search(query);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatch(/No results|Results for|Type a word|Search for words/);
  });

  it.each([
    '/search?q=%',
    '/search?q=%E0%A4%A',
    '/search?q=heath&page=-3',
    '/search?q=heath&page=99999999999999999999',
    '/search?q=heath&q=moor',
    '/search?q[]=heath',
    '/search?page=2',
  ])('answers the malformed URL %s with 200', async (url) => {
    const reply = await rawRequest(server.port, host(), url);
    expect(reply.status).toBe(200);
  });

  it('serves a repeated search from the page cache', async () => {
    await search('gorse');
    const again = await search('gorse');
    expect(again.headers['x-quire-cache']).toBe('hit');
    expect(again.body).toContain('<mark>gorse</mark>');
  });
});
