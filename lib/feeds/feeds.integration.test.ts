import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Parser from 'rss-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ParsedPage } from '@/lib/testing/html';
import { png } from '@/lib/testing/images';
import { ApiClient, request, startServer, type RunningServer } from '@/lib/testing/server';

/**
 * A blog's feeds and its tags' feeds over HTTP against the production server: they parse, carry
 * what readers need with only absolute URLs, survive hostile titles and tags, and are served
 * from the front's cache until something public changes.
 */
const HOSTILE_TITLE = 'Feeds ]]> break ]]> <here> & "there"';
const HOSTILE_TAG = 'C++ <3 & "co"';

let dataDir: string;
let server: RunningServer;
let author: ApiClient;
let imageUrl: string;
const base = () => `http://feeds.localhost:${server.port}`;
const get = (urlPath: string, headers?: Record<string, string>) =>
  request(server.port, `feeds.localhost:${server.port}`, urlPath, { headers });

async function publish(title: string, fields: Record<string, unknown> = {}) {
  const reply = await author.call('POST', '/api/blogs/feeds/posts', { title, markdown: `Text of ${title}.`, action: 'publish', ...fields });
  expect(reply.status, JSON.stringify(reply.json)).toBe(200);
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-feeds-'));
  server = await startServer(dataDir);
  author = new ApiClient(server.port);
  const signup = { email: 'fay@example.com', password: 'a long enough passphrase', blog: { slug: 'feeds', title: 'Feed Tests' } };
  expect((await author.call('POST', '/api/auth/signup', signup)).status).toBe(200);
  const settings = { title: 'Feed Tests', description: 'All the news.', authorName: 'Fay Feed', postsPerPage: 10 };
  expect((await author.call('PUT', '/api/blogs/feeds/settings', settings)).status).toBe(200);
  const upload = await fetch(`${author.origin}/api/blogs/feeds/media?filename=cat.png`, {
    method: 'POST',
    headers: { cookie: author.cookie, origin: author.origin },
    body: new Uint8Array(await png(1400, 700)),
  });
  imageUrl = ((await upload.json()) as { path: string }).path;
  expect(imageUrl).toMatch(/^\/media\/\d+\//);
  for (let i = 1; i <= 20; i++) await publish(`Filler ${i}`);
  await publish('Links and images', {
    markdown: `See [the plain post](/posts/plain-post), [the notes](#notes), [elsewhere](https://example.com/x) and ![a cat](${imageUrl}).\n\n## Notes\n\nNone.`,
    tags: 'News, Cats',
  });
  await publish('Plain post', { tags: 'News' });
  await publish(HOSTILE_TITLE, { markdown: 'Text with ]]> and ]]> and **bold**.', tags: `${HOSTILE_TAG}, News` });
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const parser = new Parser();
const absolute = z.url({ protocol: /^https?$/ });

/** Every link and image address in an entry's HTML, which must all stand on their own. */
function addressesIn(html: string): string[] {
  const page = new ParsedPage(html);
  const found = [
    ...page.elements('a').map((a) => a.attribs.href),
    ...page.elements('img').flatMap((img) => [
      img.attribs.src,
      ...(img.attribs.srcset ?? '')
        .split(',')
        .map((c) => c.trim().split(' ')[0])
        .filter(Boolean),
    ]),
  ];
  return found.filter((value): value is string => value !== undefined);
}

function expectAbsolute(urls: (string | undefined)[]) {
  for (const url of urls) {
    expect(url, 'a URL is missing').toBeDefined();
    if (url!.startsWith('mailto:')) continue;
    expect(absolute.safeParse(url).success, `${url} is not absolute`).toBe(true);
  }
}

const jsonFeedSchema = z.object({
  version: z.literal('https://jsonfeed.org/version/1.1'),
  title: z.string().min(1),
  home_page_url: absolute,
  feed_url: absolute,
  authors: z.array(z.object({ name: z.string().min(1) })).min(1),
  items: z.array(
    z.object({
      id: z.string().min(1),
      url: absolute,
      title: z.string().min(1),
      content_html: z.string().min(1),
      summary: z.string(),
      date_published: z.iso.datetime(),
      date_modified: z.iso.datetime(),
      tags: z.array(z.string()),
    }),
  ),
});

const FEEDS = [
  { list: '', page: '/', title: 'Feed Tests' },
  { list: '/tag/news', page: '/tag/news', title: 'Feed Tests · News' },
];

describe.each(FEEDS)('the feeds of $page', ({ list, page, title }) => {
  const expectedTitles = () =>
    list
      ? [HOSTILE_TITLE, 'Plain post', 'Links and images']
      : [HOSTILE_TITLE, 'Plain post', 'Links and images', ...Array.from({ length: 17 }, (_, i) => `Filler ${20 - i}`)];

  it('RSS 2.0 parses, with the 20 newest posts whole and only absolute URLs', async () => {
    const reply = await get(`${list}/feed.xml`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
    const feed = await parser.parseString(reply.body);
    expect(feed.title).toBe(title);
    expect(feed.description).toBe('All the news.');
    expect(feed.link).toBe(base() + page);
    expect(feed.feedUrl).toBe(`${base()}${list}/feed.xml`);
    expect(feed.items.map((item) => item.title!.replaceAll('\u200B', ''))).toEqual(expectedTitles());
    for (const item of feed.items) {
      const content = (item as Record<string, string>)['content:encoded']!;
      expect(content).toMatch(/^<p>/);
      expect(item.isoDate).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(item.guid).toBe(item.link);
      expect((item as Record<string, string>)['dc:creator']).toBe('Fay Feed');
      expectAbsolute([item.link, ...addressesIn(content)]);
      for (const category of (item.categories ?? []) as unknown as { $: { domain: string } }[]) expectAbsolute([category.$.domain]);
    }
  });

  it('Atom parses, with the same entries and only absolute URLs', async () => {
    const reply = await get(`${list}/atom.xml`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    const feed = await parser.parseString(reply.body);
    expect(feed.title).toBe(title);
    expect(feed.link).toBe(base() + page);
    expect(feed.feedUrl).toBe(`${base()}${list}/atom.xml`);
    expect(feed.items).toHaveLength(expectedTitles().length);
    for (const item of feed.items) {
      expect(item.title).toBeTruthy();
      expect(item.isoDate).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(item.id).toBe(item.link);
      expectAbsolute([item.link, ...addressesIn(item.content!)]);
    }
  });

  it('JSON Feed 1.1 validates, with the same items and only absolute URLs', async () => {
    const reply = await get(`${list}/feed.json`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/feed+json; charset=utf-8');
    const feed = jsonFeedSchema.parse(JSON.parse(reply.body));
    expect(feed.title).toBe(title);
    expect(feed.home_page_url).toBe(base() + page);
    expect(feed.feed_url).toBe(`${base()}${list}/feed.json`);
    expect(feed.authors).toEqual([{ name: 'Fay Feed' }]);
    expect(feed.items.map((item) => item.title)).toEqual(expectedTitles());
    for (const item of feed.items) expectAbsolute(addressesIn(item.content_html));
  });
});

describe('feed entries', () => {
  it("resolve the post's own links and images against its address", async () => {
    const feed = JSON.parse((await get('/feed.json')).body) as z.infer<typeof jsonFeedSchema>;
    const item = feed.items.find((i) => i.title === 'Links and images')!;
    expect(item.url).toBe(`${base()}/posts/links-and-images`);
    expect(addressesIn(item.content_html)).toEqual([
      `${base()}/posts/plain-post`,
      `${base()}/posts/links-and-images#notes`,
      'https://example.com/x',
      base() + imageUrl,
      // its smaller copies, from srcset
      base() + imageUrl.replace(/^(\/media\/\d+)\//, '$1/w640/'),
      base() + imageUrl.replace(/^(\/media\/\d+)\//, '$1/w1280/'),
      base() + imageUrl,
    ]);
    expect(item.tags).toEqual(['Cats', 'News']);
    expect((await get(imageUrl)).status).toBe(200);
  });

  it('carry a hostile title and tag as text, in every format', async () => {
    const rss = await parser.parseString((await get('/feed.xml')).body);
    expect(rss.items[0]!.title!.replaceAll('\u200B', '')).toBe(HOSTILE_TITLE);
    expect((rss.items[0]!.categories as unknown as { _: string }[]).map((c) => c._)).toEqual([HOSTILE_TAG, 'News']);
    expect((rss.items[0] as Record<string, string>)['content:encoded']).toContain('Text with ]]&gt; and ]]&gt; and <strong>bold</strong>.');
    const atom = await parser.parseString((await get('/atom.xml')).body);
    expect(atom.items[0]!.title).toBe('Feeds ]]&gt; break ]]&gt; &lt;here&gt; &amp; &quot;there&quot;'); // type="html"
    const json = JSON.parse((await get('/feed.json')).body) as z.infer<typeof jsonFeedSchema>;
    expect(json.items[0]).toMatchObject({ title: HOSTILE_TITLE, tags: [HOSTILE_TAG, 'News'] });
    // The tag's own feeds too.
    const tagSlug = 'c-3-co';
    expect((await parser.parseString((await get(`/tag/${tagSlug}/atom.xml`)).body)).items).toHaveLength(1);
  });
});

describe("the front's cache", () => {
  const CACHED = [
    '/feed.xml',
    '/atom.xml',
    '/feed.json',
    '/tag/news/feed.xml',
    '/tag/news/atom.xml',
    '/tag/news/feed.json',
    '/sitemap.xml',
    '/robots.txt',
  ];

  it.each(CACHED)('serves %s from memory the second time, with its type and an ETag', async (urlPath) => {
    const first = await get(urlPath);
    const second = await get(urlPath);
    expect(second.headers['x-quire-cache']).toBe('hit');
    expect(second.body).toBe(first.body);
    expect(second.headers['content-type']).toBe(first.headers['content-type']);
    const notModified = await get(urlPath, { 'if-none-match': second.headers.etag as string });
    expect(notModified.status).toBe(304);
  });

  it('keeps nothing outside its list of types (an image)', async () => {
    await get(imageUrl);
    expect((await get(imageUrl)).headers['x-quire-cache']).not.toBe('hit');
  });

  it('serves new feeds after a publish', async () => {
    for (const urlPath of CACHED) await get(urlPath);
    await publish('Fresh news', { tags: 'News' });
    for (const urlPath of CACHED.filter((p) => p !== '/robots.txt')) {
      const reply = await get(urlPath);
      expect(reply.headers['x-quire-cache'], urlPath).toBe('miss');
      expect(reply.body, urlPath).toContain('fresh-news');
    }
  });
});
