import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Parser from 'rss-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParsedPage } from '@/lib/testing/html';
import { ApiClient, rawRequest, request, startServer, type RunningServer } from '@/lib/testing/server';

/**
 * What search engines and readers find on a blog, over HTTP against the production server: the
 * sitemap, robots.txt, tag pages, each page's head, and that drafts and posts not yet due are
 * nowhere public until their time.
 */
let dataDir: string;
let server: RunningServer;
let author: ApiClient;
const slugs: Record<string, string> = {};
const base = () => `http://seo.localhost:${server.port}`;
const get = (urlPath: string, headers?: Record<string, string>) =>
  request(server.port, `seo.localhost:${server.port}`, urlPath, { headers });

const HOSTILE_TITLE = 'Quotes "q" </script><script>window.pwned=1</script>';

async function savePost(title: string, fields: Record<string, unknown>) {
  const reply = await author.call('POST', '/api/blogs/seo/posts', { title, markdown: `Text of ${title}.`, ...fields });
  expect(reply.status, JSON.stringify(reply.json)).toBe(200);
  slugs[title] = (reply.json.post as { slug: string }).slug;
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-seo-'));
  server = await startServer(dataDir);
  author = new ApiClient(server.port);
  const signup = { email: 'ada@example.com', password: 'a long enough passphrase', blog: { slug: 'seo', title: 'Sitemap Tests' } };
  expect((await author.call('POST', '/api/auth/signup', signup)).status).toBe(200);
  const settings = { title: 'Sitemap Tests', description: 'Notes on walking.', authorName: 'Ada Author', postsPerPage: 2 };
  expect((await author.call('PUT', '/api/blogs/seo/settings', settings)).status).toBe(200);
  await savePost('Rain walks', { action: 'publish', tags: 'Travel, Rain', excerpt: 'Wet feet, <b>happy</b> heart.' });
  await savePost('Hill walks', { action: 'publish', tags: 'Travel' });
  await savePost('City walks', { action: 'publish', tags: 'travel' });
  await savePost(HOSTILE_TITLE, { action: 'publish', tags: 'C++ <3, Travel', markdown: 'Careful with titles.' });
  await savePost('Secret draft', { action: 'save', tags: 'Travel, Draft only' });
  await savePost('Scheduled later', {
    action: 'schedule',
    publishAt: new Date(Date.now() + 365 * 86_400_000).toISOString(),
    tags: 'Travel, Future only',
  });
  expect(
    (await author.call('POST', '/api/blogs/seo/pages', { title: 'About', markdown: 'About **this** blog.', action: 'publish' })).status,
  ).toBe(200);
  expect((await author.call('POST', '/api/blogs/seo/pages', { title: 'Hidden page', markdown: 'Not yet.', action: 'save' })).status).toBe(
    200,
  );
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Every page of a list (home or tag), following its "Older posts" links. */
async function walkList(firstPath: string): Promise<ParsedPage[]> {
  const pages: ParsedPage[] = [];
  let next: string | undefined = firstPath;
  while (next) {
    const reply = await get(next);
    expect(reply.status, next).toBe(200);
    const page = new ParsedPage(reply.body);
    pages.push(page);
    next = page.elements('a').find((a) => a.attribs.class === 'older')?.attribs.href;
    expect(pages.length).toBeLessThan(20);
  }
  return pages;
}

const postTitles = (page: ParsedPage) => page.elements('h2').map((h2) => page.text(h2));

async function sitemapUrls(): Promise<string[]> {
  const reply = await get('/sitemap.xml');
  expect(reply.status).toBe(200);
  expect(reply.headers['content-type']).toBe('application/xml; charset=utf-8');
  const sitemap = new ParsedPage(reply.body);
  expect(sitemap.elements('urlset')[0]?.attribs.xmlns).toBe('http://www.sitemaps.org/schemas/sitemap/0.9');
  for (const url of sitemap.elements('url')) {
    const lastmod = sitemap.elements('lastmod').find((el) => el.parent === url);
    if (lastmod) expect(new Date(sitemap.text(lastmod)).toISOString()).toBe(sitemap.text(lastmod));
  }
  return sitemap.elements('loc').map((loc) => sitemap.text(loc));
}

const PUBLIC_URLS = () => [
  '/',
  '/posts/rain-walks',
  '/posts/hill-walks',
  '/posts/city-walks',
  `/posts/${slugs[HOSTILE_TITLE]}`,
  '/about',
  '/tag/travel',
  '/tag/rain',
  '/tag/c-3',
];

describe('sitemap.xml and robots.txt', () => {
  it('lists exactly the public URLs, absolute, each once', async () => {
    const urls = await sitemapUrls();
    expect(urls).toHaveLength(new Set(urls).size);
    expect(new Set(urls)).toEqual(new Set(PUBLIC_URLS().map((p) => base() + p)));
  });

  it('dates each post by its last change', async () => {
    const reply = await get('/sitemap.xml');
    expect(reply.body).toMatch(new RegExp(`<loc>${base()}/posts/rain-walks</loc><lastmod>\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z</lastmod>`));
  });

  it('lets crawlers in everywhere but search results, and names the sitemap', async () => {
    const reply = await get('/robots.txt');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/plain; charset=utf-8');
    const lines = reply.body.split('\n');
    expect(lines).toEqual(expect.arrayContaining(['User-agent: *', 'Allow: /', 'Disallow: /search', `Sitemap: ${base()}/sitemap.xml`]));
  });
});

describe('drafts and posts not yet due', () => {
  const HIDDEN_TITLES = ['Secret draft', 'Scheduled later', 'Draft only', 'Future only', 'Hidden page', 'Not yet.'];
  const HIDDEN = [...HIDDEN_TITLES, 'secret-draft', 'scheduled-later', 'draft-only', 'future-only', 'hidden-page'];

  it('appear nowhere public', async () => {
    const bodies = [
      ...(await walkList('/')).map((page) => page.html),
      ...(await walkList('/tag/travel')).map((page) => page.html),
      ...(await Promise.all(
        [
          '/feed.xml',
          '/atom.xml',
          '/feed.json',
          '/tag/travel/feed.xml',
          '/tag/travel/atom.xml',
          '/tag/travel/feed.json',
          '/sitemap.xml',
          '/about',
          '/posts/rain-walks',
        ].map(async (urlPath) => {
          const reply = await get(urlPath);
          expect(reply.status, urlPath).toBe(200);
          return reply.body;
        }),
      )),
    ];
    const everything = bodies.join('\n');
    // The check can see what it looks for: the public posts are all there.
    for (const title of ['Rain walks', 'Hill walks', 'City walks']) expect(everything).toContain(title);
    for (const hidden of HIDDEN) expect(everything, hidden).not.toContain(hidden);
  });

  it.each([
    '/posts/secret-draft',
    '/posts/scheduled-later',
    '/hidden-page',
    '/tag/draft-only',
    '/tag/future-only',
    '/tag/draft-only/feed.xml',
    '/tag/future-only/atom.xml',
    '/tag/future-only/feed.json',
  ])('answer %s with a 404', async (urlPath) => {
    const reply = await get(urlPath);
    expect(reply.status).toBe(404);
    // Next's 404 page repeats the address asked for, but nothing of what is there.
    for (const hidden of HIDDEN_TITLES) expect(reply.body).not.toContain(hidden);
  });

  it('appear everywhere once due', async () => {
    const due = Date.now() + 5_000;
    await savePost('Arrives soon', { action: 'schedule', publishAt: new Date(due).toISOString(), tags: 'Soon only' });
    const everywhere = ['/', '/feed.xml', '/atom.xml', '/feed.json', '/sitemap.xml'];
    // Cached before it is due: the front must notice the time, not a write.
    for (const urlPath of everywhere) {
      await get(urlPath);
      const before = await get(urlPath);
      expect(before.headers['x-quire-cache'], urlPath).toBe('hit');
      expect(before.body, urlPath).not.toContain('arrives-soon');
    }
    expect((await get('/posts/arrives-soon')).status).toBe(404);
    expect((await get('/tag/soon-only')).status).toBe(404);

    await new Promise((resolve) => setTimeout(resolve, due - Date.now() + 100));
    for (const urlPath of everywhere)
      expect((await get(urlPath)).body, urlPath).toContain(`${urlPath === '/' ? '' : base()}/posts/arrives-soon`);
    expect(postTitles(new ParsedPage((await get('/')).body))[0]).toBe('Arrives soon');
    expect((await get('/posts/arrives-soon')).status).toBe(200);
    expect(postTitles(new ParsedPage((await get('/tag/soon-only')).body))).toEqual(['Arrives soon']);
    expect((await new Parser().parseString((await get('/tag/soon-only/feed.xml')).body)).items.map((i) => i.title)).toEqual([
      'Arrives soon',
    ]);
    expect(new Set(await sitemapUrls())).toEqual(
      new Set([...PUBLIC_URLS(), '/posts/arrives-soon', '/tag/soon-only'].map((p) => base() + p)),
    );
  });
});

describe('tag pages', () => {
  it("list a tag's posts newest first, with Older posts paging by key", async () => {
    const pages = await walkList('/tag/travel');
    expect(pages.map(postTitles)).toEqual([
      [HOSTILE_TITLE, 'City walks'],
      ['Hill walks', 'Rain walks'],
    ]);
    const [first, second] = pages as [ParsedPage, ParsedPage];
    expect(first.elements('h1').map((h1) => first.text(h1))).toEqual(['Posts tagged “Travel”']);
    expect(first.title()).toBe('Travel · Sitemap Tests');
    expect(first.links('canonical')).toEqual([expect.objectContaining({ href: `${base()}/tag/travel` })]);
    const older = first.elements('a').find((a) => a.attribs.class === 'older')!.attribs.href!;
    expect(older).toMatch(/^\/tag\/travel\?after=\d+-\d+$/);
    expect(second.links('canonical')).toEqual([expect.objectContaining({ href: base() + older })]);
    expect(second.elements('a').some((a) => a.attribs.href === '/tag/travel' && second.text(a).includes('Newest'))).toBe(true);
  });

  it("offer the blog's feeds and their own, absolute", async () => {
    const page = new ParsedPage((await get('/tag/travel')).body);
    const feeds = page.links('alternate').map((link) => `${link.type} ${link.href}`);
    expect(feeds).toEqual(
      expect.arrayContaining(
        [
          ['application/rss+xml', '/feed.xml'],
          ['application/atom+xml', '/atom.xml'],
          ['application/feed+json', '/feed.json'],
          ['application/rss+xml', '/tag/travel/feed.xml'],
          ['application/atom+xml', '/tag/travel/atom.xml'],
          ['application/feed+json', '/tag/travel/feed.json'],
        ].map(([type, p]) => `${type} ${base()}${p}`),
      ),
    );
    expect(feeds).toHaveLength(6);
  });

  it("are linked from a post's tags and from the home list", async () => {
    const post = new ParsedPage((await get('/posts/rain-walks')).body);
    const tagLinks = post.elements('a').filter((a) => a.attribs.rel === 'tag');
    expect(tagLinks.map((a) => [post.text(a), a.attribs.href])).toEqual([
      ['Rain', '/tag/rain'],
      ['Travel', '/tag/travel'],
    ]);
    const home = new ParsedPage((await get('/')).body);
    expect(home.elements('a').some((a) => a.attribs.href === '/tag/c-3' && home.text(a) === 'C++ <3')).toBe(true);
  });

  it.each([
    '/tag/..%2f',
    '/tag/..%2f..%2fapi%2fhealth',
    `/tag/${'a'.repeat(101)}`,
    `/tag/${'travel-'.repeat(700)}x`,
    '/tag/%C3%A9t%C3%A9',
    '/tag/%E2%80%AEtravel',
    '/tag/%00',
    '/tag/travel%00',
    '/tag/Travel',
    '/tag/travel%20',
    '/tag/%25',
    '/tag/nope',
    '/tag/travel/nope',
    '/tag/nope/feed.xml',
    '/tag/..%2f/feed.xml',
    '/tag/travel?after=nonsense',
    '/tag/travel?after=1-1',
    '/?after=nonsense',
  ])('answers the hostile or unknown %s with a 404, never a 500', async (urlPath) => {
    const reply = await rawRequest(server.port, `seo.localhost:${server.port}`, urlPath);
    expect(reply.status).toBe(404);
    expect(reply.text).not.toContain('"ok":true');
  });
});

describe("each page's head", () => {
  it('describes a post: canonical URL, description, OpenGraph, Twitter card, feeds', async () => {
    const url = `${base()}/posts/rain-walks`;
    const page = new ParsedPage((await get('/posts/rain-walks')).body);
    expect(page.title()).toBe('Rain walks · Sitemap Tests');
    expect(page.links('canonical').map((l) => l.href)).toEqual([url]);
    expect(page.meta('description')).toEqual(['Wet feet, <b>happy</b> heart.']);
    expect(page.meta('og:title')).toEqual(['Rain walks']);
    expect(page.meta('og:description')).toEqual(['Wet feet, <b>happy</b> heart.']);
    expect(page.meta('og:url')).toEqual([url]);
    expect(page.meta('og:type')).toEqual(['article']);
    expect(page.meta('og:site_name')).toEqual(['Sitemap Tests']);
    expect(page.meta('article:tag')).toEqual(['Rain', 'Travel']);
    const [published] = page.meta('article:published_time');
    expect(new Date(published!).toISOString()).toBe(published);
    expect(page.meta('article:modified_time')).toHaveLength(1);
    expect(page.meta('twitter:card')).toEqual(['summary']);
    expect(page.meta('twitter:title')).toEqual(['Rain walks']);
    expect(page.links('alternate').map((l) => l.href)).toEqual([`${base()}/feed.xml`, `${base()}/atom.xml`, `${base()}/feed.json`]);
  });

  it('carries BlogPosting JSON-LD that a title cannot break out of', async () => {
    const slug = slugs[HOSTILE_TITLE]!;
    const url = `${base()}/posts/${slug}`;
    const reply = await get(`/posts/${slug}`);
    expect(reply.status).toBe(200);
    const page = new ParsedPage(reply.body);
    const scripts = page.scripts();
    // The title's </script><script> would end the JSON early and make a script of its own.
    expect(scripts.filter((s) => s.text.trim().startsWith('window.pwned'))).toEqual([]);
    const jsonLd = scripts.filter((s) => s.type === 'application/ld+json');
    expect(jsonLd).toHaveLength(1);
    expect(jsonLd[0]!.text).not.toContain('<');
    expect(JSON.parse(jsonLd[0]!.text)).toMatchObject({
      '@context': 'https://schema.org',
      '@type': 'BlogPosting',
      headline: HOSTILE_TITLE,
      description: 'Careful with titles.',
      datePublished: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/),
      dateModified: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/),
      author: { '@type': 'Person', name: 'Ada Author' },
      url,
      mainEntityOfPage: { '@type': 'WebPage', '@id': url },
      keywords: 'C++ <3, Travel',
    });
    expect(page.title()).toBe(`${HOSTILE_TITLE} · Sitemap Tests`);
    expect(page.meta('og:title')).toEqual([HOSTILE_TITLE]);
  });

  it('makes the home page canonical to its first page, and a later page to itself', async () => {
    for (const urlPath of ['/', '/?utm_source=x']) {
      const home = new ParsedPage((await get(urlPath)).body);
      expect(home.links('canonical').map((l) => l.href)).toEqual([`${base()}/`]);
      expect(home.meta('description')).toEqual(['Notes on walking.']);
      expect(home.meta('og:type')).toEqual(['website']);
      expect(home.meta('og:url')).toEqual([`${base()}/`]);
    }
    const [first, later] = await walkList('/');
    const older = first!.elements('a').find((a) => a.attribs.class === 'older')!.attribs.href!;
    expect(later!.links('canonical').map((l) => l.href)).toEqual([base() + older]);
  });

  it('describes a static page, and gives the 404 page the feeds but no canonical URL', async () => {
    const about = new ParsedPage((await get('/about')).body);
    expect(about.links('canonical').map((l) => l.href)).toEqual([`${base()}/about`]);
    expect(about.meta('description')).toEqual(['About this blog.']);
    const missing = new ParsedPage((await get('/posts/nope')).body);
    expect(missing.links('canonical')).toEqual([]);
    expect(missing.links('alternate')).toHaveLength(3);
  });
});
