import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { png } from '@/lib/testing/images';
import { ApiClient, quire, request, signUp, startServer, type RunningServer } from '@/lib/testing/server';
import { zipOf } from '@/lib/testing/zip';
import type { ImportJobView } from './jobs';

/**
 * Moving in, end to end over HTTP against the production server: exports of each platform go
 * through the dashboard's API (dry run, then import), and the result is read as a reader reads
 * it — pages, feeds, search, the old addresses' 301s — with images fetched from a loopback
 * server (QUIRE_FETCH_ALLOW_LOOPBACK, the setting that exists for tests).
 */
const PASSWORD = 'a long enough passphrase';
const FIXTURES = path.join(import.meta.dirname, 'fixtures');
let dataDir: string;
let server: RunningServer;
let images: http.Server;
let imageBase: string;
let imageRequests: string[] = [];
let alice: ApiClient;
let bob: ApiClient;

type Job = ImportJobView;

async function upload(client: ApiClient, name: string, body: Buffer, oldSite = ''): Promise<Job> {
  const response = await fetch(`${client.origin}/api/imports?name=${encodeURIComponent(name)}&site=${encodeURIComponent(oldSite)}`, {
    method: 'POST',
    headers: { cookie: client.cookie, origin: client.origin, 'content-type': 'application/octet-stream' },
    body: new Uint8Array(body),
  });
  const json = (await response.json()) as { job?: Job; error?: string };
  if (!json.job) throw new Error(`upload refused: ${response.status} ${json.error}`);
  return waitFor(client, json.job.id, ['checked', 'failed']);
}

async function waitFor(client: ApiClient, id: string, states: string[]): Promise<Job> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const reply = await client.call('GET', `/api/imports/${id}`);
    const job = reply.json.job as Job;
    if (states.includes(job.state)) return job;
    if (Date.now() > deadline) throw new Error(`import ${id} still ${job.state}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function importAs(client: ApiClient, job: Job, target: { into: string } | { slug: string; title?: string }): Promise<Job> {
  const reply = await client.call('POST', `/api/imports/${job.id}`, target);
  if (reply.status !== 200) throw new Error(`import refused: ${reply.status} ${reply.text}`);
  const done = await waitFor(client, job.id, ['done', 'checked']);
  if (done.state !== 'done') throw new Error(`import failed: ${done.error}`);
  return done;
}

/** The post's own text, as the page shows it. */
const prose = (html: string) => /<div class="prose">([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '';
const host = (blog: string) => `${blog}.localhost:${server.port}`;
const read = (blog: string, urlPath: string) => request(server.port, host(blog), urlPath);

beforeAll(async () => {
  const picture = await png(640, 400);
  imageRequests = [];
  images = http.createServer((req, res) => {
    imageRequests.push(req.url ?? '');
    if (req.url?.startsWith('/img/') || req.url?.startsWith('/content/images/'))
      res.writeHead(200, { 'content-type': 'image/png' }).end(picture);
    else if (req.url === '/to-metadata.png') res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end();
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
  imageBase = `http://127.0.0.1:${(images.address() as { port: number }).port}`;
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-imports-'));
  server = await startServer(dataDir, { QUIRE_FETCH_ALLOW_LOOPBACK: '1' });
  alice = await signUp(server.port, { email: 'alice@example.com', password: PASSWORD, blog: { slug: 'alice', title: 'Alice' } });
  bob = await signUp(server.port, { email: 'bob@example.com', password: PASSWORD, blog: { slug: 'bob', title: 'Bob' } });
  await alice.call('POST', '/api/blogs/alice/posts', { title: 'Already here', markdown: 'My own post.', action: 'publish' });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  images?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('WordPress', () => {
  /** The fixture, its images moved from the old site to the loopback image server. */
  const wxr = () =>
    Buffer.from(
      fs
        .readFileSync(path.join(FIXTURES, 'wordpress', 'site-wxr-1.2.xml'), 'utf8')
        .replaceAll('https://cafe.example.org/wp-content/uploads', `${imageBase}/img`),
    );

  it('imports posts, pages, comments, tags and images as a new blog, and the old links lead to them', async () => {
    const job = await upload(bob, 'export.xml', wxr());
    expect(job.state).toBe('checked');
    const check = job.check!;
    expect(check).toMatchObject({ pages: 1, scheduled: 1 });
    expect(check.posts).toBeGreaterThanOrEqual(4);
    expect(check.drafts).toBeGreaterThanOrEqual(2); // a draft, and the private post kept as one
    expect(check.comments).toBe(2); // spam, trash and pingbacks stay behind
    expect(check.images.toFetch).toBeGreaterThan(0);
    expect(check.warnings.join('\n')).toMatch(/private/);
    expect(check.warnings.join('\n')).toMatch(/\[gallery\]/);

    const done = await importAs(bob, job, { slug: 'cafe' });
    const result = done.result!;
    expect(result.images.failed).toEqual([]);
    expect(result.images.stored).toBe(check.images.toFetch);
    const page = await read('cafe', '/posts/hello-world');
    expect(page.status).toBe(200);
    expect(page.body).toContain('dateTime="2024-05-01T09:00:00.000Z"');
    // The served image is a PNG, whatever its old name said; the link to the full size follows it too.
    expect(prose(page.body)).toMatch(/<figure><a href="\/media\/\d+\/espresso\.png"><img src="\/media\/\d+\/espresso-1024x683\.png"/);
    expect(prose(page.body)).toContain('Our first espresso, Rome');
    expect(page.body).toContain('Lovely <em>crema</em>! Où était-ce ?');
    expect(page.body).not.toContain('Buy now');
    // The old addresses: the permalink, ?p=, the category and tag listings.
    for (const [old, now] of [
      ['/2024/05/hello-world/', '/posts/hello-world'],
      ['/?p=10', '/posts/hello-world'],
      ['/category/news/', '/tag/news-updates'], // “News & Updates”: the tag's address comes from its name
    ]) {
      const reply = await read('cafe', old!);
      expect([old, reply.status, reply.headers.location]).toEqual([old, 301, now]);
    }
    // WordPress's /tag/coffee/ is Quire's /tag/coffee but for its slash: the front's one 308 leads
    // there, and the tag page answers (it once led to itself).
    const tagPage = await read('cafe', '/tag/coffee/');
    expect([tagPage.status, tagPage.headers.location]).toEqual([308, '/tag/coffee']);
    expect((await read('cafe', '/tag/coffee')).status).toBe(200);
    expect((await read('cafe', '/about')).status).toBe(200);
    expect((await read('cafe', '/posts/staff-notes')).status).toBe(404); // private: a draft now
    const tag = await read('cafe', '/tag/news-updates');
    expect(tag.body).toContain('href="/posts/hello-world"');
    const feed = await read('cafe', '/feed.json');
    expect(feed.body).toContain('"date_published": "2024-05-01T09:00:00.000Z"');
    expect((await read('cafe', '/search?q=espresso')).body).toContain('href="/posts/hello-world"');
  });

  it('refuses a file with a DTD at once (billion laughs, external entities), and names the line of broken XML', async () => {
    for (const name of ['billion-laughs.xml', 'xxe.xml']) {
      const started = Date.now();
      const job = await upload(bob, name, fs.readFileSync(path.join(FIXTURES, 'wordpress', name)));
      expect(job.state).toBe('failed');
      expect(job.error).toMatch(/DTD/);
      expect(Date.now() - started).toBeLessThan(5_000);
    }
    const broken = await upload(bob, 'malformed.xml', fs.readFileSync(path.join(FIXTURES, 'wordpress', 'malformed.xml')));
    expect(broken.error).toMatch(/line \d+/);
  });
});

describe('Ghost', () => {
  it('reads the export without writing anything, then imports it into an existing blog, all of it', async () => {
    const blogFile = path.join(dataDir, 'tenants', 'alice.db');
    const before = fs.statSync(blogFile).size;
    const job = await upload(alice, 'ghost.json', fs.readFileSync(path.join(FIXTURES, 'ghost', 'ghost-5.json')));
    expect(job.state).toBe('checked');
    const check = job.check!;
    expect(check.dryRun).toBe(true);
    expect(check.posts).toBeGreaterThanOrEqual(5);
    expect(check.pages).toBe(1);
    expect(check.warnings.join('\n')).toMatch(/members|paid/i);
    // The export names its images by Ghost's placeholder and has no site address: they cannot be had.
    expect(check.images.failed.length).toBeGreaterThan(0);
    expect(fs.statSync(blogFile).size).toBe(before);
    expect((await read('alice', '/posts/welcome')).status).toBe(404);

    const done = await importAs(alice, job, { into: 'alice' });
    expect(done.blog).toBe('alice');
    expect(done.result!.posts).toBe(check.posts);
    const page = await read('alice', '/posts/welcome');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Hello from');
    expect(page.body).toContain('dateTime="2024-05-01T09:30:00.000Z"');
    // The blog's own post is still there, and the imported page is a page.
    expect((await read('alice', '/posts/already-here')).status).toBe(200);
    expect((await read('alice', '/about')).body).toContain('We write notes.');
    // Ghost's addresses lead to the new ones, in one step.
    const old = await read('alice', '/welcome/');
    expect(old.status).toBe(301);
    expect(old.headers.location).toBe('/posts/welcome');
    const tag = await read('alice', '/tag/notes/');
    expect([301, 308]).toContain(tag.status);
    // Members-only and paid posts did not become public.
    expect((await read('alice', '/posts/paid-deep-dive')).status).toBe(404);
    // The first request of an old address is cached: the second says so.
    expect((await read('alice', '/welcome/')).headers['x-quire-cache']).toBe('hit');
  });

  it('imports the same export again under new addresses, the old ones still leading to the first', async () => {
    const job = await upload(alice, 'ghost.json', fs.readFileSync(path.join(FIXTURES, 'ghost', 'ghost-5.json')));
    const done = await importAs(alice, job, { into: 'alice' });
    expect(done.result!.warnings.join('\n')).toMatch(/becomes “welcome-2”/);
    expect((await read('alice', '/posts/welcome-2')).status).toBe(200);
    // The old address still leads to the first import.
    expect((await read('alice', '/welcome')).headers.location).toBe('/posts/welcome');
  });
});

describe('Ghost, with the old address given', () => {
  it('fetches the images a Ghost export names only by its placeholder', async () => {
    const job = await upload(bob, 'ghost.json', fs.readFileSync(path.join(FIXTURES, 'ghost', 'ghost-5.json')), imageBase);
    expect(job.check!.images.failed).toEqual([]);
    expect(job.check!.images.toFetch).toBeGreaterThan(0);
    const done = await importAs(bob, job, { slug: 'field-notes' });
    expect(done.result!.images.failed).toEqual([]);
    expect(done.result!.images.stored).toBe(job.check!.images.toFetch);
    expect(imageRequests.some((url) => url.startsWith('/content/images/2024/05/cover.jpg'))).toBe(true);
    expect(prose((await read('field-notes', '/posts/welcome')).body)).toMatch(/<img src="\/media\/\d+\//);
    const refused = await fetch(`${bob.origin}/api/imports?name=g.json&site=file%3A%2F%2F%2Fetc`, {
      method: 'POST',
      headers: { cookie: bob.cookie, origin: bob.origin },
      body: '{}',
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toBe('The old address must start with http:// or https://.');
  });
});

describe('Substack', () => {
  it('imports a new blog with images fetched from the web and /p/ addresses kept', async () => {
    const csv = [
      'post_id,post_date,is_published,email_sent_at,inbox_sent_at,type,audience,title,subtitle,podcast_url',
      `101.first-letter,2023-03-04T10:00:00.000Z,true,2023-03-04T10:00:00.000Z,,newsletter,everyone,First letter,Where it starts,`,
      `102.members-letter,2023-04-01T10:00:00.000Z,true,,,newsletter,only_paid,For paying readers,,`,
      `103.unfinished,,false,,,newsletter,everyone,Unfinished,,`,
    ].join('\n');
    const body = `<p>Dear readers, the harbour froze.</p><div class="captioned-image-container"><figure><a class="image-link" href="${imageBase}/img/boat.png"><img src="${imageBase}/img/boat.png" alt="A boat"></a><figcaption class="image-caption">The boat</figcaption></figure></div><p><img src="${imageBase}/missing.png"></p><p><img src="${imageBase}/to-metadata.png"></p><div class="subscription-widget-wrap"><form><input type="email"></form></div><p><a href="javascript:alert(1)">click</a> <img src="${imageBase}/img/x.png" onerror="alert(2)"><svg><script>alert(3)</script></svg><iframe srcdoc="<script>alert(4)</script>"></iframe></p>`;
    const zip = await zipOf([
      ['posts.csv', Buffer.from(csv)],
      ['posts/101.first-letter.html', Buffer.from(body)],
      ['posts/102.members-letter.html', Buffer.from('<p>Paid words.</p>')],
      ['posts/103.unfinished.html', Buffer.from('<p>Later.</p>')],
    ]);
    const requestsBefore = imageRequests.length;
    const job = await upload(bob, 'substack.zip', zip);
    expect(job.state).toBe('checked');
    expect(job.check!.images.toFetch).toBe(4);
    expect(imageRequests.length).toBe(requestsBefore); // the dry run fetched nothing
    const done = await importAs(bob, job, { slug: 'harbour-letters', title: 'Harbour letters' });
    expect(done.blog).toBe('harbour-letters');
    const result = done.result!;
    expect(result.images.stored).toBe(2);
    expect(result.images.failed.map((f) => f.reason).join('\n')).toMatch(/404/);
    expect(result.images.failed.map((f) => f.reason).join('\n')).toMatch(/private|169\.254/);
    const page = await read('harbour-letters', '/posts/first-letter');
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<img src="\/media\/\d+\/boat\.png"/);
    expect(page.body).toContain('The boat');
    expect(prose(page.body)).not.toMatch(/<form|<input|subscribe/i);
    // Hostile HTML comes out as any post's does: sanitized.
    expect(prose(page.body)).not.toMatch(/javascript:|onerror|<script|<svg|<iframe|alert\(/);
    expect(prose(page.body)).toContain('click');
    // The image that could not be fetched keeps its address; the post works.
    expect(page.body).toContain(`${imageBase}/missing.png`);
    const old = await read('harbour-letters', '/p/first-letter');
    expect(old.status).toBe(301);
    expect(old.headers.location).toBe('/posts/first-letter');
    expect((await read('harbour-letters', '/posts/members-letter')).status).toBe(404);
    // The feed and search carry it, with its date.
    const feed = await read('harbour-letters', '/feed.xml');
    expect(feed.body).toContain('First letter');
    expect(feed.body).toContain('Sat, 04 Mar 2023 10:00:00 GMT');
    expect((await read('harbour-letters', '/search?q=harbour')).body).toContain('First letter');
    // Bob owns the new blog.
    expect((await bob.call('GET', '/api/blogs/harbour-letters/posts')).status).not.toBe(404);
  });
});

describe('a Markdown folder', () => {
  it('imports a Hugo site with its images from the zip and its aliases', async () => {
    const picture = await png(300, 200);
    const zip = await zipOf([
      ['site/config.yaml', Buffer.from('title: Hugo notes\n')],
      [
        'site/content/posts/first-light/index.md',
        Buffer.from(
          '---\ntitle: First light\ndate: 2021-06-01T08:00:00Z\ntags: [dawn, sky]\naliases: [/old/first-light/]\n---\n\nThe sun came up over the *hill*.\n\n![Dawn](dawn.png)\n\n![Its own](cover.png)\n',
        ),
      ],
      ['site/content/posts/first-light/dawn.png', picture],
      ['site/content/posts/first-light/cover.png', await png(120, 80)],
      [
        'site/content/posts/second-light/index.md',
        Buffer.from(
          '---\ntitle: Second light\ndate: 2021-06-02T08:00:00Z\naliases: [/feed.xml, /search/, /media/1/x.png]\n---\n\n![Its own](cover.png)\n',
        ),
      ],
      ['site/content/posts/second-light/cover.png', await png(200, 100)],
      ['site/content/posts/draft-idea.md', Buffer.from('---\ntitle: Draft idea\ndraft: true\n---\n\nNot yet.\n')],
      ['site/content/about.md', Buffer.from('---\ntitle: About\n---\n\nA Hugo site.\n')],
    ]);
    const job = await upload(bob, 'site.zip', zip);
    expect(job.state).toBe('checked');
    expect(job.check!.images.inExport).toBe(3); // each bundle's cover.png is its own
    const done = await importAs(bob, job, { slug: 'hugo-notes' });
    expect(done.result!.drafts).toBe(1);
    const page = await read('hugo-notes', '/posts/first-light');
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<img src="\/media\/\d+\/dawn\.png"/);
    expect(page.body).toContain('<em>hill</em>');
    expect((await read('hugo-notes', '/old/first-light/')).headers.location).toBe('/posts/first-light');
    expect((await read('hugo-notes', '/posts/first-light-2')).status).toBe(404);
    expect((await read('hugo-notes', '/tag/dawn')).body).toContain('First light');
    // Each bundle's cover.png is its own image.
    const own = (html: string) => /<img src="(\/media\/\d+\/cover\.png)"[^>]*width="(\d+)"/.exec(prose(html))?.slice(1);
    expect(own(page.body)?.[1]).toBe('120');
    expect(own((await read('hugo-notes', '/posts/second-light')).body)?.[1]).toBe('200');
    // Old addresses never hide the blog's own routes.
    expect((await read('hugo-notes', '/feed.xml')).status).toBe(200);
    expect((await read('hugo-notes', '/search')).status).toBe(200);
  });
});

describe('bad input', () => {
  it('says in one sentence what a file is not, and keeps nothing', async () => {
    const job = await upload(bob, 'notes.txt', Buffer.from('just some words'));
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(/^This file is not an export Quire can read/);
    const broken = await upload(bob, 'ghost.json', Buffer.from('{"db": [ {"data": {"posts": [}'));
    expect(broken.state).toBe('failed');
    expect(broken.error).toMatch(/line 1/);
  });

  it('lets only owners import into a blog, and only their own jobs be seen', async () => {
    const job = await upload(alice, 'ghost.json', fs.readFileSync(path.join(FIXTURES, 'ghost', 'ghost-5.json')));
    expect((await alice.call('POST', `/api/imports/${job.id}`, { into: 'bob' })).status).toBe(404);
    expect((await bob.call('GET', `/api/imports/${job.id}`)).status).toBe(404);
    expect((await bob.call('POST', `/api/imports/${job.id}`, { into: 'bob' })).status).toBe(404);
    const stranger = new ApiClient(server.port);
    expect((await stranger.call('POST', `/api/imports/${job.id}`, { into: 'alice' })).status).toBe(401);
    // A write from another site is refused before anything else.
    expect((await alice.call('POST', `/api/imports/${job.id}`, { into: 'alice' }, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await alice.call('DELETE', `/api/imports/${job.id}`)).status).toBe(200);
    expect((await alice.call('GET', `/api/imports/${job.id}`)).status).toBe(404);
  });
});

describe('one import at a time', () => {
  it('refuses a second upload while the first is still arriving', async () => {
    let finish!: () => void;
    const bytes = fs.readFileSync(path.join(FIXTURES, 'wordpress', 'site-wxr-1.2.xml'));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(bytes.subarray(0, 10)));
        finish = () => {
          controller.enqueue(new Uint8Array(bytes.subarray(10)));
          controller.close();
        };
      },
    });
    const first = fetch(`${alice.origin}/api/imports?name=slow.xml`, {
      method: 'POST',
      headers: { cookie: alice.cookie, origin: alice.origin },
      body,
      duplex: 'half',
    } as RequestInit);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = await fetch(`${alice.origin}/api/imports?name=other.xml`, {
      method: 'POST',
      headers: { cookie: alice.cookie, origin: alice.origin },
      body: 'x',
    });
    expect(second.status).toBe(429);
    expect(((await second.json()) as { error: string }).error).toMatch(/already have an import running/);
    finish();
    const job = ((await (await first).json()) as { job: Job }).job;
    expect((await waitFor(alice, job.id, ['checked', 'failed'])).state).toBe('checked');
    // The slot is free again once the first has been read.
    expect((await alice.call('DELETE', `/api/imports/${job.id}`)).status).toBe(200);
  });

  it('pauses the blog’s own writes while an import is merged into it, then takes them again', async () => {
    const items = Array.from(
      { length: 400 },
      (_, i) => `<item><title>Bulk ${i}</title><content:encoded><![CDATA[<p>Bulk text ${i}.</p>]]></content:encoded>
<wp:post_id>${i + 1}</wp:post_id><wp:post_date_gmt>2019-01-01 10:00:00</wp:post_date_gmt><wp:post_name>bulk-${i}</wp:post_name>
<wp:status>publish</wp:status><wp:post_type>post</wp:post_type></item>`,
    );
    const wxr = `<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>Bulk</title><wp:wxr_version>1.2</wp:wxr_version>${items.join('')}</channel></rss>`;
    const job = await upload(alice, 'bulk.xml', Buffer.from(wxr));
    expect((await alice.call('POST', `/api/imports/${job.id}`, { into: 'alice' })).status).toBe(200);
    const refused = await alice.call('POST', '/api/blogs/alice/posts', {
      title: 'During',
      markdown: 'Typed meanwhile.',
      action: 'publish',
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('15');
    expect(refused.json.error).toMatch(/^An import into this blog is running/);
    // Other blogs are not paused.
    expect((await bob.call('POST', '/api/blogs/bob/posts', { title: 'Elsewhere', markdown: 'Fine.', action: 'save' })).status).toBe(200);
    await waitFor(alice, job.id, ['done', 'checked']);
    expect((await alice.call('POST', '/api/blogs/alice/posts', { title: 'After', markdown: 'Saved.', action: 'publish' })).status).toBe(
      200,
    );
    expect((await read('alice', '/posts/bulk-399')).status).toBe(200);
  });
});

describe('quire import', () => {
  it('reports a dry run, then imports into a new blog, and the old addresses go into its file', () => {
    const file = path.join(FIXTURES, 'ghost', 'ghost-4.json');
    const dry = quire(dataDir, ['import', 'cli-ghost', file, '--dry-run']);
    expect(dry.stderr).toBe('');
    expect(dry.status).toBe(0);
    expect(dry.stdout).toMatch(/Ready to import from Ghost/);
    expect(fs.existsSync(path.join(dataDir, 'tenants', 'cli-ghost.db'))).toBe(false);
    const real = quire(dataDir, ['import', 'cli-ghost', file]);
    expect(real.status).toBe(0);
    expect(real.stdout).toMatch(/Imported from Ghost/);
    const db = new Database(path.join(dataDir, 'tenants', 'cli-ghost.db'), { readonly: true });
    try {
      expect((db.prepare('select count(*) from posts').pluck().get() as number) > 0).toBe(true);
      expect((db.prepare('select count(*) from redirects').pluck().get() as number) > 0).toBe(true);
    } finally {
      db.close();
    }
  });
});
